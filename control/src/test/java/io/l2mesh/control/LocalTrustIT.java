package io.l2mesh.control;

import com.fasterxml.jackson.databind.JsonNode;
import io.l2mesh.control.protocol.ControlCodec;
import io.l2mesh.control.server.ControlServer;
import io.l2mesh.control.server.Role;
import io.l2mesh.testkit.Cmd;
import io.l2mesh.testkit.LauncherCopy;
import io.l2mesh.testkit.LocalAccounts;
import io.l2mesh.testkit.Netns;
import io.l2mesh.testkit.UdpPorts;
import io.l2mesh.tunnel.noise.KeyPair;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The review's local attacks (C1, H1 a-c, M4, L4, L5) tried for real against a root daemon by local users the test
 * makes: a member of the admin group and one of the monitor group, switched to with {@code setpriv}. Every attempt
 * aims at a root-only victim file (in a directory only root may enter); each must be refused with a clear error
 * and leave the victim byte for byte, mode and owner as it was. The admin must still be able to do every
 * legitimate thing: ports, a unix port in the ports directory, a capture into its own file, a config save.
 */
@Timeout(300)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LocalTrustIT
{
    private static final String PYTHON = "/usr/bin/python3";
    /** A raw control client: sends one request (with a descriptor of FILE, opened r or w, if given), prints the
     * answer. */
    private static final String RAW_CLIENT = """
        import array, os, socket, sys
        fds = []
        if len(sys.argv) > 3:
            flags = os.O_RDONLY if sys.argv[4] == 'r' else os.O_WRONLY | os.O_CREAT | os.O_TRUNC
            fds.append(os.open(sys.argv[3], flags, 0o600))
        s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        s.connect(sys.argv[1])
        extra = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array('i', fds).tobytes())] if fds else []
        s.sendmsg([sys.argv[2].encode()], extra)
        print(s.recv(1 << 17).decode())
        """;

    private final LocalAccounts accounts = new LocalAccounts();
    private final List<Netns> namespaces = new ArrayList<>();
    private Path dir;
    private Path vault;
    private Path home;
    private Path etc;
    private Path config;
    private Path run;
    private Path socket;
    private Path keys;
    private Path rawClient;
    private String adminGroup;
    private String admin;
    private String monitor;
    private int adminUid;
    private String tapA;
    private String tapB;
    private LauncherCopy launcher;
    private DaemonProcess daemon;
    private Victim shadow;
    private Victim nodeKey;

    /**
     * A root-only file whose bytes, mode and owner must never change.
     */
    private record Victim(Path path, byte[] bytes, String mode)
    {
        static Victim make(final Path path, final byte[] bytes) throws Exception
        {
            Files.write(path, bytes);
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
            return new Victim(path, bytes, "rw-------");
        }

        void assertUnchanged() throws Exception
        {
            assertThat(Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS)).as(path + " is still a file").isTrue();
            assertThat(Files.readAllBytes(path)).as(path + " unchanged").isEqualTo(bytes);
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS)))
                .as(path + " mode").isEqualTo(mode);
            assertThat(Files.getAttribute(path, "unix:uid", LinkOption.NOFOLLOW_LINKS)).as(path + " owner")
                .isEqualTo(0);
        }
    }

    @BeforeAll
    void start() throws Exception
    {
        adminGroup = accounts.name("l2ta");
        final String monitorGroup = accounts.name("l2tm");
        accounts.group("l2ta");
        accounts.group("l2tm");
        adminUid = accounts.user("l2tua", adminGroup);
        accounts.user("l2tum", monitorGroup);
        admin = accounts.name("l2tua");
        monitor = accounts.name("l2tum");

        dir = Files.createTempDirectory(Path.of("/tmp"), "l2mesh-trust-");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        vault = Files.createDirectory(dir.resolve("vault"));
        Files.setPosixFilePermissions(vault, PosixFilePermissions.fromString("rwx------"));
        final byte[] random = new byte[4096];
        new SecureRandom().nextBytes(random);
        shadow = Victim.make(vault.resolve("shadow"), random);
        nodeKey = Victim.make(vault.resolve("node.key"),
            (KeyPair.generate().privateBase64() + "\n").getBytes(StandardCharsets.US_ASCII));
        Victim.make(vault.resolve("vmc.sock"), "not a socket".getBytes(StandardCharsets.US_ASCII));

        home = Files.createDirectory(dir.resolve("home"));
        Files.createDirectories(home.resolve("d"));
        Files.createDirectories(home.resolve("r"));
        Cmd.check("chown", "-R", admin + ":" + admin, home.toString());
        // The layout docs/deployment.md gives an unprivileged daemon: the config directory writable by a group
        // (here the admin group, the most exposed case for L4), the config itself 0640.
        etc = Files.createDirectory(dir.resolve("etc"));
        Cmd.check("chown", "root:" + adminGroup, etc.toString());
        Files.setPosixFilePermissions(etc, PosixFilePermissions.fromString("rwxrwx---"));
        keys = Files.createDirectory(dir.resolve("keys"));
        Files.writeString(keys.resolve("tun.key"), KeyPair.generate().privateBase64() + "\n");
        Files.setPosixFilePermissions(keys.resolve("tun.key"), PosixFilePermissions.fromString("rw-------"));
        Files.writeString(keys.resolve("open.key"), KeyPair.generate().privateBase64() + "\n");
        Files.setPosixFilePermissions(keys.resolve("open.key"), PosixFilePermissions.fromString("rw-r--r--"));
        run = dir.resolve("run");
        socket = run.resolve("l2mesh.sock");
        rawClient = Files.writeString(dir.resolve("raw.py"), RAW_CLIENT);
        Files.setPosixFilePermissions(rawClient, PosixFilePermissions.fromString("rw-r--r--"));

        tapA = Netns.uniqueLinkName("t");
        tapB = Netns.uniqueLinkName("t");
        config = etc.resolve("l2mesh.yaml");
        Files.writeString(config, """
            switch:
              loops: 1
            ports:
              - name: %s
              - name: %s
              # Root's own config may put a unix port anywhere, here in a directory the admin user owns (H1 a, b).
              - name: vmc
                type: unix
                path: %s
                framing: dgram
              - name: vmr
                type: unix
                path: %s
                framing: dgram
              - name: tun
                type: tunnel
                listen: 127.0.0.1:%d
                private-key-file: %s
                peers:
                  - name: p1
                    public-key: %s
            control:
              socket: %s
              mode: "0666"
              group: %s
              monitor-group: %s
              ports-dir: %s
              keys-dir: %s
            state-dir: %s
            """.formatted(tapA, tapB, home.resolve("d/vmc.sock"), home.resolve("r/vmr.sock"),
            UdpPorts.free(), keys.resolve("tun.key"), KeyPair.generate().publicBase64(), socket,
            adminGroup, monitorGroup, run.resolve("ports"), keys, dir.resolve("state")));
        Cmd.check("chown", "root:" + adminGroup, config.toString());
        Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-r-----"));

        daemon = DaemonProcess.start(config, Map.of());
        final Netns a = Netns.create("ta");
        namespaces.add(a);
        a.adopt(tapA, "198.18.52.1/24");
        final Netns b = Netns.create("tb");
        namespaces.add(b);
        b.adopt(tapB, "198.18.52.2/24");
        a.staticNeighbour("198.18.52.2", b.mac(tapB), tapA);
        b.staticNeighbour("198.18.52.1", a.mac(tapA), tapB);
        launcher = LauncherCopy.of(Path.of(DaemonProcess.LAUNCHER).getParent().getParent());
    }

    @AfterAll
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
            if (launcher != null)
            {
                launcher.close();
            }
            Cmd.run(10_000, "rm", "-rf", dir.toString());
            accounts.close();
        }
    }

    private Cmd.Result as(final String user, final String... args)
    {
        final List<String> command = new ArrayList<>(List.of("setpriv", "--reuid=" + user, "--regid=" + user,
            "--init-groups", launcher.launcher(), "ctl", "--socket", socket.toString()));
        command.addAll(List.of(args));
        return Cmd.run(60_000, command);
    }

    /**
     * @param fd null, or {FILE, "r"|"w"}: a descriptor the user opens and passes with the request.
     */
    private String raw(final String user, final String request, final String... fd)
    {
        final List<String> command = new ArrayList<>(List.of("setpriv", "--reuid=" + user, "--regid=" + user,
            "--init-groups", PYTHON, rawClient.toString(), socket.toString(), request));
        command.addAll(Arrays.asList(fd));
        return Cmd.run(30_000, command).output();
    }

    private String shell(final String user, final String script)
    {
        return Cmd.run(30_000, "setpriv", "--reuid=" + user, "--regid=" + user, "--init-groups", "sh", "-c", script)
            .check().output();
    }

    private JsonNode rootJson(final String... args) throws Exception
    {
        final List<String> command = new ArrayList<>(List.of(DaemonProcess.LAUNCHER, "ctl", "--socket",
            socket.toString(), "--json"));
        command.addAll(List.of(args));
        return ControlCodec.JSON.readTree(Cmd.run(30_000, command).check().output());
    }

    @Test
    void shouldNeverOpenACaptureFileForAClient() throws Exception
    {
        // C1: the CLI opens the file as the user, who may not.
        final Cmd.Result cli = as(admin, "capture", "start", tapA, shadow.path().toString(), "--duration", "1");
        assertThat(cli.exitCode()).as(cli.output()).isEqualTo(1);
        assertThat(cli.output()).contains("cannot write " + shadow.path() + ": EACCES (permission denied)");
        // A client of its own that names the path instead of passing a descriptor.
        assertThat(raw(admin, "{\"cmd\":\"capture.start\",\"args\":{\"port\":\"" + tapA + "\",\"file\":\"" +
            shadow.path() + "\"}}")).contains("BAD_REQUEST", "takes no args.file: the daemon does not open files");
        assertThat(raw(admin, "{\"cmd\":\"capture.start\",\"args\":{\"port\":\"" + tapA + "\"}}"))
            .contains("BAD_REQUEST", "needs the output file's descriptor");
        // A descriptor it may hold but not write through.
        assertThat(raw(admin, "{\"cmd\":\"capture.start\",\"args\":{\"port\":\"" + tapA + "\"}}", "/etc/hostname",
            "r")).contains("BAD_REQUEST", "not open for writing");
        assertThat(raw(monitor, "{\"cmd\":\"capture.start\",\"args\":{\"port\":\"" + tapA + "\"}}", "/dev/null", "w"))
            .contains("PERMISSION_DENIED", "needs the admin role");
        assertThat(rootJson("capture", "list")).noneMatch(c -> !c.path("done").asBoolean());
        shadow.assertUnchanged();
    }

    @Test
    void shouldCaptureIntoAFileTheUserOwns() throws Exception
    {
        final Path pcap = home.resolve("ping.pcap");
        final CompletableFuture<Cmd.Result> capture = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> capture.complete(as(admin, "capture", "start", tapB, pcap.toString(),
            "--count", "4", "--wait")));
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (rootJson("capture", "list").findValues("done").stream().noneMatch(d -> !d.asBoolean()) &&
            !capture.isDone() && System.nanoTime() < deadline)
        {
            Thread.sleep(50);
        }
        assertThat(namespaces.get(0).ping("198.18.52.2", 3)).isTrue();
        assertThat(capture.get(60, TimeUnit.SECONDS).check().output()).contains("4 frames", "frame count reached");
        assertThat(Files.getAttribute(pcap, "unix:uid")).as("the file belongs to whoever asked").isEqualTo(adminUid);
        final Cmd.Result read = Cmd.run(30_000, "tshark", "-r", pcap.toString(), "-Y", "icmp", "-T", "fields",
            "-e", "ip.src").check();
        assertThat(read.output()).contains("198.18.52.1");
    }

    @Test
    void shouldKeepRunTimeUnixSocketsInThePortsDirectory() throws Exception
    {
        // H1 (a, c): a path of the user's choosing, one that climbs out of the ports directory, one in a directory
        // that does not exist (the daemon would have made it as root).
        for (final String path : new String[] {home.resolve("d/vm9.sock").toString(),
            run.resolve("ports") + "/../../vault/shadow", vault.resolve("newdir/vm9.sock").toString()})
        {
            final String answer = raw(admin, "{\"cmd\":\"port.add\",\"args\":{\"name\":\"vm9\",\"type\":\"unix\"," +
                "\"path\":\"" + path + "\",\"framing\":\"dgram\"}}");
            assertThat(answer).as(path).contains("PERMISSION_DENIED", "must be directly in " + run.resolve("ports"));
        }
        assertThat(vault.resolve("newdir")).doesNotExist();

        // The review's exploit on a port root configured in the user's directory: the directory is renamed and
        // replaced by a link to the victim's, then the port is removed. The daemon removes only its own socket.
        shell(admin, "mv " + home.resolve("d") + " " + home.resolve("x") + " && ln -s " + vault + " " +
            home.resolve("d"));
        assertThat(as(admin, "port", "del", "vmc").check().output()).contains("remove port vmc");
        assertThat(Files.readString(vault.resolve("vmc.sock"))).isEqualTo("not a socket");
        assertThat(home.resolve("x/vmc.sock")).as("its own socket went").doesNotExist();

        // What an admin may do: a VM's socket in the ports directory.
        final Path vm8 = run.resolve("ports/vm8.sock");
        assertThat(as(admin, "port", "add", "vm8", "--unix", vm8.toString(), "--framing", "dgram", "--socket-mode",
            "0666").check().output()).contains("add port vm8");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(run.resolve("ports"))))
            .isEqualTo("rwx--x--x");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(vm8))).isEqualTo("rw-rw-rw-");
        assertThat(as(admin, "port", "del", "vm8").check().output()).contains("remove port vm8");
        assertThat(vm8).doesNotExist();
        shadow.assertUnchanged();
    }

    @Test
    void shouldNotChmodWhatAUserSwapsInForTheSocket() throws Exception
    {
        // H1 (b): while the admin re-creates a port whose socket root put in the user's directory (a new mode), the
        // user keeps renaming a link to the victim over the socket's name. The mode is set once, before bind
        // (fchmod) and once after it without following links: the victim never changes.
        final Path socketPath = home.resolve("r/vmr.sock");
        final String racer = "import os, time\n" +
            "end = time.time() + 6\n" +
            "while time.time() < end:\n" +
            "    try:\n" +
            "        os.symlink('" + shadow.path() + "', '" + socketPath + ".tmp')\n" +
            "        os.rename('" + socketPath + ".tmp', '" + socketPath + "')\n" +
            "    except OSError:\n" +
            "        pass\n";
        final CompletableFuture<Cmd.Result> race = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> race.complete(Cmd.run(30_000, "setpriv", "--reuid=" + admin,
            "--regid=" + admin, "--init-groups", PYTHON, "-c", racer)));
        int attempts = 0;
        int metTheLink = 0;
        while (!race.isDone() && attempts < 200)
        {
            // Each may fail (the name is a link when the port is re-created): it must fail cleanly.
            final String answer = raw(admin, "{\"cmd\":\"port.set\",\"args\":{\"name\":\"vmr\"," +
                "\"socket-mode\":\"" + (attempts % 2 == 0 ? "0666" : "0600") + "\"}}");
            metTheLink += answer.contains("is a symbolic link, not a socket") ? 1 : 0;
            attempts++;
        }
        race.get(60, TimeUnit.SECONDS);
        assertThat(metTheLink).as("the race was on: some re-creations found the link").isPositive();
        shadow.assertUnchanged();
        assertThat(rootJson("status").path("ports").asInt()).as("the daemon still answers").isPositive();
    }

    @Test
    void shouldReadKeyFilesOnlyFromTheKeysDirectory() throws Exception
    {
        // M4: the victim's first line is a valid key, so only the path rules stand between it and the tunnel.
        final int udp = UdpPorts.free();
        assertThat(raw(admin, tunnelAdd("t9", udp, nodeKey.path()))).contains("PERMISSION_DENIED",
            "a key file named at run time must be directly in " + keys);
        final String psk = raw(admin, "{\"cmd\":\"peer.add\",\"args\":{\"port\":\"tun\",\"name\":\"p9\"," +
            "\"public-key\":\"" + KeyPair.generate().publicBase64() + "\",\"preshared-key-file\":\"" +
            nodeKey.path() + "\"}}");
        assertThat(psk).contains("PERMISSION_DENIED", "a key file named at run time");
        // In the keys directory, but open to others, or missing: one message for both, nothing of the content.
        final String content = Files.readString(keys.resolve("open.key")).strip();
        for (final String file : new String[] {"open.key", "missing.key"})
        {
            assertThat(raw(admin, tunnelAdd("t8", udp, keys.resolve(file)))).contains(keys.resolve(file) +
                ": unusable key file (it must be a regular file, not a symbolic link, owned by root or the daemon's " +
                "user, mode 0600 or 0400")
                .doesNotContain(content.substring(0, 6), "0644", "ENOENT", "exist");
        }
        // The legitimate case.
        assertThat(raw(admin, tunnelAdd("t7", udp, keys.resolve("tun.key")))).contains("\"ok\":true",
            "add port t7");
        assertThat(as(admin, "port", "del", "t7").check().output()).contains("remove port t7");
        nodeKey.assertUnchanged();
    }

    private static String tunnelAdd(final String name, final int udp, final Path key)
    {
        return "{\"cmd\":\"port.add\",\"args\":{\"name\":\"" + name + "\",\"type\":\"tunnel\"," +
            "\"listen\":\"127.0.0.1:" + udp + "\",\"private-key-file\":\"" + key + "\",\"peers\":[]}}";
    }

    @Test
    void shouldSaveTheConfigWithoutFollowingPlantedLinks() throws Exception
    {
        // L4: the admin may write in the config's directory; it plants links at the old predictable temp name and
        // at the config's own name pattern, aimed at the victim.
        final String planted = etc.resolve(".l2mesh.yaml.tmp-" + daemon.pid()).toString();
        shell(admin, "ln -s " + shadow.path() + " " + planted);
        assertThat(as(admin, "config", "save").check().output()).contains(config.toString());
        shadow.assertUnchanged();
        assertThat(Files.isSymbolicLink(Path.of(planted))).as("the planted link is left as it was").isTrue();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(config))).isEqualTo("rw-r-----");
        assertThat(Files.getAttribute(config, "unix:uid")).isEqualTo(0);
        assertThat(Files.getAttribute(config, "unix:gid")).isEqualTo(LocalAccounts.gid(adminGroup));
        assertThat(Files.readString(config)).contains("name: " + tapA);
        try (var files = Files.list(etc))
        {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("l2mesh.yaml",
                Path.of(planted).getFileName().toString());
        }
    }

    @Test
    void shouldRefuseAFileThatIsNotASocketAtTheControlSocketPath() throws Exception
    {
        // L5: a daemon whose socket path is a regular file, or a link to one, refuses to start and leaves it.
        final Path link = dir.resolve("link.sock");
        Files.createSymbolicLink(link, shadow.path());
        for (final Path path : new Path[] {shadow.path(), link})
        {
            final Path other = dir.resolve("other.yaml");
            Files.writeString(other, "ports:\n  - name: " + Netns.uniqueLinkName("t") + "\ncontrol:\n  socket: " +
                path + "\nstate-dir: " + dir.resolve("state") + "\n");
            final Cmd.Result refused = Cmd.run(60_000, DaemonProcess.LAUNCHER, "run", "-c", other.toString());
            assertThat(refused.exitCode()).as(refused.output()).isNotZero();
            assertThat(refused.output()).contains(path + " exists and is a " + (path.equals(link) ?
                "symbolic link" : "regular file") + ", not a socket; it is left alone");
        }
        assertThat(Files.isSymbolicLink(link)).isTrue();
        shadow.assertUnchanged();
    }

    @Test
    void shouldRefuseMonitorsEveryChangingCommandAndAnswerTheRest() throws Exception
    {
        final long deniedBefore = rootJson("status").path("control_denied").asLong();
        int changing = 0;
        for (final Map.Entry<String, Role> command : ControlServer.commandRoles().entrySet())
        {
            final String answer = raw(monitor, "{\"cmd\":\"" + command.getKey() + "\",\"args\":{}}");
            if (command.getValue() == Role.ADMIN)
            {
                changing++;
                assertThat(answer).as(command.getKey()).contains("PERMISSION_DENIED", "'" + command.getKey() +
                    "' needs the admin role", "has the monitor role");
            }
            else
            {
                assertThat(answer).as(command.getKey()).doesNotContain("PERMISSION_DENIED");
            }
        }
        assertThat(changing).isGreaterThanOrEqualTo(14);
        assertThat(rootJson("status").path("control_denied").asLong() - deniedBefore).isEqualTo(changing);
        assertThat(rootJson("port", "list")).extracting(p -> p.path("name").asText()).contains(tapA, tapB);
        assertThat(namespaces.get(0).ping("198.18.52.2", 1)).as("still forwarding").isTrue();
    }
}
