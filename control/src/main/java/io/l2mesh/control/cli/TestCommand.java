package io.l2mesh.control.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.l2mesh.control.protocol.ControlCodec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code l2mesh ctl test run}: the built-in traffic tester (RFC 2544 style) between two ports, across whatever
 * connects them (docs/tester.md).
 */
@Command(name = "test", mixinStandardHelpOptions = true, description = "The built-in traffic tester.",
    subcommands = {TestCommand.Run.class, TestCommand.Reflect.class})
final class TestCommand
{
    @ParentCommand
    CtlCommand ctl;

    private static final Pattern RATE = Pattern.compile(
        "([0-9]+(?:\\.[0-9]+)?)\\s*([kKmMgG]?)(fps|pps|bps|bit/s|bit|b/s)?");

    /**
     * @return {frames per second, 0} or {0, bits per second} from "10000", "14.88Mpps", "500kfps", "1Gbit/s",
     * "100Mbps".
     * @throws IllegalArgumentException for anything else, or a multiplier without a unit.
     */
    static double[] parseRate(final String text)
    {
        final Matcher m = RATE.matcher(text.strip());
        if (!m.matches() || !m.group(2).isEmpty() && m.group(3) == null)
        {
            throw new IllegalArgumentException("--rate '" + text + "': frames/s as a number (10000, 500kfps, " +
                "1.2Mpps) or bits/s with a unit (100Mbit/s, 1Gbps)");
        }
        final double multiplier = switch (m.group(2).toLowerCase(Locale.ROOT))
        {
            case "k" -> 1e3;
            case "m" -> 1e6;
            case "g" -> 1e9;
            default -> 1;
        };
        final double value = Double.parseDouble(m.group(1)) * multiplier;
        final boolean bits = m.group(3) != null && !m.group(3).equals("fps") && !m.group(3).equals("pps");
        return bits ? new double[] {0, value} : new double[] {value, 0};
    }

    @Command(name = "run", mixinStandardHelpOptions = true,
        description = "Send test frames out of one port and measure them where they arrive on another: loss, " +
            "reordering, duplicates, throughput and latency per frame size; with --search the highest rate with " +
            "at most --max-loss.")
    static final class Run implements Callable<Integer>
    {
        @ParentCommand
        TestCommand test;

        @Option(names = "--from", required = true, paramLabel = "PORT", description = "the port frames leave by")
        String from;

        @Option(names = "--to", required = true, paramLabel = "PORT", description = "the port they come back on")
        String to;

        @Option(names = "--size", split = ",", paramLabel = "BYTES",
            description = "frame sizes, FCS included (default: RFC 2544's 64,128,256,512,1024,1280,1518)")
        int[] sizes;

        @Option(names = "--rate", required = true, paramLabel = "R",
            description = "offered rate: frames/s (10000, 500kfps, 1.2Mpps) or bits/s with a unit (100Mbit/s); " +
                "with --search the highest to try")
        String rate;

        @Option(names = "--search", description = "RFC 2544's binary search for the highest rate with loss at " +
            "most --max-loss")
        boolean search;

        @Option(names = "--max-loss", paramLabel = "PERCENT", defaultValue = "0",
            description = "the loss --search accepts (default: ${DEFAULT-VALUE})")
        double maxLoss;

        @Option(names = "--duration", paramLabel = "S", defaultValue = "60",
            description = "seconds per trial (default: ${DEFAULT-VALUE})")
        int durationS;

        @Option(names = "--vlan", paramLabel = "VID", description = "tag the frames with this 802.1Q VLAN")
        Integer vlan;

        @Option(names = "--flows", paramLabel = "N", defaultValue = "1",
            description = "source MACs to spread the frames over (default: ${DEFAULT-VALUE})")
        int flows;

        @Option(names = "--report", paramLabel = "FILE",
            description = "also write an HTML report with the plots (throughput per size, latency histograms)")
        java.nio.file.Path report;

        @Override
        public Integer call()
        {
            final double[] parsed;
            try
            {
                parsed = parseRate(rate);
            }
            catch (final IllegalArgumentException ex)
            {
                System.err.println("l2mesh ctl: " + ex.getMessage());
                return picocli.CommandLine.ExitCode.USAGE;
            }
            final ObjectNode args = CtlCommand.args();
            args.put("from", from);
            args.put("to", to);
            if (sizes != null)
            {
                final ArrayNode list = args.putArray("sizes");
                for (final int size : sizes)
                {
                    list.add(size);
                }
            }
            if (parsed[0] > 0)
            {
                args.put("rate_fps", parsed[0]);
            }
            else
            {
                args.put("rate_bps", parsed[1]);
            }
            args.put("search", search);
            args.put("max_loss", maxLoss);
            args.put("duration_s", durationS);
            if (vlan != null)
            {
                args.put("vlan", vlan);
            }
            args.put("flows", flows);
            final CtlCommand ctl = test.ctl;
            return ctl.call((client, out) ->
            {
                if (!ctl.json)
                {
                    out.printf("%5s %12s %11s %11s %8s %5s %6s %12s %10s %9s %9s %9s %9s %9s %9s%n", "size",
                        "offered_fps", "sent", "received", "loss_%", "dup", "reord", "thru_fps", "thru_Mbps",
                        "min_us", "p50_us", "p90_us", "p99_us", "p99.9_us", "max_us");
                }
                final java.util.List<JsonNode> items = new java.util.ArrayList<>();
                client.stream("test.run", args, item ->
                {
                    items.add(item);
                    try
                    {
                        out.println(ctl.json ? ControlCodec.JSON.writeValueAsString(item) : row(item));
                    }
                    catch (final JsonProcessingException ex)
                    {
                        return false;
                    }
                    out.flush();
                    return !out.checkError();
                });
                if (report != null)
                {
                    TestReport.write(report, "l2mesh ctl test run " + String.join(" ", describe()), items);
                    if (!ctl.json)
                    {
                        out.println("report: " + report);
                    }
                }
                return 0;
            });
        }

        private java.util.List<String> describe()
        {
            final java.util.List<String> words = new java.util.ArrayList<>(java.util.List.of("--from", from, "--to",
                to, "--rate", rate, "--duration", Integer.toString(durationS), "--flows", Integer.toString(flows)));
            if (sizes != null)
            {
                words.add("--size");
                words.add(java.util.Arrays.toString(sizes).replaceAll("[\\[\\] ]", ""));
            }
            if (search)
            {
                words.add("--search");
                words.add("--max-loss");
                words.add(Double.toString(maxLoss));
            }
            if (vlan != null)
            {
                words.add("--vlan");
                words.add(Integer.toString(vlan));
            }
            return words;
        }

        private static String row(final JsonNode t)
        {
            if ("search".equals(t.path("type").asText()))
            {
                return String.format("search: %d-byte frames: highest rate with loss <= %.3f %%: %.0f frames/s " +
                    "(%.2f Mbit/s), %d trials", t.path("size").asInt(), t.path("max_loss").asDouble() * 100,
                    t.path("best_fps").asDouble(), t.path("best_bps").asDouble() / 1e6, t.path("trials").asInt());
            }
            final JsonNode l = t.path("latency_us");
            return String.format("%5d %12.0f %11d %11d %8.3f %5d %6d %12.0f %10.2f %9.1f %9.1f %9.1f %9.1f %9.1f " +
                "%9.1f", t.path("size").asInt(), t.path("offered_fps").asDouble(), t.path("sent").asLong(),
                t.path("received").asLong(), t.path("loss").asDouble() * 100, t.path("duplicates").asLong(),
                t.path("reordered").asLong(), t.path("throughput_fps").asDouble(),
                t.path("throughput_bps").asDouble() / 1e6, l.path("min").asDouble(), l.path("p50").asDouble(),
                l.path("p90").asDouble(), l.path("p99").asDouble(), l.path("p99_9").asDouble(),
                l.path("max").asDouble()) + (t.path("sender_limited").asBoolean() ? String.format(
                "  (sender limited: %.0f frames/s sent)", t.path("sent_fps").asDouble()) : "");
        }
    }

    @Command(name = "reflect", mixinStandardHelpOptions = true,
        description = "Send the tester's frames that arrive on PORT straight back (MACs swapped): the far end of a " +
            "test run through a tunnel from another l2mesh. Not saved; --off stops it.")
    static final class Reflect implements Callable<Integer>
    {
        @ParentCommand
        TestCommand test;

        @picocli.CommandLine.Parameters(index = "0", paramLabel = "PORT", description = "the port to reflect on")
        String port;

        @Option(names = "--off", description = "stop reflecting")
        boolean off;

        @Override
        public Integer call()
        {
            final ObjectNode args = CtlCommand.args();
            args.put("port", port);
            args.put("on", !off);
            return test.ctl.query("test.reflect", args, (result, out) -> out.println("port " +
                result.path("port").asText() + (result.path("reflects").asBoolean() ? " reflects" :
                " no longer reflects") + " test frames"));
        }
    }
}
