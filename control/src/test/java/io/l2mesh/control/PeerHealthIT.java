package io.l2mesh.control;

import com.fasterxml.jackson.databind.JsonNode;
import io.l2mesh.testkit.Cmd;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Peer health as users see it: two daemons joined by a tunnel (keepalive 1 s, so a probe each second), the link
 * impaired on node a with {@code l2mesh ctl impair set}. With 20 ms of delay both ends' {@code peer list} show a
 * round trip of 20-30 ms; with 5 % loss and 20 000 pings from a's host, b's {@code peer list} and {@code fec show}
 * read a link loss of 4-6 %. Needs root.
 */
@Timeout(240)
class PeerHealthIT
{
    private static final int FRAMES = 20_000;

    private final List<MeshNode> nodes = new ArrayList<>();

    @AfterEach
    void stop() throws Exception
    {
        for (final MeshNode node : nodes)
        {
            node.close();
        }
    }

    /**
     * @return the newest RTT sample of the node's peer {@code peer}, ms, once it has {@code samples} more samples
     * than {@code after} (within 20 s), else -1.
     */
    private static double rttAfter(final MeshNode node, final String peer, final long after, final int samples)
        throws Exception
    {
        final long deadline = System.nanoTime() + 20_000_000_000L;
        while (System.nanoTime() < deadline)
        {
            final JsonNode p = node.peer(peer);
            if (p != null && p.path("rtt_samples").asLong() >= after + samples)
            {
                return p.path("rtt_last_ms").asDouble();
            }
            Thread.sleep(100);
        }
        return -1;
    }

    @Test
    void shouldShowTheRoundTripAndTheLinkLossOfAnImpairedLink() throws Exception
    {
        final MeshNode a = new MeshNode("ha", "198.18.93.1/24");
        nodes.add(a);
        final MeshNode b = new MeshNode("hb", "198.18.93.2/24");
        nodes.add(b);
        a.start(b.asPeer(), "", "");
        b.start(a.asPeer(), "", "");
        assertThat(a.ping(b, 2)).as("a -> b over the tunnel").isTrue();
        assertThat(rttAfter(a, "hb", 0, 1)).as("a probe came back over loopback").isBetween(0.0, 10.0);

        a.ctl("impair", "set", "mesh0", "--delay", "20").check();
        final long aSamples = a.peer("hb").path("rtt_samples").asLong();
        final long bSamples = b.peer("ha").path("rtt_samples").asLong();
        final double aRtt = rttAfter(a, "hb", aSamples, 2);
        final double bRtt = rttAfter(b, "ha", bSamples, 2);
        final String table = a.ctl("peer", "list").check().output();
        System.out.printf("PeerHealthIT: 20 ms delay on a: RTT a -> b %.3f ms, b -> a %.3f ms%n%s", aRtt, bRtt, table);
        assertThat(aRtt).as("a's RTT to b").isBetween(20.0, 30.0);
        assertThat(bRtt).as("b's RTT to a").isBetween(20.0, 30.0);
        assertThat(table).contains("rtt_ms").contains("link_loss");

        a.ctl("impair", "set", "mesh0", "--loss", "5").check(); // the delay goes: a setting replaces the last
        final Cmd.Result pinged = a.host().run(120_000, "ping", "-q", "-c", Integer.toString(FRAMES), "-i",
            "0.0005", "-W", "1", b.address);
        final JsonNode fromA = b.peer("ha");
        final JsonNode fec = b.json("fec", "show").get(0);
        System.out.printf("PeerHealthIT: 5 %% loss on a, %d pings: %s; b's link loss from a %.2f %% (%d of %d " +
            "messages), fec show %.2f %%%n", FRAMES, pinged.output().strip().replace('\n', ' '),
            fromA.path("link_loss").asDouble() * 100, fromA.path("link_received").asLong(),
            fromA.path("link_sent").asLong(), fec.path("link_loss").asDouble() * 100);
        assertThat(fromA.path("link_sent").asLong()).as("messages from a on the session").isGreaterThan(FRAMES);
        assertThat(fromA.path("link_loss").asDouble()).as("b's link loss from a").isBetween(0.04, 0.06);
        assertThat(fec.path("link_loss").asDouble()).as("fec show's link loss").isBetween(0.04, 0.06);
        assertThat(a.peer("hb").path("link_loss").asDouble()).as("b -> a is not impaired").isLessThan(0.005);
    }
}
