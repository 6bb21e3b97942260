package io.l2mesh.control;

import io.l2mesh.switching.fdb.MacEntry;
import io.l2mesh.switching.frame.MacAddresses;
import io.l2mesh.switching.port.TapPortSpec;
import io.l2mesh.switching.stats.DropReason;
import io.l2mesh.switching.stats.PortCounters;
import io.l2mesh.switching.stats.PortStats;
import io.l2mesh.switching.vlan.VlanRules;
import io.l2mesh.testkit.ErrorLogWatch;
import io.l2mesh.testkit.Iperf3;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import io.l2mesh.testkit.Scripts;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The switch bridging real traffic between network namespaces on TAP ports. Needs root.
 */
@Timeout(120)
class BridgeIT
{
    private static final java.nio.file.Path EXAMPLES =
        java.nio.file.Path.of("..", "examples").toAbsolutePath().normalize();

    @RegisterExtension
    final ErrorLogWatch errorLog = new ErrorLogWatch();
    private Lab lab;

    @BeforeEach
    void start()
    {
        lab = new Lab(errorLog);
    }

    @AfterEach
    void stop()
    {
        lab.close();
    }

    @Test
    void shouldPingBetweenTwoNamespaces()
    {
        final Lab.Host a = lab.host("a", VlanRules.access(1), "198.18.1.1/24");
        final Lab.Host b = lab.host("b", VlanRules.access(1), "198.18.1.2/24");

        assertThat(a.ns().pingResult(b.address(), 3).check().output()).contains("3 received");
        assertThat(lab.sw().macTable().lookup(1, MacAddresses.parse(a.ns().mac(a.link())))).isEqualTo(a.port().id());
        assertThat(lab.sw().macTable().lookup(1, MacAddresses.parse(b.ns().mac(b.link())))).isEqualTo(b.port().id());
    }

    @Test
    void shouldPingBetweenEveryPairOfThreeNamespaces()
    {
        final Lab.Host[] hosts = {
            lab.host("a", VlanRules.access(1), "198.18.2.1/24"),
            lab.host("b", VlanRules.access(1), "198.18.2.2/24"),
            lab.host("c", VlanRules.access(1), "198.18.2.3/24")};
        for (final Lab.Host from : hosts)
        {
            for (final Lab.Host to : hosts)
            {
                if (from != to)
                {
                    assertThat(from.ns().ping(to.address(), 2)).as("%s -> %s", from.link(), to.link()).isTrue();
                }
            }
        }
        assertThat(lab.sw().macTable().size()).isEqualTo(3);
    }

    @Test
    void shouldCompleteIperf3TcpRunWithSuperFramesPassedThrough()
    {
        final Lab.Host a = lab.host("a", VlanRules.access(1), "198.18.3.1/24");
        final Lab.Host b = lab.host("b", VlanRules.access(1), "198.18.3.2/24");

        final double bitsPerSecond = Iperf3.tcp(b.ns(), a.ns(), b.address(), 3);

        assertThat(bitsPerSecond).isPositive();
        final PortStats in = a.port().counters().snapshot();
        assertThat(in.rxGsoFrames()).as("GSO super-frames from the sender").isPositive();
        assertThat(in.rxBytes() / in.rxPackets()).as("average frame far above the 1500-byte MTU").isGreaterThan(3000);
        assertThat(b.port().counters().get(PortCounters.TX_GSO_FRAMES)).isPositive();
    }

    @Test
    void shouldSegmentSuperFramesInSoftwareForPortWithoutOffloads()
    {
        final Lab.Host a = lab.host("a", VlanRules.access(1), "198.18.4.1/24");
        final Lab.Host b = lab.host("b", TapPortSpec.access(io.l2mesh.testkit.Netns.uniqueLinkName("b"), 1)
            .withOffloads(false), "198.18.4.2/24");

        final double bitsPerSecond = Iperf3.tcp(b.ns(), a.ns(), b.address(), 2);

        // The receiving kernel verified every checksum we computed, or TCP would not have moved data: at least
        // 10 Mbit/s, far above what retransmissions of segments with bad checksums would ever deliver.
        assertThat(bitsPerSecond).as("iperf3 received rate, bit/s").isGreaterThan(10e6);
        final long segments = b.port().counters().get(PortCounters.TX_SOFTWARE_SEGMENTS);
        assertThat(segments).as("segments cut in software").isPositive();
        assertThat(b.port().counters().snapshot().txBytes()).as("bytes sent to b")
            .isGreaterThan((long)(bitsPerSecond / 8));
        assertThat(b.port().counters().drops(DropReason.MALFORMED)).isZero();
    }

    @Test
    void shouldKeepVlansIsolated()
    {
        final Lab.Host a = lab.host("a", VlanRules.access(10), "198.18.5.1/24");
        final Lab.Host b = lab.host("b", VlanRules.access(10), "198.18.5.2/24");
        final Lab.Host c = lab.host("c", VlanRules.access(20), "198.18.5.3/24");

        assertThat(a.ns().ping(b.address(), 2)).isTrue();
        assertThat(a.ns().ping(c.address(), 2)).as("VLAN 10 must not reach VLAN 20").isFalse();
        assertThat(c.ns().ping(b.address(), 2)).as("VLAN 20 must not reach VLAN 10").isFalse();
        assertThat(c.port().counters().get(PortCounters.TX_PACKETS)).as("nothing of VLAN 10 left through c")
            .isZero();
    }

    @Test
    void shouldDeliverTaggedFramesToTrunkAndUntaggedToAccessPorts()
    {
        final Lab.Host a10 = lab.host("a", VlanRules.access(10), "198.18.6.1/24");
        final Lab.Host b20 = lab.host("b", VlanRules.access(20), "198.18.7.1/24");
        final Lab.Host trunk = lab.host("t", VlanRules.trunk(new int[] {10, 20}, VlanRules.NONE), null);
        final String trunkMac = trunk.ns().mac(trunk.link());

        // The trunk namespace speaks 802.1Q through a raw socket: tagged ARP requests out, tagged replies in.
        final String probe = EXAMPLES.resolve("lab-bridge/vlan_arp_probe.py").toString();
        final String answered = trunk.ns().run(20_000, "python3", probe,
            trunk.link(), trunkMac, "10,198.18.6.2,198.18.6.1", "20,198.18.7.2,198.18.7.1",
            "20,198.18.6.2,198.18.6.1", "10,198.18.7.2,198.18.7.1").check().output().strip();

        assertThat(answered).as("probes answered, each tagged with its own VID; none across VLANs")
            .isEqualTo("0 1");
        assertThat(lab.sw().macTable().lookup(10, MacAddresses.parse(trunkMac))).isEqualTo(trunk.port().id());
        assertThat(lab.sw().macTable().lookup(20, MacAddresses.parse(trunkMac))).isEqualTo(trunk.port().id());
        assertThat(a10.port().counters().get(PortCounters.TX_PACKETS)).as("untagged requests reached a10")
            .isPositive();
        assertThat(b20.port().counters().get(PortCounters.RX_PACKETS)).isPositive();
    }

    @Test
    void shouldReachVlanSubinterfaceThroughTrunk()
    {
        assumeTrue(Scripts.kernelHasVlanSubinterfaces(),
            "this kernel has no 802.1Q VLAN subinterfaces (CONFIG_VLAN_8021Q); the raw-socket trunk test covers it");
        final Lab.Host a10 = lab.host("a", VlanRules.access(10), "198.18.6.1/24");
        final Lab.Host trunk = lab.host("t", VlanRules.trunk(new int[] {10, 20}, VlanRules.NONE), null);
        trunk.ns().vlanSubinterface(trunk.link(), 10, "198.18.6.2/24");
        assertThat(a10.ns().ping("198.18.6.2", 2)).isTrue();
    }

    @Test
    void shouldFollowMacMoveBetweenPorts()
    {
        final Lab.Host a = lab.host("a", VlanRules.access(1), "198.18.8.1/24");
        final Lab.Host b = lab.host("b", VlanRules.access(1), "198.18.8.2/24");
        final Lab.Host c = lab.host("c", VlanRules.access(1), null);
        assertThat(b.ns().ping(a.address(), 2)).isTrue();
        final String moving = a.ns().mac(a.link());
        assertThat(lab.sw().macTable().lookup(1, MacAddresses.parse(moving))).isEqualTo(a.port().id());

        // The station "moves": a goes away, c takes its MAC and address and speaks first.
        a.ns().exec("ip", "link", "set", a.link(), "down");
        c.ns().exec("ip", "link", "set", c.link(), "down");
        c.ns().exec("ip", "link", "set", c.link(), "address", moving);
        c.ns().exec("ip", "addr", "add", "198.18.8.1/24", "dev", c.link());
        c.ns().exec("ip", "link", "set", c.link(), "up");
        assertThat(c.ns().ping(b.address(), 2)).isTrue();

        final MacEntry entry = lab.sw().macTable().entry(1, MacAddresses.parse(moving));
        assertThat(entry.portId()).isEqualTo(c.port().id());
        assertThat(lab.sw().macTable().moves()).isPositive();
        assertThat(b.ns().ping("198.18.8.1", 2)).as("b reaches the moved station").isTrue();
    }

    @Test
    void shouldCountMalformedFloodAndKeepForwarding()
    {
        final Lab.Host a = lab.host("a", VlanRules.access(1), "198.18.9.1/24");
        final Lab.Host b = lab.host("b", VlanRules.access(1), "198.18.9.2/24");
        final int rounds = 5000;
        final PortStats before = a.port().counters().snapshot();
        final long forwardedBefore = b.port().counters().get(PortCounters.TX_PACKETS);

        final var flood = a.ns().run(30_000, "python3", Scripts.extract("/raw/malformed_flood.py"), a.link(),
            Integer.toString(rounds)).check();

        assertThat(Integer.parseInt(flood.output().strip())).isEqualTo(rounds * 4);
        // The kernel's TAP queue may drop part of a burst before we read it; every frame we did read is counted.
        final PortStats after = a.port().counters().snapshot();
        final long received = after.rxPackets() - before.rxPackets();
        final long malformed = after.drops(DropReason.MALFORMED) - before.drops(DropReason.MALFORMED);
        final long vlan = after.drops(DropReason.VLAN) - before.drops(DropReason.VLAN);
        assertThat(received).isPositive();
        assertThat(malformed).as("multicast source and VID 4095").isPositive();
        assertThat(vlan).as("tagged on access port and 802.1ad").isPositive();
        assertThat(malformed + vlan).as("every hostile frame read was dropped and counted").isEqualTo(received);
        assertThat(b.port().counters().get(PortCounters.TX_PACKETS)).as("none of it was forwarded")
            .isEqualTo(forwardedBefore);
        assertThat(a.ns().pingResult(b.address(), 3).check().output()).contains("3 received");
    }

    @Test
    void shouldBridgeRawPortOnVethToTapPort()
    {
        final Lab.Host raw = lab.rawHost("w", VlanRules.access(1), "198.18.11.1/24");
        final Lab.Host tap = lab.host("t", VlanRules.access(1), "198.18.11.2/24");

        assertThat(raw.ns().pingResult(tap.address(), 3).check().output()).contains("3 received");
        final double bitsPerSecond = Iperf3.tcp(tap.ns(), raw.ns(), tap.address(), 2);

        assertThat(bitsPerSecond).isPositive();
        assertThat(raw.port().kind()).isEqualTo("raw");
        assertThat(raw.port().counters().get(PortCounters.RX_PACKETS)).isPositive();
        assertThat(lab.sw().macTable().lookup(1, MacAddresses.parse(raw.ns().mac(raw.link()))))
            .isEqualTo(raw.port().id());
    }

    @Test
    void shouldRefuseRawTrunkPort()
    {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new PortFactory(lab.sw()).raw("lo",
                VlanRules.trunk(new int[] {10}, VlanRules.NONE), Integer.MAX_VALUE))
            .hasMessageContaining("must be an access port");
    }

    @Test
    void shouldRefuseNewStationsBeyondPortMacLimit()
    {
        final Lab.Host a = lab.host("a", TapPortSpec.access(io.l2mesh.testkit.Netns.uniqueLinkName("a"), 1)
            .withMacLimit(1), "198.18.10.1/24");
        final Lab.Host b = lab.host("b", VlanRules.access(1), "198.18.10.2/24");
        assertThat(a.ns().ping(b.address(), 2)).isTrue();
        // A second station behind port a: a macvlan on a's TAP, in a namespace of its own, with its own MAC.
        final var second = lab.namespace("m");
        a.ns().exec("ip", "link", "add", "mv0", "link", a.link(), "type", "macvlan", "mode", "bridge");
        a.ns().exec("ip", "link", "set", "mv0", "netns", second.name());
        second.exec("ip", "addr", "add", "198.18.10.3/24", "dev", "mv0");
        second.exec("ip", "link", "set", "mv0", "up");

        assertThat(second.ping(b.address(), 2)).as("second station behind a full port").isFalse();
        assertThat(a.port().counters().drops(DropReason.MAC_LIMIT)).isPositive();
        assertThat(lab.sw().macTable().lookup(1, MacAddresses.parse(second.mac("mv0")))).isEqualTo(-1);
        assertThat(a.ns().ping(b.address(), 2)).as("the known station keeps working").isTrue();
    }
}
