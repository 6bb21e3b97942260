package io.l2mesh.control;

import io.l2mesh.testkit.Cmd;
import io.l2mesh.testkit.Netns;
import io.l2mesh.tuntap.Libc;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The daemon as users run it: {@code bin/l2mesh} from the shaded jar, in a process of its own. Needs root.
 */
@Timeout(120)
class DaemonIT
{
    private static final String LAUNCHER = DaemonProcess.LAUNCHER;

    @Test
    void shouldRefuseConfigWithErrorNamingFileAndLine(@TempDir final Path dir) throws Exception
    {
        final Path config = dir.resolve("broken.yaml");
        Files.writeString(config, """
            ports:
              - name: l2ok0
              - name: l2ok1
                vlan: 5000
            """);

        final Cmd.Result result = Cmd.run(60_000, LAUNCHER, "run", "-c", config.toString());

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.output()).contains("l2mesh: config refused: " + config + ":4: ports[1].vlan: 5000 out of " +
            "range 1..4094");
        assertThat(Libc.ifNameToIndex("l2ok0")).as("nothing was started").isZero();
    }

    @Test
    void shouldRemoveItsTapsOnSigterm(@TempDir final Path dir) throws Exception
    {
        final String tap0 = Netns.uniqueLinkName("d");
        final String tap1 = Netns.uniqueLinkName("d");
        final Path config = dir.resolve("two.yaml");
        Files.writeString(config, """
            switch:
              loops: 2
            ports:
              - name: %s
                vlan: 7
              - name: %s
                mode: trunk
                allowed-vlans: [7, 8]
            control:
              socket: %s
            """.formatted(tap0, tap1, dir.resolve("ctl.sock")));
        final Arena arena = Arena.ofConfined();
        final int notify = notifySocket(arena, dir.resolve("notify.sock"));
        final DaemonProcess daemon = DaemonProcess.start(config,
            java.util.Map.of("NOTIFY_SOCKET", dir.resolve("notify.sock").toString()));
        try (arena)
        {
            assertThat(daemon.output()).contains("l2mesh: ready");
            assertThat(daemon.output()).as("no JVM warning where none is needed (no FEC here)")
                .doesNotContain("WARNING", "incubator");
            assertThat(Libc.ifNameToIndex(tap0)).isPositive();
            assertThat(Libc.ifNameToIndex(tap1)).isPositive();
            assertThat(Cmd.check("ip", "link", "show", tap0)).contains("UP");
            assertThat(awaitNotification(arena, notify)).as("sd_notify readiness")
                .contains("READY=1", "STATUS=switching 2 ports", "MAINPID=" + daemon.pid());

            Cmd.check("kill", "-TERM", Long.toString(daemon.pid()));
            assertThat(daemon.process().waitFor(20, TimeUnit.SECONDS)).isTrue();
            assertThat(awaitNotification(arena, notify)).contains("STOPPING=1");
            Libc.close(Libc.newErrnoCapture(arena), notify);
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (!daemon.output().contains("l2mesh: stopped") && System.nanoTime() < deadline)
            {
                Thread.sleep(20); // the collector may still be reading the last lines
            }
            assertThat(daemon.output()).contains("l2mesh: stopped");
        }
        finally
        {
            daemon.process().destroyForcibly();
        }
        assertThat(Libc.ifNameToIndex(tap0)).as("TAP removed").isZero();
        assertThat(Libc.ifNameToIndex(tap1)).as("TAP removed").isZero();
    }

    @Test
    void shouldLoadTheVectorModuleOnlyForAConfigWithFecWithoutIsalAndSaySo(@TempDir final Path dir) throws Exception
    {
        final Path key = dir.resolve("node.key");
        Files.writeString(key, Cmd.check(LAUNCHER, "keygen"));
        Files.setPosixFilePermissions(key, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        final String tunnel = """
            state-dir: %s
            ports:
              - name: mesh0
                type: tunnel
                listen: 127.0.0.1:%d
                private-key-file: %s
                fec: %s
                peers: []
            control:
              socket: %s
            """;
        final int udp = io.l2mesh.testkit.UdpPorts.free();
        final Path withFec = dir.resolve("fec.yaml");
        Files.writeString(withFec,
            tunnel.formatted(dir.resolve("state"), udp, key, "{k: 10, m: 4}", dir.resolve("a.sock")));
        final DaemonProcess coding = DaemonProcess.start(withFec, java.util.Map.of());
        try
        {
            if (io.l2mesh.fec.IsalCodingLoop.loadOrNull() != null)
            {
                // ISA-L codes FEC natively (the test command installs it): no module, no warning.
                assertThat(coding.output()).contains("l2mesh: ready").doesNotContain("WARNING", "Vector API");
            }
            else
            {
                assertThat(coding.output()).contains("l2mesh: FEC is configured and no native codec is available: " +
                    "loading the JDK's incubating Vector API",
                    "WARNING: Using incubator modules: jdk.incubator.vector");
            }
        }
        finally
        {
            coding.process().destroyForcibly().waitFor(20, TimeUnit.SECONDS);
        }
        final Path withoutFec = dir.resolve("off.yaml");
        Files.writeString(withoutFec, tunnel.formatted(dir.resolve("state"), udp, key, "off", dir.resolve("b.sock")));
        final DaemonProcess plain = DaemonProcess.start(withoutFec, java.util.Map.of());
        try
        {
            assertThat(plain.output()).contains("l2mesh: ready").doesNotContain("WARNING", "Vector API");
        }
        finally
        {
            plain.process().destroyForcibly().waitFor(20, TimeUnit.SECONDS);
        }
    }

    @Test
    void shouldGenerateKeysThatPipeIntoPubkey()
    {
        final String launcher = DaemonProcess.LAUNCHER;
        final String privateKey = Cmd.run(30_000, launcher, "keygen").check().output().strip();
        final String publicKey = Cmd.run(30_000, "bash", "-c", "echo '" + privateKey + "' | " + launcher + " pubkey")
            .check().output().strip();
        assertThat(publicKey).hasSize(44).isEqualTo(
            io.l2mesh.tunnel.noise.KeyPair.fromBase64(privateKey).publicBase64());
        assertThat(Cmd.run(30_000, launcher, "keygen").check().output().strip()).as("a new key each time")
            .isNotEqualTo(privateKey);
        final Cmd.Result bad = Cmd.run(30_000, "bash", "-c", "echo abc | " + launcher + " pubkey");
        assertThat(bad.exitCode()).isEqualTo(2);
        assertThat(bad.output()).contains("must be 32 bytes of base64");
    }

    @Test
    void shouldRunDemoAndCleanUp()
    {
        final Cmd.Result result = Cmd.run(60_000, LAUNCHER, "demo");

        assertThat(result.exitCode()).as(result.output()).isZero();
        assertThat(result.output()).contains(" 0% packet loss", "MAC table", "rx_packets", "cleaning up");
        assertThat(Cmd.check("ip", "netns", "list")).doesNotContain("l2demo-");
    }

    @Test
    void shouldPrintEmbeddedDefaultConfigThatChecksOk(@TempDir final Path dir) throws Exception
    {
        final Cmd.Result printed = Cmd.run(30_000, LAUNCHER, "default-config").check();
        final Path file = dir.resolve("default.yaml");
        Files.writeString(file, printed.output());
        assertThat(Cmd.run(30_000, LAUNCHER, "check-config", "-c", file.toString()).check().output())
            .contains("ok (2 ports)");
    }

    /**
     * A non-blocking unix datagram socket bound at {@code path}, standing in for systemd's NOTIFY_SOCKET.
     */
    private static int notifySocket(final Arena arena, final Path path)
    {
        final MemorySegment capture = Libc.newErrnoCapture(arena);
        final int fd = Libc.socket(capture, 1, 2 | 0x800 | 0x80000, 0); // AF_UNIX, SOCK_DGRAM|NONBLOCK|CLOEXEC
        assertThat(fd).isPositive();
        final MemorySegment address = arena.allocate(110);
        address.set(ValueLayout.JAVA_SHORT, 0, (short)1);
        final byte[] bytes = path.toString().getBytes(StandardCharsets.UTF_8);
        MemorySegment.copy(bytes, 0, address, ValueLayout.JAVA_BYTE, 2, bytes.length);
        assertThat(Libc.bind(capture, fd, address, 110)).isZero();
        return fd;
    }

    private static String awaitNotification(final Arena arena, final int fd) throws InterruptedException
    {
        final MemorySegment capture = Libc.newErrnoCapture(arena);
        final MemorySegment buffer = arena.allocate(4096);
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline)
        {
            final long n = Libc.recv(capture, fd, buffer, 4096, 0);
            if (n > 0)
            {
                return new String(buffer.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
            }
            Thread.sleep(20);
        }
        return "";
    }
}
