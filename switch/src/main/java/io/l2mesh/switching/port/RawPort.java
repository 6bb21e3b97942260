package io.l2mesh.switching.port;

import io.l2mesh.switching.buffer.FrameBatch;
import io.l2mesh.switching.buffer.LoopMemory;
import io.l2mesh.switching.vlan.VlanRules;
import io.l2mesh.tuntap.RawSocket;

import java.lang.foreign.MemorySegment;

/**
 * A port on an existing interface through {@code AF_PACKET}: one socket per datapath loop, joined in a fanout
 * group, so each loop reads and writes its own fd as with a multi-queue TAP. Frames carry a virtio-net header
 * ({@code PACKET_VNET_HDR}), so GSO super-frames pass whole. The kernel moves 802.1Q tags into packet metadata
 * before an {@code AF_PACKET} socket sees a frame, so a raw port is an access port (trunks need
 * {@code PACKET_AUXDATA}; not done yet).
 */
public final class RawPort extends Port
{
    private final RawSocket[] sockets;

    public RawPort(final int id, final RawSocket[] sockets, final VlanRules vlanRules, final int mtu,
        final int loopCount, final int burstSize)
    {
        super(id, sockets[0].interfaceName(), vlanRules, mtu, true, loopCount, burstSize);
        this.sockets = sockets;
    }

    private RawSocket socket(final int loopId)
    {
        return sockets[loopId % sockets.length];
    }

    @Override
    public int ingressFd(final int loopId)
    {
        return loopId < sockets.length ? sockets[loopId].fd() : -1;
    }

    @Override
    public String kind()
    {
        return "raw";
    }

    @Override
    public int receive(final int loopId, final LoopMemory memory, final FrameBatch batch, final MemorySegment errno)
    {
        final RawSocket socket = socket(loopId);
        final long base = memory.address();
        while (batch.count() < batch.capacity())
        {
            final long header = memory.headerOffset(batch.count());
            final long n = socket.read(errno, base + header, LoopMemory.slotCapacity());
            if (n == 0)
            {
                break;
            }
            if (n < 0)
            {
                return batch.count() > 0 ? batch.count() : (int)n;
            }
            batch.add(header, (int)Math.max(0, n - io.l2mesh.switching.offload.VirtioNetHeader.LENGTH));
        }
        return batch.count();
    }

    @Override
    public long send(final int loopId, final long address, final int length, final MemorySegment errno)
    {
        return socket(loopId).write(errno, address, length);
    }

    @Override
    public long sendv(final int loopId, final long iovAddress, final int iovCount, final MemorySegment errno)
    {
        return socket(loopId).writev(errno, iovAddress, iovCount);
    }

    @Override
    public void close()
    {
        for (final RawSocket socket : sockets)
        {
            socket.close();
        }
    }
}
