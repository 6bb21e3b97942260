package io.l2mesh.control.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.l2mesh.control.protocol.ControlCodec;
import io.l2mesh.control.protocol.ControlException;
import io.l2mesh.control.protocol.ErrorCode;
import io.l2mesh.control.protocol.Request;
import io.l2mesh.control.capture.CaptureSession;
import io.l2mesh.control.config.ConfigDiff;
import io.l2mesh.control.config.ConfigException;
import io.l2mesh.control.config.ConfigFile;
import io.l2mesh.control.config.ConfigStore;
import io.l2mesh.control.config.ConfigWriter;
import io.l2mesh.control.config.L2meshConfig;
import io.l2mesh.control.config.PortConfig;
import io.l2mesh.control.config.StaticMacConfig;
import io.l2mesh.switching.frame.EthernetFlyweight;
import io.l2mesh.switching.Switch;
import io.l2mesh.switching.fdb.MacEntry;
import io.l2mesh.switching.fdb.MacTable;
import io.l2mesh.switching.frame.MacAddresses;
import io.l2mesh.switching.port.Port;
import io.l2mesh.switching.stats.DropReason;
import io.l2mesh.switching.stats.PortStats;
import io.l2mesh.switching.vlan.VlanRules;

import java.util.ArrayList;
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
    static final List<String> COMMANDS = List.of("status", "port.list", "port.add", "port.del", "port.set",
        "fdb.show", "fdb.flush", "fdb.add", "fdb.del", "vlan.show", "stats", "stats.watch", "config.show",
        "config.save", "config.reload", "capture.start", "capture.stop", "capture.list", "shutdown");
    static final int MAX_SNAPLEN = 65_535;
    static final long MIN_WATCH_INTERVAL_MS = 100;
    static final long MAX_WATCH_INTERVAL_MS = 60_000;

    private final Switch sw;
    private final ControlServer server;
    private final ConfigStore store;
    private final Runnable shutdown;
    private final long startedMs = System.currentTimeMillis();
    private final java.util.concurrent.ConcurrentHashMap<String, CaptureSession> captures =
        new java.util.concurrent.ConcurrentHashMap<>();

    CommandHandler(final Switch sw, final ControlServer server, final ConfigStore store, final Runnable shutdown)
    {
        this.sw = sw;
        this.server = server;
        this.store = store;
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
            case "port.add" -> connection.send(ControlCodec.result(portAdd(request)));
            case "port.del" -> connection.send(ControlCodec.result(portDel(request)));
            case "port.set" -> connection.send(ControlCodec.result(portSet(request)));
            case "fdb.add" -> connection.send(ControlCodec.result(fdbAdd(request)));
            case "fdb.del" -> connection.send(ControlCodec.result(fdbDel(request)));
            case "vlan.show" -> connection.send(ControlCodec.result(vlanShow()));
            case "config.show" -> connection.send(ControlCodec.result(configShow()));
            case "config.save" -> connection.send(ControlCodec.result(configSave()));
            case "config.reload" -> connection.send(ControlCodec.result(configReload()));
            case "capture.start" -> captureStart(request, connection);
            case "capture.stop" -> connection.send(ControlCodec.result(captureStop(request)));
            case "capture.list" -> connection.send(ControlCodec.result(captureList()));
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
                "' (commands: " + String.join(", ", COMMANDS) + ")");
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

    /**
     * The one way the running config changes: work out the difference, apply it to the switch (all or nothing),
     * save the file atomically, and only then acknowledge. If saving fails the switch is put back.
     */
    private JsonNode mutate(final L2meshConfig next)
    {
        try
        {
            store.requireFile();
        }
        catch (final IllegalStateException ex)
        {
            throw new ControlException(ErrorCode.FAILED, ex.getMessage());
        }
        final L2meshConfig previous = store.current();
        final ConfigDiff diff = ConfigDiff.between(sw, previous, next);
        try
        {
            diff.apply();
        }
        catch (final IllegalStateException ex)
        {
            throw new ControlException(ErrorCode.FAILED, ex.getMessage());
        }
        try
        {
            store.save(next);
        }
        catch (final IllegalStateException ex)
        {
            ConfigDiff.between(sw, next, previous).apply();
            throw new ControlException(ErrorCode.FAILED, ex.getMessage() + " (the change was undone)");
        }
        return changeReport(diff);
    }

    private JsonNode changeReport(final ConfigDiff diff)
    {
        final ObjectNode result = ControlCodec.JSON.createObjectNode();
        final ArrayNode changes = result.putArray("changes");
        diff.changes().forEach(changes::add);
        final ArrayNode notes = result.putArray("notes");
        diff.notes().forEach(notes::add);
        result.put("saved", store.file() == null ? null : store.file().toString());
        return result;
    }

    private PortConfig parsePort(final JsonNode args)
    {
        try
        {
            return ConfigFile.parsePort("args", args);
        }
        catch (final ConfigException ex)
        {
            throw new ControlException(ErrorCode.BAD_REQUEST, ex.getMessage().replaceFirst("^request(:[0-9]+)?: ", ""));
        }
    }

    private PortConfig existingPort(final Request request)
    {
        final String name = request.text("name", null);
        if (name == null)
        {
            throw new ControlException(ErrorCode.BAD_REQUEST, "args.name is required");
        }
        final PortConfig port = store.current().port(name);
        if (port == null)
        {
            throw new ControlException(ErrorCode.NOT_FOUND, "no port named '" + name + "'");
        }
        return port;
    }

    private JsonNode portAdd(final Request request)
    {
        final PortConfig port = parsePort(request.args());
        if (store.current().port(port.name()) != null || sw.ports().byName(port.name()) != null)
        {
            throw new ControlException(ErrorCode.BAD_REQUEST, "port '" + port.name() + "' exists already");
        }
        final List<PortConfig> ports = new ArrayList<>(store.current().ports());
        ports.add(port);
        return mutate(store.current().withPorts(ports));
    }

    private JsonNode portDel(final Request request)
    {
        final PortConfig port = existingPort(request);
        final List<PortConfig> ports = new ArrayList<>(store.current().ports());
        ports.remove(port);
        final List<StaticMacConfig> statics = store.current().staticMacs().stream()
            .filter(e -> !e.port().equals(port.name())).toList();
        return mutate(store.current().withPorts(ports).withStaticMacs(statics));
    }

    private JsonNode portSet(final Request request)
    {
        final PortConfig port = existingPort(request);
        final ObjectNode merged = ConfigWriter.port(port);
        final JsonNode mode = request.args().get("mode");
        if (mode != null && mode.isTextual() && !mode.textValue().equals(merged.path("mode").asText()))
        {
            merged.remove(List.of("vlan", "allowed-vlans", "native-vlan"));
        }
        request.args().fields().forEachRemaining(field -> merged.set(field.getKey(), field.getValue()));
        final PortConfig next = parsePort(merged);
        final List<PortConfig> ports = new ArrayList<>();
        for (final PortConfig p : store.current().ports())
        {
            ports.add(p.name().equals(port.name()) ? next : p);
        }
        return mutate(store.current().withPorts(ports));
    }

    private StaticMacConfig staticEntry(final Request request, final boolean needPort)
    {
        final long mac;
        try
        {
            mac = MacAddresses.parse(request.text("mac", ""));
        }
        catch (final IllegalArgumentException ex)
        {
            throw new ControlException(ErrorCode.BAD_REQUEST, "args.mac: " + ex.getMessage());
        }
        if (EthernetFlyweight.isMulticast(mac))
        {
            throw new ControlException(ErrorCode.BAD_REQUEST, "args.mac: " + MacAddresses.format(mac) +
                " is a multicast address");
        }
        final int vlan = (int)request.number("vlan", VlanRules.DEFAULT_VLAN, VlanRules.MIN_VID, VlanRules.MAX_VID);
        final String port = request.text("port", null);
        if (needPort && (port == null || store.current().port(port) == null))
        {
            throw new ControlException(port == null ? ErrorCode.BAD_REQUEST : ErrorCode.NOT_FOUND,
                port == null ? "args.port is required" : "no port named '" + port + "'");
        }
        return new StaticMacConfig(mac, vlan, port);
    }

    private JsonNode fdbAdd(final Request request)
    {
        final StaticMacConfig entry = staticEntry(request, true);
        final List<StaticMacConfig> statics = new ArrayList<>(store.current().staticMacs().stream()
            .filter(e -> e.mac() != entry.mac() || e.vlan() != entry.vlan()).toList());
        statics.add(entry);
        return mutate(store.current().withStaticMacs(statics));
    }

    private JsonNode fdbDel(final Request request)
    {
        final StaticMacConfig key = staticEntry(request, false);
        final List<StaticMacConfig> statics = store.current().staticMacs().stream()
            .filter(e -> e.mac() != key.mac() || e.vlan() != key.vlan()).toList();
        if (statics.size() != store.current().staticMacs().size())
        {
            return mutate(store.current().withStaticMacs(statics));
        }
        if (!sw.macTable().remove(key.vlan(), key.mac()))
        {
            throw new ControlException(ErrorCode.NOT_FOUND, "no entry for " + MacAddresses.format(key.mac()) +
                " in VLAN " + key.vlan());
        }
        final ObjectNode result = ControlCodec.JSON.createObjectNode();
        result.put("removed", 1);
        return result;
    }

    private JsonNode vlanShow()
    {
        final java.util.TreeMap<Integer, ArrayNode> byVlan = new java.util.TreeMap<>();
        for (final Port port : sw.ports().ports())
        {
            for (final int vlan : port.vlanRules().vlans())
            {
                final ObjectNode member = byVlan.computeIfAbsent(vlan, v -> ControlCodec.JSON.createArrayNode())
                    .addObject();
                member.put("port", port.name());
                member.put("tagged", port.vlanRules().egressTagged(vlan));
                member.put("up", port.adminUp());
            }
        }
        final ArrayNode result = ControlCodec.JSON.createArrayNode();
        byVlan.forEach((vlan, members) ->
        {
            final ObjectNode v = result.addObject();
            v.put("vlan", vlan);
            v.set("ports", members);
        });
        return result;
    }

    private JsonNode configShow()
    {
        final ObjectNode result = ControlCodec.JSON.createObjectNode();
        result.put("file", store.file() == null ? null : store.file().toString());
        result.put("yaml", ConfigWriter.toYaml(store.current()));
        return result;
    }

    private JsonNode configSave()
    {
        try
        {
            store.save(store.current());
        }
        catch (final IllegalStateException ex)
        {
            throw new ControlException(ErrorCode.FAILED, ex.getMessage());
        }
        final ObjectNode result = ControlCodec.JSON.createObjectNode();
        result.put("saved", store.file().toString());
        return result;
    }

    /**
     * Re-reads the config file and applies only the difference; a broken file changes nothing.
     */
    private JsonNode configReload()
    {
        try
        {
            store.requireFile();
        }
        catch (final IllegalStateException ex)
        {
            throw new ControlException(ErrorCode.FAILED, ex.getMessage());
        }
        final L2meshConfig loaded;
        try
        {
            loaded = ConfigFile.load(store.file());
        }
        catch (final ConfigException ex)
        {
            throw new ControlException(ErrorCode.BAD_REQUEST, "config refused, nothing changed: " + ex.getMessage());
        }
        final ConfigDiff diff = ConfigDiff.between(sw, store.current(), loaded);
        try
        {
            diff.apply();
        }
        catch (final IllegalStateException ex)
        {
            throw new ControlException(ErrorCode.FAILED, ex.getMessage());
        }
        store.adopt(loaded);
        return changeReport(diff);
    }

    /**
     * Starts a pcap capture of one port; with {@code wait} the answer is a progress stream until it ends.
     */
    private void captureStart(final Request request, final ControlConnection connection)
    {
        final String name = request.text("port", null);
        final String file = request.text("file", null);
        if (name == null || file == null)
        {
            throw new ControlException(ErrorCode.BAD_REQUEST, "args.port and args.file are required");
        }
        final Port port = sw.ports().byName(name);
        if (port == null)
        {
            throw new ControlException(ErrorCode.NOT_FOUND, "no port named '" + name + "'");
        }
        final java.nio.file.Path path = java.nio.file.Path.of(file);
        if (!path.isAbsolute())
        {
            throw new ControlException(ErrorCode.BAD_REQUEST, "args.file must be an absolute path, got '" + file + "'");
        }
        final long count = request.number("count", 0, 0, Long.MAX_VALUE);
        final long durationS = request.number("duration_s", 0, 0, 86_400 * 7);
        final int snaplen = (int)request.number("snaplen", 9216, 64, MAX_SNAPLEN);
        final boolean wait = request.args().path("wait").asBoolean(false);
        final CaptureSession session;
        synchronized (captures)
        {
            if (captures.containsKey(name))
            {
                throw new ControlException(ErrorCode.BAD_REQUEST, "port '" + name + "' is being captured already");
            }
            try
            {
                session = CaptureSession.start(port, path, count, TimeUnit.SECONDS.toNanos(durationS), snaplen,
                    sw.loopCount(), () -> captures.remove(name));
            }
            catch (final java.io.IOException ex)
            {
                throw new ControlException(ErrorCode.FAILED, "cannot write " + path + ": " + ex.getMessage());
            }
            captures.put(name, session);
        }
        if (!wait)
        {
            connection.send(ControlCodec.result(captureReport(session)));
            return;
        }
        connection.stream(server.loop().scheduleAtFixedRate(() ->
        {
            final boolean done = session.isFinished();
            if (!connection.send(ControlCodec.streamItem(captureReport(session))))
            {
                connection.endStream(); // the client left; the capture goes on until its limit or a stop
                return;
            }
            if (done)
            {
                connection.send(ControlCodec.streamEnd());
                connection.endStream();
            }
        }, 200, 500, TimeUnit.MILLISECONDS));
    }

    private JsonNode captureStop(final Request request)
    {
        final String name = request.text("port", null);
        final CaptureSession session = name == null ? null : captures.get(name);
        if (session == null)
        {
            throw new ControlException(ErrorCode.NOT_FOUND, "no capture running on port '" + name + "'");
        }
        session.stop();
        try
        {
            session.awaitFinished(5_000);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        return captureReport(session);
    }

    private JsonNode captureList()
    {
        final ArrayNode result = ControlCodec.JSON.createArrayNode();
        captures.values().forEach(session -> result.add(captureReport(session)));
        return result;
    }

    private static ObjectNode captureReport(final CaptureSession session)
    {
        final ObjectNode report = ControlCodec.JSON.createObjectNode();
        report.put("port", session.port().name());
        report.put("file", session.file().toString());
        report.put("frames", session.written());
        report.put("dropped", session.dropped());
        report.put("done", session.isFinished());
        if (session.error() != null)
        {
            report.put("error", session.error());
        }
        return report;
    }

    /**
     * Stops every capture and waits for its file to be complete (daemon shutdown).
     */
    void stopCaptures()
    {
        for (final CaptureSession session : captures.values())
        {
            session.stop();
            try
            {
                session.awaitFinished(3_000);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }
    }
}
