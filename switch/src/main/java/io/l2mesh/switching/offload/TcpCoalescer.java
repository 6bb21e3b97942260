package io.l2mesh.switching.offload;

import io.l2mesh.switching.buffer.FrameBatch;
import io.l2mesh.switching.buffer.LoopMemory;
import io.l2mesh.switching.frame.EthernetFlyweight;
import io.l2mesh.switching.stats.PortCounters;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static io.l2mesh.switching.frame.EthernetFlyweight.INT_BE;
import static io.l2mesh.switching.frame.EthernetFlyweight.SHORT_BE;

/**
 * Receive-side coalescing (a userspace GRO): merges the consecutive TCP segments of one flow within one burst
 * into a GSO super-frame, so that an offload-capable egress port (a vnet_hdr TAP) takes a whole train with one
 * write instead of one write per segment. The inverse of {@link GsoSegmenter}: segmenting a merged frame gives
 * back the original segments byte for byte, which is what decides the rules below (they are the kernel's
 * {@code tcp_gro_receive} and wireguard-go's {@code tun/offload_linux.go} rules).
 * <p>
 * A frame can start or extend a flow only if it is a plain frame (no virtio-net GSO or checksum flags), Ethernet
 * with at most one 802.1Q tag, then
 * <ul>
 *   <li>IPv4 without options, not a fragment, or IPv6 without extension headers; carrying TCP;</li>
 *   <li>TCP flags ACK or ACK|PSH, a payload, no Ethernet padding, and valid IP and TCP checksums (a merged frame
 *       is given a fresh checksum, so a corrupt segment must never be folded in).</li>
 * </ul>
 * It extends the open flow with the same MACs, tag, addresses and ports only if every other header byte that a
 * re-segmentation copies from the first segment is equal (TOS, TTL and DF; IPv6 traffic class, flow label and
 * hop limit; TCP ack, window and options), its IPv4 id and sequence number follow on, every segment before it
 * was exactly the first's payload size ({@code gso_size}) and the merged IP length stays within 65 535. A
 * segment with PSH, or shorter than {@code gso_size}, closes its flow; one that does not fit closes the flow and
 * starts a new one. Everything else passes unchanged and in order; frames of one flow keep their order (a merged
 * frame stands where its first segment was).
 * <p>
 * A merged frame gets its IP length (and IPv4 header checksum) rewritten, the pseudo-header sum in its TCP
 * checksum field, and a virtio-net header: {@code NEEDS_CSUM}, {@code GSO_TCPV4/6}, {@code gso_size},
 * {@code hdr_len}, {@code csum_start} = the TCP offset (after any tag), {@code csum_offset} = 16.
 * <p>
 * Payloads are appended in the first segment's slot (a slot holds 64 KiB). Single owner: the loop thread;
 * allocates nothing.
 */
public final class TcpCoalescer
{
    /** Flows open at once within one burst; a segment of another flow passes unmerged. */
    static final int MAX_FLOWS = 8;
    private static final int TCP_ACK = 0x10;
    private static final int TCP_PSH = 0x08;
    private static final int IPPROTO_TCP = 6;
    private static final int IPV4_HEADER = 20;
    private static final int IPV6_HEADER = 40;
    private static final int MAX_IP_LENGTH = 65_535;
    private static final int MAX_FRAME = LoopMemory.slotCapacity() - VirtioNetHeader.LENGTH;

    private final MemorySegment segment;
    // The open flows of the current burst (parallel arrays; 'flows' of them in use).
    private final int[] index = new int[MAX_FLOWS];      // batch index of the merged frame (after compaction)
    private final long[] frame = new long[MAX_FLOWS];    // offset of its Ethernet frame
    private final int[] l3 = new int[MAX_FLOWS];
    private final int[] l4 = new int[MAX_FLOWS];
    private final int[] headers = new int[MAX_FLOWS];    // Ethernet + IP + TCP header bytes
    private final int[] length = new int[MAX_FLOWS];     // frame length so far
    private final int[] gsoSize = new int[MAX_FLOWS];
    private final int[] segments = new int[MAX_FLOWS];
    private final int[] nextSeq = new int[MAX_FLOWS];
    private final boolean[] v4 = new boolean[MAX_FLOWS];
    private final boolean[] closed = new boolean[MAX_FLOWS];
    private int flows;
    private FrameBatch batch; // the burst being coalesced
    // The parse of the frame at hand.
    private int curL3;
    private int curL4;
    private int curHeaders;
    private int curPayload;
    private boolean curV4;

    public TcpCoalescer(final LoopMemory memory)
    {
        this.segment = memory.segment();
    }

    /**
     * Coalesces {@code batch} in place.
     *
     * @param rx the ingress port's counter slots: {@link PortCounters#RX_COALESCED} counts segments folded
     *           into another.
     * @return the number of frames left in the batch.
     */
    public int coalesce(final FrameBatch batch, final long[] rx)
    {
        this.batch = batch;
        flows = 0;
        int kept = 0;
        int merged = 0;
        for (int i = 0, n = batch.count(); i < n; i++)
        {
            final long header = batch.headerOffset(i);
            final long at = header + VirtioNetHeader.LENGTH;
            final int frameLength = batch.frameLength(i);
            if (parse(header, at, frameLength))
            {
                final int flow = find(at);
                if (flow >= 0 && append(flow, at))
                {
                    merged++;
                    continue; // its bytes are in the flow's frame now; the slot is free
                }
                if (flow >= 0)
                {
                    closed[flow] = true;
                }
                open(kept, at, frameLength);
            }
            batch.move(i, kept++);
        }
        for (int f = 0; f < flows; f++)
        {
            if (segments[f] > 1)
            {
                finish(f, batch);
            }
        }
        batch.truncate(kept);
        this.batch = null;
        if (merged > 0)
        {
            PortCounters.add(rx, PortCounters.RX_COALESCED, merged);
        }
        return kept;
    }

    /**
     * Parses the frame as a candidate TCP segment into the {@code cur*} fields.
     *
     * @return false if it may not be merged with anything.
     */
    private boolean parse(final long header, final long at, final int frameLength)
    {
        if (segment.get(ValueLayout.JAVA_SHORT_UNALIGNED, header) != 0) // flags and gso_type both zero
        {
            return false;
        }
        int l3 = EthernetFlyweight.HEADER_LENGTH;
        int type = EthernetFlyweight.type(segment, at);
        if (type == EthernetFlyweight.TPID_8021Q)
        {
            type = segment.get(SHORT_BE, at + l3 + 2) & 0xffff;
            l3 += EthernetFlyweight.VLAN_TAG_LENGTH;
        }
        final int ipLength;
        final int l4;
        final long sum;
        if (type == EthernetFlyweight.TYPE_IPV4)
        {
            if (frameLength < l3 + IPV4_HEADER + 20 || segment.get(ValueLayout.JAVA_BYTE, at + l3) != 0x45 ||
                (segment.get(SHORT_BE, at + l3 + 6) & 0x3fff) != 0 || // MF or a fragment offset
                segment.get(ValueLayout.JAVA_BYTE, at + l3 + 9) != IPPROTO_TCP)
            {
                return false;
            }
            ipLength = segment.get(SHORT_BE, at + l3 + 2) & 0xffff;
            l4 = l3 + IPV4_HEADER;
            if (ipLength != frameLength - l3 ||
                Checksums.fold(Checksums.sum(segment, at + l3, IPV4_HEADER, 0)) != 0xffff)
            {
                return false;
            }
            sum = Checksums.sum(segment, at + l3 + 12, 8, IPPROTO_TCP + ipLength - IPV4_HEADER);
        }
        else if (type == EthernetFlyweight.TYPE_IPV6)
        {
            if (frameLength < l3 + IPV6_HEADER + 20 || (segment.get(ValueLayout.JAVA_BYTE, at + l3) & 0xf0) != 0x60 ||
                segment.get(ValueLayout.JAVA_BYTE, at + l3 + 6) != IPPROTO_TCP)
            {
                return false;
            }
            ipLength = IPV6_HEADER + (segment.get(SHORT_BE, at + l3 + 4) & 0xffff);
            l4 = l3 + IPV6_HEADER;
            if (ipLength != frameLength - l3)
            {
                return false;
            }
            sum = Checksums.sum(segment, at + l3 + 8, 32, IPPROTO_TCP + ipLength - IPV6_HEADER);
        }
        else
        {
            return false;
        }
        final int tcpHeader = ((segment.get(ValueLayout.JAVA_BYTE, at + l4 + 12) >> 4) & 0xf) * 4;
        final int flags = segment.get(ValueLayout.JAVA_BYTE, at + l4 + 13) & 0xff;
        final int payload = frameLength - l4 - tcpHeader;
        if (tcpHeader < 20 || payload <= 0 || (flags & ~TCP_PSH) != TCP_ACK ||
            Checksums.fold(Checksums.sum(segment, at + l4, frameLength - l4, sum)) != 0xffff)
        {
            return false;
        }
        curL3 = l3;
        curL4 = l4;
        curHeaders = l4 + tcpHeader;
        curPayload = payload;
        curV4 = type == EthernetFlyweight.TYPE_IPV4;
        return true;
    }

    /**
     * @return the open flow with the frame's MACs, tag, addresses and ports, or -1.
     */
    private int find(final long at)
    {
        for (int f = 0; f < flows; f++)
        {
            if (closed[f] || l4[f] != curL4 || v4[f] != curV4)
            {
                continue;
            }
            final long other = frame[f];
            // MACs and the tag (if any).
            if (!equal(other, at, curL3 - 2))
            {
                continue;
            }
            // Addresses, then ports.
            final int addresses = curV4 ? 12 : 8;
            if (equal(other + curL3 + addresses, at + curL3 + addresses, curV4 ? 8 : 32) &&
                segment.get(ValueLayout.JAVA_INT_UNALIGNED, other + curL4) ==
                segment.get(ValueLayout.JAVA_INT_UNALIGNED, at + curL4))
            {
                return f;
            }
        }
        return -1;
    }

    /**
     * Appends the frame's payload to flow {@code f} if it continues it.
     *
     * @return false if it does not (the caller closes the flow).
     */
    private boolean append(final int f, final long at)
    {
        final long head = frame[f];
        final int payload = curPayload;
        if (length[f] - headers[f] != gsoSize[f] * segments[f] || payload > gsoSize[f] ||
            curHeaders != headers[f] || length[f] - l3[f] + payload > MAX_IP_LENGTH ||
            length[f] + payload > MAX_FRAME)
        {
            return false;
        }
        final long ip = at + curL3;
        final long headIp = head + curL3;
        if (curV4)
        {
            // TOS; id follows on; DF (fragments were refused); TTL.
            final int nextId = (segment.get(SHORT_BE, headIp + 4) + segments[f]) & 0xffff;
            if (segment.get(ValueLayout.JAVA_BYTE, ip + 1) != segment.get(ValueLayout.JAVA_BYTE, headIp + 1) ||
                (segment.get(SHORT_BE, ip + 4) & 0xffff) != nextId ||
                segment.get(SHORT_BE, ip + 6) != segment.get(SHORT_BE, headIp + 6) ||
                segment.get(ValueLayout.JAVA_BYTE, ip + 8) != segment.get(ValueLayout.JAVA_BYTE, headIp + 8))
            {
                return false;
            }
        }
        else if (segment.get(INT_BE, ip) != segment.get(INT_BE, headIp) || // version, traffic class, flow label
            segment.get(ValueLayout.JAVA_BYTE, ip + 7) != segment.get(ValueLayout.JAVA_BYTE, headIp + 7))
        {
            return false;
        }
        final long tcp = at + curL4;
        final long headTcp = head + curL4;
        // Sequence follows on; ack, data offset, window and options are the first's (the flags are ACK or ACK|PSH
        // on both, and the first has no PSH or its flow would be closed).
        if (segment.get(INT_BE, tcp + 4) != nextSeq[f] ||
            segment.get(INT_BE, tcp + 8) != segment.get(INT_BE, headTcp + 8) ||
            segment.get(ValueLayout.JAVA_BYTE, tcp + 12) != segment.get(ValueLayout.JAVA_BYTE, headTcp + 12) ||
            segment.get(SHORT_BE, tcp + 14) != segment.get(SHORT_BE, headTcp + 14) ||
            segment.get(SHORT_BE, tcp + 18) != segment.get(SHORT_BE, headTcp + 18) ||
            !equal(tcp + 20, headTcp + 20, curHeaders - curL4 - 20))
        {
            return false;
        }
        MemorySegment.copy(segment, at + curHeaders, segment, head + length[f], payload);
        length[f] += payload;
        nextSeq[f] += payload;
        segments[f]++;
        final int flags = segment.get(ValueLayout.JAVA_BYTE, tcp + 13);
        if ((flags & TCP_PSH) != 0 || payload < gsoSize[f])
        {
            segment.set(ValueLayout.JAVA_BYTE, headTcp + 13, (byte)flags); // PSH travels on the last segment
            closed[f] = true;
        }
        return true;
    }

    /**
     * Opens a flow headed by the frame (kept at batch index {@code at}), if there is room for one and it can be
     * extended at all (not PSH).
     */
    private void open(final int batchIndex, final long at, final int frameLength)
    {
        if ((segment.get(ValueLayout.JAVA_BYTE, at + curL4 + 13) & TCP_PSH) != 0)
        {
            return;
        }
        int f = flows;
        if (f == MAX_FLOWS)
        {
            f = reuseClosed();
            if (f < 0)
            {
                return;
            }
        }
        else
        {
            flows++;
        }
        index[f] = batchIndex;
        frame[f] = at;
        l3[f] = curL3;
        l4[f] = curL4;
        headers[f] = curHeaders;
        length[f] = frameLength;
        gsoSize[f] = curPayload;
        segments[f] = 1;
        nextSeq[f] = segment.get(INT_BE, at + curL4 + 4) + curPayload;
        v4[f] = curV4;
        closed[f] = false;
    }

    /**
     * A full table: finishes a closed flow now (its merged frame is complete) and hands out its entry.
     *
     * @return the entry, or -1 if every flow is still open.
     */
    private int reuseClosed()
    {
        for (int f = 0; f < MAX_FLOWS; f++)
        {
            if (closed[f])
            {
                if (segments[f] > 1)
                {
                    finish(f, batch);
                }
                return f;
            }
        }
        return -1;
    }

    /**
     * Writes the merged frame's lengths, checksums and virtio-net header.
     */
    private void finish(final int f, final FrameBatch batch)
    {
        final long at = frame[f];
        final long ip = at + l3[f];
        final int tcpLength = length[f] - l4[f];
        final long pseudo;
        if (v4[f])
        {
            segment.set(SHORT_BE, ip + 2, (short)(length[f] - l3[f]));
            segment.set(SHORT_BE, ip + 10, (short)0);
            segment.set(SHORT_BE, ip + 10, (short)Checksums.finish(Checksums.sum(segment, ip, IPV4_HEADER, 0)));
            pseudo = Checksums.sum(segment, ip + 12, 8, IPPROTO_TCP + tcpLength);
        }
        else
        {
            segment.set(SHORT_BE, ip + 4, (short)(tcpLength));
            pseudo = Checksums.sum(segment, ip + 8, 32, IPPROTO_TCP + tcpLength);
        }
        segment.set(SHORT_BE, at + l4[f] + 16, (short)Checksums.fold(pseudo));
        final long header = at - VirtioNetHeader.LENGTH;
        VirtioNetHeader.gso(segment, header, v4[f] ? VirtioNetHeader.GSO_TCPV4 : VirtioNetHeader.GSO_TCPV6,
            headers[f], gsoSize[f], l4[f], 16);
        batch.length(index[f], length[f]);
    }

    private boolean equal(final long a, final long b, final int bytes)
    {
        return MemorySegment.mismatch(segment, a, a + bytes, segment, b, b + bytes) < 0;
    }
}
