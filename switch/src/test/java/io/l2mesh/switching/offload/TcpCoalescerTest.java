package io.l2mesh.switching.offload;

import io.l2mesh.switching.Frames;
import io.l2mesh.switching.TcpSegment;
import io.l2mesh.switching.datapath.ForwarderHarness;
import io.l2mesh.switching.port.MemoryPort;
import io.l2mesh.switching.stats.PortCounters;
import io.l2mesh.switching.vlan.VlanRules;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class TcpCoalescerTest
{
    private final ForwarderHarness harness = new ForwarderHarness();
    private final PortCounters counters = new PortCounters(1);

    @AfterEach
    void close()
    {
        harness.close();
    }

    private static List<TcpSegment> train(final TcpSegment first, final int count)
    {
        final List<TcpSegment> segments = new ArrayList<>();
        TcpSegment s = first;
        for (int i = 0; i < count; i++)
        {
            segments.add(s);
            s = s.next();
        }
        return segments;
    }

    private static byte[][] build(final List<TcpSegment> segments)
    {
        return segments.stream().map(TcpSegment::build).toArray(byte[][]::new);
    }

    private List<byte[]> coalesce(final byte[]... frames)
    {
        return harness.coalesce(counters.loopSlots(0), frames);
    }

    private static byte[] frame(final byte[] withHeader)
    {
        return Arrays.copyOfRange(withHeader, VirtioNetHeader.LENGTH, withHeader.length);
    }

    private static boolean plain(final byte[] withHeader)
    {
        return Arrays.equals(Arrays.copyOf(withHeader, VirtioNetHeader.LENGTH), new byte[VirtioNetHeader.LENGTH]);
    }

    private static int le16(final byte[] b, final int at)
    {
        return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8;
    }

    /**
     * Checks a merged IPv4 frame: virtio-net header, lengths, checksums and the joined payload.
     */
    private static void assertMerged4(final byte[] out, final List<TcpSegment> from, final int l3)
    {
        final int headers = l3 + 40;
        assertThat(out[0]).as("NEEDS_CSUM").isEqualTo((byte)VirtioNetHeader.F_NEEDS_CSUM);
        assertThat(out[1]).as("gso_type").isEqualTo((byte)VirtioNetHeader.GSO_TCPV4);
        assertThat(le16(out, 2)).as("hdr_len").isEqualTo(headers);
        assertThat(le16(out, 4)).as("gso_size").isEqualTo(from.get(0).payloadValue());
        assertThat(le16(out, 6)).as("csum_start").isEqualTo(l3 + 20);
        assertThat(le16(out, 8)).as("csum_offset").isEqualTo(16);
        final byte[] f = frame(out);
        final int payload = from.stream().mapToInt(TcpSegment::payloadValue).sum();
        assertThat(f).hasSize(headers + payload);
        assertThat(Frames.u16(f, l3 + 2)).as("IPv4 total length").isEqualTo(40 + payload);
        assertThat(Frames.ipv4TcpChecksumsValid(withFullChecksum(f, l3, l3 + 20, 8, l3 + 12), l3)).isTrue();
        for (int i = 0; i < payload; i++)
        {
            if (f[headers + i] != TcpSegment.streamByte(from.get(0).seqValue() + i))
            {
                throw new AssertionError("payload byte " + i + " is not the stream's");
            }
        }
    }

    /**
     * The frame with its partial TCP checksum (the pseudo-header sum) completed over the segment, as a receiver
     * that honours NEEDS_CSUM does.
     */
    private static byte[] withFullChecksum(final byte[] f, final int l3, final int l4, final int addressBytes,
        final int addresses)
    {
        final byte[] copy = f.clone();
        final int partial = Frames.u16(copy, l4 + 16);
        // The field holds the folded pseudo-header sum; the full checksum is ~(pseudo + segment with field 0).
        copy[l4 + 16] = 0;
        copy[l4 + 17] = 0;
        final byte[] segmentBytes = Arrays.copyOfRange(copy, l4, copy.length);
        int sum = partial + onesSum(segmentBytes);
        sum = (sum & 0xffff) + (sum >>> 16);
        sum = (sum & 0xffff) + (sum >>> 16);
        final int check = ~sum & 0xffff;
        copy[l4 + 16] = (byte)(check >> 8);
        copy[l4 + 17] = (byte)check;
        return copy;
    }

    private static int onesSum(final byte[] b)
    {
        long sum = 0;
        for (int i = 0; i < b.length; i += 2)
        {
            sum += ((b[i] & 0xff) << 8) | (i + 1 < b.length ? b[i + 1] & 0xff : 0);
        }
        while ((sum >>> 16) != 0)
        {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        return (int)sum;
    }

    @Test
    void shouldMergeAnInOrderTrainIntoOneSuperFrame()
    {
        final List<TcpSegment> segments = train(TcpSegment.v4(), 4);
        final List<byte[]> out = coalesce(build(segments));
        assertThat(out).hasSize(1);
        assertMerged4(out.get(0), segments, 14);
        assertThat(counters.get(PortCounters.RX_COALESCED)).isEqualTo(3);
    }

    @Test
    void shouldEndAFlowAtAShorterSegmentAndStartAnotherAfterIt()
    {
        final List<TcpSegment> segments = train(TcpSegment.v4(), 2);
        segments.add(segments.get(1).next().payload(500));
        final TcpSegment after = segments.get(2).next().payload(1000);
        final byte[][] frames = build(segments);
        final List<byte[]> out = coalesce(frames[0], frames[1], frames[2], after.build());
        assertThat(out).hasSize(2);
        assertMerged4(out.get(0), segments, 14);
        assertThat(frame(out.get(1))).isEqualTo(after.build());
        assertThat(plain(out.get(1))).isTrue();
    }

    @Test
    void shouldNotMergeAcrossASequenceGap()
    {
        final TcpSegment first = TcpSegment.v4();
        final TcpSegment gap = first.next().next();
        final List<byte[]> out = coalesce(first.build(), gap.build());
        assertThat(out).hasSize(2).allSatisfy(f -> assertThat(plain(f)).isTrue());
        assertThat(frame(out.get(0))).isEqualTo(first.build());
        assertThat(frame(out.get(1))).isEqualTo(gap.build());
    }

    @Test
    void shouldKeepReorderedSegmentsApartAndInTheirOrder()
    {
        final List<TcpSegment> s = train(TcpSegment.v4(), 3);
        final byte[][] f = build(s);
        final List<byte[]> out = coalesce(f[0], f[2], f[1]);
        assertThat(out).hasSize(3);
        assertThat(frame(out.get(0))).isEqualTo(f[0]);
        assertThat(frame(out.get(1))).isEqualTo(f[2]);
        assertThat(frame(out.get(2))).isEqualTo(f[1]);
        assertThat(counters.get(PortCounters.RX_COALESCED)).isZero();
    }

    @Test
    void shouldTakePshOnlyOnTheLastSegment()
    {
        final List<TcpSegment> s = train(TcpSegment.v4(), 3);
        s.set(2, s.get(2).copy().flags(TcpSegment.ACK | TcpSegment.PSH));
        final TcpSegment fourth = s.get(2).next().flags(TcpSegment.ACK);
        final byte[][] f = build(s);
        final List<byte[]> out = coalesce(f[0], f[1], f[2], fourth.build());
        assertThat(out).hasSize(2);
        assertMerged4(out.get(0), s, 14);
        assertThat(frame(out.get(0))[14 + 20 + 13]).as("PSH on the merged frame").isEqualTo((byte)0x18);
        assertThat(frame(out.get(1))).as("a segment after PSH starts anew").isEqualTo(fourth.build());

        // A segment with PSH opens no flow: the next one is not folded into it.
        final TcpSegment push = TcpSegment.v4().flags(TcpSegment.ACK | TcpSegment.PSH);
        assertThat(coalesce(push.build(), push.next().flags(TcpSegment.ACK).build())).hasSize(2);
    }

    @Test
    void shouldPassOtherFlagsAndEmptySegmentsUnmerged()
    {
        for (final int flags : new int[] {TcpSegment.ACK | TcpSegment.FIN, TcpSegment.ACK | TcpSegment.SYN, 0x30,
            0x50, 0x90, TcpSegment.PSH})
        {
            final TcpSegment first = TcpSegment.v4();
            final TcpSegment odd = first.next().flags(flags);
            final List<byte[]> out = coalesce(first.build(), odd.build(), odd.next().flags(TcpSegment.ACK).build());
            assertThat(out).as("flags %x", flags).hasSize(3);
            assertThat(frame(out.get(1))).isEqualTo(odd.build());
        }
        final TcpSegment first = TcpSegment.v4();
        final TcpSegment pureAck = first.next().payload(0);
        assertThat(coalesce(first.build(), pureAck.build())).hasSize(2);
    }

    @Test
    void shouldMergeOnlyWithByteIdenticalOptions()
    {
        final byte[] timestamps = {1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2};
        final List<TcpSegment> same = train(TcpSegment.v4().options(timestamps), 3);
        final List<byte[]> merged = coalesce(build(same));
        assertThat(merged).hasSize(1);
        assertThat(le16(merged.get(0), 2)).as("hdr_len").isEqualTo(14 + 20 + 32);

        final byte[] later = timestamps.clone();
        later[7] = 2;
        final TcpSegment first = TcpSegment.v4().options(timestamps);
        assertThat(coalesce(first.build(), first.next().options(later).build())).hasSize(2);
    }

    @Test
    void shouldRefuseIpv4HeaderDifferences()
    {
        final TcpSegment first = TcpSegment.v4();
        assertThat(coalesce(first.build(), first.next().tos(0x10).build())).as("TOS").hasSize(2);
        assertThat(coalesce(first.build(), first.next().ttl(63).build())).as("TTL").hasSize(2);
        assertThat(coalesce(first.build(), first.next().id(0x9999).build())).as("id not next").hasSize(2);
        assertThat(coalesce(first.build(), first.next().ack(778).build())).as("ack").hasSize(2);
        assertThat(coalesce(first.build(), first.next().window(999).build())).as("window").hasSize(2);
        assertThat(coalesce(first.build(), first.next().srcPort(40001).build())).as("another flow").hasSize(2);

        final byte[] fragment = first.next().build();
        fragment[14 + 6] = 0x20; // MF
        assertThat(coalesce(first.build(), fragment)).as("fragment").hasSize(2);
        assertThat(frame(coalesce(first.build(), fragment).get(1))).isEqualTo(fragment);
    }

    @Test
    void shouldNeverFoldInASegmentWithABadChecksum()
    {
        final TcpSegment first = TcpSegment.v4();
        final byte[] bad = first.next().badChecksum().build();
        final List<byte[]> out = coalesce(first.build(), bad);
        assertThat(out).hasSize(2);
        assertThat(frame(out.get(1))).as("passed on unchanged, for the receiver to drop").isEqualTo(bad);
    }

    @Test
    void shouldMergeIpv6AndRefuseAnotherFlowLabel()
    {
        final List<TcpSegment> s = train(TcpSegment.v6().flowLabel(0x12345), 3);
        final List<byte[]> out = coalesce(build(s));
        assertThat(out).hasSize(1);
        final byte[] merged = out.get(0);
        assertThat(merged[1]).isEqualTo((byte)VirtioNetHeader.GSO_TCPV6);
        assertThat(le16(merged, 6)).as("csum_start").isEqualTo(14 + 40);
        assertThat(le16(merged, 2)).as("hdr_len").isEqualTo(14 + 40 + 20);
        final byte[] f = frame(merged);
        assertThat(Frames.u16(f, 14 + 4)).as("payload length").isEqualTo(20 + 3000);
        assertThat(Frames.ipv6TcpChecksumValid(withFullChecksum(f, 14, 54, 32, 22), 14)).isTrue();

        final TcpSegment first = TcpSegment.v6().flowLabel(1);
        assertThat(coalesce(first.build(), first.next().flowLabel(2).build())).hasSize(2);
        assertThat(coalesce(first.build(), first.next().tos(4).build())).as("traffic class").hasSize(2);
        assertThat(coalesce(first.build(), first.next().ttl(1).build())).as("hop limit").hasSize(2);
    }

    @Test
    void shouldMergeBehindAVlanTagAndKeepVlansApart()
    {
        final List<TcpSegment> s = train(TcpSegment.v4().vlan(20), 3);
        final List<byte[]> out = coalesce(build(s));
        assertThat(out).hasSize(1);
        assertMerged4(out.get(0), s, 18);

        final TcpSegment first = TcpSegment.v4().vlan(20);
        assertThat(coalesce(first.build(), first.next().vlan(21).build())).hasSize(2);
        assertThat(coalesce(first.build(), first.next().vlan(-1).build())).hasSize(2);
    }

    @Test
    void shouldMergeInterleavedFlowsAndKeepOtherFramesInOrder()
    {
        final List<TcpSegment> a = train(TcpSegment.v4(), 3);
        final List<TcpSegment> b = train(TcpSegment.v4().srcPort(40001).seq(5), 2);
        final byte[] arp = Frames.ethernet(0xffff_ffff_ffffL, 0x0200_0000_000cL, 0x0806, 28);
        final byte[] udp = Frames.ethernet(0x0200_0000_000bL, 0x0200_0000_000aL, 0x0800, 100);
        final List<byte[]> out = coalesce(a.get(0).build(), b.get(0).build(), arp, a.get(1).build(),
            b.get(1).build(), udp, a.get(2).build());
        assertThat(out).hasSize(4);
        assertMerged4(out.get(0), a, 14);
        assertMerged4(out.get(1), b, 14);
        assertThat(frame(out.get(2))).isEqualTo(arp);
        assertThat(frame(out.get(3))).isEqualTo(udp);
        assertThat(counters.get(PortCounters.RX_COALESCED)).isEqualTo(3);
    }

    @Test
    void shouldKeepTheMergedIpLengthWithin65535()
    {
        final List<TcpSegment> s = train(TcpSegment.v4().payload(1400), 60);
        final List<byte[]> out = coalesce(build(s));
        assertThat(out.size()).isGreaterThan(1);
        int payload = 0;
        for (final byte[] f : out)
        {
            assertThat(Frames.u16(frame(f), 16)).isLessThanOrEqualTo(65_535);
            payload += frame(f).length - 54;
        }
        assertThat(payload).isEqualTo(60 * 1400);
        assertMerged4(out.get(0), s.subList(0, 46), 14); // 46 * 1400 + 40 = 64 440; one more would pass 65 535
    }

    @Test
    void shouldOpenNoMoreFlowsThanTheTableHoldsAndPassTheRest()
    {
        final List<byte[]> frames = new ArrayList<>();
        for (int f = 0; f < TcpCoalescer.MAX_FLOWS + 2; f++)
        {
            frames.add(TcpSegment.v4().srcPort(41000 + f).build());
        }
        for (int f = 0; f < TcpCoalescer.MAX_FLOWS + 2; f++)
        {
            frames.add(TcpSegment.v4().srcPort(41000 + f).next().build());
        }
        final List<byte[]> out = coalesce(frames.toArray(byte[][]::new));
        assertThat(out).hasSize(TcpCoalescer.MAX_FLOWS + 4);
        assertThat(counters.get(PortCounters.RX_COALESCED)).isEqualTo(TcpCoalescer.MAX_FLOWS);
    }

    /**
     * Merged on the way in, cut again by {@link GsoSegmenter} for a port without offloads: the segments that
     * come out are the ones that went in, byte for byte.
     */
    @Test
    void shouldSegmentMergedFramesBackIntoTheOriginals()
    {
        final List<List<TcpSegment>> trains = List.of(
            train(TcpSegment.v4(), 5),
            train(TcpSegment.v4().options(new byte[] {1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2}), 4),
            train(TcpSegment.v6().flowLabel(7), 4));
        for (final List<TcpSegment> t : trains)
        {
            final List<TcpSegment> s = new ArrayList<>(t);
            s.set(s.size() - 1, s.get(s.size() - 1).copy().payload(321).flags(TcpSegment.ACK | TcpSegment.PSH));
            try (ForwarderHarness h = new ForwarderHarness())
            {
                final MemoryPort in = h.port("tunnel", VlanRules.access(1), 1500, false);
                final MemoryPort plain = h.port("plain", VlanRules.access(1), 1500, false);
                final MemoryPort offload = h.port("tap", VlanRules.access(1), 1500, true);
                h.receiveCoalesced(in, build(s));
                assertThat(in.counters().get(PortCounters.RX_COALESCED)).isEqualTo(s.size() - 1);
                assertThat(plain.sent()).hasSize(s.size());
                for (int i = 0; i < s.size(); i++)
                {
                    assertThat(plain.sent().get(i)).as("segment %d", i).isEqualTo(s.get(i).build());
                }
                assertThat(offload.sent()).as("one write to the offload port").hasSize(1);
                assertThat(offload.counters().get(PortCounters.TX_GSO_FRAMES)).isEqualTo(1);
            }
        }
    }

    @Test
    void shouldSegmentTaggedMergedFramesBackForATrunk()
    {
        final List<TcpSegment> s = train(TcpSegment.v4().vlan(10), 4);
        final MemoryPort in = harness.port("tunnel", VlanRules.trunk(new int[] {10}, VlanRules.NONE), 1500, false);
        final MemoryPort out = harness.port("trunk", VlanRules.trunk(new int[] {10}, VlanRules.NONE), 1500, false);
        final MemoryPort access = harness.port("tap", VlanRules.access(10), 1500, true);
        harness.receiveCoalesced(in, build(s));
        assertThat(out.sent()).hasSize(4);
        for (int i = 0; i < 4; i++)
        {
            assertThat(out.sent().get(i)).isEqualTo(s.get(i).build());
        }
        final byte[] superFrame = access.sent().get(0);
        assertThat(le16(superFrame, 6)).as("csum_start once the tag is stripped").isEqualTo(34);
        assertThat(le16(superFrame, 2)).as("hdr_len once the tag is stripped").isEqualTo(54);
    }
}
