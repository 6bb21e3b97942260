package io.l2mesh.control;

import io.l2mesh.testkit.Cmd;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The tunnel examples as users run them: two daemons in namespaces of their own, keys from keygen/pubkey, an
 * encrypted tunnel over a veth; and the etcd mesh of three nodes that find each other. Needs root (and etcd).
 */
@Timeout(240)
class ExamplesIT
{
    private static final Path EXAMPLES = Path.of("..", "examples").toAbsolutePath().normalize();

    @Test
    void shouldPingAcrossTheVpnOverlayAndComeBackAfterANodeIsKilled()
    {
        final Cmd.Result result = Cmd.run(120_000, "env", "PREFIX=ov" + ProcessHandle.current().pid() % 100_000,
            EXAMPLES.resolve("vpn-overlay/run.sh").toString(), "--restart");
        assertThat(result.exitCode()).as(result.output()).isZero();
        assertThat(result.output()).contains("3 packets transmitted, 3 received");
        assertThat(result.output()).containsPattern("mesh0 +b +config +direct 198\\.18\\.90\\.2:51820 +[0-9]+ +" +
            "198\\.18\\.90\\.2:51820 +yes");
        // kill -9, a new JVM, a new handshake: the tunnel is back by itself within a few seconds.
        assertThat(number(result.output(), "host B reachable again ([0-9]+) ms after the kill")).as("ms")
            .isLessThan(10_000);
    }

    @Test
    void shouldShowFecRepairingTheLossyLink()
    {
        final Cmd.Result result = Cmd.run(150_000, "env", "PREFIX=ll" + ProcessHandle.current().pid() % 100_000,
            EXAMPLES.resolve("lossy-link/run.sh").toString(), "5", "3");
        assertThat(result.exitCode()).as(result.output()).isZero();
        final double without = number(result.output(), "delivered loss without FEC: +([0-9.]+) %");
        final double with = number(result.output(), "delivered loss with FEC \\(10, 4\\): ([0-9.]+) %");
        assertThat(without).as("about the link's 5 %%\n" + result.output()).isBetween(3.5, 6.5);
        assertThat(with).as("with FEC\n" + result.output()).isLessThan(0.5);
    }

    @Test
    void shouldFormTheEtcdMeshOfTheExampleWithOnlyTheRegistryInEachConfig()
    {
        final Cmd.Result result = Cmd.run(200_000, "env", "PREFIX=me" + ProcessHandle.current().pid() % 100_000,
            "MEASURE=0", EXAMPLES.resolve("mesh-etcd/run.sh").toString(), "3");
        assertThat(result.exitCode()).as(result.output()).isZero();
        assertThat(result.output()).containsPattern("mesh-etcd: 3 nodes, all 6 pairs reachable in [0-9.]+ s");
        assertThat(result.output()).contains("node n4 joined: every host reached it");
        assertThat(number(result.output(), "node n1 killed with -9 left every peer list after ([0-9.]+) s"))
            .as("lease-ttl 5 s + 2 s").isLessThanOrEqualTo(7.0);
    }

    private static double number(final String output, final String pattern)
    {
        final Matcher m = Pattern.compile(pattern).matcher(output);
        assertThat(m.find()).as(output).isTrue();
        return Double.parseDouble(m.group(1));
    }
}
