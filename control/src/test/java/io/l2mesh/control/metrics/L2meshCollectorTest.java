package io.l2mesh.control.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import io.l2mesh.control.cli.ControlClient;
import io.l2mesh.control.config.ConfigFile;
import io.l2mesh.control.config.ConfigStore;
import io.l2mesh.control.config.MetricsConfig;
import io.l2mesh.control.protocol.ControlCodec;
import io.l2mesh.control.server.Authorizer;
import io.l2mesh.control.server.ControlServer;
import io.l2mesh.switching.Switch;
import io.l2mesh.switching.SwitchContext;
import io.l2mesh.switching.port.MemoryPort;
import io.l2mesh.switching.stats.DropReason;
import io.l2mesh.switching.stats.PortCounters;
import io.l2mesh.switching.vlan.VlanRules;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The exporter over real HTTP against a running switch and control server: every family it can serve is the
 * list in docs/metrics.md, counters move with what the datapath and the control socket counted, and a port in use
 * is a clear error.
 */
class L2meshCollectorTest
{
    static final Path DOCS = Path.of("..", "docs", "metrics.md");
    private static final Pattern DOCUMENTED = Pattern.compile("^\\| `(l2mesh_[a-z0-9_]+)` \\|", Pattern.MULTILINE);

    @TempDir
    Path dir;
    private Switch sw;
    private ControlServer control;
    private MetricsExporter exporter;
    private MemoryPort port;

    @BeforeEach
    void start()
    {
        sw = Switch.start(new SwitchContext().loops(1));
        port = sw.addPort(id -> new MemoryPort(id, "m0", VlanRules.access(1), 1500, false, sw.loopCount(), 64));
        control = ControlServer.start(dir.resolve("ctl.sock"), 0600, Authorizer.system(null, null), sw,
            new ConfigStore(null, ConfigFile.loadDefault()), () -> { });
        exporter = MetricsExporter.start(new MetricsConfig(new InetSocketAddress("127.0.0.1", 0)),
            new L2meshCollector(sw, control, null));
    }

    @AfterEach
    void stop()
    {
        if (exporter != null)
        {
            exporter.close();
        }
        if (control != null)
        {
            control.close();
        }
        sw.close();
    }

    /**
     * @return the family names docs/metrics.md lists in its tables.
     */
    static Set<String> documented() throws Exception
    {
        final Set<String> names = new TreeSet<>();
        for (final Matcher m = DOCUMENTED.matcher(Files.readString(DOCS)); m.find(); )
        {
            names.add(m.group(1));
        }
        return names;
    }

    static String scrape(final int port) throws Exception
    {
        final HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + port + "/metrics")).timeout(Duration.ofSeconds(10)).build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        return response.body();
    }

    /**
     * @param selector the series as the text format writes it, e.g. {@code l2mesh_port_rx_packets_total{port="m0"}}.
     * @return its value, or NaN if the exposition has no such series.
     */
    static double value(final String exposition, final String selector)
    {
        for (final String line : exposition.split("\n"))
        {
            if (line.startsWith(selector + " "))
            {
                return Double.parseDouble(line.substring(selector.length() + 1).trim().split(" ")[0]);
            }
        }
        return Double.NaN;
    }

    @Test
    void shouldDocumentEveryFamilyItCanServeAndNoOther() throws Exception
    {
        final Set<String> served = new TreeSet<>(new L2meshCollector(sw, control, null).familyNames());
        assertThat(served).as("families served (docs/metrics.md must list exactly these)")
            .containsExactlyElementsOf(documented());
        assertThat(served).containsAll(L2meshCollector.registryFamilyNames());
    }

    @Test
    void shouldServeCountersThatMoveWithTheDatapathAndTheControlSocket() throws Exception
    {
        final String before = scrape(exporter.port());
        assertThat(value(before, "l2mesh_port_rx_packets_total{port=\"m0\"}")).isZero();
        assertThat(value(before, "l2mesh_port_drops_total{port=\"m0\",reason=\"mtu\"}")).isZero();
        assertThat(value(before, "l2mesh_port_up{kind=\"" + port.kind() + "\",port=\"m0\"}")).isEqualTo(1);
        assertThat(before).as("no tunnel port: no peer family").doesNotContain("l2mesh_peer_");

        // What a loop does for frames it read and one it dropped.
        final long[] slots = port.counters().loopSlots(0);
        PortCounters.add(slots, PortCounters.RX_PACKETS, 5);
        PortCounters.add(slots, PortCounters.RX_BYTES, 320);
        PortCounters.drop(slots, DropReason.MTU);
        sw.macTable().learn(1, 0x02_00_00_00_00_01L, port.id(), System.nanoTime());
        final JsonNode status;
        try (ControlClient client = ControlClient.connect(control.path()))
        {
            status = client.call("status", ControlCodec.JSON.createObjectNode());
            assertThatThrownBy(() -> client.call("no.such.command", ControlCodec.JSON.createObjectNode()))
                .hasMessageContaining("no.such.command");
        }
        assertThat(status).isNotNull();

        final String after = scrape(exporter.port());
        assertThat(value(after, "l2mesh_port_rx_packets_total{port=\"m0\"}")).isEqualTo(5);
        assertThat(value(after, "l2mesh_port_rx_bytes_total{port=\"m0\"}")).isEqualTo(320);
        assertThat(value(after, "l2mesh_port_drops_total{port=\"m0\",reason=\"mtu\"}")).isEqualTo(1);
        assertThat(value(after, "l2mesh_mac_table_entries")).isEqualTo(1);
        assertThat(value(after, "l2mesh_mac_table_limit")).isEqualTo(sw.macTable().limits().globalLimit());
        assertThat(value(after, "l2mesh_control_requests_total{result=\"ok\",role=\"admin\"}"))
            .as("the status request, from root").isEqualTo(1);
        assertThat(value(after, "l2mesh_control_requests_total{result=\"unknown_command\",role=\"admin\"}"))
            .isEqualTo(1);
        assertThat(value(after, "l2mesh_loop_busy_seconds_total{loop=\"0\"}")).isPositive();
        final double idle = value(after, "l2mesh_loop_idle_seconds_total{loop=\"0\"}");
        assertThat(idle).isGreaterThanOrEqualTo(0);
        Thread.sleep(200);
        assertThat(value(scrape(exporter.port()), "l2mesh_loop_idle_seconds_total{loop=\"0\"}"))
            .as("an idle loop's idle time grows").isGreaterThan(idle);
    }

    @Test
    void shouldRefuseAnAddressInUseClearly()
    {
        assertThatThrownBy(() -> MetricsExporter.start(new MetricsConfig(new InetSocketAddress("127.0.0.1",
            exporter.port())), new L2meshCollector(sw, control, null)))
            .isInstanceOf(UncheckedIOException.class)
            .hasMessageStartingWith("metrics: cannot listen on 127.0.0.1:" + exporter.port() + ": ");
    }
}
