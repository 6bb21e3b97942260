package io.l2mesh.control.config;

import com.fasterxml.jackson.databind.JsonNode;
import io.l2mesh.switching.SwitchContext;
import io.l2mesh.switching.fdb.MacLimits;
import io.l2mesh.switching.port.StormLimits;
import io.l2mesh.switching.port.TapPortSpec;
import io.l2mesh.switching.port.unix.UnixPortSpec;
import io.l2mesh.switching.vlan.VlanRules;
import io.l2mesh.tunnel.TunnelPortSpec;
import io.l2mesh.tunnel.vxlan.VxlanPortSpec;
import io.l2mesh.tuntap.TapOptions;
import io.l2mesh.tuntap.UnixAddress;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * One item of {@code ports:}: the keys every kind shares (name, type, VLAN rules, MTU, MAC limit, enabled), then
 * the keys of its own kind, read by {@link TunnelSection} and {@link VxlanSection} or here (tap, raw, unix). A key
 * of another kind is refused naming the kind it belongs to; an unknown key lists what this kind takes.
 */
final class PortSection
{
    static final Set<String> COMMON_KEYS = Set.of("name", "type", "mode", "vlan", "allowed-vlans", "native-vlan",
        "mtu", "mac-limit", "enabled", "storm-control");
    static final Set<String> STORM_KEYS = Set.of("broadcast", "multicast", "unknown-unicast");
    static final Set<String> TAP_KEYS = Set.of("mac", "offloads", "persistent", "queues");
    static final Set<String> UNIX_KEYS = Set.of("path", "framing", "socket-mode");
    /** Each port type and its own keys, in the order the "unknown type" error lists them. */
    static final Map<String, Set<String>> KIND_KEYS = kindKeys();

    private PortSection()
    {
    }

    private static Map<String, Set<String>> kindKeys()
    {
        final Map<String, Set<String>> kinds = new LinkedHashMap<>();
        kinds.put(PortConfig.TAP, TAP_KEYS);
        kinds.put(PortConfig.RAW, Set.of());
        kinds.put(PortConfig.UNIX, UNIX_KEYS);
        kinds.put(PortConfig.VXLAN, VxlanSection.KEYS);
        kinds.put(PortConfig.TUNNEL, TunnelSection.KEYS);
        return kinds;
    }

    /**
     * @return the keys a port of {@code type} takes.
     */
    static Set<String> keysOf(final String type)
    {
        final Set<String> keys = new HashSet<>(COMMON_KEYS);
        keys.addAll(KIND_KEYS.get(type));
        return keys;
    }

    static PortConfig read(final ConfigReader in, final JsonNode node, final String path)
    {
        in.requireObject(node, path);
        final String type = in.text(node, path, "type", PortConfig.TAP);
        if (!KIND_KEYS.containsKey(type))
        {
            throw in.error(path + ".type", "unknown port type '" + type + "' (supported: " +
                String.join(", ", KIND_KEYS.keySet()) + ")");
        }
        checkKeys(in, node, path, type);
        final String name = in.text(node, path, "name", null);
        try
        {
            TapOptions.single(name);
        }
        catch (final IllegalArgumentException ex)
        {
            throw in.error(path + ".name", ex.getMessage());
        }
        if (type.equals(PortConfig.RAW))
        {
            in.rejectKey(node, path, "mtu", "a raw port takes no 'mtu': it uses its interface's (set it there)");
            if ("trunk".equals(in.text(node, path, "mode", "access")))
            {
                throw in.error(path + ".mode", "a raw port must be an access port (the kernel removes 802.1Q tags " +
                    "before an AF_PACKET socket sees a frame)");
            }
        }
        final VlanRules rules = vlanRules(in, node, path);
        final int mtu = switch (type)
        {
            case PortConfig.UNIX ->
                in.intValue(node, path, "mtu", UnixPortSpec.DEFAULT_MTU, TapPortSpec.MIN_MTU, UnixPortSpec.MAX_MTU);
            case PortConfig.VXLAN ->
                in.intValue(node, path, "mtu", VxlanPortSpec.DEFAULT_MTU, TapPortSpec.MIN_MTU, TapPortSpec.MAX_MTU);
            case PortConfig.TUNNEL ->
                in.intValue(node, path, "mtu", TunnelPortSpec.DEFAULT_MTU, TapPortSpec.MIN_MTU, 65_000);
            default -> in.intValue(node, path, "mtu", 0, TapPortSpec.MIN_MTU, TapPortSpec.MAX_MTU);
        };
        final long mac = in.mac(node, path, false);
        final boolean offloads = in.bool(node, path, "offloads", true);
        final boolean persistent = in.bool(node, path, "persistent", false);
        final int macLimit = in.intValue(node, path, "mac-limit", MacLimits.UNLIMITED, 1, SwitchContext.MAX_MAC_LIMIT);
        final int queues = in.intValue(node, path, "queues", 0, 0, SwitchContext.MAX_LOOPS);
        final boolean enabled = in.bool(node, path, "enabled", true);
        final TapPortSpec common = new TapPortSpec(name, rules, mtu, mac, offloads, persistent, macLimit, queues);
        return new PortConfig(type, common,
            type.equals(PortConfig.UNIX) ? unix(in, node, path) : null,
            type.equals(PortConfig.VXLAN) ? VxlanSection.read(in, node, path) : null,
            type.equals(PortConfig.TUNNEL) ? TunnelSection.read(in, node, path) : null, enabled,
            storm(in, node.get("storm-control"), ConfigReader.child(path, "storm-control")));
    }

    /**
     * {@code storm-control: {broadcast: 1000, multicast: 1000, unknown-unicast: 1000}}: frames/s, absent or 0 for
     * no limit.
     */
    private static StormLimits storm(final ConfigReader in, final JsonNode node, final String path)
    {
        if (node == null || node.isNull())
        {
            return StormLimits.NONE;
        }
        in.requireObject(node, path, STORM_KEYS);
        final int max = (int)StormLimits.MAX_PPS;
        return new StormLimits(in.intValue(node, path, "broadcast", 0, 0, max),
            in.intValue(node, path, "multicast", 0, 0, max), in.intValue(node, path, "unknown-unicast", 0, 0, max));
    }

    private static void checkKeys(final ConfigReader in, final JsonNode node, final String path, final String type)
    {
        final Set<String> own = keysOf(type);
        final Iterator<String> fields = node.fieldNames();
        while (fields.hasNext())
        {
            final String key = fields.next();
            if (own.contains(key))
            {
                continue;
            }
            if (TAP_KEYS.contains(key))
            {
                throw in.error(ConfigReader.child(path, key), "a " + type + " port is not a TAP device and takes " +
                    "no '" + key + "'" + (type.equals(PortConfig.RAW) ? " (set it on the interface)" : ""));
            }
            for (final Map.Entry<String, Set<String>> kind : KIND_KEYS.entrySet())
            {
                if (kind.getValue().contains(key))
                {
                    throw in.error(ConfigReader.child(path, key),
                        "only " + kind.getKey() + " ports have '" + key + "'");
                }
            }
            throw in.unknownKey(path, key, own);
        }
    }

    private static VlanRules vlanRules(final ConfigReader in, final JsonNode node, final String path)
    {
        final String mode = in.text(node, path, "mode", "access");
        switch (mode)
        {
            case "access" ->
            {
                in.rejectKey(node, path, "allowed-vlans", "only trunk ports have allowed-vlans");
                in.rejectKey(node, path, "native-vlan", "only trunk ports have a native-vlan");
                return VlanRules.access(in.intValue(node, path, "vlan", VlanRules.DEFAULT_VLAN, VlanRules.MIN_VID,
                    VlanRules.MAX_VID));
            }
            case "trunk" ->
            {
                in.rejectKey(node, path, "vlan", "a trunk port takes allowed-vlans and native-vlan, not vlan");
                final int[] allowed = in.vlanList(node.get("allowed-vlans"), path + ".allowed-vlans");
                final int nativeVlan = node.has("native-vlan") ?
                    in.intValue(node, path, "native-vlan", 0, VlanRules.MIN_VID, VlanRules.MAX_VID) : VlanRules.NONE;
                if (allowed.length == 0 && nativeVlan == VlanRules.NONE)
                {
                    throw in.error(path, "a trunk port needs allowed-vlans or a native-vlan");
                }
                return VlanRules.trunk(allowed, nativeVlan);
            }
            default -> throw in.error(path + ".mode", "unknown mode '" + mode + "' (expected access or trunk)");
        }
    }

    private static PortConfig.Unix unix(final ConfigReader in, final JsonNode node, final String path)
    {
        final String socket = in.text(node, path, "path", null);
        try
        {
            UnixAddress.check(Path.of(socket));
        }
        catch (final IllegalArgumentException ex)
        {
            throw in.error(path + ".path", ex.getMessage());
        }
        final UnixPortSpec.Framing framing;
        try
        {
            framing = UnixPortSpec.Framing.of(in.text(node, path, "framing", "stream"));
        }
        catch (final IllegalArgumentException ex)
        {
            throw in.error(path + ".framing", ex.getMessage());
        }
        final int mode = in.fileMode(node, path, "socket-mode", "0660");
        return new PortConfig.Unix(Path.of(socket), framing, mode);
    }
}
