package io.l2mesh.switching.offload;

import io.l2mesh.switching.Frames;
import io.l2mesh.switching.datapath.ForwarderHarness;
import io.l2mesh.switching.port.MemoryPort;
import io.l2mesh.switching.stats.DropReason;
import io.l2mesh.switching.stats.PortCounters;
import io.l2mesh.switching.vlan.VlanRules;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class GsoSegmenterTest
{
    private static final long A = 0x0200_0000_000aL;
    private static final long B = 0x0200_0000_000bL;
    private static final int SEQ = 0x7fff_ff00; // wraps past 2^31 within the super-frame

    private final ForwarderHarness harness = new ForwarderHarness();

    @AfterEach
    void close()
    {
        harness.close();
    }

    private static byte[] superFrame4(final int payload, final int gsoSize)
    {
        final byte[] frame = Frames.tcp4(B, A, payload, SEQ);
        return Frames.withVnetHeader(Frames.vnetHeader(VirtioNetHeader.F_NEEDS_CSUM, VirtioNetHeader.GSO_TCPV4,
            54, gsoSize, 34, 16), frame);
    }

    @Test
    void shouldSegmentSuperFrameForPortWithoutOffloads()
    {
        final MemoryPort in = harness.port("in", VlanRules.access(1), 1500, true);
        final MemoryPort out = harness.port("out", VlanRules.access(1), 1500, false);
        final byte[] original = Frames.tcp4(B, A, 3000, SEQ);

        harness.receive(in, superFrame4(3000, 1000));

        final List<byte[]> segments = out.sent();
        assertThat(segments).hasSize(3);
        for (int k = 0; k < 3; k++)
        {
            final byte[] s = segments.get(k);
            assertThat(s).hasSize(14 + 40 + 1000);
            assertThat(Frames.ipv4TcpChecksumsValid(s, 14)).as("checksums of segment %d", k).isTrue();
            assertThat(Frames.u16(s, 16)).as("IPv4 total length").isEqualTo(1040);
            assertThat(Frames.u16(s, 18)).as("IPv4 id").isEqualTo(0x1234 + k);
            assertThat(Frames.u32(s, 38)).as("sequence").isEqualTo(SEQ + 1000 * k);
            final int flags = s[47] & 0xff;
            assertThat(flags & 0x09).as("PSH/FIN only on last").isEqualTo(k == 2 ? 0x09 : 0);
            assertThat(flags & 0x10).as("ACK on all").isEqualTo(0x10);
            assertThat(Arrays.copyOfRange(s, 54, s.length))
                .isEqualTo(Arrays.copyOfRange(original, 54 + 1000 * k, 54 + 1000 * (k + 1)));
        }
        assertThat(out.counters().get(PortCounters.TX_SOFTWARE_SEGMENTS)).isEqualTo(3);
        assertThat(in.counters().get(PortCounters.RX_GSO_FRAMES)).isEqualTo(1);
    }

    /**
     * L7: a super-frame may not be cut into tiny segments (a 64 KiB frame into ~65 000 sends) nor into more than
     * 1024 of them: such frames are counted as malformed and nothing is sent.
     */
    @Test
    void shouldRefuseTinyGsoSizesAndTooManySegments()
    {
        final MemoryPort in = harness.port("in", VlanRules.access(1), 1500, true);
        final MemoryPort out = harness.port("out", VlanRules.access(1), 1500, false);
        final MemoryPort tiny = harness.port("tiny", VlanRules.access(2), 68, false);
        final MemoryPort in2 = harness.port("in2", VlanRules.access(2), 1500, true);

        harness.receive(in, superFrame4(3000, SegmentCutter.MIN_GSO_SIZE - 1));
        harness.receive(in, superFrame4(3000, 1));
        assertThat(out.sent()).as("nothing cut").isEmpty();
        assertThat(out.counters().drops(DropReason.MALFORMED)).isEqualTo(2);

        harness.receive(in, superFrame4(3000, SegmentCutter.MIN_GSO_SIZE));
        assertThat(out.sent()).as("88 bytes is enough").hasSize((3000 + 87) / 88);

        // A 68-byte MTU leaves 28 bytes of payload per segment: 60 000 bytes would make 2143 segments.
        harness.receive(in2, superFrame4(60_000, 1000));
        assertThat(tiny.sent()).as("too many segments: none sent").isEmpty();
        assertThat(tiny.counters().drops(DropReason.MALFORMED)).isEqualTo(1);
    }

    @Test
    void shouldPassSuperFrameWholeToPortWithOffloads()
    {
        final MemoryPort in = harness.port("in", VlanRules.access(1), 1500, true);
        final MemoryPort out = harness.port("out", VlanRules.access(1), 1500, true);
        final byte[] input = superFrame4(3000, 1000);
        harness.receive(in, input);
        assertThat(out.sent()).singleElement().satisfies(f -> assertThat(f).isEqualTo(input));
        assertThat(out.counters().get(PortCounters.TX_GSO_FRAMES)).isEqualTo(1);
    }

    @Test
    void shouldSegmentToSmallerMtuOfPortWithOffloads()
    {
        final MemoryPort in = harness.port("in", VlanRules.access(1), 1500, true);
        final MemoryPort out = harness.port("out", VlanRules.access(1), 600, true);
        harness.receive(in, superFrame4(2800, 1400));
        final List<byte[]> sent = out.sent();
        assertThat(sent).hasSize(5); // 2800 / (600 - 40) = 5
        for (final byte[] f : sent)
        {
            assertThat(Arrays.copyOf(f, 10)).as("zero virtio-net header").isEqualTo(new byte[10]);
            final byte[] frame = Arrays.copyOfRange(f, 10, f.length);
            assertThat(frame.length - 14).isLessThanOrEqualTo(600);
            assertThat(Frames.ipv4TcpChecksumsValid(frame, 14)).isTrue();
        }
    }

    @Test
    void shouldCutPlainTcpFrameTooBigForTheEgressMtuAndDropOtherOversizeFrames()
    {
        final MemoryPort in = harness.port("in", VlanRules.access(1), 9000, false);
        final MemoryPort out = harness.port("out", VlanRules.access(1), 1420, false);
        final byte[] tcp = Frames.tcp4(B, A, 2000, SEQ); // a full-sized segment of a 9000-byte MTU host
        harness.receive(in, tcp);
        final List<byte[]> sent = out.sent();
        assertThat(sent).hasSize(2); // 2000 / (1420 - 40) = 2
        int payload = 0;
        for (final byte[] frame : sent)
        {
            assertThat(frame.length - 14).isLessThanOrEqualTo(1420);
            assertThat(Frames.ipv4TcpChecksumsValid(frame, 14)).isTrue();
            assertThat(Frames.u32(frame, 14 + 20 + 4)).as("sequence").isEqualTo(SEQ + payload);
            payload += frame.length - 14 - 40;
        }
        assertThat(payload).isEqualTo(2000);
        assertThat(out.counters().get(io.l2mesh.switching.stats.PortCounters.TX_SOFTWARE_SEGMENTS)).isEqualTo(2);

        out.clearSent();
        harness.receive(in, Frames.ethernet(B, A, 0x0800, 2000)); // not TCP: cannot be cut
        assertThat(out.sent()).isEmpty();
        assertThat(out.counters().drops(io.l2mesh.switching.stats.DropReason.MTU)).isEqualTo(1);
    }

    @Test
    void shouldSegmentIntoTaggedFramesForTrunk()
    {
        final MemoryPort in = harness.port("in", VlanRules.access(10), 1500, true);
        final MemoryPort out = harness.port("out", VlanRules.trunk(new int[] {10}, VlanRules.NONE), 1500, false);
        harness.receive(in, superFrame4(2000, 1000));
        assertThat(out.sent()).hasSize(2).allSatisfy(s ->
        {
            assertThat(Frames.u16(s, 12)).isEqualTo(0x8100);
            assertThat(Frames.u16(s, 14)).isEqualTo(10);
            assertThat(Frames.ipv4TcpChecksumsValid(s, 18)).isTrue();
        });
    }

    @Test
    void shouldSegmentIpv6SuperFrame()
    {
        final MemoryPort in = harness.port("in", VlanRules.access(1), 1500, true);
        final MemoryPort out = harness.port("out", VlanRules.access(1), 1500, false);
        final byte[] frame = Frames.tcp6(B, A, 2500, SEQ);
        harness.receive(in, Frames.withVnetHeader(Frames.vnetHeader(VirtioNetHeader.F_NEEDS_CSUM,
            VirtioNetHeader.GSO_TCPV6, 74, 1200, 54, 16), frame));
        final List<byte[]> sent = out.sent();
        assertThat(sent).extracting(s -> s.length).containsExactly(74 + 1200, 74 + 1200, 74 + 100);
        for (int k = 0; k < sent.size(); k++)
        {
            assertThat(Frames.ipv6TcpChecksumValid(sent.get(k), 14)).isTrue();
            assertThat(Frames.u32(sent.get(k), 14 + 40 + 4)).isEqualTo(SEQ + 1200 * k);
        }
    }

    @Test
    void shouldCompleteChecksumForPortWithoutOffloadsAndLeaveSlotIntact()
    {
        final MemoryPort in = harness.port("in", VlanRules.access(1), 1500, true);
        final MemoryPort plain = harness.port("plain", VlanRules.access(1), 1500, false);
        final MemoryPort offload = harness.port("offload", VlanRules.access(1), 1500, true);
        final byte[] frame = Frames.tcp4(Frames.BROADCAST, A, 300, SEQ);
        final byte[] input = Frames.withVnetHeader(Frames.vnetHeader(VirtioNetHeader.F_NEEDS_CSUM,
            VirtioNetHeader.GSO_NONE, 0, 0, 34, 16), frame);

        harness.receive(in, input);

        assertThat(Frames.ipv4TcpChecksumsValid(plain.sent().getFirst(), 14)).isTrue();
        assertThat(offload.sent().getFirst()).as("partial checksum passed on untouched").isEqualTo(input);
    }

    @Test
    void shouldCountUnparseableSuperFrameAsMalformed()
    {
        final MemoryPort in = harness.port("in", VlanRules.access(1), 1500, true);
        final MemoryPort out = harness.port("out", VlanRules.access(1), 1500, false);
        final byte[] frame = Frames.tcp4(B, A, 3000, SEQ);
        harness.receive(in, Frames.withVnetHeader(Frames.vnetHeader(VirtioNetHeader.F_NEEDS_CSUM,
            VirtioNetHeader.GSO_TCPV4, 54, 1000, 9000, 16), frame));
        assertThat(out.sent()).isEmpty();
        assertThat(out.counters().drops(DropReason.MALFORMED)).isEqualTo(1);
    }
}
