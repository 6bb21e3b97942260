package io.l2mesh.control.server;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.l2mesh.control.protocol.ControlCodec;
import io.l2mesh.control.protocol.Request;
import io.l2mesh.switching.Switch;
import io.l2mesh.switching.fdb.MacTable;
import io.l2mesh.switching.port.Port;
import io.l2mesh.switching.stats.DropReason;
import io.l2mesh.switching.stats.PortStats;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code stats} and {@code stats.watch}: port counters, once or as a stream with rates. Control loop only.
 */
final class StatsCommands
{
    static final long MIN_WATCH_INTERVAL_MS = 100;
    static final long MAX_WATCH_INTERVAL_MS = 60_000;

    private final Switch sw;
    private final ControlServer server;

    StatsCommands(final Switch sw, final ControlServer server)
    {
        this.sw = sw;
        this.server = server;
    }

    private int portFilter(final Request request)
    {
        return CommandHandler.portFilter(sw, request);
    }

    ArrayNode stats(final Request request)
    {
        return stats(request, null, 0);
    }

    /**
     * @param previous per-port snapshots of the previous sample, for rates (null: no rates).
     */
    private ArrayNode stats(final Request request, final Map<String, PortStats> previous, final long elapsedNs)
    {
        final int portId = portFilter(request);
        final ArrayNode result = ControlCodec.JSON.createArrayNode();
        for (final Port port : sw.ports().ports())
        {
            if (portId != MacTable.NO_PORT && port.id() != portId)
            {
                continue;
            }
            final PortStats s = port.counters().snapshot();
            final ObjectNode p = result.addObject();
            p.put("port", port.name());
            p.put("rx_packets", s.rxPackets());
            p.put("rx_bytes", s.rxBytes());
            p.put("tx_packets", s.txPackets());
            p.put("tx_bytes", s.txBytes());
            p.put("rx_gso_frames", s.rxGsoFrames());
            p.put("tx_gso_frames", s.txGsoFrames());
            p.put("tx_software_segments", s.txSoftwareSegments());
            p.put("rx_coalesced", s.rxCoalesced());
            final ObjectNode drops = p.putObject("drops");
            for (final DropReason reason : DropReason.values())
            {
                drops.put(reason.label(), s.drops(reason));
            }
            if (previous != null)
            {
                final PortStats before = previous.get(port.name());
                if (before != null && elapsedNs > 0)
                {
                    final double seconds = elapsedNs / 1e9;
                    p.put("rx_pps", Math.round((s.rxPackets() - before.rxPackets()) / seconds));
                    p.put("tx_pps", Math.round((s.txPackets() - before.txPackets()) / seconds));
                    p.put("rx_bps", Math.round((s.rxBytes() - before.rxBytes()) * 8 / seconds));
                    p.put("tx_bps", Math.round((s.txBytes() - before.txBytes()) * 8 / seconds));
                }
                previous.put(port.name(), s);
            }
        }
        return result;
    }

    /**
     * Streams a stats sample every {@code interval_ms} ({@value MIN_WATCH_INTERVAL_MS}..
     * {@value MAX_WATCH_INTERVAL_MS}), with rates since the previous one, {@code count} times (0: until the
     * client leaves), then the end marker.
     */
    void statsWatch(final Request request, final ControlConnection connection)
    {
        final long intervalMs = request.number("interval_ms", 1000, MIN_WATCH_INTERVAL_MS, MAX_WATCH_INTERVAL_MS);
        final long count = request.number("count", 0, 0, Integer.MAX_VALUE);
        portFilter(request); // refuse an unknown port before the stream starts
        final Map<String, PortStats> previous = new HashMap<>();
        final AtomicLong sent = new AtomicLong();
        final long[] lastNs = {System.nanoTime()};
        stats(request, previous, 0);
        connection.stream(server.loop().scheduleAtFixedRate(() ->
        {
            if (connection.isClosed())
            {
                connection.endStream();
                return;
            }
            final long nowNs = System.nanoTime();
            final ObjectNode sample = ControlCodec.JSON.createObjectNode();
            sample.put("time_ms", System.currentTimeMillis());
            sample.set("ports", stats(request, previous, nowNs - lastNs[0]));
            lastNs[0] = nowNs;
            if (!connection.send(ControlCodec.streamItem(sample)))
            {
                connection.endStream(); // the client left mid-stream
                return;
            }
            if (count > 0 && sent.incrementAndGet() >= count)
            {
                connection.send(ControlCodec.streamEnd());
                connection.endStream();
            }
        }, intervalMs, intervalMs, TimeUnit.MILLISECONDS));
    }
}
