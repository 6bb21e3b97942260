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
}
