package io.l2mesh.tunnel;

import io.l2mesh.switching.frame.EthernetFlyweight;
import io.l2mesh.switching.offload.SegmentCutter;
import io.l2mesh.tuntap.NativeMemory;

import java.lang.foreign.MemorySegment;

/**
 * The frame a loop is sending through a tunnel port, left where the switch put it (loop memory, or the loop's
 * gather buffer) until it is copied to where it is sealed: the GSO batch, or the heap work buffer. Either a plain
 * frame, with a completed checksum patched into each copy (the slot itself is never changed: it may go to other
 * ports too), or one segment of a super-frame that {@link SegmentCutter} cuts into the copy. Because every copy
 * comes from the original, a frame flooded to several peers needs no copy kept aside. Single owner: the loop.
 */
final class OutgoingFrame
{
    private final SegmentCutter cutter;
    private long address;
    private int length;
    private int patchAt = -1;
    private int patchValue;
    private int segment = -1;

    OutgoingFrame(final SegmentCutter cutter)
    {
        this.cutter = cutter;
    }

    /**
     * A plain frame of {@code length} bytes at native {@code address}.
     */
    void plain(final long address, final int length)
    {
        this.address = address;
        this.length = length;
        this.patchAt = -1;
        this.segment = -1;
    }

    /**
     * Each copy gets {@code value} (big-endian) at frame offset {@code at}: the completed partial checksum.
     */
    void patch(final int at, final int value)
    {
        patchAt = at;
        patchValue = value;
    }

    /**
     * Segment {@code k} of the super-frame at native {@code address}, which the cutter has prepared.
     */
    void segment(final long address, final int k)
    {
        this.address = address;
        this.segment = k;
        this.length = cutter.frameLength(k, false);
        this.patchAt = -1;
    }

    int length()
    {
        return length;
    }

    long destinationMac()
    {
        return EthernetFlyweight.readMac(NativeMemory.ALL, address);
    }

    /**
     * Writes the frame (or cuts the segment) at {@code at} of {@code out}.
     */
    void place(final MemorySegment out, final long at)
    {
        if (segment >= 0)
        {
            cutter.write(segment, out, at, false, 0);
            return;
        }
        MemorySegment.copy(NativeMemory.ALL, address, out, at, length);
        if (patchAt >= 0)
        {
            out.set(EthernetFlyweight.SHORT_BE, at + patchAt, (short)patchValue);
        }
    }
}
