package io.l2mesh.control.mesh;

import io.l2mesh.switching.Switch;
import io.l2mesh.switching.SwitchContext;
import io.l2mesh.testkit.UdpPorts;
import io.l2mesh.tunnel.PeerOrigin;
import io.l2mesh.tunnel.PeerSpec;
import io.l2mesh.tunnel.PeerStatus;
import io.l2mesh.tunnel.TunnelPort;
import io.l2mesh.tunnel.TunnelPortSpec;
import io.l2mesh.tunnel.noise.KeyPair;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Registry entries as live peers of a real tunnel port (on loopback, no root): one peer per entry with the
 * certificate's allowed MACs, replaced only when it changed, shadowed by a config peer, applied again to a
 * re-created port, and removed when its certificate expires.
 */
class MeshPeersTest
{
    private static final long NOW = System.currentTimeMillis() / 1000;
    private final Switch sw = Switch.start(new SwitchContext().loops(1));

    @AfterEach
    void close()
    {
        sw.close();
    }

    private TunnelPort tunnel(final List<PeerSpec> peers)
    {
        final TunnelPortSpec spec = TunnelPortSpec.of("mesh0", new InetSocketAddress("127.0.0.1", UdpPorts.free()),
            KeyPair.generate(), peers, 1);
        return sw.addPort(id -> TunnelPort.open(id, spec, sw.loopCount(), 32));
    }

    private static MeshPeers.Accepted accepted(final String name, final KeyPair key, final int port,
        final long notAfter, final long[] macs)
    {
        final NodeCertificate cert = new NodeCertificate(name, key.publicKey(), NOW - 60, notAfter, macs);
        final NodeEntry entry = new NodeEntry(name, key.publicKey(), List.of(new InetSocketAddress("2001:db8::1",
            port), new InetSocketAddress("127.0.0.1", port)), port, 1380, null, 2, "c.s");
        return new MeshPeers.Accepted(entry, cert);
    }

    @Test
    void shouldTakeAnEntryAsARelayOnlyIfItsCertificateSaysSo()
    {
        final KeyPair r = KeyPair.generate();
        final KeyPair q = KeyPair.generate();
        final TunnelPort port = tunnel(List.of());
        final MeshPeers peers = new MeshPeers(sw, "mesh0");
        final List<InetSocketAddress> at = List.of(new InetSocketAddress("127.0.0.1", 4101));
        peers.put(new MeshPeers.Accepted(new NodeEntry("r", r.publicKey(), at, List.of(), 4101, 1380, null, 2, "c.s",
            true), new NodeCertificate("r", r.publicKey(), NOW - 60, NOW + 3600, null, true)));
        peers.put(new MeshPeers.Accepted(new NodeEntry("q", q.publicKey(), at, List.of(), 4101, 1380, null, 2, "c.s",
            true), new NodeCertificate("q", q.publicKey(), NOW - 60, NOW + 3600, null)));
        assertThat(port.peerSpec("r").relay()).as("certified relay").isTrue();
        assertThat(port.peerSpec("q").relay()).as("claims to relay, the authority did not say so").isFalse();
    }

    private static PeerStatus status(final TunnelPort port, final String name)
    {
        return port.peerStatus().stream().filter(p -> p.name().equals(name)).findFirst().orElse(null);
    }

    @Test
    void shouldTurnEntriesIntoLivePeersAndGiveWayToConfigPeers()
    {
        final KeyPair b = KeyPair.generate();
        final KeyPair c = KeyPair.generate();
        final TunnelPort port = tunnel(List.of(new PeerSpec("c-static", c.publicKey(), null, null)));
        final MeshPeers peers = new MeshPeers(sw, "mesh0");
        final long[] macs = {0x0200_0000_000bL};

        peers.put(accepted("b", b, 4001, NOW + 3600, macs));
        peers.put(accepted("c", c, 4002, NOW + 3600, null));
        assertThat(port.peerOrigin("b")).isEqualTo(PeerOrigin.REGISTRY);
        assertThat(port.peerSpec("b").endpoint()).as("the first endpoint of the listen family")
            .isEqualTo(new InetSocketAddress("127.0.0.1", 4001));
        assertThat(port.peerSpec("b").allowedMacs()).as("the certificate's allowed MACs").containsExactly(macs);
        assertThat(port.peerOrigin("c")).as("the config peer with c's key wins").isNull();
        assertThat(peers.shadowed()).isEqualTo(1);
        assertThat(peers.isShadowed("c")).isTrue();

        final long version = port.peerVersion();
        peers.put(accepted("b", b, 4001, NOW + 3600, macs));
        assertThat(port.peerVersion()).as("the same entry again changes nothing").isEqualTo(version);
        peers.put(accepted("b", b, 4003, NOW + 3600, macs));
        assertThat(port.peerSpec("b").endpoint().getPort()).as("moved: replaced").isEqualTo(4003);

        // The config peer goes: c's entry takes its place at the next tick.
        port.removePeer("c-static");
        peers.tick();
        assertThat(port.peerOrigin("c")).isEqualTo(PeerOrigin.REGISTRY);
        assertThat(peers.shadowed()).isZero();

        assertThat(peers.remove("b")).isTrue();
        assertThat(status(port, "b")).isNull();
        assertThat(peers.remove("b")).isFalse();
    }

    @Test
    void shouldApplyEveryEntryToARecreatedPortAndExpireCertificates()
    {
        tunnel(List.of());
        final MeshPeers peers = new MeshPeers(sw, "mesh0");
        peers.put(accepted("b", KeyPair.generate(), 4001, NOW + 3600, null));
        peers.put(accepted("d", KeyPair.generate(), 4004, NOW + 5, null));

        sw.removePort("mesh0");
        final TunnelPort again = tunnel(List.of());
        peers.tick();
        assertThat(again.peerStatus()).extracting(PeerStatus::name).containsExactlyInAnyOrder("b", "d");
        assertThat(again.peerStatus()).allSatisfy(p -> assertThat(p.origin()).isEqualTo(PeerOrigin.REGISTRY));

        assertThat(peers.expire(NOW + 4)).isEmpty();
        assertThat(peers.expire(NOW + 5)).containsExactly("d");
        assertThat(again.peerStatus()).extracting(PeerStatus::name).containsExactly("b");
        assertThat(peers.accepted()).isEqualTo(1);
    }
}
