package io.l2mesh.control.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.l2mesh.control.protocol.ControlCodec;
import io.l2mesh.control.protocol.ControlException;
import io.l2mesh.control.protocol.ErrorCode;
import io.l2mesh.control.protocol.Request;
import io.l2mesh.control.config.ConfigStore;
import io.l2mesh.switching.Switch;
import io.l2mesh.switching.fdb.MacEntry;
import io.l2mesh.switching.fdb.MacTable;
import io.l2mesh.switching.frame.MacAddresses;
import io.l2mesh.switching.port.Port;
import io.l2mesh.switching.vlan.VlanRules;

import java.util.Comparator;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The commands of the control protocol (docs/control-protocol.md): dispatch, and the read-only views. Changes,
 * stats and captures have classes of their own. Runs on the control loop; reads the switch through its
 * thread-safe API and counters, so the datapath is never stopped to answer.
 */
final class CommandHandler
{
    /** Every command and the role it needs (docs/control-protocol.md lists the same; a test compares them). */
    static final Map<String, Role> COMMANDS = commands();

    private static Map<String, Role> commands()
    {
        final Map<String, Role> commands = new LinkedHashMap<>();
        for (final String readOnly : List.of("status", "port.list", "fdb.show", "vlan.show", "stats", "stats.watch",
            "config.show", "capture.list", "peer.list", "fec.show", "impair.show",
            "handshake.show", "registry.show", "relay.show"))
        {
            commands.put(readOnly, Role.MONITOR);
        }
        for (final String changing : List.of("port.add", "port.del", "port.set", "fdb.flush", "fdb.add", "fdb.del",
            "config.save", "config.reload", "config.apply", "config.confirm", "capture.start", "capture.stop",
            "peer.add", "peer.del", "fec.set", "test.run", "test.reflect", "shutdown"))
        {
            commands.put(changing, Role.ADMIN);
        }
        return Collections.unmodifiableMap(commands);
    }

    private final Switch sw;
    private final ControlServer server;
    private final Runnable shutdown;
    private final long startedMs = System.currentTimeMillis();
    private final StatsCommands stats;
    private final ChangeCommands changes;
    private final CaptureCommands captures;
    private final TunnelCommands tunnels;
    private final TestCommands tests;
    private final io.l2mesh.control.mesh.MeshRegistry registry;

    CommandHandler(final Switch sw, final ControlServer server, final ConfigStore store,
        final io.l2mesh.control.mesh.MeshRegistry registry, final Runnable shutdown)
    {
        this.sw = sw;
        this.registry = registry;
        this.server = server;
        this.shutdown = shutdown;
        this.stats = new StatsCommands(sw, server);
        this.changes = new ChangeCommands(sw, store, server.loop());
        this.captures = new CaptureCommands(sw, server);
        this.tunnels = new TunnelCommands(sw);
        this.tests = new TestCommands(sw, server);
    }

    private JsonNode registryShow()
    {
        if (registry == null)
        {
            throw new ControlException(ErrorCode.NOT_FOUND, "this node has no registry (no 'registry:' in its config)");
        }
        return registry.status();
    }

    void execute(final Request request, final ControlConnection connection)
    {
        final Role needed = COMMANDS.get(request.command());
        if (needed != null && !connection.role().allows(needed))
        {
            server.onDenied();
            throw new ControlException(ErrorCode.PERMISSION_DENIED,
                server.authorizer().denial(connection.peer(), connection.role(), request.command(), needed));
        }
        changes.begin(request); // its confirm_s, if any (commit-confirm)
        switch (request.command())
        {
            case "status" -> connection.send(ControlCodec.result(status()));
            case "port.list" -> connection.send(ControlCodec.result(portList()));
            case "fdb.show" -> connection.send(ControlCodec.result(fdbShow(request)));
            case "fdb.flush" -> connection.send(ControlCodec.result(fdbFlush(request)));
            case "stats" -> connection.send(ControlCodec.result(stats.stats(request)));
            case "stats.watch" -> stats.statsWatch(request, connection);
            case "port.add" -> connection.send(ControlCodec.result(changes.portAdd(request, connection.peer())));
            case "port.del" -> connection.send(ControlCodec.result(changes.portDel(request)));
            case "port.set" -> connection.send(ControlCodec.result(changes.portSet(request, connection.peer())));
            case "fdb.add" -> connection.send(ControlCodec.result(changes.fdbAdd(request)));
            case "fdb.del" -> connection.send(ControlCodec.result(changes.fdbDel(request)));
            case "vlan.show" -> connection.send(ControlCodec.result(vlanShow()));
            case "config.show" -> connection.send(ControlCodec.result(changes.configShow()));
            case "config.save" -> connection.send(ControlCodec.result(changes.configSave()));
            case "config.reload" -> connection.send(ControlCodec.result(changes.configReload()));
            case "config.apply" -> connection.send(ControlCodec.result(changes.configApply(request,
                connection.peer())));
            case "config.confirm" -> connection.send(ControlCodec.result(changes.configConfirm()));
            case "capture.start" -> captures.captureStart(request, connection);
            case "capture.stop" -> connection.send(ControlCodec.result(captures.captureStop(request)));
            case "capture.list" -> connection.send(ControlCodec.result(captures.captureList()));
            case "peer.list" -> connection.send(ControlCodec.result(tunnels.peerList(request)));
            case "peer.add" -> connection.send(ControlCodec.result(changes.peerAdd(request, connection.peer())));
            case "peer.del" -> connection.send(ControlCodec.result(changes.peerDel(request, connection.peer())));
            case "fec.show" -> connection.send(ControlCodec.result(tunnels.fecShow(request)));
            case "fec.set" -> connection.send(ControlCodec.result(changes.fecSet(request, connection.peer())));
            case "handshake.show" -> connection.send(ControlCodec.result(tunnels.handshakeShow(request)));
            case "relay.show" -> connection.send(ControlCodec.result(tunnels.relayShow(request)));
            case "impair.show" -> connection.send(ControlCodec.result(tunnels.impairShow(request)));
            case "registry.show" -> connection.send(ControlCodec.result(registryShow()));
            case "test.run" -> tests.testRun(request, connection);
            case "test.reflect" -> connection.send(ControlCodec.result(tests.testReflect(request)));
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
                "' (commands: " + String.join(", ", COMMANDS.keySet()) + ")");
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
        result.put("control_denied", server.deniedCount());
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
            if (port.endpoint() != null)
            {
                p.put("endpoint", port.endpoint());
            }
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
        return portFilter(sw, request);
    }

    /**
     * @return the id of the port named by {@code args.port}, or {@link MacTable#NO_PORT} when none is named.
     * @throws ControlException NOT_FOUND for a name that is not a port.
     */
    static int portFilter(final Switch sw, final Request request)
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

    /**
     * Stops every capture and waits for its file to be complete (daemon shutdown).
     */
    void stopCaptures()
    {
        captures.stopAll();
    }
}
