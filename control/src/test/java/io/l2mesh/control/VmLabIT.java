package io.l2mesh.control;

import io.l2mesh.testkit.Cmd;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/**
 * The vm-lab example end to end: two real QEMU VMs (Debian's kernel, a busybox initramfs, software emulation)
 * attached through a {@code -netdev stream} and a {@code -netdev dgram} unix port, and a namespace on a raw port,
 * ping each other. Skips only when qemu-system-x86_64 cannot be installed. Needs root.
 */
@Timeout(300)
class VmLabIT
{
    private static final Path RUN_SH =
        Path.of("..", "examples", "vm-lab", "run.sh").toAbsolutePath().normalize();

    @Test
    void shouldBootTwoVmsOnUnixPortsThatPingEachOtherAndANamespace()
    {
        final String prefix = "vl" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000_0000, 0x7fff_ffff));
        try
        {
            final Cmd.Result result = Cmd.run(240_000, "env", "VMLAB_PREFIX=" + prefix, RUN_SH.toString());
            assumeFalse(result.exitCode() == 3 && result.output().contains("cannot be installed"),
                "qemu-system-x86_64 cannot be installed here: " + result.output());
            assertThat(result.exitCode()).as(result.output()).isZero();
            assertThat(result.output()).contains(
                "vm1: VMLAB PING OK 198.18.50.3",
                "vm2: VMLAB PING OK 198.18.50.1",
                "vm2: VMLAB PING OK 198.18.50.3",
                prefix + "-ns: ping 198.18.50.1 OK",
                prefix + "-ns: ping 198.18.50.2 OK");
            assertThat(result.output().lines().filter(l -> l.contains("(VM attached)"))).hasSize(2);
        }
        finally
        {
            // run.sh cleans up after itself; this is for a run killed at the timeout.
            Cmd.run(10_000, "pkill", "-f", "run/l2mesh/" + prefix + "/");
            Cmd.run(10_000, "ip", "netns", "del", prefix + "-ns");
            Cmd.run(10_000, "ip", "link", "del", prefix + "-v0");
            Cmd.run(10_000, "rm", "-rf", "/run/l2mesh/" + prefix);
        }
    }
}
