package io.l2mesh.switching.offload;

import io.l2mesh.switching.buffer.LoopMemory;
import io.l2mesh.switching.frame.EthernetFlyweight;
import io.l2mesh.switching.port.Port;
import io.l2mesh.switching.stats.DropReason;
import io.l2mesh.switching.stats.PortCounters;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static io.l2mesh.switching.frame.EthernetFlyweight.SHORT_BE;

/**
 * Software TCP segmentation: cuts a GSO super-frame (TCP over IPv4 or IPv6) into frames that fit a port that
 * cannot take it (no offloads, or an MTU below the super-frame's segment size), completing every checksum; the
 * cutting itself is {@link SegmentCutter}'s.
 * <p>
 * Each segment is built in the loop's segment scratch (after a zeroed virtio-net header, for ports that want
 * one) and sent before the next is built. Single owner: the loop thread; allocates nothing.
 */
public final class GsoSegmenter
{
    /** Implemented by the egress writer: sends bytes from loop memory and counts them. */
    public interface Sink
    {
        boolean sendContiguous(Port port, long[] counters, long offset, int length, int frameLength);
    }

    private static final int IPPROTO_TCP = 6;
    private static final int IPV6_HEADER_LENGTH = 40;

    private final LoopMemory memory;
    private final MemorySegment segment;
    private final SegmentCutter cutter = new SegmentCutter();

    public GsoSegmenter(final LoopMemory memory)
    {
        this.memory = memory;
        this.segment = memory.segment();
    }

    /**
     * @return bytes of Ethernet, IP and TCP headers of the super-frame, or -1 if they cannot be parsed.
     */
    public int headersLength(final long header, final int length)
    {
        return SegmentCutter.headersLength(segment, header, length);
    }

    /**
     * Segments the super-frame at {@code header} and sends every segment through {@code sink}.
     */
    public void segment(
        final Sink sink, final Port port, final long[] counters, final long header, final int length,
        final int headersLength, final boolean tagged, final int vlan)
    {
        segment(sink, port, counters, header, length, headersLength, tagged, vlan,
            VirtioNetHeader.gsoType(segment, header), VirtioNetHeader.csumStart(segment, header),
            VirtioNetHeader.gsoSize(segment, header));
    }

    /**
     * For a plain (not GSO) frame larger than an egress port's MTU: if it is a TCP segment over IPv4 or IPv6,
     * the offset of its TCP header, so it can be cut into smaller TCP segments like a super-frame (a TCP
     * receiver takes any segmentation of the byte stream); otherwise -1 and the frame is an MTU drop.
     */
    public int plainTcpOffset(final long header, final int length)
    {
        final long frame = header + VirtioNetHeader.LENGTH;
        final int l3 = EthernetFlyweight.HEADER_LENGTH;
        final int type = EthernetFlyweight.type(segment, frame);
        if (type == EthernetFlyweight.TYPE_IPV4 && length >= l3 + 40)
        {
            final int ihl = (segment.get(ValueLayout.JAVA_BYTE, frame + l3) & 0xf) * 4;
            final boolean fragment = (segment.get(SHORT_BE, frame + l3 + 6) & 0x3fff) != 0;
            return segment.get(ValueLayout.JAVA_BYTE, frame + l3 + 9) == IPPROTO_TCP && ihl >= 20 && !fragment &&
                l3 + ihl + 20 <= length ? l3 + ihl : -1;
        }
        if (type == EthernetFlyweight.TYPE_IPV6 && length >= l3 + IPV6_HEADER_LENGTH + 20)
        {
            return segment.get(ValueLayout.JAVA_BYTE, frame + l3 + 6) == IPPROTO_TCP ? l3 + IPV6_HEADER_LENGTH : -1;
        }
        return -1;
    }

    /**
     * Cuts the plain TCP frame at {@code header} (TCP header at {@code l4}) into segments that fit the port.
     */
    public void segmentPlainTcp(final Sink sink, final Port port, final long[] counters, final long header,
        final int length, final int l4, final boolean tagged, final int vlan)
    {
        final long frame = header + VirtioNetHeader.LENGTH;
        final int tcpHeaderLength = ((segment.get(ValueLayout.JAVA_BYTE, frame + l4 + 12) >> 4) & 0xf) * 4;
        if (tcpHeaderLength < 20 || l4 + tcpHeaderLength >= length)
        {
            PortCounters.drop(counters, DropReason.MTU);
            return;
        }
        final boolean v4 = EthernetFlyweight.type(segment, frame) == EthernetFlyweight.TYPE_IPV4;
        segment(sink, port, counters, header, length, l4 + tcpHeaderLength, tagged, vlan,
            v4 ? VirtioNetHeader.GSO_TCPV4 : VirtioNetHeader.GSO_TCPV6, l4, length - l4 - tcpHeaderLength);
    }

    private void segment(
        final Sink sink, final Port port, final long[] counters, final long header, final int length,
        final int headersLength, final boolean tagged, final int vlan, final int gsoType, final int l4,
        final int gsoSize)
    {
        final DropReason refused = cutter.prepare(segment, header + VirtioNetHeader.LENGTH, length, headersLength,
            gsoType, l4, gsoSize, port.mtu());
        if (refused != null)
        {
            PortCounters.drop(counters, refused);
            return;
        }
        final long scratchHeader = memory.segmentScratch();
        final long out = scratchHeader + VirtioNetHeader.LENGTH;
        for (int k = 0, n = cutter.count(); k < n; k++)
        {
            final int frameLength = cutter.write(k, segment, out, tagged, vlan);
            final boolean sent = port.acceptsOffloads() ?
                sink.sendContiguous(port, counters, scratchHeader, VirtioNetHeader.LENGTH + frameLength, frameLength) :
                sink.sendContiguous(port, counters, out, frameLength, frameLength);
            if (sent)
            {
                PortCounters.add(counters, PortCounters.TX_SOFTWARE_SEGMENTS, 1);
            }
        }
    }
}
