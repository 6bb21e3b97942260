package io.l2mesh.control.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.l2mesh.control.protocol.ControlCodec;
import io.l2mesh.control.protocol.ControlException;
import io.l2mesh.control.protocol.ErrorCode;
import io.l2mesh.control.protocol.Request;
import io.l2mesh.control.config.ChangePlan;
import io.l2mesh.control.config.ConfigException;
import io.l2mesh.control.config.ConfigFile;
import io.l2mesh.control.config.ConfigStore;
import io.l2mesh.control.config.ConfigWriter;
import io.l2mesh.control.config.L2meshConfig;
import io.l2mesh.control.config.PortConfig;
import io.l2mesh.control.config.StaticMacConfig;
import io.l2mesh.switching.frame.EthernetFlyweight;
import io.l2mesh.switching.Switch;
import io.l2mesh.switching.frame.MacAddresses;
import io.l2mesh.switching.vlan.VlanRules;
import io.l2mesh.tuntap.PeerCred;

import io.netty.channel.IoEventLoop;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The commands that change the running config ({@code port.add|del|set}, {@code fdb.add|del} of static entries,
 * {@code config.*}): each goes through {@link #mutate}, so it is applied all or nothing and saved before it is
 * acknowledged, and with {@code confirm_s} rolled back unless confirmed in time ({@link ConfirmWindow}). Control
 * loop only.
 */
final class ChangeCommands
{
    /** The commands that change the config, and so may carry {@code confirm_s} (commit-confirm). */
    static final Set<String> CONFIRMABLE = Set.of("port.add", "port.del", "port.set", "fdb.add", "fdb.del",
        "config.reload", "config.apply", "peer.add", "peer.del", "fec.set");

    private final Switch sw;
    private final ConfigStore store;
    private final ClientPaths paths;
    private final ConfirmWindow window;
    /** The current request's {@code confirm_s} (0: none), set by {@link #begin} for every request. */
    private int confirmSeconds;

    ChangeCommands(final Switch sw, final ConfigStore store, final IoEventLoop loop)
    {
        this.sw = sw;
        this.store = store;
        this.paths = new ClientPaths(store.current().control());
        this.window = new ConfirmWindow(sw, store, loop);
    }

    /**
     * Every request, before it runs: takes its {@code confirm_s} (1..{@value ConfirmWindow#MAX_SECONDS}), which
     * only the commands that change the config accept.
     */
    void begin(final Request request)
    {
        confirmSeconds = 0;
        final long seconds = request.number("confirm_s", 0, 0, ConfirmWindow.MAX_SECONDS);
        if (seconds > 0 && !CONFIRMABLE.contains(request.command()))
        {
            throw new ControlException(ErrorCode.BAD_REQUEST, "args.confirm_s is for commands that change the " +
                "config (" + String.join(", ", new java.util.TreeSet<>(CONFIRMABLE)) + "), not " + request.command());
        }
        confirmSeconds = (int)seconds;
        request.args().remove("confirm_s"); // a setting of the request, not of the port or peer it describes
    }

    /**
     * The one way the running config changes: work out the difference, apply it to the switch (all or nothing),
     * save the file atomically, and only then acknowledge. If saving fails the switch is put back.
     */
    private JsonNode mutate(final L2meshConfig next)
    {
        return change(next, true);
    }

    /**
     * {@link #mutate}, or with {@code save} false the adoption of what was just read from the file (reload). With
     * {@code confirm_s}, the config before is written to the state directory first and the change rolls back by
     * itself unless confirmed in time ({@link ConfirmWindow}).
     */
    private JsonNode change(final L2meshConfig next, final boolean save)
    {
        final int confirm = confirmSeconds;
        confirmSeconds = 0;
        try
        {
            store.requireFile();
        }
        catch (final IllegalStateException ex)
        {
            throw new ControlException(ErrorCode.FAILED, ex.getMessage());
        }
        final L2meshConfig previous = store.current();
        if (window.isOpen() && confirm == 0)
        {
            throw new ControlException(ErrorCode.FAILED, "an unconfirmed change rolls back in " +
                window.secondsLeft() + " s: confirm it first (l2mesh ctl config confirm), or give --confirm S to " +
                "change on inside its window");
        }
        if (confirm > 0 && !previous.stateDir().equals(next.stateDir()))
        {
            throw new ControlException(ErrorCode.BAD_REQUEST, "a change of state-dir cannot be confirmed (the " +
                "rollback copy lives there): make it without --confirm");
        }
        if (confirm > 0)
        {
            try
            {
                window.prepare(previous, confirm);
            }
            catch (final IllegalStateException ex)
            {
                throw new ControlException(ErrorCode.FAILED, ex.getMessage() + " (nothing was changed)");
            }
        }
        final ChangePlan plan = ChangePlan.between(sw, previous, next);
        try
        {
            plan.apply();
        }
        catch (final IllegalStateException ex)
        {
            abandon(confirm);
            throw new ControlException(ErrorCode.FAILED, ex.getMessage());
        }
        if (save)
        {
            try
            {
                store.save(next);
            }
            catch (final IllegalStateException ex)
            {
                ChangePlan.between(sw, next, previous).apply();
                abandon(confirm);
                throw new ControlException(ErrorCode.FAILED, ex.getMessage() + " (the change was undone)");
            }
        }
        else
        {
            store.adopt(next);
        }
        if (confirm > 0)
        {
            window.open(previous, confirm);
        }
        return changeReport(plan);
    }

    private void abandon(final int confirm)
    {
        if (confirm > 0)
        {
            window.abandon();
        }
    }

    private JsonNode changeReport(final ChangePlan plan)
    {
        final ObjectNode result = ControlCodec.JSON.createObjectNode();
        final ArrayNode changes = result.putArray("changes");
        plan.changes().forEach(changes::add);
        final ArrayNode notes = result.putArray("notes");
        plan.notes().forEach(notes::add);
        result.put("saved", store.file() == null ? null : store.file().toString());
        result.put("confirm_within_s", window.secondsLeft()); // -1: nothing to confirm
        return result;
    }

    /**
     * Checks the paths {@code client} names ({@link ClientPaths}), then the port itself.
     *
     * @param previous the port this one replaces, or null.
     */
    private PortConfig parsePort(final JsonNode args, final PeerCred client, final PortConfig previous)
    {
        paths.check(client, args, previous);
        try
        {
            return ConfigFile.parsePort("args", args, client.uid() == 0);
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

    JsonNode portAdd(final Request request, final PeerCred client)
    {
        final PortConfig port = parsePort(request.args(), client, null);
        if (store.current().port(port.name()) != null || sw.ports().byName(port.name()) != null)
        {
            throw new ControlException(ErrorCode.BAD_REQUEST, "port '" + port.name() + "' exists already");
        }
        final List<PortConfig> ports = new ArrayList<>(store.current().ports());
        ports.add(port);
        return mutate(store.current().withPorts(ports));
    }

    JsonNode portDel(final Request request)
    {
        final PortConfig port = existingPort(request);
        final List<PortConfig> ports = new ArrayList<>(store.current().ports());
        ports.remove(port);
        final List<StaticMacConfig> statics = store.current().staticMacs().stream()
            .filter(e -> !e.port().equals(port.name())).toList();
        return mutate(store.current().withPorts(ports).withStaticMacs(statics));
    }

    JsonNode portSet(final Request request, final PeerCred client)
    {
        final PortConfig port = existingPort(request);
        final ObjectNode merged = ConfigWriter.port(port);
        final JsonNode mode = request.args().get("mode");
        if (mode != null && mode.isTextual() && !mode.textValue().equals(merged.path("mode").asText()))
        {
            merged.remove(List.of("vlan", "allowed-vlans", "native-vlan"));
        }
        request.args().fields().forEachRemaining(field -> merged.set(field.getKey(), field.getValue()));
        final PortConfig next = parsePort(merged, client, port);
        final List<PortConfig> ports = new ArrayList<>();
        for (final PortConfig p : store.current().ports())
        {
            ports.add(p.name().equals(port.name()) ? next : p);
        }
        return mutate(store.current().withPorts(ports));
    }

    /**
     * Adds a peer to a tunnel port: {port, name, public-key, endpoint?, preshared-key-file?, fec?, allowed-macs?,
     * mac-limit?}. Added live: the port's other peers keep their sessions ({@link ChangePlan}). A peer of the same
     * name or key from the registry gives way to it.
     */
    JsonNode peerAdd(final Request request, final PeerCred client)
    {
        final PortConfig port = tunnelPort(request);
        final ObjectNode merged = ConfigWriter.port(port);
        final ObjectNode peer = ((com.fasterxml.jackson.databind.node.ArrayNode)merged.get("peers")).addObject();
        for (final String key : List.of("name", "public-key", "endpoint", "preshared-key-file", "fec", "allowed-macs",
            "mac-limit"))
        {
            final JsonNode value = request.args().get(key);
            if (value != null)
            {
                peer.set(key, value);
            }
        }
        return replace(port, parsePort(merged, client, port));
    }

    /**
     * Removes a peer from a tunnel port: {port, name}, live (its sessions are torn down, no one else's).
     */
    JsonNode peerDel(final Request request, final PeerCred client)
    {
        final PortConfig port = tunnelPort(request);
        final String name = request.text("name", null);
        final ObjectNode merged = ConfigWriter.port(port);
        final com.fasterxml.jackson.databind.node.ArrayNode peers =
            (com.fasterxml.jackson.databind.node.ArrayNode)merged.get("peers");
        for (int i = 0; i < peers.size(); i++)
        {
            if (peers.get(i).path("name").asText().equals(name))
            {
                peers.remove(i);
                return replace(port, parsePort(merged, client, port));
            }
        }
        throw new ControlException(ErrorCode.NOT_FOUND, "tunnel port " + port.name() + " has no peer '" + name + "'");
    }

    /**
     * Sets a tunnel port's FEC, or one peer's: {port, peer?, fec: "off" | {k, m} | {k, adaptive, target} | null
     * (a peer back to the port's)}. Applied in place.
     */
    JsonNode fecSet(final Request request, final PeerCred client)
    {
        final PortConfig port = tunnelPort(request);
        final ObjectNode merged = ConfigWriter.port(port);
        final JsonNode fec = request.args().get("fec");
        final String peerName = request.text("peer", null);
        if (peerName == null)
        {
            merged.set("fec", fec);
        }
        else
        {
            ObjectNode target = null;
            for (final JsonNode peer : merged.get("peers"))
            {
                if (peer.path("name").asText().equals(peerName))
                {
                    target = (ObjectNode)peer;
                }
            }
            if (target == null)
            {
                throw new ControlException(ErrorCode.NOT_FOUND, "tunnel port " + port.name() + " has no peer '" +
                    peerName + "'");
            }
            if (fec == null || fec.isNull())
            {
                target.remove("fec");
            }
            else
            {
                target.set("fec", fec);
            }
        }
        return replace(port, parsePort(merged, client, port));
    }

    private PortConfig tunnelPort(final Request request)
    {
        final String name = request.text("port", null);
        final PortConfig port = name == null ? null : store.current().port(name);
        if (port == null || port.tunnel() == null)
        {
            throw new ControlException(ErrorCode.NOT_FOUND, "no tunnel port named '" + name + "'");
        }
        return port;
    }

    private JsonNode replace(final PortConfig old, final PortConfig next)
    {
        final List<PortConfig> ports = new ArrayList<>();
        for (final PortConfig p : store.current().ports())
        {
            ports.add(p.name().equals(old.name()) ? next : p);
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

    JsonNode fdbAdd(final Request request)
    {
        final StaticMacConfig entry = staticEntry(request, true);
        final List<StaticMacConfig> statics = new ArrayList<>(store.current().staticMacs().stream()
            .filter(e -> e.mac() != entry.mac() || e.vlan() != entry.vlan()).toList());
        statics.add(entry);
        return mutate(store.current().withStaticMacs(statics));
    }

    JsonNode fdbDel(final Request request)
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

    JsonNode configShow()
    {
        final ObjectNode result = ControlCodec.JSON.createObjectNode();
        result.put("file", store.file() == null ? null : store.file().toString());
        result.put("yaml", ConfigWriter.toYaml(store.current()));
        confirmState(result);
        return result;
    }

    JsonNode configSave()
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
    JsonNode configReload()
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
        return change(loaded, false);
    }

    /**
     * {@code config.apply}: a whole config (args.yaml, the file's text) applied as a diff and saved, all or
     * nothing. Root only: a config names files the daemon reads with its own rights (keys, sockets), which the
     * paths checks of the per-port commands ({@link ClientPaths}) do not cover for a whole file.
     */
    JsonNode configApply(final Request request, final PeerCred client)
    {
        if (client.uid() != 0)
        {
            throw new ControlException(ErrorCode.PERMISSION_DENIED, "config.apply is for root: a whole config " +
                "names files the daemon reads (uid " + client.uid() + "); change it per port, or as root");
        }
        final String yaml = request.text("yaml", null);
        if (yaml == null)
        {
            throw new ControlException(ErrorCode.BAD_REQUEST, "args.yaml is required (the config's text)");
        }
        final L2meshConfig next;
        try
        {
            next = ConfigFile.parse("request", yaml);
        }
        catch (final ConfigException ex)
        {
            throw new ControlException(ErrorCode.BAD_REQUEST, "config refused, nothing changed: " + ex.getMessage());
        }
        return mutate(next);
    }

    /**
     * {@code config.confirm}: keeps the unconfirmed changes and ends their window.
     */
    JsonNode configConfirm()
    {
        final long left = window.secondsLeft();
        if (!window.confirm())
        {
            throw new ControlException(ErrorCode.NOT_FOUND, "no change awaits confirmation");
        }
        final ObjectNode result = ControlCodec.JSON.createObjectNode();
        result.put("confirmed", true);
        result.put("seconds_left", left);
        return result;
    }

    /**
     * Puts the open confirm window's seconds left (-1: none) and the rollbacks so far, for config.show.
     */
    void confirmState(final ObjectNode result)
    {
        result.put("confirm_within_s", window.secondsLeft());
        result.put("rollbacks", window.rollbacks());
    }
}
