package io.l2mesh.switching.datapath;

import io.l2mesh.switching.Frames;
import io.l2mesh.switching.port.MemoryPort;
import io.l2mesh.switching.stats.DropReason;
import io.l2mesh.switching.stats.PortCounters;
import io.l2mesh.switching.vlan.VlanRules;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

class ForwarderTest
{
    private static final long A = 0x0200_0000_000aL;
    private static final long B = 0x0200_0000_000bL;
    private static final long C = 0x0200_0000_000cL;

    private final ForwarderHarness harness = new ForwarderHarness();

    @AfterEach
    void close()
    {
        harness.close();
    }

    @Test
    void shouldFloodBroadcastToAllPortsOfVlanButIngress()
    {
        final MemoryPort p0 = harness.port("p0", VlanRules.access(1));
        final MemoryPort p1 = harness.port("p1", VlanRules.access(1));
        final MemoryPort p2 = harness.port("p2", VlanRules.access(1));
        final MemoryPort other = harness.port("other", VlanRules.access(2));
        final byte[] frame = Frames.ethernet(Frames.BROADCAST, A, 0x0806, 28);

        harness.receive(p0, frame);

        assertThat(p0.sent()).isEmpty();
        assertThat(p1.sent()).singleElement().satisfies(f -> assertThat(f).isEqualTo(frame));
        assertThat(p2.sent()).singleElement().satisfies(f -> assertThat(f).isEqualTo(frame));
        assertThat(other.sent()).as("other VLAN").isEmpty();
    }

    @Test
    void shouldFloodUnknownUnicastAndThenForwardToLearnedPortOnly()
    {
        final MemoryPort p0 = harness.port("p0", VlanRules.access(1));
        final MemoryPort p1 = harness.port("p1", VlanRules.access(1));
        final MemoryPort p2 = harness.port("p2", VlanRules.access(1));

        harness.receive(p0, Frames.ethernet(B, A, 0x0800, 46));
        assertThat(p1.sent()).hasSize(1);
        assertThat(p2.sent()).hasSize(1);

        harness.receive(p1, Frames.ethernet(A, B, 0x0800, 46));
        assertThat(p0.sent()).as("A was learned on p0").hasSize(1);
        assertThat(p2.sent()).as("no flood for a known destination").hasSize(1);

        harness.receive(p0, Frames.ethernet(B, A, 0x0800, 46));
        assertThat(p1.sent()).hasSize(2);
        assertThat(p2.sent()).hasSize(1);
    }

    @Test
    void shouldFollowMacMoveToNewPort()
    {
        final MemoryPort p0 = harness.port("p0", VlanRules.access(1));
        final MemoryPort p1 = harness.port("p1", VlanRules.access(1));
        final MemoryPort p2 = harness.port("p2", VlanRules.access(1));
        harness.receive(p0, Frames.ethernet(C, A, 0x0800, 46));
        harness.receive(p2, Frames.ethernet(C, A, 0x0800, 46)); // A moved to p2
        p0.clearSent();
        p1.clearSent();
        p2.clearSent();

        harness.receive(p1, Frames.ethernet(A, B, 0x0800, 46));

        assertThat(p2.sent()).hasSize(1);
        assertThat(p0.sent()).isEmpty();
        assertThat(harness.macTable().moves()).isEqualTo(1);
    }

    @Test
    void shouldDropFrameForDestinationOnIngressPort()
    {
        final MemoryPort p0 = harness.port("p0", VlanRules.access(1));
        final MemoryPort p1 = harness.port("p1", VlanRules.access(1));
        harness.receive(p0, Frames.ethernet(B, A, 0x0800, 46), Frames.ethernet(A, B, 0x0800, 46));
        assertThat(p1.sent()).hasSize(1);
        assertThat(p0.counters().drops(DropReason.NO_ROUTE)).isEqualTo(1);
    }

    @Test
    void shouldNeverLeakFramesBetweenVlans()
    {
        final MemoryPort a1 = harness.port("a1", VlanRules.access(10));
        final MemoryPort a2 = harness.port("a2", VlanRules.access(20));
        final MemoryPort trunk = harness.port("t", VlanRules.trunk(new int[] {10}, VlanRules.NONE));
        harness.receive(a2, Frames.ethernet(Frames.BROADCAST, B, 0x0806, 28));
        harness.receive(a1, Frames.ethernet(B, A, 0x0800, 46)); // B is known, but in VLAN 20 only
        harness.receive(trunk, Frames.tagged(B, C, 20, 0x0800, 46)); // VLAN 20 is not allowed on the trunk

        assertThat(a2.sent()).isEmpty();
        assertThat(a1.sent()).isEmpty();
        assertThat(trunk.sent()).hasSize(1); // the unknown unicast from a1, in VLAN 10
        assertThat(trunk.counters().drops(DropReason.VLAN)).isEqualTo(1);
    }

    @Test
    void shouldTagOnTrunkEgressAndStripOnAccessEgress()
    {
        final MemoryPort access = harness.port("a", VlanRules.access(10));
        final MemoryPort trunk = harness.port("t", VlanRules.trunk(new int[] {10, 20}, 1));
        final byte[] untagged = Frames.ethernet(Frames.BROADCAST, A, 0x0800, 46);

        harness.receive(access, untagged);
        final byte[] sent = trunk.sent().getFirst();
        assertThat(sent).hasSize(untagged.length + 4);
        assertThat(Frames.u16(sent, 12)).isEqualTo(0x8100);
        assertThat(Frames.u16(sent, 14)).isEqualTo(10);
        assertThat(Arrays.copyOfRange(sent, 16, sent.length)).isEqualTo(Arrays.copyOfRange(untagged, 12, 60));

        harness.receive(trunk, Frames.tagged(Frames.BROADCAST, B, 10, 0x0800, 46));
        assertThat(access.sent()).singleElement()
            .satisfies(f -> assertThat(f).isEqualTo(Frames.ethernet(Frames.BROADCAST, B, 0x0800, 46)));
    }

    @Test
    void shouldSendNativeVlanUntaggedOnTrunk()
    {
        final MemoryPort access = harness.port("a", VlanRules.access(1));
        final MemoryPort trunk = harness.port("t", VlanRules.trunk(new int[] {10}, 1));
        final byte[] frame = Frames.ethernet(Frames.BROADCAST, A, 0x0800, 46);
        harness.receive(access, frame);
        assertThat(trunk.sent()).singleElement().satisfies(f -> assertThat(f).isEqualTo(frame));
        harness.receive(trunk, Frames.ethernet(Frames.BROADCAST, B, 0x0800, 46));
        assertThat(access.sent()).hasSize(1);
    }

    @Test
    void shouldCountMalformedFramesAndKeepForwardingTheRest()
    {
        final MemoryPort p0 = harness.port("p0", VlanRules.access(1));
        final MemoryPort p1 = harness.port("p1", VlanRules.access(1));
        final byte[] good = Frames.ethernet(Frames.BROADCAST, A, 0x0800, 46);
        harness.receive(p0, new byte[5], good, Frames.ethernet(B, 0x0100_0000_0001L, 0x0800, 46),
            Frames.ethernet(B, A, 0x0800, 1600), Frames.tagged(B, A, 4095, 0x0800, 46), good);

        assertThat(p1.sent()).hasSize(2);
        assertThat(p0.counters().drops(DropReason.MALFORMED)).isEqualTo(4);
        assertThat(p0.counters().get(PortCounters.RX_PACKETS)).isEqualTo(6);
        assertThat(p1.counters().get(PortCounters.TX_PACKETS)).isEqualTo(2);
    }

    @Test
    void shouldDropTaggedFrameOnAccessPortAsVlan()
    {
        final MemoryPort p0 = harness.port("p0", VlanRules.access(1));
        final MemoryPort p1 = harness.port("p1", VlanRules.access(1));
        harness.receive(p0, Frames.tagged(Frames.BROADCAST, A, 1, 0x0800, 46));
        assertThat(p1.sent()).isEmpty();
        assertThat(p0.counters().drops(DropReason.VLAN)).isEqualTo(1);
    }

    @Test
    void shouldDropAndCountNewMacsBeyondPortLimit()
    {
        final MemoryPort p0 = harness.port("p0", VlanRules.access(1));
        final MemoryPort p1 = harness.port("p1", VlanRules.access(1));
        harness.macTable().limits().portLimit(p0.id(), 1);
        harness.receive(p0, Frames.ethernet(Frames.BROADCAST, A, 0x0800, 46),
            Frames.ethernet(Frames.BROADCAST, B, 0x0800, 46), Frames.ethernet(Frames.BROADCAST, A, 0x0800, 46));
        assertThat(p1.sent()).hasSize(2);
        assertThat(p0.counters().drops(DropReason.MAC_LIMIT)).isEqualTo(1);
    }

    @Test
    void shouldDropFrameLongerThanEgressMtu()
    {
        final MemoryPort big = harness.port("big", VlanRules.access(1), 9000, false);
        final MemoryPort small = harness.port("small", VlanRules.access(1), 1500, false);
        harness.receive(big, Frames.ethernet(Frames.BROADCAST, A, 0x0800, 4000));
        assertThat(small.sent()).isEmpty();
        assertThat(small.counters().drops(DropReason.MTU)).isEqualTo(1);
    }

    @Test
    void shouldNotFloodFromTunnelIntoAnotherTunnel()
    {
        final MemoryPort local = harness.port("local", VlanRules.access(1));
        final MemoryPort t1 = harness.add(new TunnelLikePort(1, "t1"));
        final MemoryPort t2 = harness.add(new TunnelLikePort(2, "t2"));
        harness.receive(t1, Frames.ethernet(Frames.BROADCAST, A, 0x0806, 28));
        assertThat(local.sent()).hasSize(1);
        assertThat(t2.sent()).isEmpty();
        harness.receive(local, Frames.ethernet(Frames.BROADCAST, B, 0x0806, 28));
        assertThat(t1.sent()).hasSize(1);
        assertThat(t2.sent()).hasSize(1);
    }

    /**
     * A memory port that says it is a tunnel, for split horizon.
     */
    private static final class TunnelLikePort extends MemoryPort
    {
        TunnelLikePort(final int id, final String name)
        {
            super(id, name, VlanRules.access(1), 1500, false, 1, 64);
        }

        @Override
        public boolean isTunnel()
        {
            return true;
        }
    }

    @Test
    void shouldNeitherTakeNorSendFramesOnAdminDownPort()
    {
        final MemoryPort p0 = harness.port("p0", VlanRules.access(1));
        final MemoryPort p1 = harness.port("p1", VlanRules.access(1));
        final MemoryPort p2 = harness.port("p2", VlanRules.access(1));
        harness.receive(p2, Frames.ethernet(Frames.BROADCAST, C, 0x0806, 28)); // C learned on p2
        p0.clearSent();
        p1.clearSent();
        p2.adminUp(false);
        harness.add(new MemoryPort(9, "rebuild", VlanRules.access(99), 1500, false, 1, 64)); // republish the table

        harness.receive(p2, Frames.ethernet(Frames.BROADCAST, B, 0x0806, 28));
        harness.receive(p0, Frames.ethernet(Frames.BROADCAST, A, 0x0806, 28), Frames.ethernet(C, A, 0x0800, 46));

        assertThat(p0.sent()).as("nothing in from the down port").isEmpty();
        assertThat(p2.sent()).as("nothing out to the down port").isEmpty();
        assertThat(p1.sent()).hasSize(1);
        assertThat(p2.counters().drops(DropReason.PORT_DOWN)).isEqualTo(1);
        assertThat(p0.counters().drops(DropReason.PORT_DOWN)).as("unicast to C behind the down port").isEqualTo(1);
    }

    @Test
    void shouldCaptureFramesAsTheyAreOnEachPortsWire()
    {
        final MemoryPort access = harness.port("a", VlanRules.access(10));
        final MemoryPort trunk = harness.port("t", VlanRules.trunk(new int[] {10}, VlanRules.NONE));
        final io.l2mesh.switching.capture.CaptureTap inTap = new io.l2mesh.switching.capture.CaptureTap(1, 2048, 4);
        final io.l2mesh.switching.capture.CaptureTap outTap = new io.l2mesh.switching.capture.CaptureTap(1, 2048, 4);
        access.capture(inTap);
        trunk.capture(outTap);
        final byte[] frame = Frames.ethernet(Frames.BROADCAST, A, 0x0800, 46);

        harness.receive(access, frame);

        final io.l2mesh.switching.capture.CaptureRecord in = inTap.poll(0);
        assertThat(Arrays.copyOf(in.data(), in.capturedLength())).isEqualTo(frame);
        final io.l2mesh.switching.capture.CaptureRecord out = outTap.poll(0);
        assertThat(Arrays.copyOf(out.data(), out.capturedLength())).as("tagged, as the trunk sends it")
            .isEqualTo(trunk.sent().getFirst());
        assertThat(out.originalLength()).isEqualTo(frame.length + 4);

        for (int i = 0; i < 6; i++) // the writer never gives records back: the ring runs dry, frames go on
        {
            harness.receive(access, frame);
        }
        assertThat(inTap.dropped()).isEqualTo(3);
        assertThat(trunk.sent()).hasSize(7);
    }

    /**
     * The review's failing input (M3): on an access port in VLAN 10, a priority tag hiding a VLAN-20 tag. It
     * must not leave a trunk whose native VLAN is 10 as a VLAN-20 frame, nor leave at all.
     */
    @Test
    void shouldDropVlanHoppingFramesOnAccessPortsAndBehindPriorityTags()
    {
        final MemoryPort access = harness.port("access", VlanRules.access(10));
        final MemoryPort other = harness.port("other", VlanRules.access(10));
        final MemoryPort trunk = harness.port("trunk", VlanRules.trunk(new int[] {10, 20}, 10));
        final byte[] hopping = Frames.tagged(Frames.BROADCAST, A, 0, 0x8100, 46);
        hopping[18] = 0x00;
        hopping[19] = 0x14; // inner VID 20
        hopping[20] = 0x08;
        hopping[21] = 0x00;
        harness.receive(access, hopping);
        harness.receive(access, Frames.ethernet(Frames.BROADCAST, A, 0x8100, 46)); // a VID-1 tag: not the access's
        harness.receive(access, Frames.ethernet(Frames.BROADCAST, A, 0x88a8, 46));
        harness.receive(access, Frames.ethernet(Frames.BROADCAST, A, 0x9100, 46));
        harness.receive(access, Frames.tagged(Frames.BROADCAST, A, 0, 0x9100, 46));
        assertThat(trunk.sent()).as("nothing leaves the trunk").isEmpty();
        assertThat(other.sent()).as("nor the access port").isEmpty();
        assertThat(access.counters().drops(DropReason.NESTED_TAG)).as("priority tag + 0x8100, 0x9100, priority tag + "
            + "0x9100").isEqualTo(3);
        assertThat(access.counters().drops(DropReason.VLAN)).as("a VID-1 tag, and an S-tag outermost: refused as "
            + "before").isEqualTo(2);

        final byte[] trunkHop = hopping.clone();
        harness.receive(trunk, trunkHop);
        assertThat(trunk.counters().drops(DropReason.NESTED_TAG)).as("behind a priority tag on a trunk too")
            .isEqualTo(1);
        assertThat(access.sent()).isEmpty();

        // What stays allowed: a priority-tagged frame of an ordinary type, and an inner tag under a real VID.
        harness.receive(access, Frames.tagged(Frames.BROADCAST, A, 0, 0x0800, 46));
        assertThat(trunk.sent()).as("priority-tagged IPv4 is VLAN 10's").hasSize(1);
        harness.receive(trunk, Frames.tagged(Frames.BROADCAST, B, 20, 0x8100, 46));
        assertThat(access.sent()).as("VLAN 20 is not the access port's").isEmpty();
        assertThat(trunk.counters().drops(DropReason.NESTED_TAG)).as("an inner tag under VID 20 is payload")
            .isEqualTo(1);
    }

    /**
     * L8: an egress port that throws while a burst is flushed loses that burst; the next burst sends only its
     * own frames, to its own ports (not the stale indices the thrown burst left behind).
     */
    @Test
    void shouldForgetAThrownBurstsPendingFrames()
    {
        final MemoryPort in = harness.port("in", VlanRules.access(1));
        final boolean[] fail = {true};
        final MemoryPort failing = harness.add(new MemoryPort(1, "failing", VlanRules.access(1), 1500, false, 1, 64)
        {
            @Override
            public synchronized long send(final int loopId, final long address, final int length,
                final java.lang.foreign.MemorySegment errno)
            {
                if (fail[0])
                {
                    fail[0] = false;
                    throw new IllegalStateException("a port's bug");
                }
                return super.send(loopId, address, length, errno);
            }
        });
        final MemoryPort later = harness.port("later", VlanRules.access(1));
        final MemoryPort elsewhere = harness.port("elsewhere", VlanRules.access(2));
        final MemoryPort in2 = harness.port("in2", VlanRules.access(2));
        final byte[] flood = Frames.ethernet(Frames.BROADCAST, A, 0x0806, 28);
        try
        {
            harness.receive(in, flood);
        }
        catch (final IllegalStateException expected)
        {
            // the loop would catch and count it
        }
        final int laterBefore = later.sent().size();
        harness.receive(in2, Frames.ethernet(Frames.BROADCAST, C, 0x0806, 28));
        assertThat(elsewhere.sent()).as("the new burst's own flood").hasSize(1);
        assertThat(later.sent()).as("no stale frame of the thrown burst").hasSize(laterBefore);
        assertThat(failing.sent()).isEmpty();
    }

    @Test
    void shouldDropFloodsBeyondTheIngressPortsStormLimitsPerKind()
    {
        final MemoryPort p0 = harness.port("p0", VlanRules.access(1));
        final MemoryPort p1 = harness.port("p1", VlanRules.access(1));
        p0.stormLimits(new io.l2mesh.switching.port.StormLimits(100, 0, 50), 1);
        final byte[][] broadcasts = new byte[30][];
        final byte[][] multicasts = new byte[30][];
        final byte[][] unknown = new byte[30][];
        for (int i = 0; i < 30; i++)
        {
            broadcasts[i] = Frames.ethernet(Frames.BROADCAST, A, 0x0806, 28);
            multicasts[i] = Frames.ethernet(0x0100_5e00_0001L, A, 0x0800, 46);
            unknown[i] = Frames.ethernet(0x0200_0000_1000L + i, A, 0x0800, 46);
        }
        // 100/s: a burst of 100 ms (10 frames) beyond the first; multicast has no limit; 50/s: 8 beyond the first.
        harness.receive(p0, broadcasts);
        harness.receive(p0, multicasts);
        harness.receive(p0, unknown);
        assertThat(p1.sent()).hasSize(11 + 30 + 9);
        final var stats = p0.counters().snapshot();
        assertThat(stats.drops(DropReason.STORM_BROADCAST)).isEqualTo(19);
        assertThat(stats.drops(DropReason.STORM_MULTICAST)).isZero();
        assertThat(stats.drops(DropReason.STORM_UNKNOWN_UNICAST)).isEqualTo(21);

        harness.advance(1_000_000_000L); // a second later the buckets are full again
        harness.receive(p0, broadcasts);
        assertThat(p1.sent()).hasSize(50 + 11);
        p0.stormLimits(io.l2mesh.switching.port.StormLimits.NONE, 1);
        harness.receive(p0, broadcasts);
        assertThat(p1.sent()).as("no limit any more").hasSize(61 + 30);
        assertThat(p1.counters().snapshot().drops(DropReason.STORM_BROADCAST)).as("counted at ingress").isZero();
    }
}
