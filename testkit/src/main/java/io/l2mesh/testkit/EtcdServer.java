package io.l2mesh.testkit;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Debian's {@code etcd} (package {@code etcd-server}) for one test: a single member on 127.0.0.1 at ports free a
 * moment ago, its data in a directory of its own. It can be stopped and started again on the same ports and data
 * (an outage), or killed. {@link #close()} kills it and removes the directory, also after a failure.
 * <p>
 * {@link #startTls()}: the same over TLS with client certificates required ({@code --client-cert-auth}), from a
 * test CA that {@code openssl} makes in the directory (EC P-256, valid two days; the server's certificate names
 * IP 127.0.0.1). {@link #clientCertificate(String)} signs one more client.
 * <p>
 * {@link #startIn(Netns, String)}: the same in a test's network namespace, on one of its addresses (a registry on
 * a lab's "internet", reached by nodes behind NATs).
 */
public final class EtcdServer implements AutoCloseable
{
    private static final long READY_TIMEOUT_MS = 20_000;

    private final Path dir;
    private final int clientPort;
    private final int peerPort;
    private final boolean tls;
    private final Netns netns; // null: the root namespace
    private final String host;
    private Process process;

    /**
     * A client's certificate and key (PEM, the key PKCS#8), signed by the test CA.
     */
    public record ClientCertificate(Path cert, Path key)
    {
    }

    private EtcdServer(final Path dir, final int clientPort, final int peerPort, final boolean tls)
    {
        this(dir, clientPort, peerPort, tls, null, "127.0.0.1");
    }

    private EtcdServer(final Path dir, final int clientPort, final int peerPort, final boolean tls, final Netns netns,
        final String host)
    {
        this.netns = netns;
        this.host = host;
        this.dir = dir;
        this.clientPort = clientPort;
        this.peerPort = peerPort;
        this.tls = tls;
    }

    public static EtcdServer start() throws IOException, InterruptedException
    {
        return start(false);
    }

    public static EtcdServer startTls() throws IOException, InterruptedException
    {
        return start(true);
    }

    /**
     * Starts etcd in {@code netns}, listening on {@code host} (an address of the namespace) at ports 2379 and 2380
     * (the namespace is the test's own: nothing else has them).
     */
    public static EtcdServer startIn(final Netns netns, final String host) throws IOException, InterruptedException
    {
        return start(new EtcdServer(Files.createTempDirectory("l2mesh-etcd"), 2379, 2380, false, netns, host));
    }

    private static EtcdServer start(final boolean tls) throws IOException, InterruptedException
    {
        return start(new EtcdServer(Files.createTempDirectory("l2mesh-etcd"), freeTcpPort(), freeTcpPort(), tls));
    }

    private static EtcdServer start(final EtcdServer etcd) throws IOException, InterruptedException
    {
        final boolean tls = etcd.tls;
        try
        {
            if (tls)
            {
                etcd.makeCa();
            }
            etcd.startAgain();
        }
        catch (final IOException | RuntimeException ex)
        {
            etcd.close();
            throw ex;
        }
        return etcd;
    }

    private static int freeTcpPort() throws IOException
    {
        try (ServerSocket probe = new ServerSocket())
        {
            probe.bind(new InetSocketAddress("127.0.0.1", 0));
            return probe.getLocalPort();
        }
    }

    private void makeCa() throws IOException
    {
        final Path ca = dir.resolve("ca");
        Files.createDirectories(ca);
        Cmd.run(30_000, "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-nodes", "-keyout", ca.resolve("ca.key").toString(), "-out", caFile().toString(), "-days", "2", "-subj",
            "/CN=l2mesh test CA").check();
        sign("server", "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
        clientCertificate("etcdctl");
    }

    private ClientCertificate sign(final String name, final String extensions) throws IOException
    {
        final Path ca = dir.resolve("ca");
        final Path key = ca.resolve(name + ".key");
        final Path csr = ca.resolve(name + ".csr");
        final Path cert = ca.resolve(name + ".pem");
        final Path ext = ca.resolve(name + ".ext");
        Files.writeString(ext, extensions);
        Cmd.run(30_000, "openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", key.toString(), "-out", csr.toString(), "-subj", "/CN=" + name).check();
        Cmd.run(30_000, "openssl", "x509", "-req", "-in", csr.toString(), "-CA", caFile().toString(), "-CAkey",
            ca.resolve("ca.key").toString(), "-CAcreateserial", "-out", cert.toString(), "-days", "2", "-extfile",
            ext.toString()).check();
        return new ClientCertificate(cert, key);
    }

    /**
     * @return a new client certificate for {@code name}, signed by the test CA (TLS only).
     */
    public ClientCertificate clientCertificate(final String name) throws IOException
    {
        if (!tls)
        {
            throw new IllegalStateException("etcd runs without TLS");
        }
        return sign(name, "extendedKeyUsage=clientAuth\n");
    }

    /**
     * @return the test CA's certificate (TLS only), what clients trust.
     */
    public Path caFile()
    {
        return dir.resolve("ca").resolve("ca.pem");
    }

    /**
     * @return the client URL, {@code http://127.0.0.1:PORT} ({@code https} with TLS).
     */
    public String endpoint()
    {
        return (tls ? "https" : "http") + "://" + host + ":" + clientPort;
    }

    /**
     * Starts etcd (again, on the same ports and data) and waits until it answers {@code /health}.
     */
    public void startAgain() throws IOException, InterruptedException
    {
        final String peer = "http://" + host + ":" + peerPort;
        final List<String> command = new java.util.ArrayList<>(inNetns());
        command.addAll(List.of("etcd", "--name", "test", "--data-dir",
            dir.resolve("data").toString(), "--listen-client-urls", endpoint(), "--advertise-client-urls", endpoint(),
            "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer, "--initial-cluster", "test=" + peer,
            "--log-level", "warn"));
        if (tls)
        {
            final Path ca = dir.resolve("ca");
            command.addAll(List.of("--cert-file", ca.resolve("server.pem").toString(), "--key-file",
                ca.resolve("server.key").toString(), "--trusted-ca-file", caFile().toString(),
                "--client-cert-auth"));
        }
        process = new ProcessBuilder(command).redirectErrorStream(true)
            .redirectOutput(dir.resolve("etcd.log").toFile()).start();
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(READY_TIMEOUT_MS);
        while (System.nanoTime() < deadline)
        {
            if (!process.isAlive())
            {
                throw new IllegalStateException("etcd exited: " + Files.readString(dir.resolve("etcd.log")));
            }
            if (healthy())
            {
                return;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("etcd not healthy within " + READY_TIMEOUT_MS + " ms: " +
            Files.readString(dir.resolve("etcd.log")));
    }

    private List<String> inNetns()
    {
        return netns == null ? List.of() : List.of("ip", "netns", "exec", netns.name());
    }

    private boolean healthy()
    {
        if (tls || netns != null)
        {
            return etcdctl("--dial-timeout", "1s", "endpoint", "health").exitCode() == 0;
        }
        try
        {
            final HttpURLConnection http = (HttpURLConnection)URI.create(endpoint() + "/health").toURL()
                .openConnection();
            http.setConnectTimeout(500);
            http.setReadTimeout(500);
            try
            {
                return http.getResponseCode() == 200;
            }
            finally
            {
                http.disconnect();
            }
        }
        catch (final IOException ex)
        {
            return false;
        }
    }

    /**
     * Stops etcd (SIGTERM, then SIGKILL after 5 s); {@link #startAgain()} brings it back.
     */
    public void stop() throws InterruptedException
    {
        if (process != null && process.isAlive())
        {
            process.destroy();
            if (!process.waitFor(5, TimeUnit.SECONDS))
            {
                process.destroyForcibly().waitFor();
            }
        }
    }

    /**
     * @return {@code etcdctl} run against this server with {@code args}.
     */
    public Cmd.Result etcdctl(final String... args)
    {
        final List<String> command = new java.util.ArrayList<>(inNetns());
        command.addAll(List.of("env", "ETCDCTL_API=3", "etcdctl", "--endpoints", endpoint()));
        if (tls)
        {
            final Path ca = dir.resolve("ca");
            command.addAll(List.of("--cacert", caFile().toString(), "--cert", ca.resolve("etcdctl.pem").toString(),
                "--key", ca.resolve("etcdctl.key").toString()));
        }
        command.addAll(List.of(args));
        return Cmd.run(15_000, command);
    }

    @Override
    public void close() throws InterruptedException
    {
        if (process != null)
        {
            process.destroyForcibly().waitFor();
        }
        Cmd.run(10_000, "rm", "-rf", dir.toString());
    }
}
