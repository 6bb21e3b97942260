package io.l2mesh.switching.capture;

import io.l2mesh.switching.frame.EthernetFlyweight;
import org.jctools.queues.SpscArrayQueue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Copies the frames of one port, as they are on its wire, to a capture writer, without slowing the datapath:
 * <ul>
 *   <li>per loop, two JCTools SPSC queues cycle preallocated {@link CaptureRecord}s: the loop takes a free one,
 *   fills it and hands it over; the writer takes it, writes it and gives it back. Nothing is allocated per
 *   frame, nothing crosses threads but the record, and nothing blocks;</li>
 *   <li>when the writer falls behind and no record is free, the frame is not captured and a drop is counted
 *   (single writer per loop, opaque store); forwarding is never held up;</li>
 *   <li>ports without a capture pay one null check per burst.</li>
 * </ul>
 */
public final class CaptureTap
{
    private static final VarHandle COUNT = MethodHandles.arrayElementVarHandle(long[].class);
    private static final int PAD = 8;

    private final int snaplen;
    private final SpscArrayQueue<CaptureRecord>[] free;
    private final SpscArrayQueue<CaptureRecord>[] full;
    private final long[][] dropped;

    @SuppressWarnings("unchecked")
    public CaptureTap(final int loopCount, final int snaplen, final int recordsPerLoop)
    {
        this.snaplen = snaplen;
        this.free = new SpscArrayQueue[loopCount];
        this.full = new SpscArrayQueue[loopCount];
        this.dropped = new long[loopCount][];
        for (int loop = 0; loop < loopCount; loop++)
        {
            free[loop] = new SpscArrayQueue<>(recordsPerLoop);
            full[loop] = new SpscArrayQueue<>(recordsPerLoop);
            dropped[loop] = new long[PAD * 2 + 1];
            for (int i = 0; i < recordsPerLoop; i++)
            {
                free[loop].offer(new CaptureRecord(snaplen));
            }
        }
    }

    public int snaplen()
    {
        return snaplen;
    }

    public int loopCount()
    {
        return free.length;
    }

    /**
     * Captures a frame; loop {@code loopId}'s thread only.
     *
     * @param vlan when {@code >= 0}, an 802.1Q tag with this VID is inserted after the MACs, as the port sends it.
     */
    public void capture(final int loopId, final MemorySegment segment, final long frameOffset, final int length,
        final int vlan, final long nowNs)
    {
        final CaptureRecord record = free[loopId].relaxedPoll();
        if (record == null)
        {
            final long[] counter = dropped[loopId];
            COUNT.setOpaque(counter, PAD, counter[PAD] + 1); // single writer: this loop
            return;
        }
        final byte[] data = record.data;
        int copied;
        if (vlan >= 0 && length >= EthernetFlyweight.MAC_PAIR_LENGTH)
        {
            final int head = Math.min(EthernetFlyweight.MAC_PAIR_LENGTH, snaplen);
            MemorySegment.copy(segment, ValueLayout.JAVA_BYTE, frameOffset, data, 0, head);
            final int tagged = length + EthernetFlyweight.VLAN_TAG_LENGTH;
            final int tagBytes = Math.max(0, Math.min(EthernetFlyweight.VLAN_TAG_LENGTH, snaplen - head));
            final int tci = EthernetFlyweight.TPID_8021Q << 16 | (vlan & EthernetFlyweight.VID_MASK);
            for (int b = 0; b < tagBytes; b++)
            {
                data[head + b] = (byte)(tci >>> (24 - 8 * b));
            }
            final int rest = Math.max(0, Math.min(length - head, snaplen - head - tagBytes));
            MemorySegment.copy(segment, ValueLayout.JAVA_BYTE, frameOffset + head, data, head + tagBytes, rest);
            copied = head + tagBytes + rest;
            record.originalLength = tagged;
        }
        else
        {
            copied = Math.min(length, snaplen);
            MemorySegment.copy(segment, ValueLayout.JAVA_BYTE, frameOffset, data, 0, copied);
            record.originalLength = length;
        }
        record.capturedLength = copied;
        record.timestampNs = nowNs;
        full[loopId].offer(record);
    }

    /**
     * Writer side: the next captured record of {@code loopId}, or null. Give it back with {@link #release}.
     */
    public CaptureRecord poll(final int loopId)
    {
        return full[loopId].poll();
    }

    public void release(final int loopId, final CaptureRecord record)
    {
        free[loopId].offer(record);
    }

    /**
     * @return frames not captured because the writer was behind.
     */
    public long dropped()
    {
        long sum = 0;
        for (final long[] counter : dropped)
        {
            sum += (long)COUNT.getOpaque(counter, PAD);
        }
        return sum;
    }
}
