package io.l2mesh.switching.port.unix;

import io.l2mesh.switching.buffer.FrameBatch;
import io.l2mesh.switching.buffer.LoopMemory;
import io.l2mesh.switching.offload.VirtioNetHeader;
import io.l2mesh.switching.port.Port;
import io.l2mesh.switching.stats.DropReason;
import io.l2mesh.switching.stats.PortCounters;
import io.l2mesh.switching.vlan.VlanRules;
import io.l2mesh.tuntap.Errno;
import io.l2mesh.tuntap.Libc;
import io.l2mesh.tuntap.NativeMemory;
import io.l2mesh.tuntap.SocketAddresses;
import io.l2mesh.tuntap.UnixAddress;
import io.l2mesh.tuntap.UnixSocket;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;

/**
 * A port for a QEMU {@code -netdev dgram} NIC: l2mesh binds a unix datagram socket, the VM binds its own and
 * sends to ours, one Ethernet frame per datagram. We answer to the address the last datagram came from, so a
 * restarted VM (or one on a new path) is followed as soon as it sends; until a VM has sent anything, frames for
 * the port are dropped as {@code not_connected}.
 * <p>
 * One socket, read by the home loop only. Every loop sends through it directly: a datagram is written whole,
 * so writers cannot interleave. The peer address is an immutable segment published through a volatile field; a
 * new one is allocated only when the peer changes, never per frame.
 */
public final class UnixDatagramPort extends Port
{
    static final int HOME_LOOP = 0;
    private static final int MSG_TRUNC = 0x20;

    private final UnixSocket socket;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment from = arena.allocate(UnixAddress.LENGTH, 8); // home loop only
    private final MemorySegment fromLength = arena.allocate(ValueLayout.JAVA_INT); // home loop only
    private final MemorySegment[] gather; // per loop: a frame given as iovecs, made contiguous
    private volatile MemorySegment peer; // sockaddr_un of the VM, exactly as long as the kernel reported it
    private volatile long peerChanges;

    public UnixDatagramPort(final int id, final String name, final Path path, final int fileMode,
        final VlanRules vlanRules, final int mtu, final int loopCount, final int burstSize)
    {
        super(id, name, vlanRules, mtu, false, loopCount, burstSize);
        this.gather = new MemorySegment[loopCount];
        for (int i = 0; i < loopCount; i++)
        {
            gather[i] = arena.allocate(LoopMemory.slotCapacity(), 64);
        }
        try
        {
            this.socket = UnixSocket.bindDatagram(path, fileMode, false);
        }
        catch (final RuntimeException ex)
        {
            arena.close();
            throw ex;
        }
    }

    /**
     * Binds the socket {@code spec} names for a QEMU VM's {@code -netdev dgram}.
     */
    public static UnixDatagramPort open(
        final int id, final UnixPortSpec spec, final int loopCount, final int burstSize)
    {
        return new UnixDatagramPort(id, spec.name(), spec.path(), spec.fileMode(), spec.vlanRules(), spec.mtu(),
            loopCount, burstSize);
    }

    @Override
    public String kind()
    {
        return "unix-dgram";
    }

    public Path path()
    {
        return socket.path();
    }

    public boolean connected()
    {
        return peer != null;
    }

    /**
     * How many times a datagram came from an address other than the last one (VM started or restarted).
     */
    public long peerChanges()
    {
        return peerChanges;
    }

    @Override
    public String endpoint()
    {
        return path() + (connected() ? " (VM attached)" : " (waiting for a VM)");
    }

    @Override
    public int ingressFd(final int loopId)
    {
        return loopId == HOME_LOOP ? socket.fd() : -1;
    }

    @Override
    public int receive(final int loopId, final LoopMemory memory, final FrameBatch batch, final MemorySegment errno)
    {
        final MemorySegment slots = memory.segment();
        final long base = memory.address();
        final long capacity = LoopMemory.slotCapacity() - VirtioNetHeader.LENGTH;
        while (batch.count() < batch.capacity())
        {
            final long header = memory.headerOffset(batch.count());
            fromLength.set(ValueLayout.JAVA_INT, 0, UnixAddress.LENGTH);
            // MSG_TRUNC: the datagram's real length, so one longer than a slot is dropped, not cut short.
            final long n = Libc.recvfrom(errno, socket.fd(), base + header + VirtioNetHeader.LENGTH, capacity,
                UnixSocket.MSG_DONTWAIT | MSG_TRUNC, from.address(), fromLength.address());
            if (n < 0)
            {
                break; // EAGAIN; a unix datagram socket reports no other errors on receive
            }
            if (n > capacity)
            {
                PortCounters.drop(counters().loopSlots(HOME_LOOP), DropReason.MALFORMED);
                continue;
            }
            VirtioNetHeader.clear(slots, header);
            notePeer(fromLength.get(ValueLayout.JAVA_INT, 0));
            batch.add(header, (int)n);
        }
        return batch.count();
    }

    private void notePeer(final int length)
    {
        if (length <= 2)
        {
            return; // an unbound sender: nothing to answer to
        }
        final MemorySegment next = SocketAddresses.changedCopy(peer, from, length); // rare: a VM starts
        if (next != null)
        {
            peer = next;
            peerChanges++;
        }
    }

    @Override
    public long send(final int loopId, final long address, final int length, final MemorySegment errno)
    {
        final MemorySegment to = peer;
        if (to == null)
        {
            return -Errno.ENOTCONN;
        }
        final long n = Libc.sendto(errno, socket.fd(), address, length,
            UnixSocket.MSG_DONTWAIT | UnixSocket.MSG_NOSIGNAL, to.address(), (int)to.byteSize());
        if (n == -Errno.EAGAIN)
        {
            return 0;
        }
        if (n == -Errno.ECONNREFUSED || n == -Errno.ENOENT)
        {
            // The VM's socket is gone: forget it until it sends again. Should a newer peer be cleared by this race,
            // its next datagram brings it back.
            if (peer == to)
            {
                peer = null;
            }
            return -Errno.ENOTCONN;
        }
        return n;
    }

    @Override
    public long sendv(final int loopId, final long iovAddress, final int iovCount, final MemorySegment errno)
    {
        final MemorySegment buffer = gather[loopId];
        long length = 0;
        for (int i = 0; i < iovCount; i++)
        {
            final long part = NativeMemory.ALL.get(ValueLayout.JAVA_LONG_UNALIGNED, iovAddress + i * 16L + 8);
            if (length + part > buffer.byteSize())
            {
                return -Errno.EMSGSIZE;
            }
            MemorySegment.copy(NativeMemory.ALL,
                NativeMemory.ALL.get(ValueLayout.JAVA_LONG_UNALIGNED, iovAddress + i * 16L), buffer, length, part);
            length += part;
        }
        return send(loopId, buffer.address(), (int)length, errno);
    }

    @Override
    public void close()
    {
        socket.close();
        arena.close();
    }
}
