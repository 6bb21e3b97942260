package io.l2mesh.control.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.l2mesh.control.protocol.ControlCodec;
import io.l2mesh.switching.stats.DropReason;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * {@code l2mesh ctl stats}: see {@link CtlCommand}.
 */
@Command(name = "stats", mixinStandardHelpOptions = true,
    description = "Per-port counters; --watch streams them with rates. Drop columns that are 0 on every port are "
        + "left out unless --all.")
final class StatsCommand implements Callable<Integer>
{
    @ParentCommand
    CtlCommand ctl;

    @Option(names = "--port", paramLabel = "NAME", description = "only this port")
    String port;

    @Option(names = "--watch", description = "print a sample every --interval")
    boolean watch;

    @Option(names = "--interval", paramLabel = "MS", description = "watch interval in ms (default: 1000)")
    long intervalMs = 1000;

    @Option(names = "--count", paramLabel = "N", description = "watch samples, 0 for no end (default: 0)")
    long count;

    @Option(names = "--all", description = "every drop column, also those at 0 on every port")
    boolean all;

    @Option(names = {"-H", "--human"},
        description = "human units: k/M/G for packets and pps, KiB/MiB/GiB for bytes, bit/s for rates")
    boolean human;

    @Override
    public Integer call()
    {
        return ctl.call((client, out) ->
        {
            final ObjectNode args = CtlCommand.args();
            if (port != null)
            {
                args.put("port", port);
            }
            if (!watch)
            {
                final JsonNode result = client.call("stats", args);
                out.print(ctl.json ? CtlCommand.pretty(result) + "\n" : table(result, false, all, human, EnumSet.noneOf(
                    DropReason.class)));
                return 0;
            }
            args.put("interval_ms", intervalMs);
            args.put("count", count);
            final Set<DropReason> shown = EnumSet.noneOf(DropReason.class); // a column, once shown, stays
            client.stream("stats.watch", args, sample ->
            {
                try
                {
                    out.print(ctl.json ? ControlCodec.JSON.writeValueAsString(sample) + "\n" :
                        table(sample.path("ports"), true, all, human, shown) + "\n");
                    out.flush();
                    return !out.checkError();
                }
                catch (final JsonProcessingException ex)
                {
                    return false;
                }
            });
            return 0;
        });
    }

    /**
     * @param shown drop reasons shown before (kept in watch mode); the reasons shown now are added.
     */
    static String table(final JsonNode ports, final boolean rates, final boolean all, final boolean human,
        final Set<DropReason> shown)
    {
        for (final DropReason reason : DropReason.values())
        {
            for (final JsonNode p : ports)
            {
                if (all || p.path("drops").path(reason.label()).asLong() != 0)
                {
                    shown.add(reason);
                }
            }
        }
        final List<String> headers = new ArrayList<>(List.of("port", "rx_packets", "rx_bytes", "tx_packets",
            "tx_bytes"));
        if (rates)
        {
            headers.addAll(List.of("rx_pps", "tx_pps", "rx_bps", "tx_bps"));
        }
        for (final DropReason reason : shown)
        {
            headers.add("drop_" + reason.label());
        }
        final TableRenderer table = new TableRenderer(headers.toArray(new String[0]));
        for (final JsonNode p : ports)
        {
            final List<Object> row = new ArrayList<>(List.of(p.path("port").asText(),
                count(p.path("rx_packets").asLong(), human), bytes(p.path("rx_bytes").asLong(), human),
                count(p.path("tx_packets").asLong(), human), bytes(p.path("tx_bytes").asLong(), human)));
            if (rates)
            {
                row.addAll(List.of(count(p.path("rx_pps").asLong(), human), count(p.path("tx_pps").asLong(), human),
                    bits(p.path("rx_bps").asLong(), human), bits(p.path("tx_bps").asLong(), human)));
            }
            for (final DropReason reason : shown)
            {
                row.add(count(p.path("drops").path(reason.label()).asLong(), human));
            }
            table.row(row.toArray());
        }
        return table.render();
    }

    private static Object count(final long value, final boolean human)
    {
        return human ? HumanUnits.count(value) : value;
    }

    private static Object bytes(final long value, final boolean human)
    {
        return human ? HumanUnits.bytes(value) : value;
    }

    private static Object bits(final long value, final boolean human)
    {
        return human ? HumanUnits.bitsPerSecond(value) : value;
    }
}
