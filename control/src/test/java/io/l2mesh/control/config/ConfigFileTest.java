package io.l2mesh.control.config;

import io.l2mesh.switching.fdb.MacLimits;
import io.l2mesh.switching.port.unix.UnixPortSpec;
import io.l2mesh.switching.vlan.VlanMode;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConfigFileTest
{
    private static final String GOOD = """
        switch:
          loops: 2
          burst: 32
          ageing-time: 60
          mac-limit: 1000
          busy-poll-us: 200
        ports:
          - name: a0
            vlan: 10
            mtu: 9000
            mac: 02:00:00:00:00:01
            mac-limit: 50
          - name: t0
            mode: trunk
            allowed-vlans: [10, "20-22"]
            native-vlan: 1
            offloads: false
            persistent: true
        static-macs:
          - mac: 02:00:00:00:00:99
            vlan: 10
            port: a0
        """;

    @Test
    void shouldReadEverySetting()
    {
        final L2meshConfig config = ConfigFile.parse("good.yaml", GOOD);
        assertThat(config.switchContext().loops()).isEqualTo(2);
        assertThat(config.switchContext().burstSize()).isEqualTo(32);
        assertThat(config.switchContext().ageingTimeNs()).isEqualTo(TimeUnit.SECONDS.toNanos(60));
        assertThat(config.switchContext().macLimit()).isEqualTo(1000);
        assertThat(config.switchContext().busyPollNs()).isEqualTo(TimeUnit.MICROSECONDS.toNanos(200));
        final var a0 = config.ports().get(0).common();
        assertThat(a0.vlanRules().mode()).isEqualTo(VlanMode.ACCESS);
        assertThat(a0.vlanRules().accessVlan()).isEqualTo(10);
        assertThat(a0.mtu()).isEqualTo(9000);
        assertThat(a0.mac()).isEqualTo(0x0200_0000_0001L);
        assertThat(a0.macLimit()).isEqualTo(50);
        assertThat(a0.offloads()).isTrue();
        final var t0 = config.ports().get(1).common();
        assertThat(t0.vlanRules().vlans()).containsExactly(1, 10, 20, 21, 22);
        assertThat(t0.vlanRules().egressTagged(1)).isFalse();
        assertThat(t0.offloads()).isFalse();
        assertThat(t0.persistent()).isTrue();
        assertThat(t0.macLimit()).isEqualTo(MacLimits.UNLIMITED);
        assertThat(config.staticMacs()).singleElement()
            .isEqualTo(new StaticMacConfig(0x0200_0000_0099L, 10, "a0"));
    }

    @Test
    void shouldReadUnixPortsAndWriteThemBackUnchanged()
    {
        final String text = """
            ports:
              - name: vm1
                type: unix
                path: /run/l2mesh/vm1.sock
                vlan: 10
              - name: vm2
                type: unix
                path: /run/l2mesh/vm2.sock
                framing: dgram
                socket-mode: "0666"
                mtu: 9000
                mode: trunk
                allowed-vlans: [10, 20]
            """;
        final L2meshConfig config = ConfigFile.parse("unix.yaml", text);
        final UnixPortSpec vm1 = config.ports().get(0).unixSpec();
        assertThat(vm1.path()).isEqualTo(Path.of("/run/l2mesh/vm1.sock"));
        assertThat(vm1.framing()).isEqualTo(UnixPortSpec.Framing.STREAM);
        assertThat(vm1.fileMode()).isEqualTo(0660);
        assertThat(vm1.mtu()).isEqualTo(1500);
        assertThat(vm1.vlanRules().accessVlan()).isEqualTo(10);
        final UnixPortSpec vm2 = config.ports().get(1).unixSpec();
        assertThat(vm2.framing()).isEqualTo(UnixPortSpec.Framing.DGRAM);
        assertThat(vm2.fileMode()).isEqualTo(0666);
        assertThat(vm2.mtu()).isEqualTo(9000);
        assertThat(vm2.vlanRules().vlans()).containsExactly(10, 20);

        final L2meshConfig again = ConfigFile.parse("written.yaml", ConfigWriter.toYaml(config));
        assertThat(again.ports()).isEqualTo(config.ports());
    }

    @Test
    void shouldReadVxlanPortAndWriteItBackUnchanged()
    {
        final String text = """
            ports:
              - name: vx0
                type: vxlan
                local: 198.18.70.2
                vni: 42
                remotes: [198.18.70.1, "198.18.70.3:8472"]
              - name: vx6
                type: vxlan
                local: "[fd00::2]:4790"
                vni: 7
                remotes: ["fd00::1"]
                mtu: 1400
            """;
        final L2meshConfig config = ConfigFile.parse("vxlan.yaml", text);
        final var vx0 = config.ports().get(0).vxlanSpec();
        assertThat(vx0.local()).isEqualTo(new InetSocketAddress("198.18.70.2", 4789));
        assertThat(vx0.vni()).isEqualTo(42);
        assertThat(vx0.remotes()).containsExactly(new InetSocketAddress("198.18.70.1", 4789),
            new InetSocketAddress("198.18.70.3", 8472));
        assertThat(vx0.mtu()).isEqualTo(1450);
        final var vx6 = config.ports().get(1).vxlanSpec();
        assertThat(vx6.local()).isEqualTo(new InetSocketAddress("fd00::2", 4790));
        assertThat(vx6.mtu()).isEqualTo(1400);

        final L2meshConfig again = ConfigFile.parse("written.yaml", ConfigWriter.toYaml(config));
        assertThat(again.ports()).isEqualTo(config.ports());
    }

    @Test
    void shouldRefuseBadVxlanSettings()
    {
        assertRefused("ports:\n  - name: vx0\n    type: vxlan\n    local: 198.18.0.1\n    remotes: [198.18.0.2]\n",
            "bad.yaml:2: ports[0]: a vxlan port needs a vni (0..16777215)");
        assertRefused("ports:\n  - name: vx0\n    type: vxlan\n    local: 198.18.0.1\n    vni: 1\n",
            "bad.yaml:2: ports[0]: a vxlan port needs remotes: a list of 1..64 VTEP addresses like " +
            "[198.18.0.2, \"198.18.0.3:4789\"]");
        assertRefused("ports:\n  - name: vx0\n    type: vxlan\n    local: vtep.example\n    vni: 1\n" +
            "    remotes: [198.18.0.2]\n",
            "bad.yaml:4: ports[0].local: 'vtep.example' is not an IP address (names are not resolved)");
        assertRefused("ports:\n  - name: vx0\n    type: vxlan\n    local: 198.18.0.1:70000\n    vni: 1\n" +
            "    remotes: [198.18.0.2]\n",
            "bad.yaml:4: ports[0].local: '198.18.0.1:70000': port must be 1..65535");
        assertRefused("ports:\n  - name: vx0\n    type: vxlan\n    local: 198.18.0.1\n    vni: 1\n" +
            "    remotes: [\"fd00::2\"]\n",
            "bad.yaml:6: ports[0].remotes[0]: fd00:0:0:0:0:0:0:2 is not of the local address's family (198.18.0.1)");
        assertRefused("ports:\n  - name: a0\n    vni: 3\n", "bad.yaml:3: ports[0].vni: only vxlan ports have 'vni'");
    }

    @Test
    void shouldReadTunnelPortWithKeyFilesAndWriteItBack(@org.junit.jupiter.api.io.TempDir final Path dir)
        throws Exception
    {
        final io.l2mesh.tunnel.noise.KeyPair node = io.l2mesh.tunnel.noise.KeyPair.generate();
        final io.l2mesh.tunnel.noise.KeyPair peer = io.l2mesh.tunnel.noise.KeyPair.generate();
        final Path key = secret(dir.resolve("node.key"), node.privateBase64());
        final Path psk = secret(dir.resolve("b.psk"), io.l2mesh.tunnel.noise.KeyPair.generate().privateBase64());
        final String text = """
            ports:
              - name: mesh0
                type: tunnel
                listen: 198.18.80.1
                private-key-file: %s
                cipher: chachapoly
                keepalive: 2
                peers:
                  - name: b
                    public-key: %s
                    endpoint: "198.18.80.2:51999"
                    preshared-key-file: %s
                  - name: c
                    public-key: %s
            """.formatted(key, peer.publicBase64(), psk, io.l2mesh.tunnel.noise.KeyPair.generate().publicBase64());
        final L2meshConfig config = ConfigFile.parse("tunnel.yaml", text);
        final var spec = config.ports().get(0).tunnelSpec();
        assertThat(spec.local()).isEqualTo(new InetSocketAddress("198.18.80.1", 51820));
        assertThat(spec.identity().publicBase64()).isEqualTo(node.publicBase64());
        assertThat(spec.suite()).isEqualTo(io.l2mesh.tunnel.noise.CipherSuite.CHACHAPOLY);
        assertThat(spec.keepaliveSeconds()).isEqualTo(2);
        assertThat(spec.mtu()).isEqualTo(1380);
        assertThat(spec.peers()).hasSize(2);
        assertThat(spec.peers().get(0).endpoint()).isEqualTo(new InetSocketAddress("198.18.80.2", 51999));
        assertThat(spec.peers().get(0).presharedKey()).hasSize(32);
        assertThat(spec.peers().get(1).endpoint()).isNull();
        final String written = ConfigWriter.toYaml(config);
        assertThat(written).doesNotContain(node.privateBase64()).contains(key.toString());
        assertThat(ConfigFile.parse("written.yaml", written).ports()).isEqualTo(config.ports());

        java.nio.file.Files.setPosixFilePermissions(key, java.nio.file.attribute.PosixFilePermissions.fromString(
            "rw-r--r--"));
        assertThatThrownBy(() -> ConfigFile.parse("tunnel.yaml", text)).hasMessageContaining(
            "tunnel.yaml:5: ports[0].private-key-file: " + key + ": mode 0644 lets group or others at it; chmod 600");
        assertRefused(text.replace(peer.publicBase64(), "c2hvcnQ="),
            "bad.yaml:5: ports[0].private-key-file: " + key + ": mode 0644 lets group or others at it; chmod 600 it " +
            "(it holds a secret key)");
    }

    @Test
    void shouldReadAllowedMacsAndMacLimitsOfPeersAndWriteThemBack(@org.junit.jupiter.api.io.TempDir final Path dir)
        throws Exception
    {
        final Path key = secret(dir.resolve("node.key"), io.l2mesh.tunnel.noise.KeyPair.generate().privateBase64());
        final String peerKey = io.l2mesh.tunnel.noise.KeyPair.generate().publicBase64();
        final String text = """
            ports:
              - name: mesh0
                type: tunnel
                listen: 198.18.80.1
                private-key-file: %s
                peers:
                  - name: b
                    public-key: %s
                    allowed-macs: ["02:00:00:00:00:0b", "02:00:00:00:00:0a"]
                    mac-limit: 16
            """.formatted(key, peerKey);
        final L2meshConfig config = ConfigFile.parse("tunnel.yaml", text);
        final io.l2mesh.tunnel.PeerSpec peer = config.ports().get(0).tunnelSpec().peers().get(0);
        assertThat(peer.allowedMacs()).containsExactly(0x0200_0000_000aL, 0x0200_0000_000bL);
        assertThat(peer.macLimit()).isEqualTo(16);
        assertThat(peer.allows(0x0200_0000_000bL)).isTrue();
        assertThat(peer.allows(0x0200_0000_000cL)).isFalse();
        final String written = ConfigWriter.toYaml(config);
        assertThat(written).contains("allowed-macs").contains("02:00:00:00:00:0b").contains("mac-limit: 16");
        assertThat(ConfigFile.parse("written.yaml", written).ports()).isEqualTo(config.ports());
        final String plain = text.lines().filter(l -> !l.contains("allowed-macs") && !l.contains("mac-limit"))
            .collect(java.util.stream.Collectors.joining("\n", "", "\n"));
        final io.l2mesh.tunnel.PeerSpec open = ConfigFile.parse("plain.yaml", plain).ports().get(0).tunnelSpec()
            .peers().get(0);
        assertThat(open.macLimit()).isEqualTo(io.l2mesh.tunnel.PeerSpec.DEFAULT_MAC_LIMIT);
        assertThat(open.allowedMacs()).as("any MAC").isNull();

        final String multicast = text.replace("02:00:00:00:00:0a", "01:00:5e:00:00:01");
        assertThatThrownBy(() -> ConfigFile.parse("tunnel.yaml", multicast))
            .hasMessageContaining("tunnel.yaml:9: ports[0].peers[0].allowed-macs[1]: MAC 01:00:5e:00:00:01 is a " +
                "multicast address");
        final String twice = text.replace("02:00:00:00:00:0a", "02:00:00:00:00:0b");
        assertThatThrownBy(() -> ConfigFile.parse("tunnel.yaml", twice))
            .hasMessageContaining("lists 02:00:00:00:00:0b twice");
        assertThatThrownBy(() -> ConfigFile.parse("tunnel.yaml", text.replace("mac-limit: 16", "mac-limit: 0")))
            .hasMessageContaining("mac-limit");
        assertThatThrownBy(() -> ConfigFile.parse("tunnel.yaml", text.replace("[\"02:00:00:00:00:0b\", " +
            "\"02:00:00:00:00:0a\"]", "[]"))).hasMessageContaining("must be a list of 1 to 1024 unicast MACs");
    }

    @Test
    void shouldReadRelaysAndDnsEndpointsAndWriteThemBack(@org.junit.jupiter.api.io.TempDir final Path dir)
        throws Exception
    {
        final Path key = secret(dir.resolve("node.key"), io.l2mesh.tunnel.noise.KeyPair.generate().privateBase64());
        final String peerKey = io.l2mesh.tunnel.noise.KeyPair.generate().publicBase64();
        final String text = """
            ports:
              - name: mesh0
                type: tunnel
                listen: 0.0.0.0
                private-key-file: %s
                relay: {pair-mbps: 50}
                peers:
                  - name: home
                    public-key: %s
                    endpoint: home.example.net:51821
                    relay: true
            """.formatted(key, peerKey);
        final L2meshConfig config = ConfigFile.parse("tunnel.yaml", text);
        final io.l2mesh.tunnel.TunnelPortSpec spec = config.ports().get(0).tunnelSpec();
        assertThat(spec.relay()).isEqualTo(new io.l2mesh.tunnel.RelaySpec(true, 50));
        final io.l2mesh.tunnel.PeerSpec peer = spec.peers().get(0);
        assertThat(peer.relay()).isTrue();
        assertThat(peer.endpoint().isUnresolved()).as("looked up by the tunnel port, not here").isTrue();
        assertThat(peer.endpoint().getHostString()).isEqualTo("home.example.net");
        assertThat(peer.endpoint().getPort()).isEqualTo(51821);
        final String written = ConfigWriter.toYaml(config);
        assertThat(written).contains("home.example.net:51821", "pair-mbps: 50");
        assertThat(ConfigFile.parse("written.yaml", written).ports()).isEqualTo(config.ports());
        assertThat(ConfigFile.parse("on.yaml", text.replace("relay: {pair-mbps: 50}", "relay: true")).ports()
            .get(0).tunnelSpec().relay()).isEqualTo(io.l2mesh.tunnel.RelaySpec.ON);

        assertThatThrownBy(() -> ConfigFile.parse("tunnel.yaml", text.replace("home.example.net", "-bad-.net")))
            .hasMessageContaining("tunnel.yaml:10: ports[0].peers[0].endpoint: '-bad-.net:51821' is not an IP " +
                "address or a DNS name");
        assertThatThrownBy(() -> ConfigFile.parse("tunnel.yaml", text.replace("pair-mbps: 50", "pair-mbps: 0")))
            .hasMessageContaining("pair-mbps");
        assertThatThrownBy(() -> ConfigFile.parse("tunnel.yaml", text.replace("relay: {pair-mbps: 50}",
            "relay: yes-please"))).hasMessageContaining("true, false or {pair-mbps: N}");
    }

    private static Path secret(final Path file, final String content) throws Exception
    {
        java.nio.file.Files.writeString(file, content + "\n");
        java.nio.file.Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString(
            "rw-------"));
        return file;
    }

    @Test
    void shouldLoadEmbeddedDefaultWithTwoTapPorts()
    {
        final L2meshConfig config = ConfigFile.loadDefault();
        assertThat(config.ports()).extracting(PortConfig::name).containsExactly("l2m0", "l2m1");
        assertThat(config.switchContext().loops()).isEqualTo(Runtime.getRuntime().availableProcessors());
    }

    private static void assertRefused(final String yaml, final String message)
    {
        assertThatThrownBy(() -> ConfigFile.parse("bad.yaml", yaml))
            .isInstanceOf(ConfigException.class)
            .hasMessage(message);
    }

    @Test
    void shouldRefuseOutOfRangeVlanWithLine()
    {
        assertRefused("""
            ports:
              - name: a0
              - name: a1
                vlan: 5000
            """, "bad.yaml:4: ports[1].vlan: 5000 out of range 1..4094");
    }

    @Test
    void shouldRefuseUnknownKeyWithLineListingOnlyTheKeysOfThatPortKind()
    {
        assertRefused("""
            ports:
              - name: a0
                vlna: 3
            """, "bad.yaml:3: ports[0].vlna: unknown key 'vlna' (expected one of [allowed-vlans, enabled, mac, " +
            "mac-limit, mode, mtu, name, native-vlan, offloads, persistent, queues, storm-control, type, vlan])");
        assertRefused("""
            ports:
              - name: vm1
                type: unix
                path: /run/vm1.sock
                framming: dgram
            """, "bad.yaml:5: ports[0].framming: unknown key 'framming' (expected one of [allowed-vlans, enabled, " +
            "framing, mac-limit, mode, mtu, name, native-vlan, path, socket-mode, storm-control, type, vlan])");
        assertRefused("switch:\n  loop: 2\nports:\n  - name: a0\n", "bad.yaml:2: switch.loop: unknown key 'loop' " +
            "(expected one of [ageing-time, burst, busy-poll-us, loops, mac-limit])");
        assertRefused("ports:\n  - name: a0\n    vni: 3\n", "bad.yaml:3: ports[0].vni: only vxlan ports have 'vni'");
        assertRefused("ports:\n  - name: a0\n    listen: 198.18.0.1\n",
            "bad.yaml:3: ports[0].listen: only tunnel ports have 'listen'");
    }

    @Test
    void shouldRefuseBrokenYamlWithLine()
    {
        assertThatThrownBy(() -> ConfigFile.parse("bad.yaml", "ports:\n  - name: a0\n   vlan: [1\n"))
            .isInstanceOf(ConfigException.class)
            .hasMessageStartingWith("bad.yaml:3: not valid YAML");
    }

    @Test
    void shouldRefuseDuplicateKey()
    {
        assertThatThrownBy(() -> ConfigFile.parse("bad.yaml", "ports:\n  - name: a0\n    name: a1\n"))
            .isInstanceOf(ConfigException.class)
            .hasMessageContaining("bad.yaml:3")
            .hasMessageContaining("Duplicate field 'name'");
    }

    @Test
    void shouldRefuseBadValues()
    {
        assertRefused("ports:\n  - name: a0\n    mtu: big\n", "bad.yaml:3: ports[0].mtu: 'big' is not a whole number");
        assertRefused("ports:\n  - name: a0\n    mtu: 20\n", "bad.yaml:3: ports[0].mtu: 20 out of range 68..65521");
        assertRefused("ports:\n  - name: a0\n    offloads: maybe\n",
            "bad.yaml:3: ports[0].offloads: 'maybe' is not true or false");
        assertRefused("ports:\n  - name: a0\n    mac: 01:00:5e:00:00:01\n",
            "bad.yaml:3: ports[0].mac: MAC 01:00:5e:00:00:01 is a multicast address");
        assertRefused("ports:\n  - name: a0\n    mac: 02:00\n",
            "bad.yaml:3: ports[0].mac: invalid MAC '02:00' (expected aa:bb:cc:dd:ee:ff)");
        assertRefused("ports:\n  - name: a-very-long-interface-name\n",
            "bad.yaml:2: ports[0].name: interface name 'a-very-long-interface-name' is 26 characters, limit=15");
        assertRefused("switch:\n  burst: 0\nports:\n  - name: a0\n",
            "bad.yaml:2: switch.burst: 0 out of range 1..1024");
        assertRefused("switch:\n  busy-poll-us: -5\nports:\n  - name: a0\n",
            "bad.yaml:2: switch.busy-poll-us: -5 out of range 0..10000000");
        assertRefused("ports:\n  - name: a0\n    type: wireguard\n",
            "bad.yaml:3: ports[0].type: unknown port type 'wireguard' (supported: tap, raw, unix, vxlan, " +
            "tunnel)");
        assertRefused("ports:\n  - name: a0\n    type: vxlan\n", "bad.yaml:2: ports[0]: 'local' is required");
        assertRefused("ports:\n  - name: veth0\n    type: raw\n    mtu: 9000\n",
            "bad.yaml:4: ports[0].mtu: a raw port takes no 'mtu': it uses its interface's (set it there)");
        assertRefused("ports:\n  - name: vm1\n    type: unix\n    path: vm1.sock\n",
            "bad.yaml:4: ports[0].path: socket path 'vm1.sock' must be absolute and at most 107 bytes (it is 8)");
        assertRefused("ports:\n  - name: vm1\n    type: unix\n    path: /run/vm1.sock\n    framing: pipe\n",
            "bad.yaml:5: ports[0].framing: unknown framing 'pipe' (expected dgram or stream, as in QEMU's -netdev)");
        assertRefused("ports:\n  - name: vm1\n    type: unix\n    path: /run/vm1.sock\n    queues: 2\n",
            "bad.yaml:5: ports[0].queues: a unix port is not a TAP device and takes no 'queues'");
        assertRefused("ports:\n  - name: a0\n    path: /run/a0.sock\n",
            "bad.yaml:3: ports[0].path: only unix ports have 'path'");
        assertRefused("ports:\n  - name: vm1\n    type: unix\n    path: /run/vm1.sock\n    socket-mode: \"0400\"\n",
            "bad.yaml:5: ports[0].socket-mode: 0400 must be 0600..0777 and let the owner read and write");
        assertRefused("ports:\n  - name: veth0\n    type: raw\n    mode: trunk\n    allowed-vlans: [5]\n",
            "bad.yaml:4: ports[0].mode: a raw port must be an access port (the kernel removes 802.1Q tags before " +
            "an AF_PACKET socket sees a frame)");
    }

    @Test
    void shouldRefuseInconsistentVlanSettings()
    {
        assertRefused("ports:\n  - name: a0\n    allowed-vlans: [2]\n",
            "bad.yaml:3: ports[0].allowed-vlans: only trunk ports have allowed-vlans");
        assertRefused("ports:\n  - name: t0\n    mode: trunk\n",
            "bad.yaml:2: ports[0]: a trunk port needs allowed-vlans or a native-vlan");
        assertRefused("ports:\n  - name: t0\n    mode: trunk\n    allowed-vlans: [10, 4095]\n",
            "bad.yaml:4: ports[0].allowed-vlans[1]: VLAN=4095 out of range 1..4094");
        assertRefused("ports:\n  - name: t0\n    mode: hybrid\n",
            "bad.yaml:3: ports[0].mode: unknown mode 'hybrid' (expected access or trunk)");
    }

    @Test
    void shouldReadMetricsListenAndWriteItBack()
    {
        assertThat(ConfigFile.parse("m.yaml", "ports:\n  - name: a0\n").metrics()).as("off by default").isNull();
        final L2meshConfig config = ConfigFile.parse("m.yaml",
            "ports:\n  - name: a0\nmetrics:\n  listen: 127.0.0.1:9470\n");
        assertThat(config.metrics().listen()).isEqualTo(new java.net.InetSocketAddress("127.0.0.1", 9470));
        assertThat(ConfigFile.parse("w.yaml", ConfigWriter.toYaml(config)).metrics()).isEqualTo(config.metrics());
        final L2meshConfig v6 = ConfigFile.parse("m.yaml", "ports:\n  - name: a0\nmetrics:\n  listen: \"::1\"\n");
        assertThat(v6.metrics().listenText()).as("the default port").isEqualTo("[0:0:0:0:0:0:0:1]:9469");
        assertThat(ConfigFile.parse("w.yaml", ConfigWriter.toYaml(v6)).metrics()).isEqualTo(v6.metrics());

        assertRefused("ports:\n  - name: a0\nmetrics:\n  listen: localhost:9469\n",
            "bad.yaml:4: metrics.listen: 'localhost:9469' is not an IP address (names are not resolved)");
        assertRefused("ports:\n  - name: a0\nmetrics:\n  listen: 127.0.0.1:70000\n",
            "bad.yaml:4: metrics.listen: '127.0.0.1:70000': port must be 1..65535");
        assertRefused("ports:\n  - name: a0\nmetrics:\n  port: 9469\n",
            "bad.yaml:4: metrics.port: unknown key 'port' (expected one of [listen])");
        assertRefused("ports:\n  - name: a0\nmetrics: {}\n", "bad.yaml:3: metrics: 'listen' is required");
    }

    @Test
    void shouldReadControlSocketSettings()
    {
        final L2meshConfig config = ConfigFile.parse("c.yaml",
            "ports:\n  - name: a0\ncontrol:\n  socket: /tmp/x/l2.sock\n  mode: \"0600\"\n  group: adm\n");
        assertThat(config.control()).isEqualTo(new ControlConfig(java.nio.file.Path.of("/tmp/x/l2.sock"), 0600, "adm"));
        assertThat(ConfigFile.parse("c.yaml", "ports:\n  - name: a0\n").control()).isEqualTo(ControlConfig.defaults());
        assertThat(ConfigFile.parse("c.yaml", "ports:\n  - name: a0\ncontrol:\n  admin-group: adm\n" +
            "  monitor-group: staff\n").control()).isEqualTo(new ControlConfig(ControlConfig.SOCKET_DEFAULT, 0660,
            "adm", "staff"));
        assertRefused("ports:\n  - name: a0\ncontrol:\n  group: adm\n  admin-group: wheel\n",
            "bad.yaml:5: control.admin-group: 'wheel' differs from control.group 'adm' (the same setting: give one " +
            "of them)");
        assertRefused("ports:\n  - name: a0\ncontrol:\n  group: adm\n  monitor-group: adm\n",
            "bad.yaml:5: control.monitor-group: 'adm' is the admin group too; the monitor group is for read-only " +
            "users");
        assertRefused("ports:\n  - name: a0\ncontrol:\n  mode: \"rw\"\n",
            "bad.yaml:4: control.mode: 'rw' is not an octal file mode like \"0660\"");
        assertRefused("ports:\n  - name: a0\ncontrol:\n  mode: \"0400\"\n",
            "bad.yaml:4: control.mode: 0400 must be 0600..0777 and let the owner read and write");
        assertRefused("ports:\n  - name: a0\ncontrol:\n  socket: relative.sock\n",
            "bad.yaml:4: control.socket: 'relative.sock' must be an absolute path of at most 107 bytes");
    }

    @Test
    void shouldRefuseMissingOrDuplicatePorts()
    {
        assertRefused("", "bad.yaml:1: the file is empty; it needs at least 'ports:'");
        assertRefused("switch:\n  loops: 1\n", "bad.yaml:1: 'ports' must be a list with at least one port");
        assertRefused("ports:\n  - name: a0\n  - name: a0\n",
            "bad.yaml:3: ports[1].name: port name 'a0' is used twice");
        assertRefused("ports:\n  - vlan: 3\n", "bad.yaml:2: ports[0]: 'name' is required");
        assertRefused("ports:\n  - name: a0\nstatic-macs:\n  - mac: 02:00:00:00:00:01\n    port: zz\n",
            "bad.yaml:5: static-macs[0].port: no port named 'zz' (ports: [a0])");
    }
}
