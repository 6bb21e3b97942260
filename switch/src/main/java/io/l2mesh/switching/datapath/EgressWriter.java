package io.l2mesh.switching.datapath;

import io.l2mesh.switching.buffer.FrameBatch;
import io.l2mesh.switching.capture.CaptureTap;
import io.l2mesh.switching.buffer.LoopMemory;
import io.l2mesh.switching.frame.EthernetFlyweight;
import io.l2mesh.switching.offload.Checksums;
import io.l2mesh.switching.offload.GsoSegmenter;
import io.l2mesh.switching.offload.VirtioNetHeader;
import io.l2mesh.switching.port.Port;
import io.l2mesh.switching.stats.DropReason;
import io.l2mesh.switching.stats.PortCounters;
import io.l2mesh.tuntap.Errno;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Puts one frame on the wire of one port, shaped for that port, without changing the frame in its slot (the
 * same slot may go to several ports when flooding). Frames in a slot are canonical: untagged, with a virtio-net
 * header. Per egress port the writer gathers, as iovecs in loop memory:
 * <ul>
 *   <li>the virtio-net header, if the port takes offloads (a copy with shifted offsets if a tag is added);</li>
 *   <li>the frame, with an 802.1Q tag spliced in after the MACs if the port sends this VLAN tagged;</li>
 *   <li>a completed checksum spliced over the partial one, if the frame needs one and the port takes none.</li>
 * </ul>
 * GSO super-frames go on whole to ports that take offloads and whose MTU fits the segment size, or that cut
 * super-frames themselves (a tunnel); otherwise {@link GsoSegmenter} cuts them. Single owner: the loop thread;
 * allocates nothing.
 */
public final class EgressWriter implements GsoSegmenter.Sink
{
    private static final long TAG_SCRATCH = 16;
    private static final long CSUM_SCRATCH = 20;

    private final int loopId;
    private final LoopMemory memory;
    private final MemorySegment segment;
    private final long base;
    private final MemorySegment errnoCapture;
    private final GsoSegmenter segmenter;
    private int iovCount;

    public EgressWriter(final int loopId, final LoopMemory memory, final MemorySegment errnoCapture)
    {
        this.loopId = loopId;
        this.memory = memory;
        this.segment = memory.segment();
        this.base = memory.address();
        this.errnoCapture = errnoCapture;
        this.segmenter = new GsoSegmenter(memory);
    }

    void flush(final TxBatch batch, final FrameBatch frames)
    {
        final Port port = batch.port();
        final long[] counters = batch.counterSlots();
        for (int i = 0, n = batch.count(); i < n; i++)
        {
            final int index = batch.frameIndex(i);
            transmit(port, counters, frames.headerOffset(index), frames.frameLength(index), batch.vlan(i));
        }
        port.flush(loopId, errnoCapture);
    }

    void transmit(final Port port, final long[] counters, final long header, final int length, final int vlan)
    {
        final boolean tagged = port.vlanRules().egressTagged(vlan);
        final long frame = header + VirtioNetHeader.LENGTH;
        if (VirtioNetHeader.gsoType(segment, header) != VirtioNetHeader.GSO_NONE)
        {
            final int headersLength = segmenter.headersLength(header, length);
            if (headersLength < 0)
            {
                PortCounters.drop(counters, DropReason.MALFORMED);
                return;
            }
            final int segmentL3 = VirtioNetHeader.gsoSize(segment, header) + headersLength -
                EthernetFlyweight.HEADER_LENGTH;
            if (port.acceptsOffloads() && (segmentL3 <= port.mtu() || port.cutsSuperFrames()))
            {
                if (send(port, counters, header, length, tagged, vlan, -1, 0))
                {
                    PortCounters.add(counters, PortCounters.TX_GSO_FRAMES, 1);
                }
                return;
            }
            segmenter.segment(this, port, counters, header, length, headersLength, tagged, vlan);
            return;
        }
        if (length - EthernetFlyweight.HEADER_LENGTH > port.mtu())
        {
            // Too big for the port (a tunnel's inner MTU is below the hosts'): TCP is cut to fit, as if it had
            // come as a super-frame; anything else is counted and dropped.
            final int l4 = segmenter.plainTcpOffset(header, length);
            if (l4 < 0)
            {
                PortCounters.drop(counters, DropReason.MTU);
                return;
            }
            segmenter.segmentPlainTcp(this, port, counters, header, length, l4, tagged, vlan);
            return;
        }
        int patchOffset = -1;
        int patchValue = 0;
        if (!port.acceptsOffloads() && (VirtioNetHeader.flags(segment, header) & VirtioNetHeader.F_NEEDS_CSUM) != 0)
        {
            final int start = VirtioNetHeader.csumStart(segment, header);
            final int offset = VirtioNetHeader.csumOffset(segment, header);
            patchValue = Checksums.completePartial(segment, frame, length, start, offset);
            if (patchValue < 0)
            {
                PortCounters.drop(counters, DropReason.MALFORMED);
                return;
            }
            patchOffset = start + offset;
        }
        send(port, counters, header, length, tagged, vlan, patchOffset, patchValue);
    }

    /**
     * Gathers the frame at {@code header} for {@code port} and sends it.
     *
     * @param patchOffset frame offset of a 2-byte big-endian value to send instead of the slot's, or -1.
     * @return true if sent.
     */
    boolean send(
        final Port port, final long[] counters, final long header, final int length, final boolean tagged,
        final int vlan, final int patchOffset, final int patchValue)
    {
        final long frame = header + VirtioNetHeader.LENGTH;
        final long scratch = memory.smallScratch();
        if (!tagged && patchOffset < 0)
        {
            // Common case: the slot holds exactly what goes out, one write() with no iovecs.
            return port.acceptsOffloads() ?
                sendContiguous(port, counters, header, VirtioNetHeader.LENGTH + length, length) :
                sendContiguous(port, counters, frame, length, length);
        }
        iovCount = 0;
        if (port.acceptsOffloads())
        {
            if (tagged)
            {
                MemorySegment.copy(segment, header, segment, scratch, VirtioNetHeader.LENGTH);
                VirtioNetHeader.shift(segment, scratch, EthernetFlyweight.VLAN_TAG_LENGTH);
                addIov(scratch, VirtioNetHeader.LENGTH);
            }
            else
            {
                addIov(header, VirtioNetHeader.LENGTH);
            }
        }
        int position = 0;
        if (tagged)
        {
            addIov(frame, EthernetFlyweight.MAC_PAIR_LENGTH);
            segment.set(EthernetFlyweight.INT_BE, scratch + TAG_SCRATCH,
                (EthernetFlyweight.TPID_8021Q << 16) | (vlan & EthernetFlyweight.VID_MASK));
            addIov(scratch + TAG_SCRATCH, EthernetFlyweight.VLAN_TAG_LENGTH);
            position = EthernetFlyweight.MAC_PAIR_LENGTH;
        }
        if (patchOffset >= 0)
        {
            addIov(frame + position, patchOffset - position);
            segment.set(EthernetFlyweight.SHORT_BE, scratch + CSUM_SCRATCH, (short)patchValue);
            addIov(scratch + CSUM_SCRATCH, 2);
            position = patchOffset + 2;
        }
        if (position < length)
        {
            addIov(frame + position, length - position);
        }
        final boolean sent = count(counters, port.sendv(loopId, base + memory.iovecs(), iovCount, errnoCapture),
            length + (tagged ? EthernetFlyweight.VLAN_TAG_LENGTH : 0));
        final CaptureTap tap = port.capture();
        if (sent && tap != null)
        {
            tap.capture(loopId, segment, frame, length, tagged ? vlan : -1, System.nanoTime());
        }
        return sent;
    }

    /**
     * Sends one contiguous range of loop memory.
     */
    @Override
    public boolean sendContiguous(final Port port, final long[] counters, final long offset, final int length,
        final int frameLength)
    {
        final boolean sent = count(counters, port.send(loopId, base + offset, length, errnoCapture), frameLength);
        final CaptureTap tap = port.capture();
        if (sent && tap != null)
        {
            // The frame is the tail of what was sent: anything before it is the virtio-net header.
            tap.capture(loopId, segment, offset + length - frameLength, frameLength, -1, System.nanoTime());
        }
        return sent;
    }

    private static boolean count(final long[] counters, final long sent, final int frameLength)
    {
        if (sent > 0)
        {
            PortCounters.add(counters, PortCounters.TX_PACKETS, 1);
            PortCounters.add(counters, PortCounters.TX_BYTES, frameLength);
            return true;
        }
        PortCounters.drop(counters, sent == 0 ? DropReason.QUEUE_FULL :
            sent == -Errno.ENOTCONN ? DropReason.NOT_CONNECTED :
            sent == -Errno.EBADMSG ? DropReason.MALFORMED : DropReason.TX_ERROR);
        return false;
    }

    private void addIov(final long offset, final long length)
    {
        final long iov = memory.iovecs() + iovCount * 16L;
        segment.set(ValueLayout.JAVA_LONG, iov, base + offset);
        segment.set(ValueLayout.JAVA_LONG, iov + 8, length);
        iovCount++;
    }
}
