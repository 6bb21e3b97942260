package io.l2mesh.switching.offload;

import io.l2mesh.switching.buffer.LoopMemory;
import io.l2mesh.switching.frame.EthernetFlyweight;
import io.l2mesh.switching.port.Port;
import io.l2mesh.switching.stats.DropReason;
import io.l2mesh.switching.stats.PortCounters;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static io.l2mesh.switching.frame.EthernetFlyweight.INT_BE;
import static io.l2mesh.switching.frame.EthernetFlyweight.SHORT_BE;

/**
 * Software TCP segmentation: cuts a GSO super-frame (TCP over IPv4 or IPv6) into frames that fit a port that
 * cannot take it (no offloads, or an MTU below the super-frame's segment size), completing every checksum.
 * Follows what the kernel's {@code tcp_gso_segment} does: sequence numbers advance by the payload, IPv4 ids by
 * one per segment, FIN and PSH stay on the last segment only and CWR on the first only.
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

    private static final int TCP_FIN = 0x01;
    private static final int TCP_PSH = 0x08;
    private static final int TCP_CWR = 0x80;
    private static final int IPPROTO_TCP = 6;
    private static final int IPV6_HEADER_LENGTH = 40;

    private final LoopMemory memory;
    private final MemorySegment segment;

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
        final long frame = header + VirtioNetHeader.LENGTH;
        final int l4 = VirtioNetHeader.csumStart(segment, header);
        if (l4 < EthernetFlyweight.HEADER_LENGTH + 20 || l4 + 20 > length)
        {
            return -1;
        }
        final int tcpHeaderLength = ((segment.get(ValueLayout.JAVA_BYTE, frame + l4 + 12) >> 4) & 0xf) * 4;
        if (tcpHeaderLength < 20 || l4 + tcpHeaderLength > length)
        {
            return -1;
        }
        return l4 + tcpHeaderLength;
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
        final long frame = header + VirtioNetHeader.LENGTH;
        int l3 = EthernetFlyweight.HEADER_LENGTH;
        int type = EthernetFlyweight.type(segment, frame);
        while (type == EthernetFlyweight.TPID_8021Q && l3 + 4 <= l4)
        {
            type = segment.get(SHORT_BE, frame + l3 + 2) & 0xffff;
            l3 += EthernetFlyweight.VLAN_TAG_LENGTH;
        }
        final boolean v4;
        if (gsoType == VirtioNetHeader.GSO_TCPV4 && type == EthernetFlyweight.TYPE_IPV4)
        {
            final int ihl = (segment.get(ValueLayout.JAVA_BYTE, frame + l3) & 0xf) * 4;
            v4 = true;
            if (l3 + ihl != l4 || segment.get(ValueLayout.JAVA_BYTE, frame + l3 + 9) != IPPROTO_TCP)
            {
                PortCounters.drop(counters, DropReason.MALFORMED);
                return;
            }
        }
        else if (gsoType == VirtioNetHeader.GSO_TCPV6 && type == EthernetFlyweight.TYPE_IPV6 &&
            l4 >= l3 + IPV6_HEADER_LENGTH)
        {
            v4 = false;
        }
        else
        {
            PortCounters.drop(counters, DropReason.MALFORMED);
            return;
        }

        final int tcpHeaderLength = headersLength - l4;
        final int payloadLength = length - headersLength;
        final int mss = Math.min(gsoSize, port.mtu() - (headersLength - EthernetFlyweight.HEADER_LENGTH));
        if (gsoSize == 0 || payloadLength <= 0)
        {
            PortCounters.drop(counters, DropReason.MALFORMED);
            return;
        }
        if (mss <= 0)
        {
            PortCounters.drop(counters, DropReason.MTU);
            return;
        }

        final int shift = tagged ? EthernetFlyweight.VLAN_TAG_LENGTH : 0;
        final long scratchHeader = memory.segmentScratch();
        final long out = scratchHeader + VirtioNetHeader.LENGTH;
        final long ip = out + l3 + shift;
        final long tcp = out + l4 + shift;
        final int sequence = segment.get(INT_BE, frame + l4 + 4);
        final int firstId = v4 ? segment.get(SHORT_BE, frame + l3 + 4) & 0xffff : 0;
        final int flags = segment.get(ValueLayout.JAVA_BYTE, frame + l4 + 13) & 0xff;

        for (int offset = 0, k = 0; offset < payloadLength; offset += mss, k++)
        {
            final int n = Math.min(mss, payloadLength - offset);
            final boolean last = offset + n >= payloadLength;
            if (tagged)
            {
                MemorySegment.copy(segment, frame, segment, out, EthernetFlyweight.MAC_PAIR_LENGTH);
                segment.set(INT_BE, out + EthernetFlyweight.MAC_PAIR_LENGTH,
                    (EthernetFlyweight.TPID_8021Q << 16) | (vlan & EthernetFlyweight.VID_MASK));
                MemorySegment.copy(segment, frame + EthernetFlyweight.MAC_PAIR_LENGTH, segment,
                    out + EthernetFlyweight.MAC_PAIR_LENGTH + shift, headersLength - EthernetFlyweight.MAC_PAIR_LENGTH);
            }
            else
            {
                MemorySegment.copy(segment, frame, segment, out, headersLength);
            }
            MemorySegment.copy(segment, frame + headersLength + offset, segment, out + headersLength + shift, n);

            final long pseudo;
            if (v4)
            {
                final int ihl = l4 - l3;
                segment.set(SHORT_BE, ip + 2, (short)(headersLength - l3 + n));
                segment.set(SHORT_BE, ip + 4, (short)(firstId + k));
                segment.set(SHORT_BE, ip + 10, (short)0);
                segment.set(SHORT_BE, ip + 10, (short)Checksums.finish(Checksums.sum(segment, ip, ihl, 0)));
                pseudo = Checksums.sum(segment, ip + 12, 8, IPPROTO_TCP + tcpHeaderLength + n);
            }
            else
            {
                segment.set(SHORT_BE, ip + 4, (short)(headersLength - l3 - IPV6_HEADER_LENGTH + n));
                pseudo = Checksums.sum(segment, ip + 8, 32, IPPROTO_TCP + tcpHeaderLength + n);
            }
            segment.set(INT_BE, tcp + 4, sequence + offset);
            int segmentFlags = flags;
            if (!last)
            {
                segmentFlags &= ~(TCP_FIN | TCP_PSH);
            }
            if (k > 0)
            {
                segmentFlags &= ~TCP_CWR;
            }
            segment.set(ValueLayout.JAVA_BYTE, tcp + 13, (byte)segmentFlags);
            segment.set(SHORT_BE, tcp + 16, (short)0);
            segment.set(SHORT_BE, tcp + 16,
                (short)Checksums.finish(Checksums.sum(segment, tcp, tcpHeaderLength + n, pseudo)));

            final int frameLength = headersLength + shift + n;
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
