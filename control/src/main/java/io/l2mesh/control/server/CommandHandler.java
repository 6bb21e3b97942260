package io.l2mesh.control.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.l2mesh.control.protocol.ControlCodec;
import io.l2mesh.control.protocol.ControlException;
import io.l2mesh.control.protocol.ErrorCode;
import io.l2mesh.control.protocol.Request;
import io.l2mesh.switching.Switch;
import io.l2mesh.switching.fdb.MacEntry;
import io.l2mesh.switching.fdb.MacTable;
import io.l2mesh.switching.frame.MacAddresses;
import io.l2mesh.switching.port.Port;
import io.l2mesh.switching.stats.DropReason;
import io.l2mesh.switching.stats.PortStats;
import io.l2mesh.switching.vlan.VlanRules;

import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The commands of the control protocol (docs/control-protocol.md). Runs on the control loop; reads the switch
 * through its thread-safe API and counters, so the datapath is never stopped to answer.
 */
final class CommandHandler
{
    static final long MIN_WATCH_INTERVAL_MS = 100;
    static final long MAX_WATCH_INTERVAL_MS = 60_000;

    private final Switch sw;
    private final ControlServer server;
    private final Runnable shutdown;
    private final long startedMs = System.currentTimeMillis();

    CommandHandler(final Switch sw, final ControlServer server, final Runnable shutdown)
    {
        this.sw = sw;
        this.server = server;
        this.shutdown = shutdown;
    }

    void execute(final Request request, final ControlConnection connection)
    {
        switch (request.command())
        {
            case "status" -> connection.send(ControlCodec.result(status()));
            case "port.list" -> connection.send(ControlCodec.result(portList()));
            case "fdb.show" -> connection.send(ControlCodec.result(fdbShow(request)));
            case "fdb.flush" -> connection.send(ControlCodec.result(fdbFlush(request)));
            case "stats" -> connection.send(ControlCodec.result(stats(request)));
            case "stats.watch" -> statsWatch(request, connection);
            case "shutdown" ->
            {
                final ObjectNode result = ControlCodec.JSON.createObjectNode();
                result.put("stopping", true);
                connection.send(ControlCodec.result(result));
                final Thread stopper = new Thread(shutdown, "l2mesh-shutdown-request");
                stopper.setDaemon(true);
                stopper.start();
            }
            default -> throw new ControlException(ErrorCode.UNKNOWN_COMMAND, "unknown command '" + request.command() +
                "' (commands: status, port.list, fdb.show, fdb.flush, stats, stats.watch, shutdown)");
        }
    }

    private JsonNode status()
    {
        final ObjectNode result = ControlCodec.JSON.createObjectNode();
        result.put("version", "0.1.0");
        result.put("pid", ProcessHandle.current().pid());
        result.put("uptime_ms", System.currentTimeMillis() - startedMs);
        result.put("loops", sw.loopCount());
        result.put("ports", sw.ports().ports().size());
        result.put("macs", sw.macTable().size());
        result.put("mac_moves", sw.macTable().moves());
        result.put("datapath_errors", sw.errorLog().total());
        result.put("control_clients", server.connectionCount());
        result.put("control_requests", server.requestCount());
        result.put("control_refused", server.refusedCount());
        result.put("control_dropped", server.droppedCount());
        return result;
    }

    private JsonNode portList()
    {
        final ArrayNode ports = ControlCodec.JSON.createArrayNode();
        for (final Port port : sw.ports().ports())
        {
            final ObjectNode p = ports.addObject();
            p.put("name", port.name());
            p.put("id", port.id());
            p.put("kind", port.kind());
            p.put("mtu", port.mtu());
            p.put("offloads", port.acceptsOffloads());
            final VlanRules rules = port.vlanRules();
            p.put("mode", rules.mode().name().toLowerCase());
            p.put("vlans", rules.toString());
            final int limit = sw.macTable().limits().portLimit(port.id());
            p.put("mac_limit", limit == Integer.MAX_VALUE ? 0 : limit);
            p.put("macs", sw.macTable().limits().portCount(port.id()));
        }
        return ports;
    }

    private JsonNode fdbShow(final Request request)
    {
        final int portId = portFilter(request);
        final int vlan = (int)request.number("vlan", 0, 0, VlanRules.MAX_VID);
        final List<MacEntry> entries = sw.macTable().snapshot();
        entries.sort(Comparator.comparingInt(MacEntry::vlan).thenComparingLong(MacEntry::mac));
        final long nowNs = System.nanoTime();
        final ArrayNode result = ControlCodec.JSON.createArrayNode();
        for (final MacEntry entry : entries)
        {
            if ((portId != MacTable.NO_PORT && entry.portId() != portId) || (vlan != 0 && entry.vlan() != vlan))
            {
                continue;
            }
            final Port port = sw.ports().port(entry.portId());
            final ObjectNode e = result.addObject();
            e.put("port", port == null ? "#" + entry.portId() : port.name());
            e.put("vlan", entry.vlan());
            e.put("mac", MacAddresses.format(entry.mac()));
            e.put("static", entry.isStatic());
            e.put("age_s", entry.isStatic() ? 0 : TimeUnit.NANOSECONDS.toSeconds(nowNs - entry.lastSeenNs()));
        }
        return result;
    }

    private JsonNode fdbFlush(final Request request)
    {
        final int portId = portFilter(request);
        final int vlan = (int)request.number("vlan", 0, 0, VlanRules.MAX_VID);
        final ObjectNode result = ControlCodec.JSON.createObjectNode();
        result.put("removed", sw.macTable().flush(portId, vlan, false));
        return result;
    }

    private int portFilter(final Request request)
    {
        final String name = request.text("port", null);
        if (name == null)
        {
            return MacTable.NO_PORT;
        }
        final Port port = sw.ports().byName(name);
        if (port == null)
        {
            throw new ControlException(ErrorCode.NOT_FOUND, "no port named '" + name + "'");
        }
        return port.id();
    }

    private ArrayNode stats(final Request request)
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
    private void statsWatch(final Request request, final ControlConnection connection)
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
