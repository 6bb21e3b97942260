package io.l2mesh.control.metrics;

import io.l2mesh.control.config.MetricsConfig;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The Prometheus exporter ({@code metrics: {listen: ...}}): Prometheus's own HTTP server on its own threads,
 * serving {@code /metrics} (text or OpenMetrics, as the scraper asks) from a registry that holds only the
 * {@link L2meshCollector}. At most {@value #THREADS} scrapes run at once and {@value #QUEUE} wait; beyond that the
 * server's dispatcher thread answers the next one itself, so a flood of scrapes slows scrapes, never the switch,
 * and takes bounded memory.
 */
public final class MetricsExporter implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(MetricsExporter.class);
    static final int THREADS = 2;
    static final int QUEUE = 16;

    private final HTTPServer server;
    private final ThreadPoolExecutor executor;

    private MetricsExporter(final HTTPServer server, final ThreadPoolExecutor executor)
    {
        this.server = server;
        this.executor = executor;
    }

    /**
     * Listens on {@code config.listen()} and serves {@code collector}.
     *
     * @throws UncheckedIOException if the address cannot be bound (in use, not this machine's).
     */
    public static MetricsExporter start(final MetricsConfig config, final L2meshCollector collector)
    {
        final PrometheusRegistry registry = new PrometheusRegistry();
        registry.register(collector);
        final AtomicInteger index = new AtomicInteger();
        final ThreadPoolExecutor executor = new ThreadPoolExecutor(THREADS, THREADS, 60, TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(QUEUE), r ->
            {
                final Thread thread = new Thread(r, "l2mesh-metrics-" + index.getAndIncrement());
                thread.setDaemon(true);
                return thread;
            }, new ThreadPoolExecutor.CallerRunsPolicy());
        executor.allowCoreThreadTimeOut(true);
        try
        {
            final HTTPServer server = HTTPServer.builder().inetAddress(config.listen().getAddress())
                .port(config.listen().getPort()).registry(registry).executorService(executor).buildAndStart();
            LOG.info("metrics: serving http://{}/metrics", config.listenText());
            return new MetricsExporter(server, executor);
        }
        catch (final IOException ex)
        {
            executor.shutdownNow();
            throw new UncheckedIOException("metrics: cannot listen on " + config.listenText() + ": " + ex.getMessage(),
                ex);
        }
    }

    /**
     * @return the TCP port it listens on.
     */
    public int port()
    {
        return server.getPort();
    }

    @Override
    public void close()
    {
        server.close();
        executor.shutdownNow();
    }
}
