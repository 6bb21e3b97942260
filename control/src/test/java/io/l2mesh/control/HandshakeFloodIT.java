package io.l2mesh.control;

import io.l2mesh.switching.vlan.VlanRules;
import io.l2mesh.testkit.Cmd;
import io.l2mesh.testkit.ErrorLogWatch;
import io.l2mesh.tunnel.PeerSpec;
import io.l2mesh.tunnel.PeerStatus;
import io.l2mesh.tunnel.TunnelPort;
import io.l2mesh.tunnel.TunnelPortSpec;
import io.l2mesh.tunnel.noise.KeyPair;
import org.bouncycastle.crypto.digests.Blake2sDigest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Remote trust, item 1: two nodes, X (a daemon process) and Y (in this JVM), both flooded for 20 s with at least
 * 90 000 forged initiations per second each from random spoofed sources (a C sender on a raw socket), while X is
 * killed with SIGKILL and started again: X is back with Y within 2 s of being ready, and a third node Z's session
 * with Y keeps carrying pings all along. Once with random bytes (mac1 fails: counted, nothing else spent), once
 * with a valid mac1 (the test knows the targets' public keys): cookies answer the flood. Needs root and gcc.
 */
@Timeout(240)
class HandshakeFloodIT
{
    private static final int RATE = 90_000;
    private static final int FLOOD_SECONDS = 20;
    private static final long BACK_WITHIN_MS = 2_000;
    /**
     * With a valid mac1 each flooded node spends CPU on cookie replies (capped at 5 000/s, about 20 us each with
     * the syscalls on a loaded machine): on a machine of fewer than 4 CPUs the two flooded nodes, the sender and
     * the test share too little to keep every datagram, and the restarted node's handshake (a cookie round trip,
     * the initiation with mac2, the confirmation) waits its turn three times. Measured there with one more CPU
     * hog: 0.5 to 1.4 s (docs/BENCHMARKS.md). The bound is then 4 s, and what was measured is printed.
     */
    private static final long BACK_WITHIN_MS_SMALL_MACHINE = 4_000;
    /** HandshakeLoad.COOKIES_PER_SECOND: the port's cap on cookie replies. */
    private static final int COOKIE_CAP = 5_000;
    private static Path flooder;

    @TempDir
    Path dir;

    @RegisterExtension
    final ErrorLogWatch errorLog = new ErrorLogWatch();

    private final List<AutoCloseable> closing = new ArrayList<>();

    @BeforeAll
    static void compileFlooder(@TempDir final Path bin)
    {
        flooder = bin.resolve("initiation-flood");
        Cmd.run(60_000, "gcc", "-O2", "-Wall", "-o", flooder.toString(), "src/test/c/initiation-flood.c").check();
    }

    @AfterEach
    void close() throws Exception
    {
        for (int i = closing.size() - 1; i >= 0; i--)
        {
            closing.get(i).close();
        }
    }

    @Test
    void shouldComeBackWithin2sUnderAFloodOfRandomInitiations() throws Exception
    {
        final Result result = floodAndRestart(false);
        assertThat(result.y().get("handshake_mac1_bad")).as("Y: every forged initiation failed mac1")
            .isGreaterThan((long)RATE * FLOOD_SECONDS / 2);
        assertThat(result.y().get("cookie_sent")).as("nothing got as far as a cookie").isZero();
        assertThat(result.y().get("handshake_budget_spent")).as("nor spent budget").isZero();
    }

    @Test
    void shouldComeBackWithin2sUnderAFloodWithValidMac1FromSpoofedSources() throws Exception
    {
        final Result result = floodAndRestart(true);
        assertThat(result.y().get("handshake_mac1_bad")).isZero();
        final long sent = result.y().get("cookie_sent");
        final long capped = result.y().get("cookie_capped");
        assertThat(sent + capped).as("Y answered the flood with cookies up to its cap, and counted the rest")
            .isGreaterThan((long)RATE * FLOOD_SECONDS / 4);
        assertThat(sent).as("the cap held").isLessThanOrEqualTo((long)COOKIE_CAP * (FLOOD_SECONDS + 5));
        assertThat(capped).as("the flood went beyond the cap").isPositive();
        assertThat(result.y().get("handshake_mac2_valid")).as("only real peers came back with mac2")
            .isLessThan(100);
    }

    private record Result(Map<String, Long> y, long backMs)
    {
    }

    private Result floodAndRestart(final boolean validMac1) throws Exception
    {
        final long backWithin = validMac1 && Runtime.getRuntime().availableProcessors() < 4 ?
            BACK_WITHIN_MS_SMALL_MACHINE : BACK_WITHIN_MS;
        final KeyPair kx = KeyPair.generate();
        final KeyPair ky = KeyPair.generate();
        final KeyPair kz = KeyPair.generate();
        final int px = freePort();
        final int py = freePort();
        final int pz = freePort();
        final Lab labY = lab();
        final TunnelPort y = tunnel(labY, ky, py, List.of(peer("x", kx, px), peer("z", kz, pz)));
        final Lab.Host hostY = labY.host("fy", VlanRules.access(1), "198.18.84.2/24");
        final Lab labZ = lab();
        final TunnelPort z = tunnel(labZ, kz, pz, List.of(peer("y", ky, py)));
        final Lab.Host hostZ = labZ.host("fz", VlanRules.access(1), "198.18.84.3/24");
        final Path config = daemonConfig(kx, px, ky, py);
        DaemonProcess x = DaemonProcess.start(config, Map.of());
        final DaemonProcess[] running = {x};
        closing.add(() -> running[0].process().destroyForcibly().waitFor());
        awaitUp(y, "x");
        awaitUp(z, "y");
        final Cmd.Result before = hostZ.ns().pingResult(hostY.address(), 3);
        assertThat(received(before.output())).as("Z reaches Y before the flood: " + before.output()).isPositive();

        // The sender runs at a high priority: on a small machine the flooded nodes would otherwise slow it down.
        final List<String> flood = new ArrayList<>(List.of("nice", "-n", "-19", flooder.toString(),
            Integer.toString(FLOOD_SECONDS),
            Integer.toString(RATE * 102 / 100)));
        flood.add(px + (validMac1 ? ":" + pool("x", kx.publicKey()) : ""));
        flood.add(py + (validMac1 ? ":" + pool("y", ky.publicKey()) : ""));
        final CompletableFuture<Cmd.Result> flooding = CompletableFuture.supplyAsync(
            () -> Cmd.run((FLOOD_SECONDS + 30) * 1000L, flood));
        final int pings = (FLOOD_SECONDS - 4) * 5;
        final CompletableFuture<Cmd.Result> pinging = CompletableFuture.supplyAsync(() -> hostZ.ns().run(
            (FLOOD_SECONDS + 30) * 1000L, "ping", "-c", Integer.toString(pings), "-i", "0.2", "-W", "1",
            hostY.address()));
        Thread.sleep(3_000); // the flood is on

        final long killedMs = System.currentTimeMillis();
        Cmd.run(5_000, "kill", "-9", Long.toString(x.pid())).check();
        x.process().waitFor();
        x = DaemonProcess.start(config, Map.of("L2MESH_JVM_OPTS",
            "-Dorg.slf4j.simpleLogger.log.io.l2mesh.tunnel.Handshakes=debug"));
        running[0] = x;
        final long readyNanos = System.nanoTime();
        long backNanos = -1;
        PeerStatus seen = null;
        // Looked for until the flood ends, so a slow comeback is measured, not only failed.
        while (System.nanoTime() - readyNanos < (FLOOD_SECONDS - 4) * 1_000_000_000L)
        {
            seen = status(y, "x");
            // Back: Y holds a session from after the kill and heard X on it (X's confirmation).
            if (seen.lastHandshakeMs() > killedMs && seen.idleMs() >= 0 &&
                System.currentTimeMillis() - seen.idleMs() > killedMs)
            {
                backNanos = System.nanoTime();
                break;
            }
            Thread.sleep(5);
        }
        final long backMs = backNanos < 0 ? -1 : (backNanos - readyNanos) / 1_000_000;

        final Cmd.Result flooded = flooding.get();
        final Cmd.Result pinged = pinging.get();
        final Map<String, Long> counters = y.handshakeCounters();
        final String xHandshakes = Cmd.run(30_000, DaemonProcess.LAUNCHER, "ctl", "--socket",
            dir.resolve("x.sock").toString(), "handshake", "show", "--json").output().replaceAll("\\s+", " ");
        System.out.printf("HandshakeFloodIT (%s): X back %d ms after ready; flooder: %s; Z->Y pings: %s; Y: %s; " +
            "X: %s; X's output:%n%s%n", validMac1 ? "valid mac1" : "random", backMs, flooded.output().strip(),
            pingSummary(pinged.output()), counters, xHandshakes, x.output());
        flooded.check();
        for (final Matcher m = Pattern.compile("\\((\\d+)/s\\)").matcher(flooded.output()); m.find(); )
        {
            assertThat(Long.parseLong(m.group(1))).as("flood rate per target").isGreaterThanOrEqualTo(RATE);
        }
        assertThat(backMs).as("X back with Y within %d ms of being ready (-1: not within %d s); Y's x: %s; " +
            "Y: %s; X: %s; flooder: %s; X's handshakes:%n%s", backWithin, FLOOD_SECONDS - 4, seen, counters,
            xHandshakes, flooded.output().strip(), handshakeLines(x.output())).isBetween(0L, backWithin);
        assertThat(received(pinged.output())).as("Z's session with Y carried pings through the flood")
            .isGreaterThanOrEqualTo(pings * 8L / 10);
        final String xPeers = Cmd.run(30_000, DaemonProcess.LAUNCHER, "ctl", "--socket",
            dir.resolve("x.sock").toString(), "peer", "list", "--json").check().output();
        assertThat(xPeers).as("X sees Y up").containsPattern("\"up\"\\s*:\\s*true");
        return new Result(counters, backMs);
    }

    private Lab lab()
    {
        final Lab lab = new Lab(errorLog);
        closing.add(lab);
        return lab;
    }

    private static TunnelPort tunnel(final Lab lab, final KeyPair key, final int port, final List<PeerSpec> peers)
    {
        final TunnelPortSpec spec = TunnelPortSpec.of("mesh", new InetSocketAddress("127.0.0.1", port), key, peers,
            1);
        return lab.sw().addPort(id -> TunnelPort.open(id, spec, lab.sw().loopCount(), 64));
    }

    private static PeerSpec peer(final String name, final KeyPair key, final int udpPort)
    {
        return new PeerSpec(name, key.publicKey(), null, new InetSocketAddress("127.0.0.1", udpPort));
    }

    private Path daemonConfig(final KeyPair kx, final int px, final KeyPair ky, final int py) throws Exception
    {
        final Path key = dir.resolve("x.key");
        Files.writeString(key, kx.privateBase64() + "\n");
        Files.setPosixFilePermissions(key, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        final Path config = dir.resolve("x.yaml");
        Files.writeString(config, """
            state-dir: %s
            ports:
              - name: mesh
                type: tunnel
                listen: 127.0.0.1:%d
                private-key-file: %s
                peers:
                  - name: y
                    public-key: "%s"
                    endpoint: 127.0.0.1:%d
            control:
              socket: %s
            """.formatted(dir.resolve("state-x"), px, key, ky.publicBase64(), py, dir.resolve("x.sock")));
        return config;
    }

    /**
     * 4096 initiations of random bytes with a valid mac1 for the node with {@code publicKey}: what an attacker
     * who knows that key can send.
     */
    private Path pool(final String name, final byte[] publicKey) throws Exception
    {
        final Blake2sDigest hash = new Blake2sDigest(256);
        final byte[] label = "mac1----".getBytes(StandardCharsets.US_ASCII);
        hash.update(label, 0, label.length);
        hash.update(publicKey, 0, publicKey.length);
        final byte[] key = new byte[32];
        hash.doFinal(key, 0);
        final Random random = new Random(name.hashCode());
        final byte[] pool = new byte[4096 * 148];
        for (int i = 0; i < 4096; i++)
        {
            final byte[] message = new byte[148];
            random.nextBytes(message);
            message[0] = 1;
            message[1] = 0;
            message[2] = 0;
            message[3] = 0;
            java.util.Arrays.fill(message, 132, 148, (byte)0);
            final Blake2sDigest mac = new Blake2sDigest(key, 16, null, null);
            mac.update(message, 0, 116);
            mac.doFinal(message, 116);
            System.arraycopy(message, 0, pool, i * 148, 148);
        }
        final Path file = dir.resolve(name + ".pool");
        Files.write(file, pool);
        return file;
    }

    private static PeerStatus status(final TunnelPort port, final String peer)
    {
        return port.peerStatus().stream().filter(p -> p.name().equals(peer)).findFirst().orElseThrow();
    }

    private static void awaitUp(final TunnelPort port, final String peer) throws InterruptedException
    {
        final long deadline = System.nanoTime() + 30_000_000_000L;
        while (!status(port, peer).up() && System.nanoTime() < deadline)
        {
            Thread.sleep(10);
        }
        assertThat(status(port, peer).up()).as("session with " + peer).isTrue();
    }

    private static long received(final String pingOutput)
    {
        final Matcher m = Pattern.compile("(\\d+) received").matcher(pingOutput);
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }

    private static String pingSummary(final String pingOutput)
    {
        final Matcher m = Pattern.compile("\\d+ packets transmitted.*").matcher(pingOutput);
        return m.find() ? m.group() : pingOutput.strip();
    }

    /** The restarted node's handshake debug lines, the first 40 of them, for a failure's message. */
    private static String handshakeLines(final String daemonOutput)
    {
        final StringBuilder lines = new StringBuilder();
        int kept = 0;
        for (final String line : daemonOutput.split("\n"))
        {
            if (line.contains("Handshakes -") && !line.contains("decrypt_failed") && kept++ < 40)
            {
                lines.append(line).append('\n');
            }
        }
        return lines.toString();
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
