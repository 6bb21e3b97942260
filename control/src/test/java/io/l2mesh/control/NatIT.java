package io.l2mesh.control;

import com.fasterxml.jackson.databind.JsonNode;
import io.l2mesh.control.mesh.AuthorityKeys;
import io.l2mesh.testkit.Cmd;
import io.l2mesh.testkit.EtcdServer;
import io.l2mesh.testkit.Iperf3;
import io.l2mesh.testkit.Netns;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Across NATs, built with nftables in namespaces ({@link NatLab}): a public node {@code p} and etcd on the lab's
 * internet, and sites whose routers masquerade, each with a node behind it. Nodes learn their reflexive endpoints
 * from their peers, publish them in the registry, and punch holes to each other; a NAT that renumbers its
 * mappings is got over by itself; a peer whose endpoint is a DNS name is found again when the name moves. Needs
 * root, nftables, conntrack, etcd and iperf3 (bin/test-all installs them).
 */
@Timeout(300)
class NatIT
{
    private static final int KEEPALIVE = 2;
    private final List<NsNode> nodes = new ArrayList<>();
    private NatLab lab;
    private EtcdServer etcd;
    private Path authorityDir;
    private Path authorityPub;
    private PrivateKey authority;

    @AfterEach
    void stop() throws Exception
    {
        try
        {
            final List<CompletableFuture<Void>> stops = new ArrayList<>();
            for (final NsNode node : nodes)
            {
                stops.add(CompletableFuture.runAsync(() ->
                {
                    try
                    {
                        node.close();
                    }
                    catch (final Exception ex)
                    {
                        throw new IllegalStateException(ex);
                    }
                }));
            }
            stops.forEach(CompletableFuture::join);
        }
        finally
        {
            try
            {
                if (etcd != null)
                {
                    etcd.close();
                }
            }
            finally
            {
                if (lab != null)
                {
                    lab.close();
                }
                if (authorityDir != null)
                {
                    Cmd.run(10_000, "rm", "-rf", authorityDir.toString());
                }
            }
        }
    }

    /**
     * The lab's internet with etcd on it, and a mesh authority made with the CLI.
     */
    private void internetWithRegistry() throws Exception
    {
        lab = new NatLab();
        etcd = EtcdServer.startIn(lab.internet(), NatLab.INTERNET_GATEWAY);
        authorityDir = Files.createTempDirectory("l2mesh-authority");
        Cmd.run(30_000, DaemonProcess.LAUNCHER, "authority", "keygen", "--out",
            authorityDir.resolve("authority").toString()).check();
        authorityPub = authorityDir.resolve("authority.pub");
        authority = AuthorityKeys.readPrivate(authorityDir.resolve("authority.key"));
    }

    private NsNode node(final String name, final Netns ns, final String overlay) throws Exception
    {
        final NsNode node = new NsNode(name, ns, overlay);
        nodes.add(node);
        return node;
    }

    /**
     * Starts the nodes with the registry; {@code relay} (if not null) with {@code relay: true}.
     */
    private void startWithRelay(final NsNode relay, final NsNode... starting) throws Exception
    {
        final List<CompletableFuture<Void>> started = new ArrayList<>();
        for (final NsNode node : starting)
        {
            final String registry = node.registry(etcd.endpoint(), authorityPub, authority, node == relay);
            started.add(CompletableFuture.runAsync(() ->
            {
                try
                {
                    node.start(registry, KEEPALIVE, node == relay ? "    relay: true\n" : "", "");
                }
                catch (final Exception ex)
                {
                    throw new IllegalStateException(node.name + ": " + ex.getMessage(), ex);
                }
            }));
        }
        started.forEach(CompletableFuture::join);
    }

    /**
     * Waits up to {@code timeoutMs} for {@code condition}.
     *
     * @return how long it took in ms, or -1 if it never held.
     */
    private static long await(final long timeoutMs, final BooleanSupplier condition) throws InterruptedException
    {
        final long start = System.nanoTime();
        while (System.nanoTime() - start < timeoutMs * 1_000_000)
        {
            if (condition.getAsBoolean())
            {
                return (System.nanoTime() - start) / 1_000_000;
            }
            Thread.sleep(100);
        }
        return -1;
    }

    private static String path(final NsNode node, final String peer)
    {
        try
        {
            return node.peer(peer).path("path").asText("");
        }
        catch (final Exception ex)
        {
            return "(" + ex.getMessage() + ")";
        }
    }

    private String diagnosis(final NsNode... of) throws Exception
    {
        final StringBuilder text = new StringBuilder();
        for (final NsNode node : of)
        {
            text.append("\n--- ").append(node.name).append(" peers:\n").append(node.ctl("peer", "list").output())
                .append("--- ").append(node.name).append(" registry:\n")
                .append(node.ctl("registry", "show").output());
        }
        return text.toString();
    }

    /**
     * The internet with etcd and the public node p; site A behind its NAT and site B behind a cone NAT, node a and
     * node b behind them.
     */
    private record TwoSites(NsNode p, NatLab.Site siteA, NatLab.Site siteB, NsNode a, NsNode b)
    {
        NsNode[] all()
        {
            return new NsNode[] {p, a, b};
        }
    }

    /**
     * Starts {@link TwoSites}, p relaying if {@code relay}.
     */
    private TwoSites twoSites(final NatLab.Nat natA, final boolean relay) throws Exception
    {
        internetWithRegistry();
        final NsNode p = node("p", lab.publicHost("pub", 1), "198.19.0.1");
        final NatLab.Site siteA = lab.site("sa", 2, natA);
        final NatLab.Site siteB = lab.site("sb", 3, NatLab.Nat.CONE);
        final TwoSites sites = new TwoSites(p, siteA, siteB, node("a", siteA.host(), "198.19.0.2"),
            node("b", siteB.host(), "198.19.0.3"));
        startWithRelay(relay ? p : null, sites.all());
        return sites;
    }

    @Test
    void shouldPunchADirectPathThroughTwoConeNatsAndRecoverWhenANatRenumbers() throws Exception
    {
        final TwoSites sites = twoSites(NatLab.Nat.CONE, false);
        final NsNode p = sites.p();
        final NatLab.Site siteA = sites.siteA();
        final NsNode a = sites.a();
        final NsNode b = sites.b();

        // p sees each site at its router's address with the port kept; it tells them, they publish it, and each
        // punches to the other's reflexive endpoint: a direct path, not through p.
        final String aSeen = NatLab.INTERNET_PREFIX + "2:" + NsNode.PORT;
        final String bSeen = NatLab.INTERNET_PREFIX + "3:" + NsNode.PORT;
        final long direct = await(30_000, () -> path(a, "b").equals("direct " + bSeen) &&
            path(b, "a").equals("direct " + aSeen));
        assertThat(direct).as("a and b on a direct path through their NATs" + diagnosis(a, b, p))
            .isGreaterThanOrEqualTo(0);
        assertThat(a.peer("p").path("reflexive").asText()).as("where p sees a").isEqualTo(aSeen);
        assertThat(a.peer("b").path("candidates").toString()).contains(sites.siteB().address() + ":" + NsNode.PORT,
            bSeen);
        assertThat(etcd.etcdctl("get", "/l2mesh/nat/nodes/a", "--print-value-only").check().output())
            .as("a's registry entry").contains("\"reflexive\":[\"" + aSeen + "\"]");
        System.out.printf("NatIT: cone NATs: direct path a <-> b after %d ms%n", direct);

        assertThat(a.ns.ping(b.overlay, 10)).as("a pings b across both NATs").isTrue();
        final double bits = Iperf3.tcp(b.ns, a.ns, b.overlay, 2);
        System.out.printf("NatIT: iperf3 a -> b through two NATs: %.0f Mbit/s%n", bits / 1e6);
        assertThat(bits).isGreaterThan(0);
        assertThat(path(a, "b")).as("still direct after iperf3").isEqualTo("direct " + bSeen);

        // The router of site A restarts: its mappings are gone and new ones get other ports. Each side's
        // packets to the other's old mapping are dropped, both notice the silence (3 x keepalive + 1 s), p
        // tells a its new reflexive endpoint, a publishes it, and both punch again.
        assertThat(a.pingOnce(b)).isTrue();
        lab.nat(siteA, NatLab.Nat.CONE_RENUMBERED);
        lab.flush(siteA);
        final long recovered = await(40_000, () -> a.pingOnce(b));
        final String newPath = path(b, "a");
        System.out.printf("NatIT: after site A's NAT renumbered: ping a -> b back after %d ms; b's path to a: %s%n",
            recovered, newPath);
        assertThat(recovered).as("ping back within 3 x keepalive + 5 s" + diagnosis(a, b, p) + "\nsite A's NAT:\n" +
            lab.mappings(siteA)).isBetween(0L, 3_000L * KEEPALIVE + 5_000);
        assertThat(newPath).as("b reaches a at its new mapping, directly").startsWith("direct " +
            NatLab.INTERNET_PREFIX + "2:4");
        assertThat(b.peer("a").path("path_changes").asLong()).isGreaterThanOrEqualTo(2);
    }

    @Test
    void shouldRelayAPairBehindASymmetricNatUnseenAndMoveToADirectPathOnceOneOpens() throws Exception
    {
        final TwoSites sites = twoSites(NatLab.Nat.SYMMETRIC, true);
        final NsNode p = sites.p();
        final NatLab.Site siteA = sites.siteA();
        final NsNode a = sites.a();
        final NsNode b = sites.b();
        final NsNode[] all = sites.all();

        // a's NAT gives each destination another port: b's punches go to the mapping p saw, which lets only p
        // in. No direct path: the pair meets at p, which relays.
        final long relayed = await(30_000, () -> path(a, "b").equals("relay p") && path(b, "a").equals("relay p"));
        assertThat(relayed).as("a and b through the relay p" + diagnosis(all)).isGreaterThanOrEqualTo(0);
        System.out.printf("NatIT: symmetric NAT: a <-> b through the relay after %d ms%n", relayed);
        assertThat(a.ns.ping(b.overlay, 10)).as("a pings b through the relay").isTrue();

        // p relays their datagrams but cannot open them: a capture on p's tunnel port shows a's pings to p, and
        // none of a's pings to b.
        final Path pcap = p.dir.resolve("relay.pcap");
        final CompletableFuture<Cmd.Result> capture = CompletableFuture.supplyAsync(() -> p.ctl("capture", "start",
            "mesh0", pcap.toString(), "--duration", "4", "--wait"));
        Thread.sleep(500);
        assertThat(a.ns.ping(b.overlay, 8)).isTrue();
        assertThat(a.ns.ping(p.overlay, 3)).isTrue();
        capture.join().check();
        final String icmp = Cmd.run(30_000, "tshark", "-r", pcap.toString(), "-Y", "icmp", "-T", "fields", "-e",
            "ip.src", "-e", "ip.dst").check().output();
        assertThat(icmp).as("what p's tunnel port saw").contains("198.19.0.2\t198.19.0.1")
            .doesNotContain("198.19.0.3");
        final JsonNode relay = p.json("relay", "show").get(0);
        assertThat(relay.path("forwarded").asLong()).as("p relayed" + relay).isGreaterThan(18);
        assertThat(relay.path("pairs").toString()).contains("\"from\":\"a\",\"to\":\"b\"",
            "\"from\":\"b\",\"to\":\"a\"");
        final double bits = Iperf3.tcp(b.ns, a.ns, b.overlay, 2);
        System.out.printf("NatIT: iperf3 a -> b through the relay: %.0f Mbit/s%n", bits / 1e6);
        assertThat(bits).isGreaterThan(0);

        // a's router is replaced by one that keeps ports: a direct path becomes possible. The relayed pair keeps
        // trying it, moves to it on the same session, and stays connected when the relay goes away.
        final long handshakesBefore = a.peer("b").path("handshakes").asLong();
        lab.nat(siteA, NatLab.Nat.CONE);
        lab.flush(siteA);
        final long direct = await(30_000, () -> path(a, "b").startsWith("direct ") &&
            path(b, "a").startsWith("direct "));
        System.out.printf("NatIT: a's NAT became cone: a <-> b direct after %d ms%n", direct);
        assertThat(direct).as("the pair found the direct path" + diagnosis(all)).isGreaterThanOrEqualTo(0);
        p.close();
        final Cmd.Result pings = a.ns.pingResult(b.overlay, 20);
        assertThat(pings.output()).as("a pings b with the relay gone").contains("20 received");
        assertThat(path(a, "b")).startsWith("direct ");
        assertThat(a.peer("b").path("handshakes").asLong() - handshakesBefore).as("no new session for the move")
            .isLessThanOrEqualTo(1);
    }

    @Test
    void shouldFollowAPeerWhoseDnsNameMoves() throws Exception
    {
        lab = new NatLab();
        final Netns pubNs = lab.publicHost("pub", 1);
        final Netns homeNs = lab.publicHost("home", 4);
        final NsNode p = node("p", pubNs, "198.19.0.1");
        final NsNode home = node("home", homeNs, "198.19.0.4");
        lab.hosts(pubNs, NatLab.INTERNET_PREFIX + "4 home.l2mesh.test\n");
        final String pAsPeer = "      - {name: p, public-key: \"%s\"}\n".formatted(p.key.publicBase64());
        p.start("", KEEPALIVE, "", home.asPeer("home.l2mesh.test:" + NsNode.PORT));
        home.start("", KEEPALIVE, "", pAsPeer); // p has no endpoint here: home only answers
        final long up = await(20_000, () -> p.pingOnce(home));
        assertThat(up).as("p reaches home by its name" + diagnosis(p, home)).isGreaterThanOrEqualTo(0);
        assertThat(p.peer("home").path("candidates").toString()).contains(NatLab.INTERNET_PREFIX + "4:" +
            NsNode.PORT);

        // home restarts with a new address (a new lease from its provider), and its dynamic DNS name follows.
        // home cannot reach p (it has no endpoint for it), so only p's lookup can bring them together again.
        home.daemon().stop();
        final String link = homeNs.exec("ip", "-o", "-4", "addr", "show").lines()
            .filter(l -> l.contains(NatLab.INTERNET_PREFIX + "4/")).findFirst().orElseThrow().split("\\s+")[1];
        homeNs.exec("ip", "addr", "del", NatLab.INTERNET_PREFIX + "4/24", "dev", link);
        homeNs.exec("ip", "addr", "add", NatLab.INTERNET_PREFIX + "14/24", "dev", link);
        homeNs.exec("ip", "route", "replace", "default", "via", NatLab.INTERNET_GATEWAY);
        lab.hosts(pubNs, NatLab.INTERNET_PREFIX + "14 home.l2mesh.test\n");
        home.start("", KEEPALIVE, "", pAsPeer);
        pubNs.exec("ip", "neigh", "flush", "all"); // the restarted node's TAP has a new MAC
        final long back = await(40_000, () -> p.pingOnce(home));
        System.out.printf("NatIT: a peer's DNS name moved: p reaches it again after %d ms%n", back);
        assertThat(back).as("p finds home at its new address" + diagnosis(p, home)).isGreaterThanOrEqualTo(0);
        assertThat(path(p, "home")).isEqualTo("direct " + NatLab.INTERNET_PREFIX + "14:" + NsNode.PORT);
        assertThat(p.daemon().output()).contains("home.l2mesh.test is [" + NatLab.INTERNET_PREFIX + "14:" +
            NsNode.PORT + "]");
    }
}
