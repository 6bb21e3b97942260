package io.l2mesh.control.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.l2mesh.control.protocol.ControlCodec;
import io.l2mesh.switching.stats.DropReason;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.util.concurrent.Callable;

/**
 * {@code l2mesh ctl stats}: see {@link CtlCommand}.
 */
@Command(name = "stats", mixinStandardHelpOptions = true,
    description = "Per-port counters; --watch streams them with rates.")
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
                out.print(ctl.json ? CtlCommand.pretty(result) + "\n" : table(result, false));
                return 0;
            }
            args.put("interval_ms", intervalMs);
            args.put("count", count);
            client.stream("stats.watch", args, sample ->
            {
                try
                {
                    out.print(ctl.json ? ControlCodec.JSON.writeValueAsString(sample) + "\n" :
                        table(sample.path("ports"), true) + "\n");
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

    private static String table(final JsonNode ports, final boolean rates)
    {
        final java.util.List<String> headers = new java.util.ArrayList<>(java.util.List.of(
            "port", "rx_packets", "rx_bytes", "tx_packets", "tx_bytes"));
        if (rates)
        {
            headers.addAll(java.util.List.of("rx_pps", "tx_pps", "rx_bps", "tx_bps"));
        }
        for (final DropReason reason : DropReason.values())
        {
            headers.add("drop_" + reason.label());
        }
        final TableRenderer table = new TableRenderer(headers.toArray(new String[0]));
        for (final JsonNode p : ports)
        {
            final java.util.List<Object> row = new java.util.ArrayList<>(java.util.List.of(p.path("port").asText(),
                p.path("rx_packets").asLong(), p.path("rx_bytes").asLong(), p.path("tx_packets").asLong(),
                p.path("tx_bytes").asLong()));
            if (rates)
            {
                row.addAll(java.util.List.of(p.path("rx_pps").asLong(), p.path("tx_pps").asLong(),
                    p.path("rx_bps").asLong(), p.path("tx_bps").asLong()));
            }
            for (final DropReason reason : DropReason.values())
            {
                row.add(p.path("drops").path(reason.label()).asLong());
            }
            table.row(row.toArray());
        }
        return table.render();
    }
}
