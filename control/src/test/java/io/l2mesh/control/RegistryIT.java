package io.l2mesh.control;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.l2mesh.control.mesh.AuthorityKeys;
import io.l2mesh.control.mesh.NodeCertificate;
import io.l2mesh.control.protocol.ControlCodec;
import io.l2mesh.testkit.Cmd;
import io.l2mesh.testkit.EtcdServer;
import io.l2mesh.tunnel.noise.KeyPair;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A mesh that forms itself, against Debian's real etcd: eight daemons with no static peers find each other through
 * the registry; entries whose certificate is forged, expired, or for another key are refused; a config peer wins
 * over a registry entry; a deny list revokes a node; a node killed with -9 leaves the others' peer lists when its
 * lease expires; an etcd outage leaves traffic between existing peers untouched, and afterwards a new node joins.
 * Needs root (TAP, namespaces) and etcd (bin/test-all installs etcd-server).
 */
@Timeout(420)
class RegistryIT
{
    private static final int NODES = 8;
    private static final int TTL = 4;
    private final List<MeshNode> nodes = new ArrayList<>();
    private EtcdServer etcd;
    private Path dir;

    @AfterEach
    void stop() throws Exception
    {
        try
        {
            final List<CompletableFuture<Void>> stops = new ArrayList<>();
            for (final MeshNode node : nodes)
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
            if (etcd != null)
            {
                etcd.close();
            }
            if (dir != null)
            {
                Cmd.run(10_000, "rm", "-rf", dir.toString());
            }
        }
    }

    private MeshNode node(final String name, final int index) throws Exception
    {
        final MeshNode node = new MeshNode(name, "198.18.92." + index + "/24");
        nodes.add(node);
        return node;
    }

    private Path certificate(final MeshNode node, final PrivateKey authority) throws Exception
    {
        final long now = System.currentTimeMillis() / 1000;
        final Path file = node.dir.resolve("node.cert");
        Files.writeString(file, new NodeCertificate(node.name, node.key.publicKey(), now - 60, now + 86_400, null)
            .sign(authority) + "\n");
        return file;
    }

    private static String entry(final String name, final KeyPair key, final int port, final String certificate)
    {
        final ObjectNode json = ControlCodec.JSON.createObjectNode();
        json.put("v", 1);
        json.put("name", name);
        json.put("public-key", key.publicBase64());
        json.putArray("endpoints").add("127.0.0.1:" + port);
        json.put("port", port);
        json.put("mtu", 1380);
        json.putNull("fec");
        json.put("protocol", 2);
        json.put("certificate", certificate);
        return json.toString();
    }

    private static void startAll(final List<MeshNode> starting, final List<String> registry,
        final List<String> peers) throws Exception
    {
        final List<CompletableFuture<Void>> started = new ArrayList<>();
        for (int i = 0; i < starting.size(); i++)
        {
            final MeshNode node = starting.get(i);
            final String section = registry.get(i);
            final String peer = peers.get(i);
            started.add(CompletableFuture.runAsync(() ->
            {
                try
                {
                    node.start(peer, MeshNode.REGISTRY_PORT, section);
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
     * Waits until {@code node}'s peers are exactly {@code expected}, for up to {@code timeoutMs}.
     *
     * @return how long it took, in ms.
     */
    private static long awaitPeers(final MeshNode node, final List<String> expected, final long timeoutMs)
        throws Exception
    {
        final long start = System.nanoTime();
        List<String> now = node.peerNames();
        while (!(now.size() == expected.size() && now.containsAll(expected)) &&
            System.nanoTime() - start < timeoutMs * 1_000_000)
        {
            Thread.sleep(100);
            now = node.peerNames();
        }
        assertThat(now).as("%s's peers", node.name).containsExactlyInAnyOrderElementsOf(expected);
        return (System.nanoTime() - start) / 1_000_000;
    }

    private static List<String> namesBut(final List<MeshNode> all, final MeshNode... without)
    {
        final List<String> names = new ArrayList<>();
        for (final MeshNode node : all)
        {
            if (!List.of(without).contains(node))
            {
                names.add(node.name);
            }
        }
        return names;
    }

    /**
     * @return the peers {@code node} should have among {@code all}: n1 knows n2 as its config peer n2-static.
     */
    private static List<String> expectedPeers(final List<MeshNode> all, final MeshNode node)
    {
        final List<String> expected = namesBut(all, node);
        if (node.name.equals("n1") && expected.contains("n2"))
        {
            expected.set(expected.indexOf("n2"), "n2-static");
        }
        return expected;
    }

    private static boolean reaches(final MeshNode from, final MeshNode to, final long timeoutMs)
    {
        final long start = System.nanoTime();
        while (System.nanoTime() - start < timeoutMs * 1_000_000)
        {
            if (from.host().run(3_000, "ping", "-c", "1", "-W", "1", to.address).exitCode() == 0)
            {
                return true;
            }
        }
        return false;
    }

    @Test
    void shouldFormAMeshFromTheRegistryRefuseBadEntriesAndRideOutFaults() throws Exception
    {
        etcd = EtcdServer.start();
        dir = Files.createTempDirectory("l2mesh-authority");
        // The authority, made with the CLI as an operator would.
        Cmd.run(30_000, DaemonProcess.LAUNCHER, "authority", "keygen", "--out", dir.resolve("authority").toString())
            .check();
        final Path authorityPub = dir.resolve("authority.pub");
        final PrivateKey authority = AuthorityKeys.readPrivate(dir.resolve("authority.key"));

        final List<MeshNode> mesh = new ArrayList<>();
        for (int i = 1; i <= NODES; i++)
        {
            mesh.add(node("n" + i, i));
        }
        final List<String> sections = new ArrayList<>();
        final List<String> peers = new ArrayList<>();
        for (final MeshNode node : mesh)
        {
            final Path cert;
            if (node == mesh.get(0))
            {
                cert = node.dir.resolve("node.cert");
                Files.writeString(cert, Cmd.run(30_000, DaemonProcess.LAUNCHER, "authority", "sign", "--name",
                    node.name, "--public-key", node.key.publicBase64(), "--expires", "30d", "--key",
                    dir.resolve("authority.key").toString()).check().output());
            }
            else
            {
                cert = certificate(node, authority);
            }
            sections.add(MeshNode.registrySection(etcd.endpoint(), authorityPub, cert, TTL));
            peers.add("");
        }
        // n1 lists n2 as a static peer of its own name: the config wins over n2's registry entry.
        peers.set(0, mesh.get(1).asPeer().replace("name: n2", "name: n2-static"));

        final long startedAt = System.nanoTime();
        startAll(mesh, sections, peers);
        final long ready = System.nanoTime();
        for (final MeshNode node : mesh)
        {
            awaitPeers(node, expectedPeers(mesh, node), 20_000);
        }
        for (int i = 0; i < NODES; i++)
        {
            for (int j = i + 1; j < NODES; j++)
            {
                assertThat(reaches(mesh.get(i), mesh.get(j), 10_000)).as("%s -> %s", mesh.get(i).name,
                    mesh.get(j).name).isTrue();
            }
        }
        System.out.printf("RegistryIT: %d nodes started in %d ms, all %d pairs reachable %d ms after the last " +
            "was ready%n", NODES, (ready - startedAt) / 1_000_000, NODES * (NODES - 1),
            (System.nanoTime() - ready) / 1_000_000);
        final MeshNode n1 = mesh.get(0);
        assertThat(n1.peer("n2-static").path("origin").asText()).isEqualTo("config");
        assertThat(n1.peer("n3").path("origin").asText()).isEqualTo("registry");
        assertThat(n1.call("registry.show").path("shadowed").asInt()).as("n2's entry gives way").isEqualTo(1);

        // Entries that etcd write access alone could add: none is admitted.
        final long now = System.currentTimeMillis() / 1000;
        final KeyPair forgedKey = KeyPair.generate();
        final String forged = new NodeCertificate("forged", forgedKey.publicKey(), now - 60, now + 3600, null)
            .sign(AuthorityKeys.generate().getPrivate());
        final KeyPair expiredKey = KeyPair.generate();
        final String expired = new NodeCertificate("expired", expiredKey.publicKey(), now - 7200, now - 3600, null)
            .sign(authority);
        final String otherKey = new NodeCertificate("swapped", KeyPair.generate().publicKey(), now - 60,
            now + 3600, null).sign(authority);
        etcd.etcdctl("put", "/l2mesh/test/nodes/forged", entry("forged", forgedKey, 9, forged)).check();
        etcd.etcdctl("put", "/l2mesh/test/nodes/expired", entry("expired", expiredKey, 9, expired)).check();
        etcd.etcdctl("put", "/l2mesh/test/nodes/swapped", entry("swapped", KeyPair.generate(), 9, otherKey))
            .check();
        final long refusedBy = System.nanoTime() + 10_000_000_000L;
        JsonNode registry = n1.call("registry.show");
        while (registry.path("refused").size() < 3 && System.nanoTime() < refusedBy)
        {
            Thread.sleep(100);
            registry = n1.call("registry.show");
        }
        System.out.println("RegistryIT: n1's registry: " + registry);
        assertThat(registry.path("connected").asBoolean()).isTrue();
        assertThat(registry.path("refused").path("bad-signature").asInt()).isEqualTo(1);
        assertThat(registry.path("refused").path("expired").asInt()).isEqualTo(1);
        assertThat(registry.path("refused").path("key-mismatch").asInt()).isEqualTo(1);
        for (final MeshNode node : mesh)
        {
            assertThat(node.peerNames()).as("%s admits none of them", node.name)
                .doesNotContain("forged", "expired", "swapped");
        }
        assertThat(n1.ctl("registry", "show").check().output()).contains("connected yes", "swapped", "key-mismatch");

        // Revocation: the authority's deny list names n7; every node tears its sessions with n7 down.
        final MeshNode n7 = mesh.get(6);
        final String deny = Cmd.run(30_000, DaemonProcess.LAUNCHER, "authority", "deny", "--serial", "1",
            "--public-key", n7.key.publicBase64(), "--key", dir.resolve("authority.key").toString()).check().output()
            .strip();
        etcd.etcdctl("put", "/l2mesh/test/deny", deny).check();
        final List<MeshNode> kept = new ArrayList<>(mesh);
        kept.remove(n7);
        for (final MeshNode node : kept)
        {
            awaitPeers(node, expectedPeers(kept, node), 10_000);
        }
        assertThat(mesh.get(2).call("registry.show").path("refused").path("revoked").asInt()).isEqualTo(1);

        // kill -9: the node's lease lapses and it leaves every peer list.
        final MeshNode n8 = mesh.get(7);
        n8.kill();
        final long killed = System.nanoTime();
        kept.remove(n8);
        for (final MeshNode node : kept)
        {
            awaitPeers(node, expectedPeers(kept, node), (TTL + 5) * 1000L);
        }
        final long leftMs = (System.nanoTime() - killed) / 1_000_000;
        System.out.printf("RegistryIT: a node killed with -9 left every peer list after %d ms (lease-ttl %d s)%n",
            leftMs, TTL);
        assertThat(leftMs).as("within lease-ttl + 2 s").isLessThanOrEqualTo((TTL + 2) * 1000L);

        // etcd away for 10 s: traffic between existing peers goes on.
        final MeshNode n3 = mesh.get(2);
        final MeshNode n4 = mesh.get(3);
        assertThat(reaches(n3, n4, 5_000)).isTrue();
        final CompletableFuture<Cmd.Result> pings = CompletableFuture.supplyAsync(() ->
            n3.host().run(40_000, "ping", "-q", "-c", "60", "-i", "0.2", "-W", "2", n4.address));
        Thread.sleep(500);
        etcd.stop();
        Thread.sleep(10_000);
        final JsonNode during = n3.call("registry.show");
        assertThat(during.path("connected").asBoolean()).as("n3 knows etcd is gone").isFalse();
        assertThat(n3.peerNames()).as("and keeps its peers").containsExactlyInAnyOrderElementsOf(
            expectedPeers(kept, n3));
        etcd.startAgain();
        final Cmd.Result outage = pings.get();
        System.out.println("RegistryIT: n3 -> n4 across the etcd outage: " + outage.output().strip());
        assertThat(outage.output()).contains(" 0% packet loss");

        // etcd back: a new node joins, and everyone (n3 first) re-registered.
        final MeshNode n9 = node("n9", 9);
        final long joining = System.nanoTime();
        startAll(List.of(n9), List.of(MeshNode.registrySection(etcd.endpoint(), authorityPub,
            certificate(n9, authority), TTL)), List.of(""));
        final long joinReady = System.nanoTime();
        kept.add(n9);
        for (final MeshNode node : kept)
        {
            awaitPeers(node, expectedPeers(kept, node), 20_000);
        }
        assertThat(reaches(n9, n3, 10_000)).as("n9 -> n3").isTrue();
        System.out.printf("RegistryIT: after the outage n9 started in %d ms and was everyone's peer %d ms after " +
            "it was ready%n", (joinReady - joining) / 1_000_000, (System.nanoTime() - joinReady) / 1_000_000);
        assertThat(n3.call("registry.show").path("connected").asBoolean()).isTrue();
    }

    @Test
    void shouldRegisterOverTlsWithClientCertificatesAndKeepANodeWithoutOneOut() throws Exception
    {
        etcd = EtcdServer.startTls();
        dir = Files.createTempDirectory("l2mesh-authority");
        Cmd.run(30_000, DaemonProcess.LAUNCHER, "authority", "keygen", "--out", dir.resolve("authority").toString())
            .check();
        final Path authorityPub = dir.resolve("authority.pub");
        final PrivateKey authority = AuthorityKeys.readPrivate(dir.resolve("authority.key"));
        final MeshNode t1 = node("t1", 21);
        final MeshNode t2 = node("t2", 22);
        final MeshNode bare = node("t3", 23);
        final List<String> sections = new ArrayList<>();
        for (final MeshNode node : List.of(t1, t2))
        {
            final EtcdServer.ClientCertificate client = etcd.clientCertificate(node.name);
            sections.add(MeshNode.registrySection(etcd.endpoint(), authorityPub, certificate(node, authority), TTL) +
                "  ca-file: %s\n  cert-file: %s\n  key-file: %s\n".formatted(etcd.caFile(), client.cert(),
                client.key()));
        }
        // Trusts the CA but has no client certificate: etcd (--client-cert-auth) refuses it.
        sections.add(MeshNode.registrySection(etcd.endpoint(), authorityPub, certificate(bare, authority), TTL) +
            "  ca-file: %s\n".formatted(etcd.caFile()));
        startAll(List.of(t1, t2, bare), sections, List.of("", "", ""));

        awaitPeers(t1, List.of("t2"), 20_000);
        awaitPeers(t2, List.of("t1"), 20_000);
        assertThat(reaches(t1, t2, 10_000)).as("t1 -> t2 over the mesh found through etcd over TLS").isTrue();
        final JsonNode shown = t1.call("registry.show");
        assertThat(shown.path("connected").asBoolean()).as(shown.toString()).isTrue();
        assertThat(shown.path("etcd").get(0).asText()).startsWith("https://");

        final long deadline = System.nanoTime() + 10_000_000_000L;
        JsonNode refused = bare.call("registry.show");
        while (refused.path("last_error").asText().isEmpty() && System.nanoTime() < deadline)
        {
            Thread.sleep(200);
            refused = bare.call("registry.show");
        }
        System.out.println("RegistryIT: the node without a client certificate: " + refused);
        assertThat(refused.path("connected").asBoolean()).as(refused.toString()).isFalse();
        assertThat(refused.path("last_error").asText()).as("says why").isNotEmpty();
        assertThat(bare.peerNames()).as("it found nobody").isEmpty();
        assertThat(t1.peerNames()).as("and nobody found it").containsExactly("t2");
        assertThat(etcd.etcdctl("get", "--prefix", "--keys-only", "/l2mesh/test/nodes/").check().output())
            .contains("/l2mesh/test/nodes/t1", "/l2mesh/test/nodes/t2").doesNotContain("t3");
    }
}
