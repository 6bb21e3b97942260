package io.l2mesh.testkit;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Debian's {@code prometheus} server (package {@code prometheus}) for one test: on 127.0.0.1 at a port free a
 * moment ago, scraping the given targets every second, its data in a directory of its own. {@link #close()} kills
 * it and removes the directory, also after a failure. {@link #promtool} runs Debian's {@code promtool}.
 */
public final class PrometheusServer implements AutoCloseable
{
    private static final long READY_TIMEOUT_MS = 30_000;

    private final Path dir;
    private final int port;
    private Process process;

    private PrometheusServer(final Path dir, final int port)
    {
        this.dir = dir;
        this.port = port;
    }

    /**
     * Starts Prometheus scraping {@code targets} ("127.0.0.1:9469") as job {@code l2mesh} every second, and waits
     * until it is ready.
     */
    public static PrometheusServer start(final List<String> targets) throws IOException, InterruptedException
    {
        final PrometheusServer server = new PrometheusServer(Files.createTempDirectory("l2mesh-prometheus"),
            freeTcpPort());
        try
        {
            server.run(targets);
        }
        catch (final IOException | RuntimeException ex)
        {
            server.close();
            throw ex;
        }
        return server;
    }

    private static int freeTcpPort() throws IOException
    {
        try (ServerSocket probe = new ServerSocket())
        {
            probe.bind(new InetSocketAddress("127.0.0.1", 0));
            return probe.getLocalPort();
        }
    }

    private void run(final List<String> targets) throws IOException, InterruptedException
    {
        final Path config = dir.resolve("prometheus.yml");
        Files.writeString(config, """
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
              evaluation_interval: 1s
            scrape_configs:
              - job_name: l2mesh
                static_configs:
                  - targets: [%s]
            """.formatted(targets.stream().map(t -> "\"" + t + "\"").collect(Collectors.joining(", "))));
        final Cmd.Result checked = promtool("check", "config", config.toString());
        if (checked.exitCode() != 0)
        {
            throw new IllegalStateException("promtool refused the test's config: " + checked.output());
        }
        process = new ProcessBuilder("prometheus", "--config.file=" + config,
            "--storage.tsdb.path=" + dir.resolve("data"), "--web.listen-address=127.0.0.1:" + port,
            "--log.level=warn").redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile())
            .start();
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(READY_TIMEOUT_MS);
        while (System.nanoTime() < deadline)
        {
            if (!process.isAlive())
            {
                throw new IllegalStateException("prometheus exited: " + log());
            }
            if (get("/-/ready") != null)
            {
                return;
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("prometheus not ready within " + READY_TIMEOUT_MS + " ms: " + log());
    }

    /**
     * @return what the server logged so far.
     */
    public String log() throws IOException
    {
        return Files.readString(dir.resolve("prometheus.log"));
    }

    /**
     * @return the JSON answer of an instant query through the HTTP API ({@code /api/v1/query}), or null if the
     * server did not answer 200.
     */
    public String query(final String promql)
    {
        return get("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
    }

    /**
     * @return the JSON answer of {@code /api/v1/targets}, or null.
     */
    public String targets()
    {
        return get("/api/v1/targets");
    }

    private String get(final String pathAndQuery)
    {
        try
        {
            final HttpURLConnection http = (HttpURLConnection)URI.create("http://127.0.0.1:" + port + pathAndQuery)
                .toURL().openConnection();
            http.setConnectTimeout(1_000);
            http.setReadTimeout(5_000);
            try
            {
                if (http.getResponseCode() != 200)
                {
                    return null;
                }
                try (var in = http.getInputStream())
                {
                    return new String(in.readAllBytes(), StandardCharsets.UTF_8);
                }
            }
            finally
            {
                http.disconnect();
            }
        }
        catch (final IOException ex)
        {
            return null;
        }
    }

    /**
     * @return Debian's {@code promtool} run with {@code args}.
     */
    public static Cmd.Result promtool(final String... args)
    {
        final List<String> command = new java.util.ArrayList<>(List.of("promtool"));
        command.addAll(List.of(args));
        return Cmd.run(30_000, command);
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
