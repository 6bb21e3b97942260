package io.l2mesh.control;

import com.fasterxml.jackson.databind.JsonNode;
import io.l2mesh.control.protocol.ControlCodec;
import io.l2mesh.testkit.Cmd;
import io.l2mesh.testkit.Iperf3;
import io.l2mesh.testkit.LauncherCopy;
import io.l2mesh.testkit.LocalAccounts;
import io.l2mesh.testkit.Netns;
import io.l2mesh.testkit.UdpPorts;
import io.l2mesh.tunnel.noise.KeyPair;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The daemon as a user of its own with nothing but {@code CAP_NET_ADMIN} and {@code CAP_NET_RAW} (ambient), laid
 * out as docs/deployment.md and examples/systemd/l2mesh.service lay it out: it bridges a TAP and a raw port between
 * two namespaces (ping, iperf3), runs a tunnel and a unix port, serves the CLI and saves its config; what would
 * need more says so; a config it could not save stops it at start.
 */
@Timeout(240)
class UnprivilegedDaemonIT
{
    private final LocalAccounts accounts = new LocalAccounts();
    private final List<Netns> namespaces = new ArrayList<>();
    private Path dir;
    private Path socket;
    private Path config;
    private String user;
    private int uid;
    private String tap;
    private String veth;
    private LauncherCopy launcher;
    private DaemonProcess daemon;

    @BeforeEach
    void start() throws Exception
    {
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(Path.of("/dev/net/tun"))))
            .as("/dev/net/tun must be open to every user, as udev makes it (bin/test-all sees to it)")
            .isEqualTo("rw-rw-rw-");
        uid = accounts.user("l2tud");
        user = accounts.name("l2tud");
        launcher = LauncherCopy.of(Path.of(DaemonProcess.LAUNCHER).getParent().getParent());
        dir = Files.createTempDirectory(Path.of("/tmp"), "l2mesh-unpriv-");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        // As systemd makes them: RuntimeDirectory= and StateDirectory= belong to the service's user (0750), the
        // config directory is root:l2mesh 0770 (docs/deployment.md), a credential is the user's, 0400.
        final Path run = Files.createDirectory(dir.resolve("run"));
        final Path state = Files.createDirectory(dir.resolve("state"));
        final Path credentials = Files.createDirectory(dir.resolve("credentials"));
        Files.writeString(credentials.resolve("tun.key"), KeyPair.generate().privateBase64() + "\n");
        Files.setPosixFilePermissions(credentials.resolve("tun.key"), PosixFilePermissions.fromString("r--------"));
        for (final Path owned : new Path[] {run, state, credentials, credentials.resolve("tun.key")})
        {
            Cmd.check("chown", user + ":" + user, owned.toString());
        }
        Files.setPosixFilePermissions(run, PosixFilePermissions.fromString("rwxr-x---"));
        Files.setPosixFilePermissions(state, PosixFilePermissions.fromString("rwxr-x---"));
        final Path etc = Files.createDirectory(dir.resolve("etc"));
        Cmd.check("chown", "root:" + user, etc.toString());
        Files.setPosixFilePermissions(etc, PosixFilePermissions.fromString("rwxrwx---"));

        tap = Netns.uniqueLinkName("u");
        veth = Netns.uniqueLinkName("u");
        Cmd.check("ip", "link", "add", veth, "type", "veth", "peer", "name", veth + "p");
        Cmd.check("ip", "link", "set", veth, "up");
        socket = run.resolve("l2mesh.sock");
        config = etc.resolve("l2mesh.yaml");
        Files.writeString(config, """
            switch:
              loops: 1
            ports:
              - name: %s
              - name: %s
                type: raw
              - name: vm1
                type: unix
                path: %s
                framing: dgram
              - name: tun
                type: tunnel
                listen: 127.0.0.1:%d
                private-key-file: ${CREDENTIALS_DIRECTORY}/tun.key
                peers:
                  - name: p1
                    public-key: %s
            control:
              socket: %s
            state-dir: %s
            """.formatted(tap, veth, run.resolve("vm1.sock"), UdpPorts.free(), KeyPair.generate().publicBase64(),
            socket, state));
        Cmd.check("chown", "root:" + user, config.toString());
        Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-r-----"));
        daemon = DaemonProcess.start(unprivileged("run", "-c", config.toString()),
            Map.of("CREDENTIALS_DIRECTORY", credentials.toString()));
        assertThat(daemon.output()).contains("l2mesh: ready");
    }

    private List<String> unprivileged(final String... args)
    {
        final List<String> command = new ArrayList<>(List.of("setpriv", "--reuid=" + user, "--regid=" + user,
            "--clear-groups", "--inh-caps=-all,+net_admin,+net_raw", "--ambient-caps=+net_admin,+net_raw",
            "--bounding-set=-all,+net_admin,+net_raw", launcher.launcher()));
        command.addAll(List.of(args));
        return command;
    }

    @AfterEach
    void stop() throws Exception
    {
        try
        {
            if (daemon != null)
            {
                daemon.stop();
            }
        }
        finally
        {
            namespaces.forEach(Netns::close);
            Cmd.run(10_000, "ip", "link", "del", veth);
            launcher.close();
            Cmd.run(10_000, "rm", "-rf", dir.toString());
            accounts.close();
        }
    }

    private Cmd.Result ctl(final String... args)
    {
        final List<String> command = new ArrayList<>(List.of(DaemonProcess.LAUNCHER, "ctl", "--socket",
            socket.toString()));
        command.addAll(List.of(args));
        return Cmd.run(30_000, command);
    }

    @Test
    void shouldBridgeServeAndSaveWithOnlyNetAdminAndNetRaw() throws Exception
    {
        final String status = Files.readString(Path.of("/proc/" + daemon.pid() + "/status"));
        assertThat(status).containsPattern("(?m)^Uid:\\s+" + uid + "\\s+" + uid + "\\s")
            .containsPattern("(?m)^CapEff:\\s+0000000000003000$").containsPattern("(?m)^CapBnd:\\s+0000000000003000$");

        final Netns a = Netns.create("ua");
        namespaces.add(a);
        a.adopt(tap, "198.18.53.1/24");
        final Netns b = Netns.create("ub");
        namespaces.add(b);
        b.adopt(veth + "p", "198.18.53.2/24");
        assertThat(a.ping("198.18.53.2", 3)).as("TAP to raw port through the unprivileged daemon").isTrue();
        assertThat(Iperf3.tcp(b, a, "198.18.53.2", 2)).isGreaterThan(1e6);

        final JsonNode ports = ControlCodec.JSON.readTree(ctl("port", "list", "--json").check().output());
        assertThat(ports).extracting(p -> p.path("kind").asText()).contains("tap", "raw", "unix-dgram", "tunnel");

        // Run-time changes, saved into the group-writable config directory.
        final String added = Netns.uniqueLinkName("u");
        assertThat(ctl("port", "add", added).check().output()).contains("add port " + added);
        assertThat(Files.readString(config)).contains("name: " + added);
        assertThat(ctl("port", "del", added).check().output()).contains("remove port " + added);

        // What needs more than it has says so.
        final String lowPort = Cmd.run(30_000, "/usr/bin/python3", "-c", """
            import socket, sys
            s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
            s.connect(sys.argv[1])
            s.send(b'{"cmd":"port.add","args":{"name":"t80","type":"tunnel","listen":"127.0.0.1:80",'
                   b'"private-key-file":"${CREDENTIALS_DIRECTORY}/tun.key","peers":[]}}')
            print(s.recv(65536).decode())
            """, socket.toString()).output();
        assertThat(lowPort).contains("a port below 1024 needs root or CAP_NET_BIND_SERVICE");
        assertThat(ctl("status").check().output()).contains("ports");
    }

    @Test
    void shouldRefuseToStartWhenItCouldNotSaveItsConfig() throws Exception
    {
        // A config in a directory the daemon's user may read but not write.
        final Path readOnly = Files.createDirectory(dir.resolve("ro"));
        Files.setPosixFilePermissions(readOnly, PosixFilePermissions.fromString("rwxr-xr-x"));
        final Path other = readOnly.resolve("l2mesh.yaml");
        Files.writeString(other, "ports:\n  - name: " + Netns.uniqueLinkName("u") + "\ncontrol:\n  socket: " +
            dir.resolve("run/other.sock") + "\nstate-dir: " + dir.resolve("state") + "\n");
        Files.setPosixFilePermissions(other, PosixFilePermissions.fromString("rw-r--r--"));
        final Cmd.Result refused = Cmd.run(60_000, unprivileged("run", "-c", other.toString()));
        assertThat(refused.exitCode()).as(refused.output()).isEqualTo(1);
        assertThat(refused.output()).contains("cannot save changes to " + other + ": cannot create a file in " +
            readOnly + " (EACCES (permission denied))", "docs/deployment.md");
    }
}
