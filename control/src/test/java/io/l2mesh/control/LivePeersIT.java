package io.l2mesh.control;

import com.fasterxml.jackson.databind.JsonNode;
import io.l2mesh.testkit.Cmd;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Peers come and go on a running tunnel port without disturbing the others: a three-node mesh of daemons carries
 * a ping flood between a and b while a gains a fourth peer d and loses c through {@code l2mesh ctl peer add|del};
 * a's session with b is the same session afterwards (same handshake time, counters only grew) and the flood
 * loses nothing. Needs root.
 */
@Timeout(240)
class LivePeersIT
{
    private final List<MeshNode> nodes = new ArrayList<>();

    @AfterEach
    void stop() throws Exception
    {
        for (final MeshNode node : nodes)
        {
            node.close();
        }
    }

    private MeshNode node(final String name, final int index) throws Exception
    {
        final MeshNode node = new MeshNode(name, "198.18.91." + index + "/24");
        nodes.add(node);
        return node;
    }

    @Test
    void shouldAddAndRemovePeersWithoutDisturbingTheOtherSessions() throws Exception
    {
        final MeshNode a = node("a", 1);
        final MeshNode b = node("b", 2);
        final MeshNode c = node("c", 3);
        final MeshNode d = node("d", 4);
        a.start(b.asPeer() + c.asPeer(), "", "");
        b.start(a.asPeer() + c.asPeer(), "", "");
        c.start(a.asPeer() + b.asPeer(), "", "");
        d.start(a.asPeer(), "", "");
        assertThat(a.ping(b, 2)).as("a -> b").isTrue();
        assertThat(a.ping(c, 2)).as("a -> c").isTrue();
        assertThat(b.ping(c, 2)).as("b -> c").isTrue();
        assertThat(d.ping(a, 1)).as("d is no peer of a yet").isFalse();

        final JsonNode abBefore = a.peer("b");
        final JsonNode baBefore = b.peer("a");
        assertThat(abBefore.path("up").asBoolean()).isTrue();

        // 800 pings at 10 ms while a's peers change; -W 2 so a late reply still counts.
        final CompletableFuture<Cmd.Result> flood = CompletableFuture.supplyAsync(() ->
            a.host().run(60_000, "ping", "-q", "-c", "800", "-i", "0.01", "-W", "2", b.address));
        Thread.sleep(1_000);
        assertThat(a.ctl("peer", "add", "mesh0", "d", "--public-key", d.key.publicBase64(), "--endpoint",
            "127.0.0.1:" + d.udpPort).check().output()).contains("add port mesh0 peer d").doesNotContain("re-create");
        assertThat(a.ctl("peer", "del", "mesh0", "c").check().output()).contains("remove port mesh0 peer c")
            .doesNotContain("re-create");
        assertThat(d.ping(a, 2)).as("d -> a, added live").isTrue();
        final Cmd.Result pings = flood.get();
        System.out.println("LivePeersIT: a -> b during the changes: " + pings.output().strip());
        assertThat(pings.output()).as("no frame of the untouched flow lost").contains(" 0% packet loss");

        final JsonNode abAfter = a.peer("b");
        final JsonNode baAfter = b.peer("a");
        assertThat(abAfter.path("last_handshake_ms").asLong()).as("a's session with b is the one it had")
            .isEqualTo(abBefore.path("last_handshake_ms").asLong());
        assertThat(baAfter.path("last_handshake_ms").asLong()).as("b's session with a is the one it had")
            .isEqualTo(baBefore.path("last_handshake_ms").asLong());
        assertThat(abAfter.path("rx_packets").asLong()).as("counters kept, and grew")
            .isGreaterThanOrEqualTo(abBefore.path("rx_packets").asLong() + 800);
        assertThat(abAfter.path("tx_packets").asLong())
            .isGreaterThanOrEqualTo(abBefore.path("tx_packets").asLong() + 800);
        assertThat(a.peerNames()).containsExactlyInAnyOrder("b", "d");
        assertThat(a.peer("d").path("origin").asText()).isEqualTo("config");
        assertThat(c.ping(a, 1)).as("c was removed from a").isFalse();
        assertThat(b.ping(c, 1)).as("b and c untouched").isTrue();
        assertThat(java.nio.file.Files.readString(a.dir.resolve("l2mesh.yaml"))).as("saved")
            .contains(d.key.publicBase64()).doesNotContain(c.key.publicBase64());
    }
}
