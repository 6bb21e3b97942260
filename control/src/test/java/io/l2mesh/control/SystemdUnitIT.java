package io.l2mesh.control;

import io.l2mesh.testkit.Cmd;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * examples/systemd/l2mesh.service, checked by systemd's own tools without a running systemd: {@code verify} on a
 * copy whose ExecStart points at this tree, and {@code security --offline=yes}, whose exposure score must stay at
 * 4.0 or better (docs/deployment.md records it).
 */
@Timeout(60)
class SystemdUnitIT
{
    private static final Path TREE = Path.of(DaemonProcess.LAUNCHER).getParent().getParent();
    private static final Pattern SCORE = Pattern.compile("Overall exposure level for l2mesh.service: ([0-9.]+)");

    @TempDir
    Path dir;

    private Path unit() throws Exception
    {
        final String text = Files.readString(TREE.resolve("examples/systemd/l2mesh.service"))
            .replace("/opt/l2mesh", TREE.toString());
        return Files.writeString(dir.resolve("l2mesh.service"), text);
    }

    @Test
    void shouldVerifyCleanly() throws Exception
    {
        final Cmd.Result verify = Cmd.run(30_000, "systemd-analyze", "verify", unit().toString());
        assertThat(verify.exitCode()).as(verify.output()).isZero();
        assertThat(verify.output()).as("no warnings").isBlank();
    }

    @Test
    void shouldRunUnprivilegedAndScoreFourOrBetter() throws Exception
    {
        final Path unit = unit();
        assertThat(Files.readString(unit)).contains("User=l2mesh", "AmbientCapabilities=CAP_NET_ADMIN CAP_NET_RAW",
            "CapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_RAW", "NoNewPrivileges=yes", "ProtectSystem=strict",
            "ProtectHome=yes", "PrivateTmp=yes", "RuntimeDirectory=l2mesh", "RuntimeDirectoryMode=0750",
            "StateDirectory=l2mesh", "ReadWritePaths=/etc/l2mesh",
            "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK AF_PACKET", "SystemCallArchitectures=native");
        final Cmd.Result security = Cmd.run(30_000, "systemd-analyze", "security", "--offline=yes", unit.toString());
        final Matcher m = SCORE.matcher(security.output());
        assertThat(m.find()).as(security.output()).isTrue();
        assertThat(Double.parseDouble(m.group(1))).as(security.output()).isLessThanOrEqualTo(4.0);
    }
}
