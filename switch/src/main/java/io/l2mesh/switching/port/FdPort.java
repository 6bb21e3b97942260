package io.l2mesh.switching.port;

import io.l2mesh.switching.buffer.FrameBatch;
import io.l2mesh.switching.buffer.LoopMemory;
import io.l2mesh.switching.offload.VirtioNetHeader;
import io.l2mesh.switching.vlan.VlanRules;
import io.l2mesh.tuntap.FrameChannel;

import java.lang.foreign.MemorySegment;

/**
 * A port on kernel fds, one {@link FrameChannel} per datapath loop: loop {@code i} reads and writes through
 * channel {@code i}, so no two loops share an fd. With fewer channels than loops the extra loops only write
 * (a write moves one whole frame, so sharing an fd for writes is safe).
 * <p>
 * With a virtio-net header on the fd (TAP vnet_hdr, AF_PACKET PACKET_VNET_HDR) the kernel hands us GSO
 * super-frames and partial checksums and takes them back the same way; without one, a zeroed header is put in
 * front of each frame read, so slots always hold header + frame.
 */
abstract class FdPort extends Port
{
    private final FrameChannel[] channels;
    private final boolean vnetHdr;

    FdPort(
        final int id, final String name, final FrameChannel[] channels, final boolean vnetHdr,
        final VlanRules vlanRules, final int mtu, final int loopCount, final int burstSize)
    {
        super(id, name, vlanRules, mtu, vnetHdr, loopCount, burstSize);
        this.channels = channels;
        this.vnetHdr = vnetHdr;
    }

    private FrameChannel channel(final int loopId)
    {
        return channels[loopId % channels.length];
    }

    @Override
    public final int ingressFd(final int loopId)
    {
        return loopId < channels.length ? channels[loopId].fd() : -1;
    }

    @Override
    public final int receive(
        final int loopId, final LoopMemory memory, final FrameBatch batch, final MemorySegment errno)
    {
        final FrameChannel channel = channel(loopId);
        final MemorySegment segment = memory.segment();
        final long base = memory.address();
        final int skip = vnetHdr ? 0 : VirtioNetHeader.LENGTH;
        final long capacity = LoopMemory.slotCapacity() - skip;
        while (batch.count() < batch.capacity())
        {
            final long header = memory.headerOffset(batch.count());
            final long n = channel.read(errno, base + header + skip, capacity);
            if (n == 0)
            {
                break;
            }
            if (n < 0)
            {
                return batch.count() > 0 ? batch.count() : (int)n;
            }
            if (!vnetHdr)
            {
                VirtioNetHeader.clear(segment, header);
            }
            // A read shorter than the virtio-net header itself is malformed: FrameCheck sees a runt of length 0.
            batch.add(header, (int)Math.max(0, n + skip - VirtioNetHeader.LENGTH));
        }
        return batch.count();
    }

    @Override
    public final long send(final int loopId, final long address, final int length, final MemorySegment errno)
    {
        return channel(loopId).write(errno, address, length);
    }

    @Override
    public final long sendv(final int loopId, final long iovAddress, final int iovCount, final MemorySegment errno)
    {
        return channel(loopId).writev(errno, iovAddress, iovCount);
    }
}
