package io.l2mesh.control;

import com.fasterxml.jackson.databind.JsonNode;
import io.l2mesh.control.protocol.ControlCodec;
import io.l2mesh.testkit.Cmd;
import io.l2mesh.testkit.LauncherCopy;
import io.l2mesh.testkit.Netns;
import io.l2mesh.tuntap.Libc;
import io.l2mesh.tuntap.SeqpacketSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code l2mesh ctl} against a running daemon process, end to end. Needs root.
 */
@Timeout(120)
class ControlIT
{
    private static final String LAUNCHER = DaemonProcess.LAUNCHER;

    private Path dir;
    private Path socket;
    private Process daemon;
    private final List<Netns> namespaces = new ArrayList<>();
    private String tapA;
    private String tapB;

    @BeforeEach
    void start() throws Exception
    {
        dir = Files.createTempDirectory("l2mesh-ctl");
        socket = dir.resolve("l2mesh.sock");
        tapA = Netns.uniqueLinkName("c");
        tapB = Netns.uniqueLinkName("c");
        final Path config = dir.resolve("ctl.yaml");
        Files.writeString(config, """
            switch:
              loops: 2
            state-dir: %s
            ports:
              - name: %s
              - name: %s
            control:
              socket: %s
            """.formatted(dir.resolve("state"), tapA, tapB, socket));
        this.config = config;
        startDaemon();
        final Netns a = Netns.create("a");
        namespaces.add(a);
        a.adopt(tapA, "198.18.50.1/24");
        final Netns b = Netns.create("b");
        namespaces.add(b);
        b.adopt(tapB, "198.18.50.2/24");
        // Quiet hosts: IPv6 is off (Netns) and no ARP at all, so after a flush nothing re-fills the MAC table
        // (a neighbour's re-probe 5 s after a ping did, while the CLI started).
        a.staticNeighbour("198.18.50.2", b.mac(tapB), tapA);
        b.staticNeighbour("198.18.50.1", a.mac(tapA), tapB);
    }

    private Path config;

    private void startDaemon() throws Exception
    {
        daemonProcess = DaemonProcess.start(config, java.util.Map.of());
        daemon = daemonProcess.process();
        assertThat(daemonProcess.output()).contains("l2mesh: ready");
    }

    private DaemonProcess daemonProcess;

    @AfterEach
    void stop() throws Exception
    {
        try
        {
            if (daemon.isAlive())
            {
                Cmd.run(5_000, "kill", "-TERM", Long.toString(daemon.pid()));
                if (!daemon.waitFor(20, TimeUnit.SECONDS))
                {
                    daemon.destroyForcibly();
                }
            }
        }
        finally
        {
            for (final Netns ns : namespaces)
            {
                ns.close();
            }
            Cmd.run(10_000, "rm", "-rf", dir.toString());
        }
    }

    private Cmd.Result ctl(final String... args)
    {
        final List<String> command = new ArrayList<>(List.of(LAUNCHER, "ctl", "--socket", socket.toString()));
        command.addAll(List.of(args));
        return Cmd.run(30_000, command);
    }

    private JsonNode json(final String... args) throws Exception
    {
        final List<String> all = new ArrayList<>(List.of(args));
        all.add("--json");
        return ControlCodec.JSON.readTree(ctl(all.toArray(new String[0])).check().output());
    }

    @Test
    void shouldShowPortsMacsAndMovingCountersThenFlush() throws Exception
    {
        assertThat(json("port", "list")).extracting(p -> p.path("name").asText()).containsExactly(tapA, tapB);
        assertThat(ctl("port", "list").check().output()).startsWith("port ").contains(tapA, "access vlan 1");

        assertThat(namespaces.get(0).ping("198.18.50.2", 3)).isTrue();

        final JsonNode fdb = json("fdb", "show");
        assertThat(fdb).extracting(e -> e.path("mac").asText()).contains(namespaces.get(0).mac(tapA),
            namespaces.get(1).mac(tapB));
        assertThat(json("fdb", "show", "--port", tapB)).singleElement()
            .satisfies(e -> assertThat(e.path("port").asText()).isEqualTo(tapB));
        final JsonNode stats = json("stats");
        assertThat(stats.get(0).path("rx_packets").asLong()).isPositive();
        assertThat(stats.get(1).path("tx_packets").asLong()).isPositive();

        final String watched = ctl("stats", "--watch", "--interval", "100", "--count", "3", "--json").check().output();
        assertThat(watched.strip().split("\n")).hasSize(3).allSatisfy(l ->
            assertThat(ControlCodec.JSON.readTree(l).path("ports").get(0).has("rx_pps")).isTrue());

        assertThat(ctl("fdb", "flush").check().output()).isEqualTo("removed 2 entries\n");
        assertThat(json("fdb", "show")).isEmpty();
        assertThat(json("status").path("ports").asInt()).isEqualTo(2);
    }

    @Test
    void shouldServeQemuUnixPortAddedAtRunTimeAndSaveIt() throws Exception
    {
        final java.nio.file.Path socket = config.resolveSibling("vm9.sock");
        assertThat(ctl("port", "add", "vm9", "--unix", socket.toString(), "--framing", "dgram", "--vlan", "4")
            .check().output()).contains("add port vm9");
        assertThat(json("port", "list")).filteredOn(p -> p.path("name").asText().equals("vm9")).singleElement()
            .satisfies(p ->
            {
                assertThat(p.path("kind").asText()).isEqualTo("unix-dgram");
                assertThat(p.path("endpoint").asText()).isEqualTo(socket + " (waiting for a VM)");
            });
        assertThat(Files.readString(config)).contains("name: vm9", "type: unix", "framing: dgram",
            "path: " + socket);
        try (io.l2mesh.testkit.QemuDgramClient vm = new io.l2mesh.testkit.QemuDgramClient(
            config.resolveSibling("qemu-vm9.sock"), socket))
        {
            vm.send(new io.l2mesh.testkit.TinyHost(new byte[] {2, 0, 0, 0, 0, 9}, new byte[] {(byte)198, 18, 9, 9})
                .announce());
            final long deadline = System.nanoTime() + 5_000_000_000L;
            while (!ctl("port", "list").check().output().contains("(VM attached)") && System.nanoTime() < deadline)
            {
                Thread.sleep(20);
            }
            assertThat(ctl("port", "list").check().output()).contains(socket + " (VM attached)");
        }
        assertThat(ctl("port", "del", "vm9").check().output()).contains("remove port vm9");
        assertThat(socket).doesNotExist();
    }

    @Test
    void shouldAddVxlanPortAtRunTimeAndSaveIt() throws Exception
    {
        final int udpPort;
        try (java.net.DatagramSocket probe = new java.net.DatagramSocket(
            new java.net.InetSocketAddress("127.0.0.1", 0)))
        {
            udpPort = probe.getLocalPort();
        }
        assertThat(ctl("port", "add", "vx9", "--vxlan", "127.0.0.1:" + udpPort, "--vni", "99", "--remote",
            "127.0.0.2", "--remote", "127.0.0.3:8472").check().output()).contains("add port vx9");
        assertThat(json("port", "list")).filteredOn(p -> p.path("name").asText().equals("vx9")).singleElement()
            .satisfies(p ->
            {
                assertThat(p.path("kind").asText()).isEqualTo("vxlan");
                assertThat(p.path("endpoint").asText()).isEqualTo("vni 99 on 127.0.0.1:" + udpPort +
                    ", 2 remote VTEP(s)");
            });
        assertThat(Files.readString(config)).contains("type: vxlan", "vni: 99", "127.0.0.3:8472");
        final Cmd.Result missing = ctl("port", "add", "vx8", "--vxlan", "127.0.0.1", "--vni", "1");
        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(missing.output()).contains("needs remotes");
    }

    @Test
    void shouldShowPeersAndChangeFecAndImpairmentOfATunnelInPlace() throws Exception
    {
        final io.l2mesh.tunnel.noise.KeyPair key = io.l2mesh.tunnel.noise.KeyPair.generate();
        final Path keyFile = dir.resolve("node.key");
        Files.writeString(keyFile, key.privateBase64() + "\n");
        Files.setPosixFilePermissions(keyFile, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        final int udpPort;
        try (java.net.DatagramSocket probe = new java.net.DatagramSocket(
            new java.net.InetSocketAddress("127.0.0.1", 0)))
        {
            udpPort = probe.getLocalPort();
        }
        final String peerKey = io.l2mesh.tunnel.noise.KeyPair.generate().publicBase64();
        Files.writeString(config, Files.readString(config).replace("control:", """
              - name: mesh0
                type: tunnel
                listen: 127.0.0.1:%d
                private-key-file: %s
                peers:
                  - name: far
                    public-key: %s
                    endpoint: 127.0.0.1:9
            control:""".formatted(udpPort, keyFile, peerKey)));
        assertThat(ctl("config", "reload").check().output()).contains("add port mesh0");

        assertThat(json("peer", "list")).singleElement().satisfies(p ->
        {
            assertThat(p.path("name").asText()).isEqualTo("far");
            assertThat(p.path("public_key").asText()).isEqualTo(peerKey);
            assertThat(p.path("endpoint").asText()).isEqualTo("127.0.0.1:9");
            assertThat(p.path("up").asBoolean()).as("nobody answers at port 9").isFalse();
        });
        assertThat(ctl("fec", "set", "mesh0", "10", "4").check().output()).contains("set port mesh0 fec (10, 4)")
            .doesNotContain("re-create");
        assertThat(json("fec", "show", "mesh0")).singleElement().satisfies(p ->
        {
            assertThat(p.path("k").asInt()).isEqualTo(10);
            assertThat(p.path("m").asInt()).isEqualTo(4);
        });
        assertThat(ctl("impair", "set", "mesh0", "--loss", "5", "--delay", "2", "--burst", "0.01,0.3")
            .check().output()).contains("set port mesh0 impairment");
        assertThat(json("impair", "show")).singleElement().satisfies(p ->
        {
            assertThat(p.path("settings").path("loss").asDouble()).isEqualTo(5.0);
            assertThat(p.path("settings").path("delay_ms").asDouble()).isEqualTo(2.0);
            assertThat(p.path("settings").path("burst_bad_to_good").asDouble()).isEqualTo(0.3);
        });
        final String saved = Files.readString(config);
        assertThat(saved).contains("k: 10", "m: 4", "loss: 5", "delay: 2").doesNotContain(key.privateBase64());
        assertThat(ctl("fec", "set", "mesh0", "adaptive", "8", "0.001").check().output())
            .contains("set port mesh0 fec adaptive (8, m from 1, target 0.001)");
        assertThat(json("fec", "show").get(0).path("adaptive").asBoolean()).isTrue();
        assertThat(Files.readString(config)).contains("adaptive: true", "target: 0.001");
        assertThat(ctl("impair", "clear", "mesh0").check().output()).contains("set port mesh0 impairment");
        assertThat(json("impair", "show").get(0).path("settings").path("loss").asDouble()).isZero();
        final String another = io.l2mesh.tunnel.noise.KeyPair.generate().publicBase64();
        assertThat(ctl("peer", "add", "mesh0", "near", "--public-key", another, "--endpoint", "127.0.0.1:10")
            .check().output()).contains("add port mesh0 peer near").doesNotContain("re-create");
        assertThat(json("peer", "list")).extracting(p -> p.path("name").asText()).containsExactly("far", "near");
        assertThat(Files.readString(config)).contains("name: near", another);
        assertThat(json("fec", "show").get(0).path("adaptive").asBoolean()).as("settings survive").isTrue();
        assertThat(ctl("peer", "add", "mesh0", "dup", "--public-key", another).exitCode()).isEqualTo(1);
        assertThat(ctl("peer", "del", "mesh0", "far").check().output()).contains("remove port mesh0 peer far")
            .doesNotContain("re-create");
        assertThat(json("peer", "list")).extracting(p -> p.path("name").asText()).containsExactly("near");
        assertThat(ctl("peer", "del", "mesh0", "nobody").exitCode()).isEqualTo(1);
        final Cmd.Result bad = ctl("fec", "set", "mesh0", "300", "4");
        assertThat(bad.exitCode()).isEqualTo(1);
        assertThat(bad.output()).contains("out of range");
        assertThat(ctl("fec", "set", "nope", "off").exitCode()).isEqualTo(1);
        assertThat(ctl("fec", "set", "mesh0", "6", "2", "--peer", "near").check().output())
            .contains("set port mesh0 peer near fec (6, 2)").doesNotContain("re-create");
        assertThat(json("fec", "show")).filteredOn(p -> p.path("peer").asText().equals("near")).singleElement()
            .satisfies(p -> assertThat(p.path("k").asInt() * 10 + p.path("m").asInt()).isEqualTo(62));
        assertThat(ctl("fec", "set", "mesh0", "port", "--peer", "near").check().output())
            .contains("peer near fec as the port");
        assertThat(ctl("fec", "set", "mesh0", "off", "--peer", "nobody").exitCode()).isEqualTo(1);
    }

    @Test
    void shouldAttachExistingInterfaceAsRawPortAndSaveIt() throws Exception
    {
        final String veth = Netns.uniqueLinkName("v");
        Cmd.check("ip", "link", "add", veth, "type", "veth", "peer", "name", veth + "p");
        try
        {
            assertThat(ctl("port", "add", veth, "--raw", "--vlan", "3").check().output()).contains("add port " + veth);
            assertThat(json("port", "list")).filteredOn(p -> p.path("name").asText().equals(veth)).singleElement()
                .satisfies(p -> assertThat(p.path("kind").asText()).isEqualTo("raw"));
            assertThat(Files.readString(config)).contains("name: " + veth, "type: raw");
            final Cmd.Result mtu = ctl("port", "add", veth + "p", "--raw", "--mtu", "9000");
            assertThat(mtu.exitCode()).isEqualTo(1);
            assertThat(mtu.output()).contains("takes no 'mtu'");
        }
        finally
        {
            Cmd.run(5_000, "ip", "link", "del", veth);
        }
    }

    @Test
    void shouldAnswerErrorsWithCodesAndExitStatus()
    {
        final Cmd.Result notFound = ctl("fdb", "show", "--port", "nope");
        assertThat(notFound.exitCode()).isEqualTo(1);
        assertThat(notFound.output()).contains("NOT_FOUND: no port named 'nope'");
        final Cmd.Result nobody = Cmd.run(30_000, LAUNCHER, "ctl", "--socket", dir.resolve("none.sock").toString(),
            "status");
        assertThat(nobody.exitCode()).isEqualTo(3);
        assertThat(nobody.output()).contains("no daemon is listening there");
    }

    @Test
    void shouldRefuseUnprivilegedClients() throws Exception
    {
        Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        // uid 65534 runs its own copy: the checkout may be below a directory it cannot enter.
        try (LauncherCopy copy = LauncherCopy.of(Path.of(LAUNCHER).getParent().getParent()))
        {
            refuseUnprivilegedClients(copy.launcher());
        }
    }

    private void refuseUnprivilegedClients(final String launcher) throws Exception
    {
        final Cmd.Result byMode = Cmd.run(30_000, "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
            launcher, "ctl", "--socket", socket.toString(), "status");
        assertThat(byMode.exitCode()).as(byMode.output()).isEqualTo(3);
        assertThat(byMode.output()).contains("permission denied");

        // With the file mode opened up, SO_PEERCRED still refuses.
        Files.setPosixFilePermissions(socket, java.nio.file.attribute.PosixFilePermissions.fromString("rw-rw-rw-"));
        final Cmd.Result byCred = Cmd.run(30_000, "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
            launcher, "ctl", "--socket", socket.toString(), "status");
        assertThat(byCred.exitCode()).as(byCred.output()).isEqualTo(3);
        assertThat(byCred.output()).contains("PERMISSION_DENIED: uid 65534 may not use the control socket");
        assertThat(json("status").path("control_refused").asLong()).isEqualTo(1);

        // Clients that send their request after the server has accepted them still read the refusal (not
        // ECONNRESET or EPIPE), and one that never sends is hung up on.
        final String clients = String.join("\n",
            "import socket, time",
            "for i in range(20):",
            "    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)",
            "    s.settimeout(10)",
            "    s.connect('" + socket + "')",
            "    time.sleep(0.02)",
            "    try:",
            "        s.send(b'{\"cmd\":\"status\"}')",
            "        print('answer', i, s.recv(65536).decode())",
            "    except OSError as e:",
            "        print('failed', i, e)",
            "    s.close()",
            "s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)",
            "s.settimeout(10)",
            "s.connect('" + socket + "')",
            "print('silent client read', len(s.recv(65536)), 'bytes')");
        final Cmd.Result late = Cmd.run(60_000, "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
            "/usr/bin/python3", "-c", clients);
        assertThat(late.exitCode()).as(late.output()).isZero();
        assertThat(late.output()).doesNotContain("failed").contains("silent client read 0 bytes");
        assertThat(late.output().lines().filter(l -> l.startsWith("answer") && l.contains("PERMISSION_DENIED")))
            .hasSize(20);
        assertThat(json("status").path("control_refused").asLong()).isEqualTo(22);
        assertThat(json("status").path("control_clients").asLong()).isEqualTo(1); // the status request itself
    }

    @Test
    void shouldLetMonitorsReadAndOnlyAdminsChange() throws Exception
    {
        final String suffix = Long.toString(ProcessHandle.current().pid() % 100_000);
        final String adminGroup = "l2adm" + suffix;
        final String monitorGroup = "l2mon" + suffix;
        Cmd.check("groupadd", adminGroup);
        try
        {
            Cmd.check("groupadd", monitorGroup);
            final int adminGid = Integer.parseInt(Cmd.check("getent", "group", adminGroup).split(":")[2]);
            final int monitorGid = Integer.parseInt(Cmd.check("getent", "group", monitorGroup).split(":")[2]);
            // Every request is checked, so any local user may connect: mode 0666.
            Files.writeString(config, Files.readString(config).replace("control:\n", "control:\n  mode: \"0666\"\n" +
                "  group: " + adminGroup + "\n  monitor-group: " + monitorGroup + "\n"));
            daemon.destroyForcibly();
            assertThat(daemon.waitFor(20, TimeUnit.SECONDS)).isTrue();
            startDaemon();
            Files.setPosixFilePermissions(dir,
                java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
            try (LauncherCopy copy = LauncherCopy.of(Path.of(LAUNCHER).getParent().getParent()))
            {
                final String added = Netns.uniqueLinkName("m");
                // Supplementary groups only (--groups), as a login gives them: SO_PEERGROUPS must see them.
                final java.util.function.Function<Integer, java.util.function.Function<String[], Cmd.Result>> as =
                    gid -> args ->
                    {
                        final List<String> command = new ArrayList<>(List.of("setpriv", "--reuid=65534",
                            "--regid=65534", "--groups=" + gid, copy.launcher(), "ctl", "--socket",
                            socket.toString()));
                        command.addAll(List.of(args));
                        return Cmd.run(30_000, command);
                    };
                final var monitor = as.apply(monitorGid);
                final var admin = as.apply(adminGid);

                assertThat(monitor.apply(new String[] {"status"}).check().output()).contains("ports");
                assertThat(monitor.apply(new String[] {"port", "list"}).check().output()).contains(tapA);
                assertThat(monitor.apply(new String[] {"stats"}).check().output()).contains(tapB);
                final Cmd.Result refused = monitor.apply(new String[] {"port", "add", added});
                assertThat(refused.exitCode()).as(refused.output()).isEqualTo(3);
                assertThat(refused.output()).contains("PERMISSION_DENIED: 'port.add' needs the admin role; " +
                    "uid 65534 has the monitor role");
                for (final String[] changing : List.of(new String[] {"fdb", "flush"}, new String[] {"shutdown"},
                    new String[] {"config", "save"}))
                {
                    assertThat(monitor.apply(changing).output()).contains("needs the admin role");
                }
                assertThat(Libc.ifNameToIndex(added)).as("nothing was added").isZero();
                assertThat(json("status").path("control_denied").asLong()).isEqualTo(4);

                assertThat(admin.apply(new String[] {"port", "add", added}).check().output())
                    .contains("add port " + added);
                assertThat(admin.apply(new String[] {"port", "del", added}).check().output())
                    .contains("remove port " + added);
                final Cmd.Result nobody = Cmd.run(30_000, "setpriv", "--reuid=65534", "--regid=65534",
                    "--clear-groups", copy.launcher(), "ctl", "--socket", socket.toString(), "status");
                assertThat(nobody.exitCode()).isEqualTo(3);
                assertThat(nobody.output()).contains("may not use the control socket", adminGroup, monitorGroup);
            }
        }
        finally
        {
            Cmd.run(10_000, "groupdel", monitorGroup);
            Cmd.run(10_000, "groupdel", adminGroup);
        }
    }

    @Test
    void shouldSurviveHostileClientsAndKeepForwarding() throws Exception
    {
        try (SeqpacketSocket raw = SeqpacketSocket.connect(socket); Arena arena = Arena.ofConfined())
        {
            final MemorySegment buffer = arena.allocate(128 * 1024);
            assertThat(exchange(raw, buffer, arena, "{not json")).contains("\"BAD_REQUEST\"", "not valid JSON");
            assertThat(exchange(raw, buffer, arena, "[1,2]")).contains("a request must be a JSON object");
            assertThat(exchange(raw, buffer, arena, "{\"v\":1,\"cmd\":\"reboot\"}")).contains("\"UNKNOWN_COMMAND\"");
            assertThat(exchange(raw, buffer, arena, "{\"v\":9,\"cmd\":\"status\"}"))
                .contains("\"UNSUPPORTED_VERSION\"");
            assertThat(exchange(raw, buffer, arena, "{\"cmd\":\"fdb.show\",\"args\":{\"vlan\":\"ten\"}}"))
                .contains("\"BAD_REQUEST\"", "args.vlan must be a whole number");
            assertThat(exchange(raw, buffer, arena, "{\"cmd\":\"stats.watch\",\"args\":{\"interval_ms\":1}}"))
                .contains("args.interval_ms=1 out of range 100..60000");
            assertThat(exchange(raw, buffer, arena, "{\"cmd\":\"status\"," + "\"pad\":\"" + "x".repeat(70_000) + "\"}"))
                .contains("\"MESSAGE_TOO_LARGE\"");
            assertThat(exchange(raw, buffer, arena, "{\"cmd\":\"status\"}")).contains("\"ok\":true");
        }

        // A client that starts a stream and vanishes, and one that sends an empty record (end-of-file).
        try (SeqpacketSocket watcher = SeqpacketSocket.connect(socket); Arena arena = Arena.ofConfined())
        {
            watcher.sendBlocking(arena.allocateFrom(ValueLayout.JAVA_BYTE,
                ControlCodec.request("stats.watch", ControlCodec.JSON.createObjectNode().put("interval_ms", 100))));
            assertThat(watcher.receive(arena.allocate(65536))).isPositive();
        }
        try (SeqpacketSocket empty = SeqpacketSocket.connect(socket); Arena arena = Arena.ofConfined())
        {
            final MemorySegment capture = Libc.newErrnoCapture(arena);
            Libc.send(capture, empty.fd(), arena.allocate(1), 0, 0);
        }

        assertThat(namespaces.get(0).ping("198.18.50.2", 2)).as("forwarding goes on").isTrue();
        final JsonNode status = json("status");
        assertThat(status.path("datapath_errors").asLong()).isZero();
        assertThat(status.path("control_requests").asLong()).isGreaterThanOrEqualTo(9);
    }

    private static String exchange(final SeqpacketSocket socket, final MemorySegment buffer, final Arena arena,
        final String request)
    {
        assertThat(socket.sendBlocking(arena.allocateFrom(ValueLayout.JAVA_BYTE,
            request.getBytes(StandardCharsets.UTF_8)))).isPositive();
        final long n = socket.receive(buffer);
        assertThat(n).isPositive();
        return new String(buffer.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
    }

    @Test
    void shouldKeepEveryAcknowledgedChangeAcrossKillNine() throws Exception
    {
        final String added = Netns.uniqueLinkName("p");
        ctl("port", "add", added, "--vlan", "30", "--mac-limit", "7").check();
        ctl("port", "set", tapB, "--trunk", "1,40").check();
        ctl("fdb", "add", "02:00:00:00:00:77", "--vlan", "30", "--port", added).check();
        assertThat(Files.readString(config)).contains(added, "allowed-vlans", "02:00:00:00:00:77");

        daemon.destroyForcibly(); // SIGKILL: no shutdown hook runs
        assertThat(daemon.waitFor(20, TimeUnit.SECONDS)).isTrue();
        startDaemon();

        final JsonNode ports = json("port", "list");
        assertThat(ports).extracting(p -> p.path("name").asText()).contains(added);
        assertThat(ports).filteredOn(p -> p.path("name").asText().equals(added)).singleElement()
            .satisfies(p -> assertThat(p.path("mac_limit").asInt()).isEqualTo(7));
        // tapB lives in namespace b, where the restarted daemon cannot see it, so it made a new tapB in its own.
        assertThat(ports).filteredOn(p -> p.path("name").asText().equals(tapB)).singleElement()
            .satisfies(p -> assertThat(p.path("vlans").asText()).isEqualTo("trunk allowed 1,40"));
        assertThat(json("fdb", "show", "--vlan", "30")).filteredOn(e -> e.path("static").asBoolean())
            .singleElement().satisfies(e -> assertThat(e.path("mac").asText()).isEqualTo("02:00:00:00:00:77"));

        ctl("port", "del", added).check();
        assertThat(json("port", "list")).extracting(p -> p.path("name").asText()).doesNotContain(added);
        assertThat(Files.readString(config)).as("deleted with its static MAC")
            .doesNotContain(added, "02:00:00:00:00:77");
        assertThat(Libc.ifNameToIndex(added)).as("the TAP it created is gone").isZero();
    }

    @Test
    void shouldReloadOnlyTheDifferenceAndRefuseABrokenFile() throws Exception
    {
        assertThat(namespaces.get(0).ping("198.18.50.2", 2)).isTrue();
        final String macA = namespaces.get(0).mac(tapA);
        final String added = Netns.uniqueLinkName("r");
        final String original = Files.readString(config);

        Files.writeString(config, original + "broken: [\n");
        final Cmd.Result broken = ctl("config", "reload");
        assertThat(broken.exitCode()).isEqualTo(1);
        assertThat(broken.output()).contains("config refused, nothing changed: " + config + ":");

        final String oldEntry = "  - name: " + tapB + "\n";
        final String newEntries = "  - name: " + tapB + "\n    vlan: 9\n  - name: " + added + "\n    vlan: 9\n";
        assertThat(original).contains(oldEntry);
        Files.writeString(config, original.replace(oldEntry, newEntries));
        final String report = ctl("config", "reload").check().output();
        assertThat(report).contains("set port " + tapB + " access vlan 9", "add port " + added);

        assertThat(json("port", "list")).extracting(p -> p.path("name").asText()).containsExactly(tapA, tapB, added);
        assertThat(json("fdb", "show", "--port", tapA)).extracting(e -> e.path("mac").asText())
            .as("the unaffected port kept its MACs").contains(macA);
        assertThat(namespaces.get(0).ping("198.18.50.2", 2)).as("a (VLAN 1) and b (now VLAN 9) are apart").isFalse();
    }

    @Test
    void shouldCaptureAPingThatTsharkReads() throws Exception
    {
        final Path pcap = dir.resolve("ping.pcap");
        final CompletableFuture<Cmd.Result> capture = new CompletableFuture<>();
        Thread.ofVirtual().start(() ->
            capture.complete(ctl("capture", "start", tapB, pcap.toString(), "--count", "6", "--wait")));
        // Ping once the capture runs (the hosts are quiet otherwise): 6 pings cross tapB as 12 frames.
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (json("capture", "list").isEmpty() && !capture.isDone() && System.nanoTime() < deadline)
        {
            Thread.sleep(50);
        }
        assertThat(namespaces.get(0).ping("198.18.50.2", 6)).isTrue();
        assertThat(capture.get(30, TimeUnit.SECONDS).check().output()).contains("6 frames, ", " 0 dropped, ended: " +
            "frame count reached");

        final Cmd.Result read = Cmd.run(30_000, "tshark", "-r", pcap.toString(), "-Y", "icmp", "-T", "fields",
            "-e", "icmp.type", "-e", "ip.src", "-e", "ip.dst").check();
        final List<String> packets = read.output().lines().filter(l -> !l.isBlank()).toList();
        assertThat(packets).as(read.output()).contains("8\t198.18.50.1\t198.18.50.2", "0\t198.18.50.2\t198.18.50.1");
        assertThat(json("capture", "list")).singleElement().satisfies(ended ->
        {
            assertThat(ended.path("done").asBoolean()).isTrue();
            assertThat(ended.path("stopped").asText()).isEqualTo("count");
        });
        assertThat(ctl("capture", "stop", tapB).exitCode()).as("nothing left to stop").isEqualTo(1);
    }

    @Test
    void shouldStopACaptureAtItsSizeLimitAndSayWhy() throws Exception
    {
        final Path pcap = dir.resolve("limited.pcap");
        ctl("capture", "start", tapB, pcap.toString(), "--max-bytes", "1K").check();
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        JsonNode ended = null;
        while (System.nanoTime() < deadline)
        {
            namespaces.get(0).run(5_000, "ping", "-c", "3", "-i", "0.2", "-s", "200", "198.18.50.2");
            final JsonNode list = json("capture", "list");
            if (!list.isEmpty() && list.get(0).path("done").asBoolean())
            {
                ended = list.get(0);
                break;
            }
        }
        assertThat(ended).as("the capture ended by itself").isNotNull();
        assertThat(ended.path("stopped").asText()).isEqualTo("max_bytes");
        assertThat(ended.path("why").asText()).isEqualTo("size limit reached");
        assertThat(Files.size(pcap)).isEqualTo(ended.path("bytes").asLong()).isLessThanOrEqualTo(1024).isPositive();
        assertThat(Cmd.run(30_000, "tshark", "-r", pcap.toString(), "-T", "fields", "-e", "frame.number").check()
            .output().lines().filter(l -> l.strip().matches("[0-9]+")).count())
            .isEqualTo(ended.path("frames").asLong()).isPositive();
    }

    @Test
    void shouldStopOnShutdownCommandAndRemoveSocketAndTaps() throws Exception
    {
        assertThat(ctl("shutdown").check().output()).contains("stopping");
        assertThat(daemon.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(Files.exists(socket)).isFalse();
        assertThat(namespaces.get(0).run(5_000, "ip", "link", "show", tapA).exitCode())
            .as("the TAP the daemon created is gone from the host namespace it was moved to").isNotZero();
    }
}
