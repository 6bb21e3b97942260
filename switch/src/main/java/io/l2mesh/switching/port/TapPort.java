package io.l2mesh.switching.port;

import io.l2mesh.switching.buffer.FrameBatch;
import io.l2mesh.switching.buffer.LoopMemory;
import io.l2mesh.switching.offload.VirtioNetHeader;
import io.l2mesh.switching.vlan.VlanRules;
import io.l2mesh.tuntap.TapDevice;
import io.l2mesh.tuntap.TapQueue;

import java.lang.foreign.MemorySegment;

/**
 * A port on a TAP device. Loop {@code i} reads and writes through queue {@code i} of a multi-queue device, so
 * no two loops share an fd; with fewer queues than loops the extra loops only write (a TAP write is atomic per
 * frame, so sharing a queue fd for writes is safe).
 * <p>
 * With vnet_hdr the kernel hands us GSO super-frames and partial checksums, and takes them back the same way.
 */
public final class TapPort extends Port
{
    private final TapDevice device;
    private final boolean vnetHdr;

    public TapPort(
        final int id, final TapDevice device, final VlanRules vlanRules, final int mtu, final int loopCount,
        final int burstSize)
    {
        super(id, device.name(), vlanRules, mtu, device.vnetHdr(), loopCount, burstSize);
        this.device = device;
        this.vnetHdr = device.vnetHdr();
    }

    public TapDevice device()
    {
        return device;
    }

    public TapQueue queue(final int loopId)
    {
        return device.queue(loopId % device.queueCount());
    }

    @Override
    public int ingressFd(final int loopId)
    {
        return loopId < device.queueCount() ? device.queue(loopId).fd() : -1;
    }

    @Override
    public String kind()
    {
        return "tap";
    }

    @Override
    public int receive(final int loopId, final LoopMemory memory, final FrameBatch batch, final MemorySegment errno)
    {
        final TapQueue queue = queue(loopId);
        final MemorySegment segment = memory.segment();
        final long base = memory.address();
        final int skip = vnetHdr ? 0 : VirtioNetHeader.LENGTH;
        final long capacity = LoopMemory.slotCapacity() - skip;
        while (batch.count() < batch.capacity())
        {
            final long header = memory.headerOffset(batch.count());
            final long n = queue.read(errno, base + header + skip, capacity);
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
            // A vnet_hdr read shorter than the header itself is malformed: FrameCheck sees a runt of length 0.
            batch.add(header, (int)Math.max(0, n + skip - VirtioNetHeader.LENGTH));
        }
        return batch.count();
    }

    @Override
    public long send(final int loopId, final long address, final int length, final MemorySegment errno)
    {
        return queue(loopId).write(errno, address, length);
    }

    @Override
    public long sendv(final int loopId, final long iovAddress, final int iovCount, final MemorySegment errno)
    {
        return queue(loopId).writev(errno, iovAddress, iovCount);
    }

    @Override
    public void close()
    {
        device.close();
    }
}
