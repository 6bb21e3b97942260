package io.l2mesh.tunnel;

import io.l2mesh.switching.Switch;
import io.l2mesh.switching.SwitchContext;
import io.l2mesh.switching.port.unix.UnixPortSpec;
import io.l2mesh.switching.port.unix.UnixPortWaits;
import io.l2mesh.switching.port.unix.UnixStreamPort;
import io.l2mesh.switching.stats.DropReason;
import io.l2mesh.testkit.QemuStreamClient;
import io.l2mesh.tunnel.noise.KeyPair;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Two nodes in one JVM, each a switch with an encrypted tunnel port on loopback and a QEMU-framing client on a
 * unix port. Needs no root.
 */
class TunnelPortTest
{
    private static final long MAC_A = 0x0200_0000_000aL;
    private static final long MAC_B = 0x0200_0000_000bL;

    @TempDir
    Path dir;

    private final List<AutoCloseable> closing = new ArrayList<>();
    private final KeyPair keyA = KeyPair.generate();
    private final KeyPair keyB = KeyPair.generate();

    @AfterEach
    void close() throws Exception
    {
        for (int i = closing.size() - 1; i >= 0; i--)
        {
            closing.get(i).close();
        }
    }

    /**
     * A node: switch, tunnel port, one VM client.
     */
    private record Node(Switch sw, TunnelPort port, QemuStreamClient vm)
    {
    }

    private Node node(final String name, final KeyPair key, final int port, final KeyPair peerKey,
        final InetSocketAddress peerEndpoint, final int rekeySeconds) throws Exception
    {
        return node(name, key, new InetSocketAddress("127.0.0.1", port), peerKey, peerEndpoint, rekeySeconds);
    }

    private Node node(final String name, final KeyPair key, final InetSocketAddress local, final KeyPair peerKey,
        final InetSocketAddress peerEndpoint, final int rekeySeconds) throws Exception
    {
        return node(name, key, local, List.of(new PeerSpec("peer", peerKey.publicKey(), null, peerEndpoint)),
            rekeySeconds);
    }

    private Node node(final String name, final KeyPair key, final InetSocketAddress local,
        final List<PeerSpec> peers, final int rekeySeconds) throws Exception
    {
        return node(name, key, local, peers, rekeySeconds, null);
    }

    private Node node(final String name, final KeyPair key, final InetSocketAddress local,
        final List<PeerSpec> peers, final int rekeySeconds, final Path stateDir) throws Exception
    {
        return node(name, key, local, peers, rekeySeconds, stateDir, RelaySpec.OFF);
    }

    private Node node(final String name, final KeyPair key, final InetSocketAddress local,
        final List<PeerSpec> peers, final int rekeySeconds, final Path stateDir, final RelaySpec relay)
        throws Exception
    {
        final Switch sw = Switch.start(new SwitchContext().loops(2));
        closing.add(sw);
        final TunnelPortSpec spec = TunnelPortSpec.of("tun-" + name, local, key, peers, 1)
            .withRekeySeconds(rekeySeconds).withRelay(relay);
        final TunnelPort tunnel = sw.addPort(id -> TunnelPort.open(id, spec, sw.loopCount(), 64, stateDir));
        final UnixPortSpec vmSpec =
            UnixPortSpec.access("vm", dir.resolve(name + ".sock"), UnixPortSpec.Framing.STREAM, 1);
        final UnixStreamPort vmPort = sw.addPort(id -> UnixStreamPort.open(id, vmSpec, sw.loopCount(), 64));
        final QemuStreamClient vm = QemuStreamClient.connect(dir.resolve(name + ".sock"));
        closing.add(vm);
        UnixPortWaits.awaitAttached(vmPort);
        return new Node(sw, tunnel, vm);
    }

    private Node[] pair(final int rekeySeconds) throws Exception
    {
        final int portA = freePort();
        final int portB = freePort();
        final Node a = node("a", keyA, portA, keyB, new InetSocketAddress("127.0.0.1", portB), rekeySeconds);
        final Node b = node("b", keyB, portB, keyA, new InetSocketAddress("127.0.0.1", portA), rekeySeconds);
        awaitUp(a.port());
        awaitUp(b.port());
        return new Node[] {a, b};
    }

    /**
     * A hub with peers "one" and "two" (their allowed MACs and MAC limits as given), and the two nodes, all up.
     *
     * @return hub, one, two.
     */
    private Node[] hubWithTwoPeers(final long[] oneAllowed, final int oneLimit, final long[] twoAllowed,
        final int twoLimit) throws Exception
    {
        final KeyPair hubKey = KeyPair.generate();
        final KeyPair oneKey = KeyPair.generate();
        final KeyPair twoKey = KeyPair.generate();
        final InetSocketAddress hubAt = new InetSocketAddress("127.0.0.1", freePort());
        final InetSocketAddress oneAt = new InetSocketAddress("127.0.0.1", freePort());
        final InetSocketAddress twoAt = new InetSocketAddress("127.0.0.1", freePort());
        final Node hub = node("hub", hubKey, hubAt, List.of(
            new PeerSpec("one", oneKey.publicKey(), null, oneAt, null, oneAllowed, oneLimit),
            new PeerSpec("two", twoKey.publicKey(), null, twoAt, null, twoAllowed, twoLimit)), 120);
        final List<PeerSpec> toHub = List.of(new PeerSpec("hub", hubKey.publicKey(), null, hubAt));
        final Node one = node("one", oneKey, oneAt, toHub, 120);
        final Node two = node("two", twoKey, twoAt, toHub, 120);
        awaitUp(one.port());
        awaitUp(two.port());
        final long deadline = System.nanoTime() + 10_000_000_000L;
        while (!hub.port().peerStatus().stream().allMatch(PeerStatus::up) && System.nanoTime() < deadline)
        {
            Thread.sleep(10);
        }
        return new Node[] {hub, one, two};
    }

    /**
     * M2: a hub with two peers. With {@code allowed-macs} a peer may send only from its MACs and no other peer from
     * them; without, a MAC claimed by another peer moves there, counted; and a peer's {@code mac-limit} holds.
     */
    @Test
    void shouldBindMacsToPeersWithAllowedMacsAndCountMovesWithout() throws Exception
    {
        final long macOne = 0x0200_0000_0101L;
        final long macTwo = 0x0200_0000_0202L;
        final Node[] nodes = hubWithTwoPeers(new long[] {macOne}, PeerSpec.DEFAULT_MAC_LIMIT, null, 3);
        final Node hub = nodes[0];
        final Node one = nodes[1];
        final Node two = nodes[2];

        final byte[] fromOne = frame(MAC_A, macOne, 60, 1);
        one.vm().send(fromOne);
        assertThat(hub.vm().receive(5_000)).as("one, from its allowed MAC").isEqualTo(fromOne);
        one.vm().send(frame(MAC_A, macTwo, 60, 2));
        two.vm().send(frame(MAC_A, macOne, 60, 3)); // two claims one's allowed MAC
        assertThat(hub.vm().receive(300)).as("neither got through").isNull();
        final long[] drops = {0};
        final long waitDrops = System.nanoTime() + 5_000_000_000L;
        while ((drops[0] = hub.port().counters().drops(DropReason.MAC_NOT_ALLOWED)) < 2 &&
            System.nanoTime() < waitDrops)
        {
            Thread.sleep(10);
        }
        assertThat(drops[0]).as("mac_not_allowed").isEqualTo(2);
        assertThat(hub.port().peerOf(macOne)).as("one's MAC stays one's").isEqualTo("one");
        final byte[] toOne = frame(macOne, MAC_A, 60, 4);
        hub.vm().send(toOne);
        assertThat(one.vm().receive(5_000)).as("frames to one's MAC go to one").isEqualTo(toOne);
        assertThat(two.vm().receive(300)).as("and to one only").isNull();

        // Two has no allowed-macs but a mac-limit of 3: three new MACs are learned, the 4th is refused.
        for (int i = 0; i < 4; i++)
        {
            final byte[] f = frame(MAC_A, 0x0200_0000_0300L + i, 60, 10 + i);
            two.vm().send(f);
            if (i < 3)
            {
                assertThat(hub.vm().receive(5_000)).as("MAC %d of two's 3", i).isEqualTo(f);
            }
        }
        assertThat(hub.vm().receive(300)).as("the 4th MAC beyond two's mac-limit").isNull();
        assertThat(hub.port().peerMacs("two")).isEqualTo(3);
        assertThat(hub.port().counters().drops(DropReason.MAC_LIMIT)).isEqualTo(1);
    }

    /**
     * M2 without allowed-macs: a MAC that another peer claims moves to it, and the move is counted.
     */
    @Test
    void shouldCountAMacMovingFromOnePeerToAnother() throws Exception
    {
        final Node[] nodes = hubWithTwoPeers(null, PeerSpec.DEFAULT_MAC_LIMIT, null, PeerSpec.DEFAULT_MAC_LIMIT);
        final Node hub = nodes[0];
        final Node one = nodes[1];
        final Node two = nodes[2];
        final long shared = 0x0200_0000_0999L;
        final byte[] first = frame(MAC_A, shared, 60, 1);
        one.vm().send(first);
        assertThat(hub.vm().receive(5_000)).isEqualTo(first);
        assertThat(hub.port().peerOf(shared)).isEqualTo("one");
        final byte[] second = frame(MAC_A, shared, 60, 2);
        two.vm().send(second);
        assertThat(hub.vm().receive(5_000)).as("without allowed-macs the claim is taken").isEqualTo(second);
        assertThat(hub.port().peerOf(shared)).isEqualTo("two");
        assertThat(hub.port().peerMacMoves()).as("and counted").isEqualTo(1);
    }

    /**
     * L1: a valid initiation from somewhere else (here made with A's key, as a recorder replaying one after a
     * restart might) is answered there, but moves nothing: B's endpoint for A stays, and B keeps sending on the
     * session A confirmed, not on the new one nobody confirmed. Frames go on both ways.
     */
    @Test
    void shouldNeitherMoveTheEndpointNorSendOnAnUnconfirmedSessionAfterAnInitiation() throws Exception
    {
        final Node[] nodes = pair(120);
        final Node a = nodes[0];
        final Node b = nodes[1];
        b.vm().send(frame(MAC_A, MAC_B, 60, -1));
        assertThat(a.vm().receive(5_000)).isNotNull();
        a.vm().send(frame(MAC_B, MAC_A, 60, -2));
        assertThat(b.vm().receive(5_000)).isNotNull();
        final PeerStatus before = b.port().peerStatus().get(0);
        final InetSocketAddress target = new InetSocketAddress("127.0.0.1",
            a.port().peerStatus().get(0).endpoint().getPort());
        try (DatagramSocket elsewhere = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0)))
        {
            elsewhere.setSoTimeout(3_000);
            Thread.sleep(30); // past the 20 ms a peer's initiations must be apart
            final byte[] initiation = new io.l2mesh.tunnel.noise.Handshake(io.l2mesh.tunnel.noise.CipherSuite.AESGCM,
                keyA).initiate(new io.l2mesh.tunnel.noise.HandshakePeer(keyB.publicKey(), null), 0x7777)
                .message();
            elsewhere.send(new DatagramPacket(initiation, initiation.length, target));
            final DatagramPacket response = new DatagramPacket(new byte[256], 256);
            elsewhere.receive(response);
            assertThat(response.getLength()).as("answered where it came from").isEqualTo(92);
        }
        final PeerStatus after = b.port().peerStatus().get(0);
        assertThat(after.endpoint()).as("B's endpoint for A").isEqualTo(before.endpoint());
        assertThat(after.endpointChanges()).isEqualTo(before.endpointChanges());
        for (int i = 0; i < 20; i++)
        {
            final byte[] toA = frame(MAC_A, MAC_B, 100, i);
            b.vm().send(toA);
            assertThat(a.vm().receive(5_000)).as("B -> A still on the confirmed session, frame %d", i)
                .isEqualTo(toA);
            final byte[] toB = frame(MAC_B, MAC_A, 100, i);
            a.vm().send(toB);
            assertThat(b.vm().receive(5_000)).as("A -> B, frame %d", i).isEqualTo(toB);
        }
        assertThat(a.port().counters().drops(DropReason.UNKNOWN_PEER)).as("nothing sealed with unconfirmed keys")
            .isZero();
    }

    /**
     * L8: the handshake agent survives what a bug might throw on its thread, an Error included, and counts it.
     */
    @Test
    void shouldKeepTheAgentRunningThroughExceptionsAndErrors() throws Exception
    {
        final Node[] nodes = pair(120);
        final TunnelPort port = nodes[0].port();
        assertThat(port.submitToAgent(() ->
        {
            throw new LinkageError("injected");
        })).isTrue();
        assertThat(port.submitToAgent(() ->
        {
            throw new IllegalStateException("injected");
        })).isTrue();
        final java.util.concurrent.CountDownLatch ran = new java.util.concurrent.CountDownLatch(1);
        final long deadline = System.nanoTime() + 5_000_000_000L;
        while (port.agentErrors() < 2 && System.nanoTime() < deadline)
        {
            Thread.sleep(10);
        }
        assertThat(port.agentErrors()).isEqualTo(2);
        assertThat(port.submitToAgent(ran::countDown)).isTrue();
        assertThat(ran.await(5, java.util.concurrent.TimeUnit.SECONDS)).as("the agent still runs commands").isTrue();
        final byte[] hello = frame(0xffff_ffff_ffffL, MAC_A, 60, 7);
        nodes[0].vm().send(hello);
        assertThat(nodes[1].vm().receive(5_000)).as("and the tunnel still carries frames").isEqualTo(hello);
    }

    @Test
    void shouldCarryFramesBothWaysAndLearnWhichPeerHasWhichMac() throws Exception
    {
        final Node[] nodes = pair(120);
        final Node a = nodes[0];
        final Node b = nodes[1];
        final byte[] hello = frame(0xffff_ffff_ffffL, MAC_A, 60, 0);
        a.vm().send(hello);
        assertThat(b.vm().receive(5_000)).as("broadcast through the tunnel").isEqualTo(hello);
        for (int i = 0; i < 300; i++)
        {
            final byte[] there = frame(MAC_A, MAC_B, 60 + i * 4, i);
            b.vm().send(there);
            assertThat(a.vm().receive(5_000)).as("B to A %d", i).isEqualTo(there);
            final byte[] back = frame(MAC_B, MAC_A, 14 + TunnelPortSpec.DEFAULT_MTU - i, i); // up to the MTU
            a.vm().send(back);
            assertThat(b.vm().receive(5_000)).as("A to B %d", i).isEqualTo(back);
        }
        assertThat(a.sw().macTable().lookup(1, MAC_B)).isEqualTo(a.port().id());
        final long deadline = System.nanoTime() + 2_000_000_000L; // the sender counts after its send returns
        while (a.port().peerStatus().get(0).stats().txPackets() < 301 && System.nanoTime() < deadline)
        {
            Thread.sleep(5);
        }
        final PeerStatus peer = a.port().peerStatus().get(0);
        assertThat(peer.up()).isTrue();
        assertThat(peer.stats().rxPackets()).isGreaterThanOrEqualTo(300);
        assertThat(peer.stats().txPackets()).isGreaterThanOrEqualTo(301);
    }

    @Test
    void shouldRunOverAnIpv6Underlay() throws Exception
    {
        final int portA = freePort();
        final int portB = freePort();
        final Node a = node("a", keyA, new InetSocketAddress("::1", portA), keyB, new InetSocketAddress("::1", portB),
            120);
        final Node b = node("b", keyB, new InetSocketAddress("::1", portB), keyA, new InetSocketAddress("::1", portA),
            120);
        awaitUp(a.port());
        awaitUp(b.port());
        final byte[] f = frame(0xffff_ffff_ffffL, MAC_A, 500, 7);
        a.vm().send(f);
        assertThat(b.vm().receive(5_000)).isEqualTo(f);
        assertThat(a.port().peerStatus().get(0).endpoint()).isEqualTo(new InetSocketAddress("::1", portB));
    }

    @Test
    void shouldRekeyWithoutLosingFrames() throws Exception
    {
        final Node[] nodes = pair(2);
        final Node a = nodes[0];
        final Node b = nodes[1];
        final long end = System.nanoTime() + 6_000_000_000L; // three rekeys
        int sent = 0;
        while (System.nanoTime() < end)
        {
            final byte[] f = frame(MAC_B, MAC_A, 100, sent);
            a.vm().send(f);
            sent++;
            assertThat(b.vm().receive(5_000)).as("frame %d", sent).isEqualTo(f);
            Thread.sleep(5);
        }
        assertThat(a.port().counters().drops(DropReason.NOT_CONNECTED) +
            a.port().peerStatus().get(0).stats().drops(DropReason.NOT_CONNECTED)).as("never without keys").isZero();
        assertThat(a.port().peerStatus().get(0).lastHandshakeMs()).isGreaterThan(System.currentTimeMillis() - 3_000);
    }

    @Test
    void shouldDropAndCountForgedTruncatedReplayedAndStrangePacketsWhileTrafficFlows() throws Exception
    {
        // A relay between A and B records what A sends, so a real packet can be replayed and tampered with.
        final int portA = freePort();
        final int portB = freePort();
        final CopyOnWriteArrayList<byte[]> recorded = new CopyOnWriteArrayList<>();
        final Node a = node("a", keyA, portA, keyB, recordingRelay(portB, recorded), 120);
        // B does not know where A is: it answers the relay, so everything between them passes the relay.
        final Node b = node("b", keyB, portB, keyA, null, 120);
        awaitUp(a.port());
        awaitUp(b.port());
        final byte[] first = frame(MAC_B, MAC_A, 200, 1);
        a.vm().send(first);
        assertThat(b.vm().receive(5_000)).isEqualTo(first);
        final byte[] transport = recorded.stream().filter(p -> p[0] == 4 && p.length > 32).reduce((x, y) -> y)
            .orElseThrow();

        try (DatagramSocket attacker = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0)))
        {
            final InetSocketAddress target = new InetSocketAddress("127.0.0.1", portB);
            attacker.send(new DatagramPacket(transport, transport.length, target)); // replay
            final byte[] tampered = transport.clone();
            tampered[tampered.length - 20] ^= 1;
            attacker.send(new DatagramPacket(tampered, tampered.length, target));
            final byte[] unknownIndex = transport.clone();
            unknownIndex[4] ^= 0x55;
            attacker.send(new DatagramPacket(unknownIndex, unknownIndex.length, target));
            attacker.send(new DatagramPacket(transport, 20, target)); // truncated
            final Random random = new Random(42);
            for (int i = 0; i < 50; i++)
            {
                final byte[] noise = new byte[1 + random.nextInt(200)];
                random.nextBytes(noise);
                noise[0] = (byte)(5 + random.nextInt(200)); // no known message type
                attacker.send(new DatagramPacket(noise, noise.length, target));
            }
            final byte[] wrongKeyInitiation = new byte[148];
            wrongKeyInitiation[0] = 1;
            random.nextBytes(Arrays.copyOfRange(wrongKeyInitiation, 4, 148));
            for (int i = 0; i < 2000; i++) // a handshake flood
            {
                random.nextBytes(wrongKeyInitiation);
                wrongKeyInitiation[0] = 1;
                wrongKeyInitiation[1] = 0;
                wrongKeyInitiation[2] = 0;
                wrongKeyInitiation[3] = 0;
                attacker.send(new DatagramPacket(wrongKeyInitiation, 148, target));
            }
        }
        for (int i = 0; i < 50; i++)
        {
            final byte[] f = frame(MAC_B, MAC_A, 300, i);
            a.vm().send(f);
            assertThat(b.vm().receive(5_000)).as("traffic goes on, frame %d", i).isEqualTo(f);
        }
        assertThat(b.vm().receive(200)).as("nothing forged got through").isNull();
        // The recorded packet again after 10 000 newer ones: beyond the 8128-counter window.
        for (int i = 0; i < 10_000; i++)
        {
            final byte[] f = frame(MAC_B, MAC_A, 64, i);
            a.vm().send(f);
            assertThat(b.vm().receive(5_000)).as("frame %d of 10 000", i).isNotNull();
        }
        try (DatagramSocket attacker = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0)))
        {
            attacker.send(new DatagramPacket(transport, transport.length, new InetSocketAddress("127.0.0.1", portB)));
        }
        final long deadline = System.nanoTime() + 5_000_000_000L;
        while (b.port().counters().drops(DropReason.REPLAY) < 2 && System.nanoTime() < deadline)
        {
            Thread.sleep(10);
        }
        assertThat(b.vm().receive(200)).as("the old packet was not delivered").isNull();
        final var drops = b.port().counters();
        assertThat(drops.drops(DropReason.REPLAY)).as("replayed at once, and after 10 000 newer").isEqualTo(2);
        assertThat(drops.drops(DropReason.DECRYPT)).isEqualTo(1);
        assertThat(drops.drops(DropReason.UNKNOWN_PEER)).isEqualTo(1);
        assertThat(drops.drops(DropReason.MALFORMED)).isEqualTo(51);
        assertThat(drops.drops(DropReason.HANDSHAKE)).as("every forged initiation refused or shed").isEqualTo(2000);
    }

    /**
     * L3: the newest initiation timestamp of each peer survives the port's re-creation (and so a daemon restart:
     * it is kept in the state directory), so an initiation recorded before it is still a replay after: refused,
     * unanswered, and the peer's endpoint untouched. Without the state directory the same replay is answered,
     * which is what the file prevents (and even then it moves no endpoint, L1).
     */
    @Test
    void shouldRefuseAnInitiationRecordedBeforeTheResponderWasRecreated() throws Exception
    {
        final Path stateB = java.nio.file.Files.createDirectories(dir.resolve("state-b"));
        final int portA = freePort();
        final int portB = freePort();
        final CopyOnWriteArrayList<byte[]> recorded = new CopyOnWriteArrayList<>();
        final Node a = node("a", keyA, portA, keyB, recordingRelay(portB, recorded), 120);
        final List<PeerSpec> toA = List.of(new PeerSpec("peer", keyA.publicKey(), null, null));
        final Node b = node("b", keyB, new InetSocketAddress("127.0.0.1", portB), toA, 120, stateB);
        awaitUp(a.port());
        awaitUp(b.port());
        final byte[] initiation = recorded.stream().filter(p -> p[0] == 1 && p.length == 148).findFirst()
            .orElseThrow();
        final Path file = stateB.resolve("tunnel-tun-b.timestamps");
        assertThat(java.nio.file.Files.readString(file)).as("kept before B answered").contains(keyA.publicBase64());

        final TunnelPortSpec specB = b.port().spec();
        assertThat(b.sw().removePort("tun-b")).isTrue();
        final TunnelPort again = b.sw().addPort(id -> TunnelPort.open(id, specB, b.sw().loopCount(), 64, stateB));
        closing.add(() -> b.sw().removePort("tun-b"));
        try (DatagramSocket attacker = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0)))
        {
            attacker.setSoTimeout(500);
            attacker.send(new DatagramPacket(initiation, initiation.length, new InetSocketAddress("127.0.0.1", portB)));
            await(() -> again.counters().drops(DropReason.HANDSHAKE) >= 1, "the replay refused");
            assertThatThrownBy(() -> attacker.receive(new DatagramPacket(new byte[200], 200)))
                .as("no response to a replay").isInstanceOf(java.net.SocketTimeoutException.class);
            assertThat(again.peerStatus().get(0).endpoint()).as("the endpoint never moved").isNull();
        }

        assertThat(b.sw().removePort("tun-b")).isTrue();
        final TunnelPort forgetful = b.sw().addPort(id -> TunnelPort.open(id, specB, b.sw().loopCount(), 64));
        try (DatagramSocket attacker = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0)))
        {
            attacker.setSoTimeout(5_000);
            attacker.send(new DatagramPacket(initiation, initiation.length, new InetSocketAddress("127.0.0.1", portB)));
            final DatagramPacket answer = new DatagramPacket(new byte[200], 200);
            attacker.receive(answer);
            assertThat(answer.getLength()).as("without the state directory the replay is answered").isEqualTo(92);
            assertThat(forgetful.peerStatus().get(0).endpoint()).as("and still moves nothing").isNull();
        }
    }

    @Test
    void shouldDeliverAlmostEveryFrameOverAFivePercentLossyLinkWithFec() throws Exception
    {
        final Node[] nodes = pair(120);
        final Node a = nodes[0];
        final Node b = nodes[1];
        final long seed = Long.getLong("l2mesh.test.seed", System.nanoTime());
        System.out.println("TunnelPortTest FEC seed " + seed + " (-Dl2mesh.test.seed to repeat)");
        final io.l2mesh.tunnel.impair.ImpairmentSpec lossy = new io.l2mesh.tunnel.impair.ImpairmentSpec(
            5, 0, 0, 0, 0, 0, 0, 0, 0, 0, seed);
        // Teach A where MAC_B is, so the frames are unicast (one copy each), then make the link lossy.
        b.vm().send(frame(MAC_A, MAC_B, 60, -1));
        assertThat(a.vm().receive(5_000)).isNotNull();
        a.port().impairment(lossy);

        b.port().fec(new FecSpec(10, 4)); // FEC is a setting of both directions: B takes shards only then
        a.port().fec(new FecSpec(10, 4));
        final double withFec = deliveredLoss(a, b, 20_000);
        a.port().fec(FecSpec.OFF);
        final double without = deliveredLoss(a, b, 20_000);
        System.out.printf("TunnelPortTest: 5 %% loss, delivered loss with FEC (10, 4) %.4f %%, without %.2f %%%n",
            withFec * 100, without * 100);
        assertThat(withFec).as("delivered loss with FEC (10, 4)").isLessThan(0.001);
        assertThat(without).as("delivered loss without FEC").isBetween(0.04, 0.06);
        final long[] decoded = b.port().fecDecoded("peer");
        assertThat(decoded[1]).as("frames rebuilt from parity").isGreaterThan(500);
        System.out.printf("TunnelPortTest: a rebuilt frame waited %.3f ms on average for its block%n",
            decoded[3] / 1e6 / decoded[1]);
        assertThat(decoded[3]).as("what the rebuilt frames waited, summed").isPositive();
        assertThat(a.port().impairmentCounters().get(io.l2mesh.tunnel.impair.ImpairmentCounters.LOST_RANDOM))
            .as("packets the impairment dropped").isGreaterThan(1_500);
    }

    @Test
    void shouldMeasureTheRoundTripOfADelayedLinkWithTheInSessionProbes() throws Exception
    {
        final Node[] nodes = pair(120);
        final Node a = nodes[0];
        final Node b = nodes[1];
        await(() -> a.port().peerStatus().get(0).rttSamples() >= 1 && b.port().peerStatus().get(0).rttSamples() >= 1,
            "a probe each way as soon as the session is up, idle link");
        final long idleRtt = a.port().peerStatus().get(0).lastRttNanos();
        assertThat(idleRtt).as("loopback round trip").isBetween(1L, 10_000_000L);

        // 20 ms on A's egress: A's probes reach B late, and B's probes' echoes reach B late.
        a.port().impairment(new io.l2mesh.tunnel.impair.ImpairmentSpec(0, 0, 0, 0, 20, 0, 0, 0, 0, 0, 1));
        final long aBefore = a.port().peerStatus().get(0).rttSamples();
        final long bBefore = b.port().peerStatus().get(0).rttSamples();
        await(() -> a.port().peerStatus().get(0).rttSamples() >= aBefore + 2 &&
            b.port().peerStatus().get(0).rttSamples() >= bBefore + 2, "two more probes each way, one per keepalive " +
            "interval (" + TunnelPortSpec.DEFAULT_KEEPALIVE_SECONDS + " s)",
            (2L * TunnelPortSpec.DEFAULT_KEEPALIVE_SECONDS + 5) * 1_000_000_000L);
        final PeerStatus fromA = a.port().peerStatus().get(0);
        final PeerStatus fromB = b.port().peerStatus().get(0);
        System.out.printf("TunnelPortTest: RTT idle %.3f ms (min %.3f); with 20 ms delay on A: A sees %.3f ms, B " +
            "%.3f ms (smoothed %.3f, %.3f)%n", idleRtt / 1e6, fromA.minRttNanos() / 1e6, fromA.lastRttNanos() / 1e6,
            fromB.lastRttNanos() / 1e6, fromA.rttNanos() / 1e6, fromB.rttNanos() / 1e6);
        assertThat(fromA.lastRttNanos()).as("A's RTT to B").isBetween(20_000_000L, 30_000_000L);
        assertThat(fromB.lastRttNanos()).as("B's RTT to A").isBetween(20_000_000L, 30_000_000L);
        assertThat(fromA.minRttNanos()).isLessThanOrEqualTo(idleRtt);
        assertThat(fromA.rttNanos()).as("smoothed, between the idle and the delayed samples")
            .isBetween(fromA.minRttNanos(), 30_000_000L);
    }

    @Test
    void shouldMeasureTheLinkLossBeforeFecFromTheMessageCounters() throws Exception
    {
        final Node[] nodes = pair(120);
        final Node a = nodes[0];
        final Node b = nodes[1];
        b.vm().send(frame(MAC_A, MAC_B, 60, -1));
        assertThat(a.vm().receive(5_000)).isNotNull();
        assertThat(b.port().peerStatus().get(0).linkLoss()).as("nothing lost yet").isZero();
        a.port().impairment(new io.l2mesh.tunnel.impair.ImpairmentSpec(5, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            Long.getLong("l2mesh.test.seed", System.nanoTime())));
        final double delivered = deliveredLoss(a, b, 20_000);
        final PeerStatus fromA = b.port().peerStatus().get(0);
        System.out.printf("TunnelPortTest: 5 %% loss on A: delivered loss %.2f %%, B's measured link loss %.2f %% " +
            "(%d of %d messages arrived)%n", delivered * 100, fromA.linkLoss() * 100, fromA.linkReceived(),
            fromA.linkSent());
        assertThat(fromA.linkSent()).isGreaterThan(20_000);
        assertThat(fromA.linkLoss()).as("B's link loss from A").isBetween(0.04, 0.06);
        assertThat(a.port().peerStatus().get(0).linkLoss()).as("nothing lost from B to A").isLessThan(0.001);
    }

    @Test
    void shouldUseAPeersOwnFecOverThePorts() throws Exception
    {
        final Node[] nodes = pair(120);
        final Node a = nodes[0];
        final Node b = nodes[1];
        b.vm().send(frame(MAC_A, MAC_B, 60, -1));
        assertThat(a.vm().receive(5_000)).isNotNull();
        a.port().impairment(new io.l2mesh.tunnel.impair.ImpairmentSpec(5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5));
        assertThat(a.port().fec()).isEqualTo(FecSpec.OFF);
        assertThat(b.port().fec("peer", new FecSpec(10, 4))).isTrue();
        assertThat(a.port().fec("peer", new FecSpec(10, 4))).isTrue();
        assertThat(a.port().fecFor("peer")).isEqualTo(new FecSpec(10, 4));
        assertThat(deliveredLoss(a, b, 4_000)).as("the peer's FEC is used").isLessThan(0.005);
        assertThat(a.port().fec("nobody", FecSpec.OFF)).isFalse();
    }

    @Test
    void shouldRaiseParityWhenThePeerReportsLossAndLowerItWhenTheLossStops() throws Exception
    {
        final Node[] nodes = pair(120);
        final Node a = nodes[0];
        final Node b = nodes[1];
        b.vm().send(frame(MAC_A, MAC_B, 60, -1));
        assertThat(a.vm().receive(5_000)).isNotNull();
        b.port().fec(FecSpec.adaptive(10, 1, 1e-4));
        a.port().fec(FecSpec.adaptive(10, 1, 1e-4));
        a.port().impairment(new io.l2mesh.tunnel.impair.ImpairmentSpec(5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 99));
        final long deadline = System.nanoTime() + 15_000_000_000L;
        while (a.port().fecFor("peer").m() < 4 && System.nanoTime() < deadline)
        {
            deliveredLoss(a, b, 400); // traffic, so B has frames to report on (once a second)
        }
        final int raised = a.port().fecFor("peer").m();
        System.out.println("TunnelPortTest: adaptive m at 5 % loss: " + raised);
        assertThat(raised).as("m for 5 % loss and a 1e-4 target").isBetween(4, 8);

        a.port().impairment(io.l2mesh.tunnel.impair.ImpairmentSpec.NONE);
        final long later = System.nanoTime() + 15_000_000_000L;
        while (a.port().fecFor("peer").m() > 1 && System.nanoTime() < later)
        {
            deliveredLoss(a, b, 400);
        }
        assertThat(a.port().fecFor("peer").m()).as("m once the loss is gone").isEqualTo(1);
    }

    /**
     * M1: shards from a peer whose FEC is off here are refused and counted, and nothing is held for them.
     */
    @Test
    void shouldRefuseShardsFromAPeerWhoseFecIsOff() throws Exception
    {
        final Node[] nodes = pair(120);
        final Node a = nodes[0];
        final Node b = nodes[1];
        a.port().fec(new FecSpec(10, 4)); // B's FEC stays off
        for (int i = 0; i < 20; i++)
        {
            a.vm().send(frame(MAC_B, MAC_A, 100, i));
        }
        await(() -> b.port().counters().drops(DropReason.FEC_OFF) >= 20, "shards refused");
        assertThat(b.port().peerStatus().get(0).stats().drops(DropReason.FEC_OFF)).as("on the peer too")
            .isGreaterThanOrEqualTo(20);
        assertThat(b.vm().receive(200)).isNull();
        assertThat(b.port().fecDecoderMemory(null)).as("no decoder was made").isZero();
        b.port().fec(new FecSpec(10, 4));
        final byte[] f = frame(MAC_B, MAC_A, 100, 99);
        a.vm().send(f);
        assertThat(b.vm().receive(5_000)).as("taken once B's FEC is on").isEqualTo(f);
    }

    /**
     * M1: a hostile peer with a real key sends shard headers for every stream id, block id and (k, m): what the
     * hub holds for it stays within the peer's decoder memory, the rest are counted drops, the process's RSS grows
     * by less than 64 MB, and another peer's FEC traffic is untouched.
     */
    @Test
    void shouldHoldAHostilePeersShardsToItsDecoderMemory() throws Exception
    {
        final Node[] nodes = hubWithTwoPeers(null, PeerSpec.DEFAULT_MAC_LIMIT, null, PeerSpec.DEFAULT_MAC_LIMIT);
        final Node hub = nodes[0];
        final Node hostile = nodes[1];
        final Node two = nodes[2];
        hub.port().fec(new FecSpec(10, 4));
        two.port().fec(new FecSpec(10, 4));
        final byte[] warm = frame(MAC_A, MAC_B, 200, -1);
        two.vm().send(warm);
        assertThat(hub.vm().receive(5_000)).isEqualTo(warm);
        final long rssBefore = rssBytes();

        final int body = 1400;
        final int[] streams = new int[256];
        final byte[][] shards = new byte[256][];
        int sent = 0;
        for (int round = 0; round < 24; round++)
        {
            for (int stream = 0; stream < 256; stream++)
            {
                final int k = 2 + (stream + round) % 63;
                final int m = 1 + (stream * 7 + round) % 32;
                final ByteBuffer shard = ByteBuffer.allocate(8 + body);
                shard.putInt(round * 1000 + stream).put((byte)(k + m - 1)).put((byte)k).put((byte)m).put((byte)k);
                streams[stream] = stream;
                shards[stream] = shard.array();
            }
            while (!hostile.port().sendRaw("hub", TransportHeader.KIND_SHARD, streams, shards.clone()))
            {
                Thread.sleep(1);
            }
            sent += 256;
            Thread.sleep(5); // let the hub's socket drain
        }
        final int offered = sent;
        await(() -> peer(hub.port(), "one").stats().drops(DropReason.FEC_MEMORY) > 0, "refused for memory");
        final long held = hub.port().fecDecoderMemory("one");
        final long rssGrowth = rssBytes() - rssBefore;
        System.out.printf("TunnelPortTest: hostile peer sent %d shards; hub holds %d KiB for it, RSS grew %d KiB%n",
            offered, held / 1024, rssGrowth / 1024);
        assertThat(held).as("within the peer's bound").isPositive().isLessThanOrEqualTo(TunnelPort.FEC_PEER_MEMORY);
        assertThat(rssGrowth).as("RSS growth").isLessThan(64L << 20);

        for (int i = 0; i < 200; i++)
        {
            final byte[] f = frame(MAC_A, MAC_B, 300, i);
            two.vm().send(f);
            assertThat(hub.vm().receive(5_000)).as("the other peer's FEC traffic, frame %d", i).isEqualTo(f);
        }
        final PeerStatus twoStatus = peer(hub.port(), "two");
        assertThat(hub.port().fecDecoded("two")[0]).as("two's frames came as shards").isGreaterThanOrEqualTo(200);
        assertThat(twoStatus.stats().drops(DropReason.FEC_MEMORY)).as("nothing of the other peer refused").isZero();
    }

    /**
     * Item 1: a flood of initiations with a valid mac1 (the attacker knows B's public key) puts B under load: it
     * answers them with cookie replies and queues nothing of them. A real peer that handshakes meanwhile gets a
     * cookie too, comes back with mac2 at once, and is in.
     */
    @Test
    void shouldAnswerAFloodWithCookiesAndStillLetARealPeerIn() throws Exception
    {
        final Node[] nodes = pair(120);
        final Node a = nodes[0];
        final Node b = nodes[1];
        final InetSocketAddress target = b.port().spec().local();
        final java.util.concurrent.atomic.AtomicBoolean flooding = new java.util.concurrent.atomic.AtomicBoolean(true);
        final java.util.concurrent.atomic.AtomicLong sent = new java.util.concurrent.atomic.AtomicLong();
        final DatagramSocket attacker = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
        closing.add(attacker);
        final Thread flood = Thread.ofPlatform().start(() ->
        {
            final Random random = new Random(7);
            final long end = System.nanoTime() + 20_000_000_000L;
            try
            {
                while (flooding.get() && System.nanoTime() < end)
                {
                    final byte[] initiation = validMac1Initiation(random, keyB.publicKey());
                    attacker.send(new DatagramPacket(initiation, initiation.length, target));
                    sent.incrementAndGet();
                }
            }
            catch (final java.io.IOException e)
            {
                // the socket closed: the test is over
            }
        });
        closing.add(() ->
        {
            flooding.set(false);
            flood.join(5_000);
        });
        await(() -> b.port().handshakeCounters().get("cookie_sent") > 100, "cookie replies to the flood");
        assertThat(b.port().handshakeCounters().get("under_load")).isEqualTo(1);

        // A forgets B and meets it again: a new handshake while B is under load.
        final PeerSpec bAsPeer = a.port().spec().peers().get(0);
        assertThat(a.port().removePeer("peer")).isTrue();
        a.port().addPeer(bAsPeer);
        await(() -> a.port().handshakeCounters().get("cookie_received") >= 1, "A took B's cookie");
        awaitUp(a.port());
        // The flood fills B's socket buffers too (the kernel drops what a loop cannot read in time): frames are
        // sent until one arrives, for at most 10 s.
        byte[] got = null;
        for (int i = 0; i < 100 && got == null; i++)
        {
            a.vm().send(frame(MAC_B, MAC_A, 100, i));
            got = b.vm().receive(100);
        }
        assertThat(got).as("A is in while the flood goes on").isNotNull();
        flooding.set(false);
        flood.join(5_000);
        final var counters = b.port().handshakeCounters();
        System.out.println("TunnelPortTest: " + sent.get() + " initiations with a valid mac1 -> " + counters);
        assertThat(counters.get("handshake_mac2_valid")).as("A's second initiation").isGreaterThanOrEqualTo(1);
        assertThat(counters.get("handshake_mac1_bad")).isZero();
    }

    /**
     * What an attacker who knows the responder's public key can make: random bytes with a correct mac1.
     */
    static byte[] validMac1Initiation(final Random random, final byte[] responderPublic)
    {
        final byte[] message = new byte[148];
        random.nextBytes(message);
        message[0] = 1;
        message[1] = 0;
        message[2] = 0;
        message[3] = 0;
        final org.bouncycastle.crypto.digests.Blake2sDigest hash =
            new org.bouncycastle.crypto.digests.Blake2sDigest(256);
        final byte[] label = "mac1----".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        hash.update(label, 0, label.length);
        hash.update(responderPublic, 0, 32);
        final byte[] key = new byte[32];
        hash.doFinal(key, 0);
        final org.bouncycastle.crypto.digests.Blake2sDigest mac =
            new org.bouncycastle.crypto.digests.Blake2sDigest(key, 16, null, null);
        mac.update(message, 0, 116);
        mac.doFinal(message, 116);
        Arrays.fill(message, 132, 148, (byte)0);
        return message;
    }

    private static PeerStatus peer(final TunnelPort port, final String name)
    {
        return port.peerStatus().stream().filter(p -> p.name().equals(name)).findFirst().orElseThrow();
    }

    private static long rssBytes() throws java.io.IOException
    {
        for (final String line : java.nio.file.Files.readAllLines(Path.of("/proc/self/status")))
        {
            if (line.startsWith("VmRSS:"))
            {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }

    /**
     * A node that speaks a newer wire (here: A sends TLVs this version does not define) and one of the current
     * wire interoperate: the unknown TLVs are skipped and counted, the known one in the same message is taken,
     * frames go on; a TLV list that runs past its message is a counted malformed drop.
     */
    @Test
    void shouldAnnounceTheProtocolVersionAndSkipControlTlvsItDoesNotKnow() throws Exception
    {
        final Node[] nodes = pair(120);
        final Node a = nodes[0];
        final Node b = nodes[1];
        await(() -> a.port().peerStatus().get(0).protocolVersion() == PeerStatus.OWN_PROTOCOL_VERSION &&
            b.port().peerStatus().get(0).protocolVersion() == PeerStatus.OWN_PROTOCOL_VERSION, "versions announced");

        final ByteBuffer newer = ByteBuffer.allocate(4 + 3 + 4 + 0 + 4 + 8).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        newer.putShort((short)0x7777).putShort((short)3).put(new byte[] {'x', 'y', 'z'}); // unknown, with a value
        newer.putShort((short)0x7778).putShort((short)0); // unknown, empty
        newer.putShort((short)1).putShort((short)8).putShort((short)1).putShort((short)0).putInt(0); // VERSION
        assertThat(a.port().sendControl("peer", newer.array())).isTrue();
        await(() -> b.port().peerStatus().get(0).unknownControlTlvs() == 2, "unknown TLVs skipped");
        assertThat(b.port().peerStatus().get(0).protocolVersion()).isEqualTo(1);
        final long malformedBefore = b.port().counters().drops(DropReason.MALFORMED);
        final ByteBuffer broken = ByteBuffer.allocate(6).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        broken.putShort((short)0x10).putShort((short)100).putShort((short)0); // claims 100 bytes, has 2
        assertThat(a.port().sendControl("peer", broken.array())).isTrue();
        await(() -> b.port().counters().drops(DropReason.MALFORMED) == malformedBefore + 1, "malformed counted");
        for (int i = 0; i < 20; i++)
        {
            final byte[] f = frame(MAC_B, MAC_A, 100 + i, i);
            a.vm().send(f);
            assertThat(b.vm().receive(5_000)).as("frames go on, %d", i).isEqualTo(f);
        }
        assertThat(b.port().peerStatus().get(0).up()).isTrue();
    }

    /**
     * A hub that relays, and two of its peers that cannot reach each other (each has the other at a port where
     * nothing listens): their handshake and frames go through the hub, inside each one's session with it; the
     * hub tells each where it sees it (its reflexive endpoint), and counts what it relayed per pair.
     *
     * @return hub, one, two, up, one and two on the relayed path.
     */
    private Node[] relayedPair(final RelaySpec relay) throws Exception
    {
        final KeyPair hubKey = KeyPair.generate();
        final KeyPair oneKey = KeyPair.generate();
        final KeyPair twoKey = KeyPair.generate();
        final InetSocketAddress hubAt = new InetSocketAddress("127.0.0.1", freePort());
        final InetSocketAddress oneAt = new InetSocketAddress("127.0.0.1", freePort());
        final InetSocketAddress twoAt = new InetSocketAddress("127.0.0.1", freePort());
        final InetSocketAddress nowhere = new InetSocketAddress("127.0.0.1", freePort());
        final Node hub = node("hub", hubKey, hubAt, List.of(new PeerSpec("one", oneKey.publicKey(), null, null),
            new PeerSpec("two", twoKey.publicKey(), null, null)), 120, null, relay);
        final PeerSpec toHub = new PeerSpec("hub", hubKey.publicKey(), null, hubAt).withRelay(true);
        final Node one = node("one", oneKey, oneAt, List.of(toHub,
            new PeerSpec("two", twoKey.publicKey(), null, nowhere)), 120);
        final Node two = node("two", twoKey, twoAt, List.of(toHub,
            new PeerSpec("one", oneKey.publicKey(), null, nowhere)), 120);
        return new Node[] {hub, one, two};
    }

    @Test
    void shouldRelayAPairWithNoDirectPathAndTellEachItsReflexiveEndpoint() throws Exception
    {
        final Node[] nodes = relayedPair(RelaySpec.ON);
        final Node hub = nodes[0];
        final Node one = nodes[1];
        final Node two = nodes[2];
        await(() -> peer(one.port(), "two").path().equals("relay hub") &&
            peer(two.port(), "one").path().equals("relay hub"), "one and two on the relay");
        for (int i = 0; i < 50; i++)
        {
            final byte[] there = frame(MAC_B, MAC_A, 60 + i * 20, i);
            one.vm().send(there);
            assertThat(two.vm().receive(5_000)).as("one to two %d", i).isEqualTo(there);
            final byte[] back = frame(MAC_A, MAC_B, 14 + TunnelPortSpec.DEFAULT_MTU - i, i);
            two.vm().send(back);
            assertThat(one.vm().receive(5_000)).as("two to one %d", i).isEqualTo(back);
        }
        final RelayStatus relayed = hub.port().relayStatus();
        assertThat(relayed.forwarded()).isGreaterThanOrEqualTo(100);
        assertThat(relayed.pairs()).extracting(RelayStatus.Pair::from, RelayStatus.Pair::to)
            .contains(org.assertj.core.groups.Tuple.tuple("one", "two"), org.assertj.core.groups.Tuple.tuple("two",
                "one"));
        assertThat(hub.port().counters().snapshot().rxPackets()).as("the hub got only the first frame, flooded while " +
            "its destination was unknown").isLessThanOrEqualTo(2);
        // The hub has no endpoint of one's: where one's messages come from is news to one.
        await(() -> one.port().reflexiveEndpoints().contains(new InetSocketAddress("127.0.0.1",
            one.port().spec().local().getPort())), "one learned its reflexive endpoint from the hub");
        assertThat(peer(one.port(), "hub").reflexive()).isEqualTo(one.port().spec().local());
        assertThat(peer(two.port(), "one").pathChanges()).isGreaterThanOrEqualTo(1);
    }

    /**
     * No open relay, no spoofed forwarding, bounded: a port that does not relay refuses; a relay passes datagrams
     * only to another of its peers and within each pair's allowance; a node takes relayed datagrams only from a
     * peer it takes as its relay.
     */
    @Test
    void shouldRefuseWhatARelayMayNotPass() throws Exception
    {
        final Node[] pair = pair(120);
        final byte[] toSomeone = ByteBuffer.allocate(8 + 40).order(java.nio.ByteOrder.LITTLE_ENDIAN)
            .putLong(Peer.idOf(keyA.publicKey())).array();
        assertThat(pair[0].port().sendRaw("peer", TransportHeader.KIND_RELAY_TO, new int[] {0},
            new byte[][] {toSomeone})).isTrue();
        await(() -> pair[1].port().relayStatus().refused()[TunnelRelay.OFF] == 1, "a non-relay refuses");
        assertThat(pair[0].port().sendRaw("peer", TransportHeader.KIND_RELAY_FROM, new int[] {0},
            new byte[][] {toSomeone})).isTrue();
        await(() -> pair[1].port().relayStatus().deliveryRefused() == 1, "only a relay of ours may pass us on");
        assertThat(pair[1].port().counters().drops(DropReason.RELAY)).isEqualTo(2);

        final Node[] nodes = relayedPair(new RelaySpec(true, 1)); // 1 Mbit/s a pair: 6250 bytes at once
        final Node hub = nodes[0];
        final Node one = nodes[1];
        await(() -> peer(one.port(), "two").path().equals("relay hub"), "one on the relay");
        final long unknownId = 0x1234_5678_9abc_def0L;
        final byte[] toUnknown = ByteBuffer.allocate(8 + 40).order(java.nio.ByteOrder.LITTLE_ENDIAN)
            .putLong(unknownId).array();
        final byte[] toItself = ByteBuffer.allocate(8 + 40).order(java.nio.ByteOrder.LITTLE_ENDIAN)
            .putLong(Peer.idOf(one.port().spec().identity().publicKey())).array();
        assertThat(one.port().sendRaw("hub", TransportHeader.KIND_RELAY_TO, new int[] {0, 0},
            new byte[][] {toUnknown, toItself})).isTrue();
        await(() -> hub.port().relayStatus().refused()[TunnelRelay.NO_PEER] == 2, "not to a stranger or back");
        final byte[][] flood = new byte[40][];
        final int[] streams = new int[flood.length];
        for (int i = 0; i < flood.length; i++)
        {
            flood[i] = ByteBuffer.allocate(8 + 1000).order(java.nio.ByteOrder.LITTLE_ENDIAN)
                .putLong(Peer.idOf(nodes[2].port().spec().identity().publicKey())).array();
        }
        assertThat(one.port().sendRaw("hub", TransportHeader.KIND_RELAY_TO, streams, flood)).isTrue();
        await(() -> hub.port().relayStatus().refused()[TunnelRelay.CAPPED] > 20, "the pair's allowance holds");
        final RelayStatus.Pair pair12 = hub.port().relayStatus().pairs().stream()
            .filter(p -> p.from().equals("one") && p.to().equals("two")).findFirst().orElseThrow();
        assertThat(pair12.capped()).isGreaterThan(20);
    }

    /**
     * Peers come and go while the port runs: the new one gets a session and traffic, the existing one keeps its
     * session (no new handshake) and counters, and a removed one is refused at once.
     */
    @Test
    void shouldAddAndRemovePeersWhileTheOthersKeepTheirSessions() throws Exception
    {
        final Node[] nodes = pair(120);
        final Node a = nodes[0];
        final Node b = nodes[1];
        final byte[] first = frame(MAC_A, MAC_B, 80, 0);
        b.vm().send(first);
        assertThat(a.vm().receive(5_000)).isEqualTo(first);
        final long handshakeWithB = a.port().peerStatus().get(0).lastHandshakeMs();
        final long rxFromB = a.port().peerStatus().get(0).stats().rxPackets();

        final KeyPair keyC = KeyPair.generate();
        final long macC = 0x0200_0000_000cL;
        final Node c = node("c", keyC, freePort(), keyA, a.port().spec().local(), 120);
        a.port().addPeer(new PeerSpec("c", keyC.publicKey(), null, c.port().spec().local()));
        awaitUp(c.port());
        final byte[] fromC = frame(MAC_A, macC, 90, 1);
        c.vm().send(fromC);
        assertThat(a.vm().receive(5_000)).as("C reaches A").isEqualTo(fromC);
        final byte[] toC = frame(macC, MAC_A, 90, 2);
        a.vm().send(toC);
        assertThat(c.vm().receive(5_000)).as("A reaches C, by the MAC it learned behind c").isEqualTo(toC);
        assertThat(a.port().peerOf(macC)).isEqualTo("c");
        assertThat(b.vm().receive(200)).as("a frame for C goes to C only").isNull();

        final byte[] again = frame(MAC_A, MAC_B, 80, 3);
        b.vm().send(again);
        assertThat(a.vm().receive(5_000)).as("B still reaches A").isEqualTo(again);
        final PeerStatus peerB = peer(a.port(), "peer");
        assertThat(peerB.lastHandshakeMs()).as("B's session untouched").isEqualTo(handshakeWithB);
        assertThat(peerB.stats().rxPackets()).as("B's counters go on").isEqualTo(rxFromB + 1);

        assertThat(a.port().removePeer("peer")).isTrue();
        assertThat(a.port().removePeer("peer")).isFalse();
        assertThat(a.port().peerStatus()).extracting(PeerStatus::name).containsExactly("c");
        assertThat(a.port().peerOf(MAC_B)).as("B's MACs forgotten").isNull();
        final long unknownBefore = a.port().counters().drops(DropReason.UNKNOWN_PEER);
        b.vm().send(frame(MAC_A, MAC_B, 80, 4));
        assertThat(a.vm().receive(500)).as("a removed peer is refused").isNull();
        assertThat(a.port().counters().drops(DropReason.UNKNOWN_PEER)).isGreaterThan(unknownBefore);
        final byte[] stillC = frame(MAC_A, macC, 90, 5);
        c.vm().send(stillC);
        assertThat(a.vm().receive(5_000)).as("C unaffected").isEqualTo(stillC);
    }

    private static void await(final java.util.function.BooleanSupplier condition, final String what)
        throws InterruptedException
    {
        await(condition, what, 10_000_000_000L);
    }

    private static void await(final java.util.function.BooleanSupplier condition, final String what,
        final long withinNanos) throws InterruptedException
    {
        final long deadline = System.nanoTime() + withinNanos;
        while (!condition.getAsBoolean() && System.nanoTime() < deadline)
        {
            Thread.sleep(10);
        }
        assertThat(condition.getAsBoolean()).as(what).isTrue();
    }

    /**
     * Sends {@code count} numbered frames from A to B in paced rounds (so no socket buffer overflows: every
     * loss is the impairment's) and returns the share that never arrived.
     */
    private static double deliveredLoss(final Node a, final Node b, final int count) throws Exception
    {
        final boolean[] seen = new boolean[count];
        int received = 0;
        final int round = 200;
        for (int start = 0; start < count; start += round)
        {
            for (int i = start; i < Math.min(count, start + round); i++)
            {
                a.vm().send(frame(MAC_B, MAC_A, 200, i));
            }
            byte[] f;
            while ((f = b.vm().receive(received + 50 >= Math.min(count, start + round) ? 50 : 200)) != null)
            {
                final int sequence = ByteBuffer.wrap(f).getInt(14);
                if (sequence >= 0 && sequence < count && !seen[sequence])
                {
                    seen[sequence] = true;
                    received++;
                }
            }
        }
        return 1.0 - (double)received / count;
    }

    /**
     * A UDP relay on loopback to B's {@code portB} that records what comes from the other side into
     * {@code recorded}, closed with the test.
     *
     * @return its address, for A's peer endpoint.
     */
    private InetSocketAddress recordingRelay(final int portB, final List<byte[]> recorded) throws Exception
    {
        final DatagramSocket relay = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
        closing.add(relay);
        final Thread relaying = Thread.ofVirtual().start(() -> relay(relay, portB, recorded));
        closing.add(relaying::interrupt);
        return (InetSocketAddress)relay.getLocalSocketAddress();
    }

    private static void relay(final DatagramSocket relay, final int portB, final List<byte[]> recorded)
    {
        final DatagramPacket packet = new DatagramPacket(new byte[70_000], 70_000);
        InetSocketAddress a = null;
        final InetSocketAddress b = new InetSocketAddress("127.0.0.1", portB);
        try
        {
            while (!Thread.currentThread().isInterrupted())
            {
                relay.receive(packet);
                final byte[] data = Arrays.copyOf(packet.getData(), packet.getLength());
                if (packet.getPort() == portB)
                {
                    if (a != null)
                    {
                        relay.send(new DatagramPacket(data, data.length, a));
                    }
                }
                else
                {
                    a = (InetSocketAddress)packet.getSocketAddress();
                    recorded.add(data);
                    relay.send(new DatagramPacket(data, data.length, b));
                }
            }
        }
        catch (final java.io.IOException closed)
        {
            // the test is over
        }
    }

    private static void awaitUp(final TunnelPort port) throws InterruptedException
    {
        final long deadline = System.nanoTime() + 10_000_000_000L;
        while (!port.peerStatus().get(0).up() && System.nanoTime() < deadline)
        {
            Thread.sleep(10);
        }
        assertThat(port.peerStatus().get(0).up()).as("session with the peer").isTrue();
    }

    private static byte[] frame(final long dst, final long src, final int length, final int sequence)
    {
        final ByteBuffer b = ByteBuffer.allocate(length);
        b.putShort((short)(dst >>> 32)).putInt((int)dst).putShort((short)(src >>> 32)).putInt((int)src);
        b.putShort((short)0x88b5).putInt(sequence);
        while (b.hasRemaining())
        {
            b.put((byte)b.position());
        }
        return b.array();
    }

    private static int freePort() throws Exception
    {
        try (DatagramSocket probe = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0)))
        {
            return probe.getLocalPort();
        }
    }
}
