package io.l2mesh.control;

import com.fasterxml.jackson.databind.JsonNode;
import io.l2mesh.control.cli.ControlClient;
import io.l2mesh.control.mesh.NodeCertificate;
import io.l2mesh.control.protocol.ControlCodec;
import io.l2mesh.testkit.Cmd;
import io.l2mesh.testkit.Netns;
import io.l2mesh.tunnel.noise.KeyPair;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PrivateKey;
import java.util.Map;

/**
 * An l2mesh node that runs inside a namespace of a {@link NatLab}, as a node behind a NAT runs: the daemon is
 * started with {@code ip netns exec}, its tunnel listens on {@code 0.0.0.0:51820} and publishes it in the
 * registry, and its TAP port stays in the namespace with the node's overlay address on it (so the namespace
 * pings the other nodes' overlay addresses through l2mesh). The control socket is in the node's directory.
 */
final class NsNode implements AutoCloseable
{
    static final int PORT = 51820;

    final String name;
    final Netns ns;
    final KeyPair key = KeyPair.generate();
    /** The overlay address, e.g. 198.19.0.1. */
    final String overlay;
    final Path dir;
    private final String tap = Netns.uniqueLinkName("t");
    private DaemonProcess daemon;

    NsNode(final String name, final Netns ns, final String overlay) throws Exception
    {
        this.name = name;
        this.ns = ns;
        this.overlay = overlay;
        this.dir = Files.createTempDirectory("l2mesh-nat-" + name);
        final Path keyFile = dir.resolve("node.key");
        Files.writeString(keyFile, key.privateBase64() + "\n");
        Files.setPosixFilePermissions(keyFile, PosixFilePermissions.fromString("rw-------"));
    }

    /**
     * Writes the node's certificate, signed by the test's authority.
     */
    Path certificate(final PrivateKey authority, final boolean relay) throws Exception
    {
        final long now = System.currentTimeMillis() / 1000;
        final Path file = dir.resolve("node.cert");
        Files.writeString(file, new NodeCertificate(name, key.publicKey(), now - 60, now + 86_400, null, relay)
            .sign(authority) + "\n");
        return file;
    }

    /**
     * @return the {@code registry:} section for this node (its certificate written, saying it may relay if
     * {@code relay}), for {@link #start}.
     */
    String registry(final String etcd, final Path authorityPub, final PrivateKey authority, final boolean relay)
        throws Exception
    {
        return """
            registry:
              etcd: ["%s"]
              mesh: nat
              lease-ttl: 5
              authority: %s
              certificate: %s
            """.formatted(etcd, authorityPub, certificate(authority, relay));
    }

    /**
     * Starts the daemon in the namespace, with the registry if {@code registry} is a section ({@link #registry};
     * "" for none), its tunnel's keys {@code tunnelExtra} (indented four spaces) and static peers {@code peers}
     * (YAML list items, or "").
     */
    void start(final String registry, final int keepalive, final String tunnelExtra, final String peers)
        throws Exception
    {
        final Path config = dir.resolve("l2mesh.yaml");
        Files.writeString(config, """
            switch:
              loops: 1
            state-dir: %s
            control:
              socket: %s
            ports:
              - name: %s
              - name: mesh0
                type: tunnel
                listen: 0.0.0.0:%d
                private-key-file: %s
                keepalive: %d
            %s%s    peers:
            %s
            %s""".formatted(dir.resolve("state"), socket(), tap, PORT, dir.resolve("node.key"), keepalive,
            registry.isEmpty() ? "" : "    registry: true\n", tunnelExtra,
            peers.isEmpty() ? "      []" : peers.stripTrailing(), registry));
        daemon = DaemonProcess.start(java.util.List.of("ip", "netns", "exec", ns.name(), DaemonProcess.LAUNCHER, "run",
            "-c", config.toString()), Map.of("L2MESH_JVM_OPTS", "-Xmx96m -XX:TieredStopAtLevel=1"));
        ns.exec("ip", "addr", "add", overlay + "/24", "dev", tap);
        ns.exec("ip", "link", "set", tap, "up");
    }

    /**
     * @return this node as a static peer (YAML list item) reached at {@code endpoint}.
     */
    String asPeer(final String endpoint)
    {
        return "      - {name: %s, public-key: \"%s\", endpoint: \"%s\"}\n".formatted(name, key.publicBase64(),
            endpoint);
    }

    Path socket()
    {
        return dir.resolve("l2mesh.sock");
    }

    DaemonProcess daemon()
    {
        return daemon;
    }

    JsonNode call(final String command) throws Exception
    {
        try (ControlClient client = ControlClient.connect(socket()))
        {
            return client.call(command, ControlCodec.JSON.createObjectNode());
        }
    }

    JsonNode json(final String... args) throws Exception
    {
        final java.util.List<String> all = new java.util.ArrayList<>(java.util.List.of(args));
        all.add("--json");
        return ControlCodec.JSON.readTree(ctl(all.toArray(new String[0])).check().output());
    }

    Cmd.Result ctl(final String... args)
    {
        final java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of(DaemonProcess.LAUNCHER,
            "ctl", "--socket", socket().toString()));
        command.addAll(java.util.List.of(args));
        return Cmd.run(30_000, command);
    }

    /**
     * @return the peer called {@code peer} as {@code peer list --json} shows it, or a missing node.
     */
    JsonNode peer(final String peer) throws Exception
    {
        for (final JsonNode p : call("peer.list"))
        {
            if (p.path("name").asText().equals(peer))
            {
                return p;
            }
        }
        return ControlCodec.JSON.missingNode();
    }

    /**
     * @return one ping to {@code other}'s overlay address came back within a second.
     */
    boolean pingOnce(final NsNode other)
    {
        return ns.run(3_000, "ping", "-c", "1", "-W", "1", other.overlay).exitCode() == 0;
    }

    @Override
    public void close() throws Exception
    {
        try
        {
            if (daemon != null)
            {
                daemon.stop();
            }
        }
        finally
        {
            Cmd.run(10_000, "rm", "-rf", dir.toString());
        }
    }
}
