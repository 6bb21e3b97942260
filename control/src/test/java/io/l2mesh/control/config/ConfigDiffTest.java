package io.l2mesh.control.config;

import io.l2mesh.switching.Switch;
import io.l2mesh.switching.SwitchContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What {@link ConfigDiff} plans between two configs (planning only: nothing is applied, so no root is needed).
 */
class ConfigDiffTest
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
        assertThat(ConfigDiff.between(sw, from, to).changes())
            .containsExactly("set port a access vlan 7", "set port a mac-limit 3", "set port a down");
    }

    @Test
    void shouldRecreatePortWhenDeviceSettingsOrTypeChange()
    {
        final L2meshConfig from = parse("ports:\n  - name: a\n  - name: b\n");
        assertThat(ConfigDiff.between(sw, from, parse("ports:\n  - name: a\n    mtu: 9000\n  - name: b\n")).changes())
            .containsExactly("re-create port a");
        assertThat(ConfigDiff.between(sw, from, parse("ports:\n  - name: a\n    type: raw\n  - name: b\n")).changes())
            .containsExactly("re-create port a");
    }

    @Test
    void shouldAddAndRemovePortsAndStaticMacsAndNoteRestartOnlySettings()
    {
        final L2meshConfig from = parse("ports:\n  - name: a\n  - name: b\n");
        final L2meshConfig to = parse("switch:\n  burst: 8\n  mac-limit: 10\nports:\n  - name: a\n  - name: c\n" +
            "static-macs:\n  - {mac: \"02:00:00:00:00:01\", vlan: 1, port: a}\n");
        final ConfigDiff diff = ConfigDiff.between(sw, from, to);
        assertThat(diff.changes()).containsExactly("set switch mac-limit 10", "remove port b", "add port c",
            "add static mac 02:00:00:00:00:01");
        assertThat(diff.notes())
            .containsExactly("switch loops, burst, ageing-time and busy-poll-us take effect at the next start");
        assertThat(ConfigDiff.between(sw, from, from).changes()).isEmpty();
    }
}
