package io.l2mesh.tunnel.vxlan;

import io.l2mesh.switching.buffer.FrameBatch;
import io.l2mesh.switching.buffer.LoopMemory;
import io.l2mesh.switching.frame.EthernetFlyweight;
import io.l2mesh.switching.offload.VirtioNetHeader;
import io.l2mesh.switching.port.Port;
import io.l2mesh.switching.stats.DropReason;
import io.l2mesh.switching.stats.PortCounters;
import io.l2mesh.tuntap.NativeMemory;
import io.l2mesh.tuntap.SocketAddresses;
import io.l2mesh.tuntap.MsgHdr;
import io.l2mesh.tunnel.udp.UdpGroReceive;
import io.l2mesh.tunnel.udp.UdpGsoBatch;
import io.l2mesh.tunnel.udp.UdpLoopSockets;
import org.jctools.maps.NonBlockingHashMapLong;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * A VXLAN VTEP (RFC 7348) as a switch port: inner Ethernet frames travel in UDP to a fixed set of remote VTEPs,
 * with flood and learn: a frame for a broadcast, multicast or unknown MAC is sent to every remote (head-end
 * replication), and the remote a MAC was last seen behind gets its unicast frames.
 * <p>
 * One UDP socket per datapath loop in an {@code SO_REUSEPORT} group, so each loop reads and sends through its own
 * (the kernel spreads remote flows over them; Linux's vxlan varies its source port per inner flow; sockets,
 * GSO batches and GRO receivers are {@link UdpLoopSockets}, shared with the encrypted tunnel). A frame is
 * copied once each way: on receive, out of the UDP GRO buffer into the loop's slot (the VXLAN header landing
 * where the virtio-net header goes; without GRO the datagram is read straight into the slot); on send, a unicast
 * frame into the burst's UDP GSO batch ({@code UdpGsoBatch}, one {@code sendmsg} per remote and burst), while a
 * flood goes out with {@code sendmsg} gathering the header and the frame in place.
 * <p>
 * Only the configured remotes are accepted; anything else is dropped and counted ({@code unknown_peer}), as are
 * packets for another VNI ({@code wrong_vni}) and malformed ones. The port is a tunnel: frames that came in on
 * it are never flooded into another tunnel port (split horizon). It takes no offloads: TCP super-frames are
 * segmented to the port's MTU before they reach it.
 */
public final class VxlanPort extends Port
{
    /** Learned MAC to remote entries beyond which new MACs are flooded rather than remembered. */
    static final int MAX_LEARNED = 65_536;
    private static final long NO_REMOTE = -1;

    private final VxlanPortSpec spec;
    private final UdpLoopSockets sockets;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment remotes; // sockaddr of each remote, MAX_LENGTH apart; read-only after start
    private final int[] remoteLengths;
    private final LoopScratch[] scratch;
    private final NonBlockingHashMapLong<Integer> remoteByMac = new NonBlockingHashMapLong<>();
    private final MemorySegment[] remoteAddresses; // each remote's sockaddr, as a segment of its own length

    /**
     * Per loop: where a datagram's source lands, and a {@code msghdr} whose first iovec is the VXLAN header, for
     * sending a frame gathered in place.
     */
    private static final class LoopScratch
    {
        final MemorySegment from;
        final MemorySegment fromLength;
        final MsgHdr message = new MsgHdr();
        final MemorySegment iovecs;
        final MemorySegment header;

        LoopScratch(final Arena arena, final int vni)
        {
            from = arena.allocate(SocketAddresses.MAX_LENGTH, 8);
            fromLength = arena.allocate(ValueLayout.JAVA_INT);
            iovecs = arena.allocate((long)MsgHdr.IOVEC_SIZE * (LoopMemory.MAX_IOVECS + 1), 8);
            header = arena.allocate(VxlanHeader.LENGTH, 8);
            VxlanHeader.write(header, 0, vni);
            MsgHdr.iovec(iovecs, 0, header.address(), VxlanHeader.LENGTH);
            message.wrap(arena.allocate(MsgHdr.SIZE, 8));
        }
    }

    private VxlanPort(final int id, final VxlanPortSpec spec, final UdpLoopSockets sockets, final int loopCount,
        final int burstSize)
    {
        super(id, spec.name(), spec.vlanRules(), spec.mtu(), false, loopCount, burstSize);
        this.spec = spec;
        this.sockets = sockets;
        final List<InetSocketAddress> list = spec.remotes();
        this.remotes = arena.allocate((long)SocketAddresses.MAX_LENGTH * list.size(), 8);
        this.remoteLengths = new int[list.size()];
        for (int i = 0; i < list.size(); i++)
        {
            remoteLengths[i] = SocketAddresses.write(remotes, (long)i * SocketAddresses.MAX_LENGTH, list.get(i));
        }
        this.remoteAddresses = new MemorySegment[list.size()];
        for (int i = 0; i < list.size(); i++)
        {
            remoteAddresses[i] = remotes.asSlice((long)i * SocketAddresses.MAX_LENGTH, remoteLengths[i]);
        }
        this.scratch = new LoopScratch[loopCount];
        for (int i = 0; i < loopCount; i++)
        {
            scratch[i] = new LoopScratch(arena, spec.vni());
        }
    }

    /**
     * Binds one socket per loop to {@code spec.local()} and builds the port.
     *
     * @throws io.l2mesh.tuntap.NativeError EADDRINUSE when something else has the address.
     */
    public static VxlanPort open(final int id, final VxlanPortSpec spec, final int loopCount, final int burstSize)
    {
        final UdpLoopSockets sockets = UdpLoopSockets.bind(spec.local(), loopCount, burstSize, true);
        try
        {
            return new VxlanPort(id, spec, sockets, loopCount, burstSize);
        }
        catch (final RuntimeException ex)
        {
            sockets.close();
            throw ex;
        }
    }

    public VxlanPortSpec spec()
    {
        return spec;
    }

    /**
     * Segments of one TCP flow arrive one datagram each: the loop merges them back into super-frames.
     */
    @Override
    public boolean coalescesReceive()
    {
        return true;
    }

    @Override
    public String kind()
    {
        return "vxlan";
    }

    @Override
    public boolean isTunnel()
    {
        return true;
    }

    @Override
    public String endpoint()
    {
        return "vni " + spec.vni() + " on " + spec.local().getAddress().getHostAddress() + ":" +
            spec.local().getPort() + ", " + spec.remotes().size() + " remote VTEP(s)";
    }

    @Override
    public int ingressFd(final int loopId)
    {
        return sockets.socket(loopId).fd();
    }

    @Override
    public int receive(final int loopId, final LoopMemory memory, final FrameBatch batch, final MemorySegment errno)
    {
        final LoopScratch loop = scratch[loopId];
        final MemorySegment slots = memory.segment();
        final long base = memory.address();
        final long[] counters = counters().loopSlots(loopId);
        // The VXLAN header is read into the last 8 bytes of the virtio-net header's place, so the inner frame
        // lands exactly where a frame belongs in the slot.
        final int shift = VirtioNetHeader.LENGTH - VxlanHeader.LENGTH;
        final long capacity = LoopMemory.slotCapacity() - shift;
        if (sockets.gro(loopId) != null)
        {
            receiveCoalesced(loopId, loop, memory, batch, counters, errno);
            return batch.count();
        }
        int attempts = 0;
        while (batch.count() < batch.capacity() && attempts++ < batch.capacity() * 2)
        {
            final long header = memory.headerOffset(batch.count());
            loop.fromLength.set(ValueLayout.JAVA_INT, 0, SocketAddresses.MAX_LENGTH);
            final long n = sockets.socket(loopId).receive(errno, base + header + shift, capacity, loop.from.address(),
                loop.fromLength.address());
            if (n <= 0)
            {
                break; // nothing waiting; a UDP socket's errors (ICMP reports) are not the receiver's business
            }
            accept(slots, header, (int)n, loop.from, batch, counters);
        }
        return batch.count();
    }

    /**
     * Checks the datagram whose VXLAN header sits at {@code header + 2} of the slot and, if good, adds its frame
     * to the burst.
     */
    private void accept(final MemorySegment slots, final long header, final int n, final MemorySegment from,
        final FrameBatch batch, final long[] counters)
    {
        final long vxlan = header + VirtioNetHeader.LENGTH - VxlanHeader.LENGTH;
        if (n < VxlanHeader.LENGTH + EthernetFlyweight.HEADER_LENGTH || !VxlanHeader.validFlags(slots, vxlan))
        {
            PortCounters.drop(counters, DropReason.MALFORMED);
            return;
        }
        final int remote = remoteIndex(from);
        if (remote < 0)
        {
            PortCounters.drop(counters, DropReason.UNKNOWN_PEER);
            return;
        }
        if (VxlanHeader.vni(slots, vxlan) != spec.vni())
        {
            PortCounters.drop(counters, DropReason.WRONG_VNI);
            return;
        }
        final long frame = header + VirtioNetHeader.LENGTH;
        learn(EthernetFlyweight.source(slots, frame), remote);
        VirtioNetHeader.clear(slots, header);
        batch.add(header, n - VxlanHeader.LENGTH);
    }

    /**
     * UDP GRO: one {@code recvmsg} of up to 64 datagrams of one flow, each copied into a slot; what the burst
     * cannot hold waits for the next call, which the loop makes at once ({@link #pendingInput}).
     */
    private void receiveCoalesced(final int loopId, final LoopScratch loop, final LoopMemory memory,
        final FrameBatch batch, final long[] counters, final MemorySegment errno)
    {
        final UdpGroReceive rx = sockets.gro(loopId);
        if (!rx.pending())
        {
            if (rx.receive(sockets.socket(loopId), errno) <= 0)
            {
                return;
            }
            MemorySegment.copy(rx.from(), 0, loop.from, 0, rx.fromLength());
        }
        final MemorySegment slots = memory.segment();
        final long capacity = LoopMemory.slotCapacity() - (VirtioNetHeader.LENGTH - VxlanHeader.LENGTH);
        while (rx.pending() && batch.count() < batch.capacity())
        {
            final int at = rx.next();
            final int length = (int)Math.min(rx.length(), capacity);
            final long header = memory.headerOffset(batch.count());
            MemorySegment.copy(rx.buffer(), at, slots, header + VirtioNetHeader.LENGTH - VxlanHeader.LENGTH, length);
            accept(slots, header, length, loop.from, batch, counters);
        }
    }

    @Override
    public boolean pendingInput(final int loopId)
    {
        return sockets.pending(loopId);
    }

    private int remoteIndex(final MemorySegment from)
    {
        for (int i = 0; i < remoteLengths.length; i++)
        {
            if (SocketAddresses.sameIp(from, 0, remotes, (long)i * SocketAddresses.MAX_LENGTH))
            {
                return i;
            }
        }
        return -1;
    }

    private void learn(final long mac, final int remote)
    {
        if (EthernetFlyweight.isMulticast(mac))
        {
            return;
        }
        final Integer known = remoteByMac.get(mac);
        // Integer.valueOf caches small values and remotes are at most 64: no allocation per frame.
        if ((known == null && remoteByMac.size() < MAX_LEARNED) || (known != null && known != remote))
        {
            remoteByMac.put(mac, Integer.valueOf(remote));
        }
    }

    @Override
    public long send(final int loopId, final long address, final int length, final MemorySegment errno)
    {
        final LoopScratch loop = scratch[loopId];
        loop.iovecs.set(ValueLayout.JAVA_LONG, 16, address);
        loop.iovecs.set(ValueLayout.JAVA_LONG, 24, length);
        return transmit(loopId, loop, 2, address, length, errno);
    }

    @Override
    public long sendv(final int loopId, final long iovAddress, final int iovCount, final MemorySegment errno)
    {
        final LoopScratch loop = scratch[loopId];
        MemorySegment.copy(NativeMemory.ALL, iovAddress, loop.iovecs, 16, 16L * iovCount);
        long length = 0;
        for (int i = 0; i < iovCount; i++)
        {
            length += NativeMemory.ALL.get(ValueLayout.JAVA_LONG_UNALIGNED, iovAddress + i * 16L + 8);
        }
        final long frameStart = NativeMemory.ALL.get(ValueLayout.JAVA_LONG_UNALIGNED, iovAddress);
        return transmit(loopId, loop, iovCount + 1, frameStart, length, errno);
    }

    /**
     * @param frameStart address of the frame's first bytes (its destination MAC).
     */
    private long transmit(final int loopId, final LoopScratch loop, final int iovCount, final long frameStart,
        final long length, final MemorySegment errno)
    {
        final MsgHdr message = loop.message.iov(loop.iovecs, iovCount);
        final long destination = EthernetFlyweight.readMac(NativeMemory.ALL, frameStart);
        final long remote = EthernetFlyweight.isMulticast(destination) ? NO_REMOTE : remoteFor(destination);
        if (remote != NO_REMOTE)
        {
            // Gathered with the burst's other frames to this remote: one sendmsg with UDP_SEGMENT (flush()).
            final UdpGsoBatch batch = sockets.gso(loopId);
            final int size = VxlanHeader.LENGTH + (int)length;
            final MemorySegment to = remoteAddresses[(int)remote];
            if (!batch.fits(to, size))
            {
                flush(loopId, errno);
            }
            batch.begin(to, size);
            for (int i = 0; i < iovCount; i++)
            {
                final long base = loop.iovecs.get(ValueLayout.JAVA_LONG, i * 16L);
                final long part = loop.iovecs.get(ValueLayout.JAVA_LONG, i * 16L + 8);
                batch.put(NativeMemory.ALL, base, (int)part);
            }
            return length;
        }
        flush(loopId, errno); // keep order with what was gathered
        long result = 0;
        for (int i = 0; i < remoteLengths.length; i++)
        {
            final long sent = sendTo(loopId, message, i, errno, length);
            if (sent > 0 || result == 0)
            {
                result = sent; // one remote reached counts the frame as sent
            }
        }
        return result;
    }

    private long remoteFor(final long mac)
    {
        final Integer remote = remoteByMac.get(mac);
        return remote == null ? NO_REMOTE : remote;
    }

    private long sendTo(final int loopId, final MsgHdr message, final int remote, final MemorySegment errno,
        final long length)
    {
        message.name(remoteAddresses[remote], remoteLengths[remote]);
        final long sent = sockets.socket(loopId).send(errno, message.address());
        return sent > 0 ? length : sent;
    }

    @Override
    public void flush(final int loopId, final MemorySegment errno)
    {
        sockets.flush(loopId, counters().loopSlots(loopId), errno);
    }

    /**
     * Learned MAC to remote VTEP entries (for status and tests).
     */
    public int learnedMacs()
    {
        return remoteByMac.size();
    }

    @Override
    public void close()
    {
        sockets.close();
        arena.close();
    }
}
