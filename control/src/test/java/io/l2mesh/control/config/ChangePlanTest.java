package io.l2mesh.control.config;

import io.l2mesh.control.SwitchBuilder;
import io.l2mesh.switching.Switch;
import io.l2mesh.switching.SwitchContext;
import io.l2mesh.switching.port.Port;
import io.l2mesh.switching.vlan.VlanRules;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What {@link ChangePlan} plans between two configs, and that applying one is all or nothing. Unix ports need no
 * root, so the undo runs here against real ports.
 */
class ChangePlanTest
{
    private final Switch sw = Switch.start(new SwitchContext().loops(1));

    @AfterEach
    void close()
    {
        sw.close();
    }

    private static L2meshConfig parse(final String yaml)
    {
        return ConfigFile.parse("t.yaml", yaml);
    }

    @Test
    void shouldChangeVlanMacLimitAndStateInPlace()
    {
        final L2meshConfig from = parse("ports:\n  - name: a\n  - name: b\n");
        final L2meshConfig to = parse("ports:\n  - name: a\n    vlan: 7\n    mac-limit: 3\n    enabled: false\n" +
            "  - name: b\n");
        assertThat(ChangePlan.between(sw, from, to).changes())
            .containsExactly("set port a access vlan 7", "set port a mac-limit 3", "set port a down");
    }

    @Test
    void shouldSetStormControlInPlaceAndWriteItBack()
    {
        final L2meshConfig from = parse("ports:\n  - name: a\n");
        final L2meshConfig to = parse("ports:\n  - name: a\n    storm-control: {broadcast: 100, unknown-unicast: 5}\n");
        assertThat(ChangePlan.between(sw, from, to).changes()).containsExactly(
            "set port a storm-control broadcast 100/s multicast 0/s unknown-unicast 5/s");
        assertThat(ConfigFile.parse("w.yaml", ConfigWriter.toYaml(to)).ports()).isEqualTo(to.ports());
        assertThatThrownBy(() -> parse("ports:\n  - name: a\n    storm-control: {broadcast: -1}\n"))
            .hasMessageContaining("ports[0].storm-control.broadcast");
    }

    @Test
    void shouldRecreatePortWhenDeviceSettingsOrTypeChange()
    {
        final L2meshConfig from = parse("ports:\n  - name: a\n  - name: b\n");
        assertThat(ChangePlan.between(sw, from, parse("ports:\n  - name: a\n    mtu: 9000\n  - name: b\n")).changes())
            .containsExactly("re-create port a");
        assertThat(ChangePlan.between(sw, from, parse("ports:\n  - name: a\n    type: raw\n  - name: b\n")).changes())
            .containsExactly("re-create port a");
    }

    @Test
    void shouldAddAndRemovePortsAndStaticMacsAndNoteRestartOnlySettings()
    {
        final L2meshConfig from = parse("ports:\n  - name: a\n  - name: b\n");
        final L2meshConfig to = parse("switch:\n  burst: 8\n  mac-limit: 10\nports:\n  - name: a\n  - name: c\n" +
            "static-macs:\n  - {mac: \"02:00:00:00:00:01\", vlan: 1, port: a}\n");
        final ChangePlan plan = ChangePlan.between(sw, from, to);
        assertThat(plan.changes()).containsExactly("set switch mac-limit 10", "remove port b", "add port c",
            "add static mac 02:00:00:00:00:01");
        assertThat(plan.notes())
            .containsExactly("switch loops, burst, ageing-time and busy-poll-us take effect at the next start");
        assertThat(ChangePlan.between(sw, from, from).changes()).isEmpty();
    }

    @Test
    void shouldUndoEveryDoneStepWhenALaterStepFails(@TempDir final Path dir) throws Exception
    {
        final Path notADirectory = Files.writeString(dir.resolve("file"), "x");
        final String unix = "    type: unix\n    path: %s\n";
        final L2meshConfig from = parse("switch:\n  loops: 1\nports:\n  - name: u1\n" +
            unix.formatted(dir.resolve("u1.sock")) + "  - name: u4\n" + unix.formatted(dir.resolve("u4.sock")));
        final L2meshConfig to = parse("switch:\n  loops: 1\nports:\n  - name: u1\n    vlan: 5\n" +
            unix.formatted(dir.resolve("u1.sock")) + "  - name: u3\n" + unix.formatted(dir.resolve("u3.sock")) +
            "  - name: u2\n" + unix.formatted(notADirectory.resolve("u2.sock")));
        try (Switch running = SwitchBuilder.start(from))
        {
            final ChangePlan plan = ChangePlan.between(running, from, to);
            assertThat(plan.changes()).containsExactly("remove port u4", "set port u1 access vlan 5", "add port u3",
                "add port u2");

            assertThatThrownBy(plan::apply).hasMessageStartingWith("add port u2 failed: ")
                .hasMessageEndingWith("(nothing was changed)");

            assertThat(running.ports().ports()).extracting(Port::name).containsExactlyInAnyOrder("u1", "u4");
            assertThat(running.ports().byName("u1").vlanRules()).isEqualTo(VlanRules.access(1));
            assertThat(dir.resolve("u3.sock")).as("the added port was removed again").doesNotExist();
            assertThat(dir.resolve("u4.sock")).as("the removed port serves again").exists();
        }
    }

    @Test
    void shouldChangeTunnelPeersInPlaceAndKeepTheOthers(@TempDir final Path dir) throws Exception
    {
        final io.l2mesh.tunnel.noise.KeyPair node = io.l2mesh.tunnel.noise.KeyPair.generate();
        final Path key = dir.resolve("node.key");
        Files.writeString(key, node.privateBase64());
        Files.setPosixFilePermissions(key, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        final String b = io.l2mesh.tunnel.noise.KeyPair.generate().publicBase64();
        final String c = io.l2mesh.tunnel.noise.KeyPair.generate().publicBase64();
        final String d = io.l2mesh.tunnel.noise.KeyPair.generate().publicBase64();
        final String port = "state-dir: %s\nports:\n  - name: t0\n    type: tunnel\n    listen: 127.0.0.1:%d\n" +
            "    private-key-file: %s\n    peers:\n";
        final String head = port.formatted(dir, io.l2mesh.testkit.UdpPorts.free(), key);
        final L2meshConfig from = parse(head + "      - {name: b, public-key: \"" + b + "\"}\n" +
            "      - {name: c, public-key: \"" + c + "\", endpoint: \"127.0.0.1:9\"}\n");
        final L2meshConfig to = parse(head + "      - {name: d, public-key: \"" + d + "\"}\n" +
            "      - {name: b, public-key: \"" + b + "\", fec: {k: 4, m: 1}}\n");
        final L2meshConfig moved = parse(head +
            "      - {name: d, public-key: \"" + d + "\", endpoint: \"127.0.0.1:7\"}\n" +
            "      - {name: b, public-key: \"" + b + "\", fec: {k: 4, m: 1}}\n");
        try (Switch running = SwitchBuilder.start(from))
        {
            final io.l2mesh.tunnel.TunnelPort tunnel = (io.l2mesh.tunnel.TunnelPort)running.ports().byName("t0");
            final ChangePlan plan = ChangePlan.between(running, from, to);
            assertThat(plan.changes()).containsExactly("remove port t0 peer c", "add port t0 peer d",
                "set port t0 peer b fec (4, 1)");
            plan.apply();
            assertThat(running.ports().byName("t0")).as("the port is the same port").isSameAs(tunnel);
            assertThat(tunnel.peerStatus()).extracting(io.l2mesh.tunnel.PeerStatus::name)
                .containsExactly("b", "d");
            assertThat(tunnel.fecFor("b").toString()).isEqualTo("fec (4, 1)");

            assertThat(ChangePlan.between(running, to, moved).changes()).containsExactly("replace port t0 peer d");
            ChangePlan.between(running, to, moved).apply();
            assertThat(tunnel.peerSpec("d").endpoint()).isEqualTo(new java.net.InetSocketAddress("127.0.0.1", 7));
            assertThat(running.ports().byName("t0")).isSameAs(tunnel);
        }
    }
}
