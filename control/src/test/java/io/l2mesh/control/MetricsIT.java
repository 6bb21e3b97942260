package io.l2mesh.control;

import com.fasterxml.jackson.databind.JsonNode;
import io.l2mesh.control.metrics.L2meshCollector;
import io.l2mesh.control.protocol.ControlCodec;
import io.l2mesh.testkit.Cmd;
import io.l2mesh.testkit.PrometheusServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Debian's Prometheus scrapes a running l2mesh: two daemons joined by a tunnel, the exporter on node a, pings from
 * a's host to b's. Prometheus's HTTP API gives back the peer counter that moved with the pings, {@code promtool
 * check metrics} accepts the exposition, every family served is the list in docs/metrics.md (those of the
 * registry aside: this node has none), and every query of examples/monitoring's Grafana dashboard runs on the
 * server and charts served metrics. Needs root.
 */
@Timeout(240)
class MetricsIT
{
    private static final Path DOCS = Path.of("..", "docs", "metrics.md");
    private static final Path DASHBOARD = Path.of("..", "examples", "monitoring", "grafana-dashboard.json");
    private static final Pattern METRIC = Pattern.compile("l2mesh_[a-z0-9_]+");
    private static final Pattern DOCUMENTED = Pattern.compile("^\\| `(l2mesh_[a-z0-9_]+)` \\|", Pattern.MULTILINE);
    private static final Pattern SAMPLE = Pattern.compile("^(l2mesh_[a-z0-9_]+)[{ ]", Pattern.MULTILINE);
    private static final int PINGS = 40;

    private final List<MeshNode> nodes = new ArrayList<>();

    @AfterEach
    void stop() throws Exception
    {
        for (final MeshNode node : nodes)
        {
            node.close();
        }
    }

    private static int freeTcpPort() throws Exception
    {
        try (ServerSocket probe = new ServerSocket())
        {
            probe.bind(new InetSocketAddress("127.0.0.1", 0));
            return probe.getLocalPort();
        }
    }

    private static String metricsOn(final int port)
    {
        return "metrics:\n  listen: 127.0.0.1:" + port + "\n";
    }

    private static String scrape(final int port) throws Exception
    {
        final HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + port + "/metrics")).timeout(Duration.ofSeconds(10)).build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("GET /metrics").isEqualTo(200);
        return response.body();
    }

    /**
     * @return the value of the first series of an instant query, or -1 if it has none (yet).
     */
    private static double queryValue(final PrometheusServer prometheus, final String promql) throws Exception
    {
        final String answer = prometheus.query(promql);
        if (answer == null)
        {
            return -1;
        }
        final JsonNode result = ControlCodec.JSON.readTree(answer).path("data").path("result");
        return result.isEmpty() ? -1 : result.get(0).path("value").get(1).asDouble();
    }

    private static double waitFor(final PrometheusServer prometheus, final String promql, final double atLeast,
        final long withinMs) throws Exception
    {
        final long deadline = System.nanoTime() + withinMs * 1_000_000L;
        double value = queryValue(prometheus, promql);
        while (value < atLeast && System.nanoTime() < deadline)
        {
            Thread.sleep(250);
            value = queryValue(prometheus, promql);
        }
        return value;
    }

    @Test
    void shouldBeScrapedByPrometheusWithCountersThatMoveWithTraffic() throws Exception
    {
        final MeshNode a = new MeshNode("ma", "198.18.92.1/24");
        nodes.add(a);
        final MeshNode b = new MeshNode("mb", "198.18.92.2/24");
        nodes.add(b);
        final int aMetrics = freeTcpPort();
        a.start(b.asPeer(), "", metricsOn(aMetrics));
        b.start(a.asPeer(), "", metricsOn(freeTcpPort()));
        assertThat(a.daemon().output()).contains("l2mesh: metrics on http://127.0.0.1:" + aMetrics + "/metrics");
        assertThat(a.ping(b, 2)).as("a -> b over the tunnel").isTrue();

        final Set<String> charted = new TreeSet<>();
        try (PrometheusServer prometheus = PrometheusServer.start(List.of("127.0.0.1:" + aMetrics)))
        {
            assertThat(waitFor(prometheus, "up{job=\"l2mesh\"}", 1, 20_000)).as("target up; targets: %s",
                prometheus.targets()).isEqualTo(1);
            final String peerRx = "l2mesh_peer_rx_packets_total{port=\"mesh0\",peer=\"mb\"}";
            final double before = waitFor(prometheus, peerRx, 0, 10_000);
            assertThat(before).as("%s scraped", peerRx).isGreaterThanOrEqualTo(0);

            final Cmd.Result pinged = a.host().run(60_000, "ping", "-q", "-c", Integer.toString(PINGS), "-i", "0.02",
                "-W", "2", b.address);
            assertThat(pinged.output()).contains(" 0% packet loss");
            final double after = waitFor(prometheus, peerRx, before + PINGS, 20_000);
            System.out.printf("MetricsIT: %s before %.0f, after %d pings %.0f (Prometheus API)%n", peerRx, before,
                PINGS, after);
            assertThat(after).as("the echo replies from b, read back through Prometheus's API; log: %s",
                prometheus.log()).isGreaterThanOrEqualTo(before + PINGS);
            assertThat(queryValue(prometheus, "l2mesh_peer_up{peer=\"mb\"}")).isEqualTo(1);
            final double rtt = waitFor(prometheus, "l2mesh_peer_rtt_seconds{peer=\"mb\"}", 0, 10_000);
            assertThat(rtt).as("the in-session probes' round trip over loopback").isBetween(0.0, 0.05);
            assertThat(queryValue(prometheus, "l2mesh_peer_handshakes_total{peer=\"mb\"}")).isGreaterThanOrEqualTo(1);
            a.ctl("status").check();
            assertThat(waitFor(prometheus, "l2mesh_control_requests_total{role=\"admin\",result=\"ok\"}", 1,
                10_000)).as("root's l2mesh ctl status").isGreaterThanOrEqualTo(1);

            // Every query of the example dashboard parses and runs against the real server.
            for (final JsonNode panel : ControlCodec.JSON.readTree(Files.readString(DASHBOARD)).path("panels"))
            {
                for (final JsonNode target : panel.path("targets"))
                {
                    final String expr = target.path("expr").asText().replace("$__rate_interval", "1m")
                        .replace("$instance", ".+");
                    final String answer = prometheus.query(expr);
                    assertThat(answer).as("dashboard panel '%s': %s", panel.path("title").asText(), expr).isNotNull()
                        .contains("\"status\":\"success\"");
                    for (final Matcher m = METRIC.matcher(expr); m.find(); )
                    {
                        charted.add(m.group());
                    }
                }
            }
        }

        final String exposition = scrape(aMetrics);
        final Path file = a.dir.resolve("metrics.txt");
        Files.writeString(file, exposition);
        final Cmd.Result lint = Cmd.run(30_000, "sh", "-c", "promtool check metrics < " + file);
        assertThat(lint.exitCode()).as("promtool check metrics: %s", lint.output()).isZero();
        final Cmd.Result example = PrometheusServer.promtool("check", "config",
            Path.of("..", "examples", "monitoring", "prometheus.yml").toString());
        assertThat(example.exitCode()).as("the example's prometheus.yml: %s", example.output()).isZero();

        final Set<String> served = new TreeSet<>();
        for (final Matcher m = SAMPLE.matcher(exposition); m.find(); )
        {
            served.add(m.group(1));
        }
        final Set<String> documented = new TreeSet<>();
        for (final Matcher m = DOCUMENTED.matcher(Files.readString(DOCS)); m.find(); )
        {
            documented.add(m.group(1));
        }
        assertThat(documented).as("served families docs/metrics.md lists").containsAll(served);
        assertThat(served).as("metrics the example dashboard charts").containsAll(charted);
        final Set<String> unserved = new TreeSet<>(documented);
        unserved.removeAll(served);
        assertThat(unserved).as("documented but not served (only the registry's, and the relay's pairs may be: " +
            "this node has no registry and relays for no one)")
            .isSubsetOf(L2meshCollector.familiesSometimesAbsent());
        assertThat(served).as("a peer on its path").contains("l2mesh_peer_path_seconds");
    }
}
