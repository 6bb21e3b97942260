package io.l2mesh.control.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The report of a {@code test run --report FILE}: one self-contained HTML file with the results table, a chart of
 * the throughput per frame size, and a latency histogram per frame size, as PNG images inside it (JFreeChart,
 * rendered headless).
 */
final class TestReport
{
    private static final int WIDTH = 900;
    private static final int HEIGHT = 420;

    private TestReport()
    {
    }

    /**
     * Writes the report of {@code items} (the stream items of test.run) to {@code file}.
     */
    static void write(final Path file, final String command, final List<JsonNode> items) throws IOException
    {
        System.setProperty("java.awt.headless", "true");
        final List<JsonNode> trials = new ArrayList<>();
        final List<JsonNode> searches = new ArrayList<>();
        for (final JsonNode item : items)
        {
            ("search".equals(item.path("type").asText()) ? searches : trials).add(item);
        }
        final StringBuilder html = new StringBuilder();
        html.append("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>l2mesh test report</title>")
            .append("<style>body{font-family:sans-serif}td,th{padding:2px 8px;text-align:right}</style></head>")
            .append("<body>\n<h1>l2mesh test report</h1>\n<p><code>").append(escape(command)).append("</code></p>\n");
        html.append("<h2>Trials</h2>\n<table><tr><th>size</th><th>offered fps</th><th>sent</th><th>received</th>")
            .append("<th>loss %</th><th>dup</th><th>reord</th><th>Mbit/s</th><th>min us</th><th>p50 us</th>")
            .append("<th>p90 us</th><th>p99 us</th><th>p99.9 us</th><th>max us</th></tr>\n");
        for (final JsonNode t : trials)
        {
            final JsonNode l = t.path("latency_us");
            html.append(String.format(Locale.ROOT, "<tr><td>%d</td><td>%.0f</td><td>%d</td><td>%d</td><td>%.3f</td>" +
                "<td>%d</td><td>%d</td><td>%.2f</td><td>%.1f</td><td>%.1f</td><td>%.1f</td><td>%.1f</td><td>%.1f</td>" +
                "<td>%.1f</td></tr>%n", t.path("size").asInt(), t.path("offered_fps").asDouble(),
                t.path("sent").asLong(), t.path("received").asLong(), t.path("loss").asDouble() * 100,
                t.path("duplicates").asLong(), t.path("reordered").asLong(),
                t.path("throughput_bps").asDouble() / 1e6, l.path("min").asDouble(), l.path("p50").asDouble(),
                l.path("p90").asDouble(), l.path("p99").asDouble(), l.path("p99_9").asDouble(),
                l.path("max").asDouble()));
        }
        html.append("</table>\n");
        for (final JsonNode s : searches)
        {
            html.append(String.format(Locale.ROOT, "<p>search: %d-byte frames: highest rate with loss &lt;= %.3f %%: " +
                "%.0f frames/s (%.2f Mbit/s), %d trials</p>%n", s.path("size").asInt(),
                s.path("max_loss").asDouble() * 100, s.path("best_fps").asDouble(),
                s.path("best_bps").asDouble() / 1e6, s.path("trials").asInt()));
        }
        html.append("<h2>Throughput per frame size</h2>\n").append(image(throughput(trials, searches)));
        html.append("<h2>Latency</h2>\n");
        for (final Map.Entry<Integer, JsonNode> last : lastTrialPerSize(trials).entrySet())
        {
            html.append(image(latency(last.getKey(), last.getValue())));
        }
        html.append("</body></html>\n");
        Files.writeString(file, html.toString(), StandardCharsets.UTF_8);
    }

    private static Map<Integer, JsonNode> lastTrialPerSize(final List<JsonNode> trials)
    {
        final Map<Integer, JsonNode> last = new LinkedHashMap<>();
        for (final JsonNode t : trials)
        {
            last.put(t.path("size").asInt(), t);
        }
        return last;
    }

    private static JFreeChart throughput(final List<JsonNode> trials, final List<JsonNode> searches)
    {
        final DefaultCategoryDataset data = new DefaultCategoryDataset();
        if (!searches.isEmpty())
        {
            for (final JsonNode s : searches)
            {
                data.addValue(s.path("best_bps").asDouble() / 1e6, "highest rate within the loss",
                    Integer.valueOf(s.path("size").asInt()));
            }
        }
        else
        {
            for (final Map.Entry<Integer, JsonNode> e : lastTrialPerSize(trials).entrySet())
            {
                data.addValue(e.getValue().path("offered_bps").asDouble() / 1e6, "offered", e.getKey());
                data.addValue(e.getValue().path("throughput_bps").asDouble() / 1e6, "received", e.getKey());
            }
        }
        return ChartFactory.createBarChart("Throughput per frame size", "frame size (bytes)", "Mbit/s", data,
            PlotOrientation.VERTICAL, true, false, false);
    }

    private static JFreeChart latency(final int size, final JsonNode trial)
    {
        final XYSeries series = new XYSeries(size + "-byte frames");
        for (final JsonNode bucket : trial.path("latency_histogram_us"))
        {
            series.add(bucket.get(0).asDouble(), bucket.get(1).asDouble());
        }
        final JFreeChart chart = ChartFactory.createXYStepChart("Latency, " + size + "-byte frames (p50 " +
            String.format(Locale.ROOT, "%.1f us, p99 %.1f us)", trial.path("latency_us").path("p50").asDouble(),
            trial.path("latency_us").path("p99").asDouble()), "latency (us, bucket upper bound)", "frames",
            new XYSeriesCollection(series), PlotOrientation.VERTICAL, false, false, false);
        final XYPlot plot = chart.getXYPlot();
        if (series.getItemCount() > 0)
        {
            final LogAxis axis = new LogAxis("latency (us, bucket upper bound)");
            axis.setBase(2);
            axis.setNumberFormatOverride(new java.text.DecimalFormat("#,##0.#"));
            plot.setDomainAxis(axis);
        }
        return chart;
    }

    private static String image(final JFreeChart chart) throws IOException
    {
        final ByteArrayOutputStream png = new ByteArrayOutputStream();
        ChartUtils.writeChartAsPNG(png, chart, WIDTH, HEIGHT);
        return "<p><img alt=\"" + escape(chart.getTitle().getText()) + "\" src=\"data:image/png;base64," +
            Base64.getEncoder().encodeToString(png.toByteArray()) + "\"></p>\n";
    }

    private static String escape(final String text)
    {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
