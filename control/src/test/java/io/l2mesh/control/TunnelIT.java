package io.l2mesh.control;

import io.l2mesh.switching.fdb.MacLimits;
import io.l2mesh.switching.frame.MacAddresses;
import io.l2mesh.switching.port.TapPortSpec;
import io.l2mesh.switching.stats.PortCounters;
import io.l2mesh.switching.vlan.VlanRules;
import io.l2mesh.testkit.Cmd;
import io.l2mesh.testkit.ErrorLogWatch;
import io.l2mesh.testkit.Iperf3;
import io.l2mesh.testkit.Netns;
import io.l2mesh.tunnel.PeerSpec;
import io.l2mesh.tunnel.PeerStatus;
import io.l2mesh.tunnel.TunnelPort;
import io.l2mesh.tunnel.TunnelPortSpec;
import io.l2mesh.tunnel.noise.KeyPair;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * l2mesh nodes joined by encrypted tunnels over loopback, each bridging a namespace on a TAP port: ping and TCP
 * across, a three-node full mesh without a storm, and a node that comes back on another UDP port. Needs root.
 */
@Timeout(180)
class TunnelIT
{
    private final List<Lab> labs = new ArrayList<>();

    @RegisterExtension
    final ErrorLogWatch errorLog = new ErrorLogWatch();

    @AfterEach
    void stop()
    {
        labs.forEach(Lab::close);
    }

    /**
     * A node: a switch, its tunnel port and a host namespace.
     */
    private record Node(Lab lab, TunnelPort port, Lab.Host host, KeyPair key, int udpPort)
    {
    }

    private Node node(final String role, final KeyPair key, final int udpPort, final List<PeerSpec> peers,
        final String cidr)
    {
        final Lab lab = new Lab(errorLog);
        labs.add(lab);
        final TunnelPortSpec spec = TunnelPortSpec.of("mesh", new InetSocketAddress("127.0.0.1", udpPort), key,
            peers, 1);
        final TunnelPort port = lab.sw().addPort(id -> TunnelPort.open(id, spec, lab.sw().loopCount(), 64));
        return new Node(lab, port, lab.host(role, VlanRules.access(1), cidr), key, udpPort);
    }

    private static PeerSpec peer(final String name, final KeyPair key, final int udpPort)
    {
        return new PeerSpec(name, key.publicKey(), null, new InetSocketAddress("127.0.0.1", udpPort));
    }

    @Test
    void shouldPingAndCarryTcpAcrossTheEncryptedTunnel()
    {
        final KeyPair ka = KeyPair.generate();
        final KeyPair kb = KeyPair.generate();
        final int pa = freePort();
        final int pb = freePort();
        final Node a = node("a", ka, pa, List.of(peer("b", kb, pb)), "198.18.81.1/24");
        final Node b = node("b", kb, pb, List.of(peer("a", ka, pa)), "198.18.81.2/24");

        assertThat(a.host().ns().pingResult("198.18.81.2", 3).check().output()).contains("3 received");
        // Data moved; how fast is bench/tunnel.sh's to say, not a test's on a shared machine.
        assertThat(Iperf3.tcp(b.host().ns(), a.host().ns(), "198.18.81.2", 3)).as("bit/s").isGreaterThan(1e6);
        final PeerStatus peer = a.port().peerStatus().get(0);
        assertThat(peer.up()).isTrue();
        assertThat(peer.stats().txBytes()).as("TCP went through the tunnel").isGreaterThan(1_000_000);

        // The receiving node merged the segments of the TCP flow back into super-frames: its TAP took the data
        // in far fewer writes than the tunnel delivered segments.
        final long merged = b.port().counters().get(PortCounters.RX_COALESCED);
        final long segments = b.port().counters().get(PortCounters.RX_PACKETS) + merged;
        final long tapWrites = b.host().port().counters().get(PortCounters.TX_PACKETS);
        final long superFrames = b.host().port().counters().get(PortCounters.TX_GSO_FRAMES);
        System.out.printf("TunnelIT: %d segments received, %d coalesced, %d TAP writes (%d super-frames)%n",
            segments, merged, tapWrites, superFrames);
        assertThat(superFrames).as("super-frames written to the TAP").isPositive();
        assertThat(tapWrites * 4).as("TAP writes against segments received").isLessThan(segments);
    }

    /**
     * Merged frames that leave through a TAP without offloads are cut again in software, checksums and all:
     * tshark in the receiving namespace validates every IP and TCP checksum (the kernel would drop bad ones and
     * TCP would resend, hiding the fault from iperf3), and the namespace's TCP counts no checksum errors.
     */
    @Test
    void shouldSegmentCoalescedFramesWithCorrectChecksumsForAPortWithoutOffloads() throws Exception
    {
        final KeyPair ka = KeyPair.generate();
        final KeyPair kb = KeyPair.generate();
        final int pa = freePort();
        final int pb = freePort();
        final Node a = node("a", ka, pa, List.of(peer("b", kb, pb)), "198.18.84.1/24");
        final Lab labB = new Lab(errorLog);
        labs.add(labB);
        final TunnelPort portB = labB.sw().addPort(id -> TunnelPort.open(id, TunnelPortSpec.of("mesh",
            new InetSocketAddress("127.0.0.1", pb), kb, List.of(peer("a", ka, pa)), 1), labB.sw().loopCount(), 64));
        final Lab.Host plain = labB.host("bp", new TapPortSpec(Netns.uniqueLinkName("bp"), VlanRules.access(1), 0,
            -1, false, false, MacLimits.UNLIMITED, 0), "198.18.84.2/24");
        labB.host("bo", VlanRules.access(1), null); // a port with offloads on node b: coalescing is worth it

        assertThat(a.host().ns().ping("198.18.84.2", 2)).isTrue();
        final java.nio.file.Path pcap = java.nio.file.Files.createTempFile("l2mesh-coalesce", ".pcap");
        try
        {
            final Process tshark = new ProcessBuilder("ip", "netns", "exec", plain.ns().name(), "tshark", "-q",
                "-i", plain.link(), "-a", "duration:20", "-c", "4000", "-w", pcap.toString())
                .redirectErrorStream(true).start();
            try
            {
                // tshark (dumpcap) writes the pcap header once it captures: only then send.
                final long until = System.nanoTime() + 15_000_000_000L;
                while (java.nio.file.Files.size(pcap) == 0 && System.nanoTime() < until && tshark.isAlive())
                {
                    Thread.sleep(100);
                }
                Thread.sleep(300);
                assertThat(Iperf3.tcp(plain.ns(), a.host().ns(), "198.18.84.2", 3)).isGreaterThan(1e6);
            }
            finally
            {
                tshark.destroy(); // SIGTERM: dumpcap closes the file properly
                if (!tshark.waitFor(15, java.util.concurrent.TimeUnit.SECONDS))
                {
                    tshark.destroyForcibly();
                }
            }
            final String checks = Cmd.run(60_000, "tshark", "-r", pcap.toString(), "-o", "ip.check_checksum:TRUE",
                "-o", "tcp.check_checksum:TRUE", "-Y", "tcp.len > 0", "-T", "fields", "-e", "ip.checksum.status",
                "-e", "tcp.checksum.status").check().output();
            final long good = checks.lines().filter(l -> l.trim().equals("1\t1")).count();
            final long bad = checks.lines().filter(l -> l.contains("0")).count();
            System.out.printf("TunnelIT: %d data segments with good checksums, %d bad%n", good, bad);
            assertThat(good).as("data segments validated").isGreaterThan(100);
            assertThat(bad).as("segments with a bad IP or TCP checksum").isZero();
        }
        finally
        {
            java.nio.file.Files.deleteIfExists(pcap);
        }
        final String nstat = plain.ns().exec("nstat", "-az", "TcpInCsumErrors");
        assertThat(nstat).containsPattern("TcpInCsumErrors\\s+0\\s");
        assertThat(portB.counters().get(PortCounters.RX_COALESCED)).as("segments merged").isPositive();
        assertThat(plain.port().counters().get(PortCounters.TX_SOFTWARE_SEGMENTS)).as("cut again").isPositive();
    }

    @Test
    void shouldConnectEveryPairOfAThreeNodeMeshWithoutAStorm()
    {
        final KeyPair[] keys = {KeyPair.generate(), KeyPair.generate(), KeyPair.generate()};
        final int[] ports = {freePort(), freePort(), freePort()};
        final String[] names = {"a", "b", "c"};
        final Node[] nodes = new Node[3];
        for (int i = 0; i < 3; i++)
        {
            final List<PeerSpec> peers = new ArrayList<>();
            for (int j = 0; j < 3; j++)
            {
                if (j != i)
                {
                    peers.add(peer(names[j], keys[j], ports[j]));
                }
            }
            nodes[i] = node(names[i], keys[i], ports[i], peers, "198.18.82." + (i + 1) + "/24");
        }
        for (int i = 0; i < 3; i++)
        {
            for (int j = 0; j < 3; j++)
            {
                if (i != j)
                {
                    assertThat(nodes[i].host().ns().ping("198.18.82." + (j + 1), 2)).as("%s -> %s", names[i],
                        names[j]).isTrue();
                }
            }
        }
        // Six pairs of 2 pings plus ARP: a loop in the mesh would multiply these without bound.
        long tunnelFrames = 0;
        for (final Node node : nodes)
        {
            tunnelFrames += node.port().counters().get(io.l2mesh.switching.stats.PortCounters.TX_PACKETS);
        }
        assertThat(tunnelFrames).as("frames sent into tunnels").isBetween(24L, 200L);
        for (int i = 0; i < 3; i++)
        {
            for (int j = 0; j < 3; j++)
            {
                if (i != j)
                {
                    final long mac = MacAddresses.parse(nodes[j].host().ns().mac(nodes[j].host().link()));
                    assertThat(nodes[i].port().peerOf(mac)).as("%s's MAC as seen from %s", names[j], names[i])
                        .isEqualTo(names[j]);
                }
            }
        }
    }

    @Test
    void shouldFollowANodeThatRestartsOnAnotherUdpPort() throws Exception
    {
        final KeyPair ka = KeyPair.generate();
        final KeyPair kb = KeyPair.generate();
        final int pa = freePort();
        final int pb = freePort();
        final Node a = node("a", ka, pa, List.of(peer("b", kb, pb)), "198.18.83.1/24");
        final Node b = node("b", kb, pb, List.of(peer("a", ka, pa)), "198.18.83.2/24");
        assertThat(a.host().ns().ping("198.18.83.2", 2)).isTrue();

        // B's tunnel goes away (its sessions with it) and comes back on a new UDP port; A still has the old one.
        assertThat(b.lab().sw().removePort("mesh")).isTrue();
        final int moved = freePort();
        final TunnelPortSpec again = TunnelPortSpec.of("mesh", new InetSocketAddress("127.0.0.1", moved), kb,
            List.of(peer("a", ka, pa)), 1);
        b.lab().sw().addPort(id -> TunnelPort.open(id, again, b.lab().sw().loopCount(), 64));

        final long start = System.nanoTime();
        boolean reached = false;
        while (!reached && System.nanoTime() - start < 10_000_000_000L)
        {
            reached = a.host().ns().ping("198.18.83.2", 1);
        }
        assertThat(reached).as("back within 10 s").isTrue();
        System.out.printf("TunnelIT: tunnel back after %d ms%n", (System.nanoTime() - start) / 1_000_000);
        final PeerStatus peer = a.port().peerStatus().get(0);
        assertThat(peer.endpoint()).as("A follows B to its new port").isEqualTo(
            new InetSocketAddress("127.0.0.1", moved));
        assertThat(peer.endpointChanges()).isGreaterThanOrEqualTo(1);
    }

    private static int freePort()
    {
        try (DatagramSocket probe = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0)))
        {
            return probe.getLocalPort();
        }
        catch (final java.io.IOException ex)
        {
            throw new IllegalStateException(ex);
        }
    }
}
