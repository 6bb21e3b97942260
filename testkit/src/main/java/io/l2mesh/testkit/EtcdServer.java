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
 */
public final class EtcdServer implements AutoCloseable
{
    private static final long READY_TIMEOUT_MS = 20_000;

    private final Path dir;
    private final int clientPort;
    private final int peerPort;
    private Process process;

    private EtcdServer(final Path dir, final int clientPort, final int peerPort)
    {
        this.dir = dir;
        this.clientPort = clientPort;
        this.peerPort = peerPort;
    }

    public static EtcdServer start() throws IOException, InterruptedException
    {
        final EtcdServer etcd = new EtcdServer(Files.createTempDirectory("l2mesh-etcd"), freeTcpPort(),
            freeTcpPort());
        try
        {
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

    /**
     * @return the client URL, {@code http://127.0.0.1:PORT}.
     */
    public String endpoint()
    {
        return "http://127.0.0.1:" + clientPort;
    }

    /**
     * Starts etcd (again, on the same ports and data) and waits until it answers {@code /health}.
     */
    public void startAgain() throws IOException, InterruptedException
    {
        final String peer = "http://127.0.0.1:" + peerPort;
        process = new ProcessBuilder(List.of("etcd", "--name", "test", "--data-dir", dir.resolve("data").toString(),
            "--listen-client-urls", endpoint(), "--advertise-client-urls", endpoint(), "--listen-peer-urls", peer,
            "--initial-advertise-peer-urls", peer, "--initial-cluster", "test=" + peer, "--log-level", "warn"))
            .redirectErrorStream(true).redirectOutput(dir.resolve("etcd.log").toFile()).start();
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

    private boolean healthy()
    {
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
        final List<String> command = new java.util.ArrayList<>(List.of("env", "ETCDCTL_API=3", "etcdctl",
            "--endpoints", endpoint()));
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
