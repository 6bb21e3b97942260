package io.l2mesh.switching.offload;

import io.l2mesh.switching.frame.EthernetFlyweight;
import io.l2mesh.switching.stats.DropReason;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static io.l2mesh.switching.frame.EthernetFlyweight.INT_BE;
import static io.l2mesh.switching.frame.EthernetFlyweight.SHORT_BE;

/**
 * Cuts one TCP super-frame (over IPv4 or IPv6, optionally 802.1Q-tagged) into segments, one at a time, each
 * written wherever the caller wants it: {@link GsoSegmenter} writes them to the loop's scratch for a port
 * without offloads, a tunnel port straight into its UDP GSO batch, where they are sealed in place. Follows the
 * kernel's {@code tcp_gso_segment}: sequence numbers advance by the payload, IPv4 ids by one per segment, FIN
 * and PSH stay on the last segment only and CWR on the first only; every checksum is completed.
 * <p>
 * {@link #prepare} parses the super-frame once, and refuses one that would cut into segments of fewer than
 * {@link #MIN_GSO_SIZE} bytes or more than {@link #MAX_SEGMENTS} of them; {@link #write} then builds segment
 * {@code k}. The super-frame
 * must stay where it is until the last segment is written. Single owner (a loop); allocates nothing.
 */
public final class SegmentCutter
{
    private static final int TCP_FIN = 0x01;
    private static final int TCP_PSH = 0x08;
    private static final int TCP_CWR = 0x80;
    private static final int IPPROTO_TCP = 6;
    private static final int IPV6_HEADER_LENGTH = 40;
    /**
     * Smallest {@code gso_size} taken: below it one 64 KiB super-frame would become hundreds of tiny segments,
     * each a send (and, on a tunnel, a seal) per egress port; 88 is IPv6's minimum MTU's TCP payload, rounded.
     */
    public static final int MIN_GSO_SIZE = 88;
    /** Most segments one super-frame may make (the kernel's {@code gso_max_segs} is 65 535; a TAP gives ~45). */
    public static final int MAX_SEGMENTS = 1024;

    private MemorySegment source;
    private long frame;
    private int l3;
    private int l4;
    private int headersLength;
    private int tcpHeaderLength;
    private int payloadLength;
    private int mss;
    private int count;
    private boolean v4;
    private int sequence;
    private int firstId;
    private int flags;

    /**
     * @return bytes of Ethernet, IP and TCP headers of the super-frame whose virtio-net header is at
     * {@code header} of {@code segment} (its frame right after it), or -1 if they cannot be parsed.
     */
    public static int headersLength(final MemorySegment segment, final long header, final int length)
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
     * Parses the super-frame of {@code length} bytes at {@code frame} of {@code segment} (no virtio-net header),
     * to be cut into segments of at most {@code gsoSize} bytes of payload whose L3 length fits {@code mtu}.
     *
     * @param headersLength its Ethernet, IP and TCP headers' length ({@link #headersLength}).
     * @param gsoType       {@link VirtioNetHeader#GSO_TCPV4} or {@link VirtioNetHeader#GSO_TCPV6}.
     * @param tcpOffset     where its TCP header starts (the virtio-net header's {@code csum_start}).
     * @return null if it can be cut ({@link #count} segments), else why it is dropped.
     */
    public DropReason prepare(final MemorySegment segment, final long frame, final int length,
        final int headersLength, final int gsoType, final int tcpOffset, final int gsoSize, final int mtu)
    {
        int l3 = EthernetFlyweight.HEADER_LENGTH;
        int type = EthernetFlyweight.type(segment, frame);
        while (type == EthernetFlyweight.TPID_8021Q && l3 + 4 <= tcpOffset)
        {
            type = segment.get(SHORT_BE, frame + l3 + 2) & 0xffff;
            l3 += EthernetFlyweight.VLAN_TAG_LENGTH;
        }
        if (gsoType == VirtioNetHeader.GSO_TCPV4 && type == EthernetFlyweight.TYPE_IPV4)
        {
            final int ihl = (segment.get(ValueLayout.JAVA_BYTE, frame + l3) & 0xf) * 4;
            v4 = true;
            if (l3 + ihl != tcpOffset || segment.get(ValueLayout.JAVA_BYTE, frame + l3 + 9) != IPPROTO_TCP)
            {
                return DropReason.MALFORMED;
            }
        }
        else if (gsoType == VirtioNetHeader.GSO_TCPV6 && type == EthernetFlyweight.TYPE_IPV6 &&
            tcpOffset >= l3 + IPV6_HEADER_LENGTH)
        {
            v4 = false;
        }
        else
        {
            return DropReason.MALFORMED;
        }
        final int payload = length - headersLength;
        if (gsoSize < MIN_GSO_SIZE || payload <= 0)
        {
            return DropReason.MALFORMED; // including the amplification of a tiny gso_size
        }
        final int size = Math.min(gsoSize, mtu - (headersLength - EthernetFlyweight.HEADER_LENGTH));
        if (size <= 0)
        {
            return DropReason.MTU;
        }
        if ((payload + size - 1) / size > MAX_SEGMENTS)
        {
            return DropReason.MALFORMED;
        }
        this.source = segment;
        this.frame = frame;
        this.l3 = l3;
        this.l4 = tcpOffset;
        this.headersLength = headersLength;
        this.tcpHeaderLength = headersLength - tcpOffset;
        this.payloadLength = payload;
        this.mss = size;
        this.count = (payload + size - 1) / size;
        this.sequence = segment.get(INT_BE, frame + tcpOffset + 4);
        this.firstId = v4 ? segment.get(SHORT_BE, frame + l3 + 4) & 0xffff : 0;
        this.flags = segment.get(ValueLayout.JAVA_BYTE, frame + tcpOffset + 13) & 0xff;
        return null;
    }

    /**
     * @return how many segments the prepared super-frame makes.
     */
    public int count()
    {
        return count;
    }

    /**
     * @return the length of segment {@code k}'s frame (plus 4 if it is written tagged).
     */
    public int frameLength(final int k, final boolean tagged)
    {
        return headersLength + (tagged ? EthernetFlyweight.VLAN_TAG_LENGTH : 0) +
            Math.min(mss, payloadLength - k * mss);
    }

    /**
     * Writes segment {@code k} as a complete frame at {@code at} of {@code out}, with an 802.1Q tag for
     * {@code vlan} after the MACs if {@code tagged}.
     *
     * @return its length.
     */
    public int write(final int k, final MemorySegment out, final long at, final boolean tagged, final int vlan)
    {
        final MemorySegment in = source;
        final int offset = k * mss;
        final int n = Math.min(mss, payloadLength - offset);
        final boolean last = k == count - 1;
        final int shift = tagged ? EthernetFlyweight.VLAN_TAG_LENGTH : 0;
        if (tagged)
        {
            MemorySegment.copy(in, frame, out, at, EthernetFlyweight.MAC_PAIR_LENGTH);
            out.set(INT_BE, at + EthernetFlyweight.MAC_PAIR_LENGTH,
                (EthernetFlyweight.TPID_8021Q << 16) | (vlan & EthernetFlyweight.VID_MASK));
            MemorySegment.copy(in, frame + EthernetFlyweight.MAC_PAIR_LENGTH, out,
                at + EthernetFlyweight.MAC_PAIR_LENGTH + shift, headersLength - EthernetFlyweight.MAC_PAIR_LENGTH);
        }
        else
        {
            MemorySegment.copy(in, frame, out, at, headersLength);
        }
        MemorySegment.copy(in, frame + headersLength + offset, out, at + headersLength + shift, n);

        final long ip = at + l3 + shift;
        final long tcp = at + l4 + shift;
        final long pseudo;
        if (v4)
        {
            final int ihl = l4 - l3;
            out.set(SHORT_BE, ip + 2, (short)(headersLength - l3 + n));
            out.set(SHORT_BE, ip + 4, (short)(firstId + k));
            out.set(SHORT_BE, ip + 10, (short)0);
            out.set(SHORT_BE, ip + 10, (short)Checksums.finish(Checksums.sum(out, ip, ihl, 0)));
            pseudo = Checksums.sum(out, ip + 12, 8, IPPROTO_TCP + tcpHeaderLength + n);
        }
        else
        {
            out.set(SHORT_BE, ip + 4, (short)(headersLength - l3 - IPV6_HEADER_LENGTH + n));
            pseudo = Checksums.sum(out, ip + 8, 32, IPPROTO_TCP + tcpHeaderLength + n);
        }
        out.set(INT_BE, tcp + 4, sequence + offset);
        int segmentFlags = flags;
        if (!last)
        {
            segmentFlags &= ~(TCP_FIN | TCP_PSH);
        }
        if (k > 0)
        {
            segmentFlags &= ~TCP_CWR;
        }
        out.set(ValueLayout.JAVA_BYTE, tcp + 13, (byte)segmentFlags);
        out.set(SHORT_BE, tcp + 16, (short)0);
        out.set(SHORT_BE, tcp + 16, (short)Checksums.finish(Checksums.sum(out, tcp, tcpHeaderLength + n, pseudo)));
        return headersLength + shift + n;
    }
}
