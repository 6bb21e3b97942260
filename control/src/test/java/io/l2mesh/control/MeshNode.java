package io.l2mesh.control;

import com.fasterxml.jackson.databind.JsonNode;
import io.l2mesh.control.protocol.ControlCodec;
import io.l2mesh.testkit.Cmd;
import io.l2mesh.testkit.Netns;
import io.l2mesh.testkit.UdpPorts;
import io.l2mesh.tunnel.noise.KeyPair;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One l2mesh node of a test mesh, as users run it: a daemon ({@code bin/l2mesh run}) with a TAP port whose other
 * end is a host namespace, and a tunnel port {@code mesh0} on loopback. {@link #close()} stops the daemon, removes
 * the namespace and the node's directory, also after a failure.
 */
final class MeshNode implements AutoCloseable
{
    final String name;
    final KeyPair key = KeyPair.generate();
    final int udpPort = UdpPorts.free();
    /** The host's address on the overlay. */
    final String address;
    final Path dir;
    private final String cidr;
    private final String tap;
    private DaemonProcess daemon;
    private Netns host;

    /**
     * @param cidr the host's overlay address, e.g. {@code 198.18.90.1/24}.
     */
    MeshNode(final String name, final String cidr) throws Exception
    {
        this.name = name;
        this.cidr = cidr;
        this.address = cidr.substring(0, cidr.indexOf('/'));
        this.dir = Files.createTempDirectory("l2mesh-node-" + name);
        this.tap = Netns.uniqueLinkName(name);
        final Path keyFile = dir.resolve("node.key");
        Files.writeString(keyFile, key.privateBase64() + "\n");
        Files.setPosixFilePermissions(keyFile, PosixFilePermissions.fromString("rw-------"));
    }

    /**
     * @return this node as a static peer, one YAML list item under {@code peers:}.
     */
    String asPeer()
    {
        return "      - {name: %s, public-key: \"%s\", endpoint: \"127.0.0.1:%d\"}\n".formatted(name,
            key.publicBase64(), udpPort);
    }

    /**
     * Writes the config and starts the daemon.
     *
     * @param peers     YAML list items of the tunnel port's static peers ({@link #asPeer()}), or "".
     * @param tunnelExtra more YAML keys of the tunnel port (indented four spaces), or "".
     * @param top       more top-level YAML, or "".
     */
    void start(final String peers, final String tunnelExtra, final String top) throws Exception
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
                listen: 127.0.0.1:%d
                private-key-file: %s
                keepalive: 1
            %s    peers:
            %s%s""".formatted(dir.resolve("state"), socket(), tap, udpPort, dir.resolve("node.key"),
            tunnelExtra, peers.isEmpty() ? "      []\n" : peers, top));
        daemon = DaemonProcess.start(config, Map.of("L2MESH_JVM_OPTS", "-Xmx96m -XX:TieredStopAtLevel=1"));
        if (host == null)
        {
            host = Netns.create(name);
        }
        host.adopt(tap, cidr);
    }

    Path socket()
    {
        return dir.resolve("l2mesh.sock");
    }

    Netns host()
    {
        return host;
    }

    DaemonProcess daemon()
    {
        return daemon;
    }

    Cmd.Result ctl(final String... args)
    {
        final List<String> command = new ArrayList<>(List.of(DaemonProcess.LAUNCHER, "ctl", "--socket",
            socket().toString()));
        command.addAll(List.of(args));
        return Cmd.run(30_000, command);
    }

    JsonNode json(final String... args) throws Exception
    {
        final List<String> all = new ArrayList<>(List.of(args));
        all.add("--json");
        return ControlCodec.JSON.readTree(ctl(all.toArray(new String[0])).check().output());
    }

    /**
     * @return the result of one control request, asked over the control socket from this JVM (no CLI start-up:
     * for polling).
     */
    JsonNode call(final String command) throws Exception
    {
        try (io.l2mesh.control.cli.ControlClient client = io.l2mesh.control.cli.ControlClient.connect(socket()))
        {
            return client.call(command, ControlCodec.JSON.createObjectNode());
        }
    }

    /**
     * @return the names of the tunnel's peers.
     */
    List<String> peerNames() throws Exception
    {
        final List<String> names = new ArrayList<>();
        call("peer.list").forEach(p -> names.add(p.path("name").asText()));
        return names;
    }

    /**
     * @return the {@code registry:} section for this node, with {@code registry: true} on its tunnel port (pass
     * {@link #REGISTRY_PORT} as {@code tunnelExtra}).
     */
    static String registrySection(final String etcd, final Path authority, final Path certificate, final int ttl)
    {
        return """
            registry:
              etcd: ["%s"]
              mesh: test
              lease-ttl: %d
              authority: %s
              certificate: %s
            """.formatted(etcd, ttl, authority, certificate);
    }

    /** The tunnel port key that publishes the node in the registry. */
    static final String REGISTRY_PORT = "    registry: true\n";

    /**
     * @return the tunnel peer called {@code peer} as {@code peer list --json} shows it, or null.
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
        return null;
    }

    boolean ping(final MeshNode other, final int count)
    {
        return host.ping(other.address, count);
    }

    /**
     * Kills the daemon with SIGKILL, as a crash would.
     */
    void kill() throws InterruptedException
    {
        daemon.process().destroyForcibly().waitFor();
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
            if (host != null)
            {
                host.close();
            }
            Cmd.run(10_000, "rm", "-rf", dir.toString());
        }
    }
}
