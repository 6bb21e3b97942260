package io.l2mesh.control;

import io.l2mesh.control.config.ConfigFile;
import io.l2mesh.switching.Switch;
import io.l2mesh.switching.SwitchContext;
import io.l2mesh.switching.port.unix.UnixPortSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The one place ports are built from their settings; unix ports need no root, so its refusals are tested here.
 */
class PortFactoryTest
{
    @TempDir
    Path dir;

    private final Switch sw = Switch.start(new SwitchContext().loops(2));
    private final PortFactory factory = new PortFactory(sw);

    @AfterEach
    void close()
    {
        sw.close();
    }

    @Test
    void shouldRefuseASecondPortOnTheSamePathNamingTheFirst()
    {
        factory.unix(UnixPortSpec.access("vm1", dir.resolve("vm1.sock"), UnixPortSpec.Framing.STREAM, 1));
        assertThatThrownBy(() -> factory.unix(UnixPortSpec.access("vm9", dir.resolve("vm1.sock"),
            UnixPortSpec.Framing.DGRAM, 1))).hasMessageContaining("port vm1 already serves");
    }

    @Test
    void shouldRefuseANameInUseBeforeOpeningAnything()
    {
        factory.unix(UnixPortSpec.access("vm1", dir.resolve("vm1.sock"), UnixPortSpec.Framing.STREAM, 1));
        assertThatThrownBy(() -> factory.unix(UnixPortSpec.access("vm1", dir.resolve("other.sock"),
            UnixPortSpec.Framing.STREAM, 1))).hasMessageContaining("port 'vm1' exists already");
        assertThat(dir.resolve("other.sock")).as("no socket was bound for the refused port").doesNotExist();
    }

    @Test
    void shouldBuildWhatAConfigSaysAndStartADisabledPortDown()
    {
        final var config = ConfigFile.parse("t.yaml", """
            ports:
              - name: vm2
                type: unix
                framing: dgram
                path: %s
                vlan: 7
                mac-limit: 3
                enabled: false
            """.formatted(dir.resolve("vm2.sock")));
        final var port = factory.add(config.ports().get(0));
        assertThat(port.kind()).isEqualTo("unix-dgram");
        assertThat(port.adminUp()).isFalse();
        assertThat(sw.ports().byName("vm2")).isSameAs(port);
        assertThat(port.vlanRules().toString()).isEqualTo("access vlan 7");
    }
}
