package io.l2mesh.control.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.l2mesh.switching.SwitchContext;
import io.l2mesh.switching.fdb.MacLimits;
import io.l2mesh.switching.frame.MacAddresses;
import io.l2mesh.switching.port.TapPortSpec;
import io.l2mesh.switching.port.unix.UnixPortSpec;
import io.l2mesh.tunnel.FecSpec;
import io.l2mesh.tunnel.PeerSpec;
import io.l2mesh.tunnel.impair.ImpairmentSpec;
import io.l2mesh.tunnel.TunnelPortSpec;
import io.l2mesh.tunnel.noise.CipherSuite;
import io.l2mesh.tunnel.noise.KeyPair;
import io.l2mesh.tunnel.vxlan.VxlanPortSpec;
import io.l2mesh.tuntap.UnixAddress;
import io.l2mesh.switching.vlan.VlanRules;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * Reads the YAML config and checks every value, so that a bad file is refused with its file, line and what is
 * wrong ("l2mesh.yaml:12: ports[1].vlan: 5000 out of range 1..4094") before anything is started.
 * <p>
 * Jackson parses the YAML; a first streaming pass records the line of every key and list item (Jackson's tree
 * does not keep locations), the second reads the tree. Unknown keys and duplicate keys are errors: a typo must
 * not silently lose a setting.
 */
public final class ConfigFile
{
    public static final String DEFAULT_RESOURCE = "/l2mesh-default.yaml";

    private static final Set<String> TOP_KEYS = Set.of("switch", "ports", "static-macs", "control");
    private static final Set<String> CONTROL_KEYS = Set.of("socket", "mode", "group");
    private static final Set<String> SWITCH_KEYS = Set.of("loops", "burst", "ageing-time", "mac-limit",
        "busy-poll-us");
    private static final Set<String> PORT_KEYS = Set.of("name", "type", "mode", "vlan", "allowed-vlans",
        "native-vlan", "mtu", "mac", "offloads", "persistent", "mac-limit", "queues", "enabled", "path", "framing",
        "socket-mode", "local", "vni", "remotes", "listen", "private-key-file", "cipher", "keepalive", "rekey",
        "peers", "fec", "impair");
    private static final Set<String> FEC_KEYS = Set.of("k", "m", "adaptive", "target");
    private static final Set<String> IMPAIR_KEYS = Set.of("loss", "burst-good-to-bad", "burst-bad-to-good",
        "burst-loss", "delay", "jitter", "reorder", "reorder-gap", "duplicate", "rate-kbps", "seed");
    private static final Set<String> PEER_KEYS = Set.of("name", "public-key", "endpoint", "preshared-key-file",
        "fec");
    private static final List<String> TUNNEL_KEYS = List.of("listen", "private-key-file", "cipher", "keepalive",
        "rekey", "peers", "fec", "impair");
    private static final Set<String> STATIC_KEYS = Set.of("mac", "vlan", "port");

    private final String source;
    private final Map<String, Integer> lines = new HashMap<>();

    private ConfigFile(final String source)
    {
        this.source = source;
    }

    public static L2meshConfig load(final Path file)
    {
        final String text;
        try
        {
            text = Files.readString(file, StandardCharsets.UTF_8);
        }
        catch (final IOException ex)
        {
            throw new ConfigException(file.toString(), 0, "cannot read: " + ex.getMessage());
        }
        return parse(file.toString(), text);
    }

    public static L2meshConfig loadDefault()
    {
        try (InputStream in = ConfigFile.class.getResourceAsStream(DEFAULT_RESOURCE))
        {
            if (in == null)
            {
                throw new IllegalStateException("embedded default config " + DEFAULT_RESOURCE + " is missing");
            }
            return parse("(embedded default)" + DEFAULT_RESOURCE,
                new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    public static String defaultText()
    {
        try (InputStream in = ConfigFile.class.getResourceAsStream(DEFAULT_RESOURCE))
        {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        catch (final IOException | NullPointerException ex)
        {
            throw new IllegalStateException("embedded default config is missing", ex);
        }
    }

    public static L2meshConfig parse(final String source, final String text)
    {
        return new ConfigFile(source).read(text);
    }

    private L2meshConfig read(final String text)
    {
        final ObjectMapper mapper = new ObjectMapper(new YAMLFactory());
        mapper.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
        final JsonNode root;
        try
        {
            try (JsonParser parser = mapper.getFactory().createParser(text))
            {
                parser.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
                final JsonToken first = parser.nextToken();
                if (first != null)
                {
                    recordLines(parser, first, "");
                }
            }
            root = mapper.readTree(text);
        }
        catch (final JsonProcessingException ex)
        {
            final JsonLocation location = ex.getLocation();
            throw new ConfigException(source, location == null ? 0 : location.getLineNr(),
                "not valid YAML: " + ex.getOriginalMessage());
        }
        catch (final IOException ex)
        {
            throw new ConfigException(source, 0, ex.getMessage());
        }
        if (root == null || root.isMissingNode() || root.isNull())
        {
            throw new ConfigException(source, 1, "the file is empty; it needs at least 'ports:'");
        }
        requireObject(root, "", TOP_KEYS);

        final SwitchContext context = new SwitchContext();
        final JsonNode sw = root.get("switch");
        int loopsSetting = SwitchContext.LOOPS_DEFAULT;
        if (sw != null)
        {
            requireObject(sw, "switch", SWITCH_KEYS);
            loopsSetting = intValue(sw, "switch", "loops", 0, 0, SwitchContext.MAX_LOOPS);
            context.loops(loopsSetting);
            context.burstSize(intValue(sw, "switch", "burst", SwitchContext.BURST_SIZE_DEFAULT, 1,
                SwitchContext.MAX_BURST_SIZE));
            context.ageingTimeNs(TimeUnit.SECONDS.toNanos(intValue(sw, "switch", "ageing-time",
                (int)TimeUnit.NANOSECONDS.toSeconds(SwitchContext.AGEING_TIME_NS_DEFAULT), 1, 86_400)));
            context.macLimit(intValue(sw, "switch", "mac-limit", SwitchContext.MAC_LIMIT_DEFAULT, 1,
                SwitchContext.MAX_MAC_LIMIT));
            context.busyPollNs(TimeUnit.MICROSECONDS.toNanos(intValue(sw, "switch", "busy-poll-us", 0, 0,
                (int)TimeUnit.NANOSECONDS.toMicros(SwitchContext.MAX_BUSY_POLL_NS))));
        }
        context.conclude();

        final List<PortConfig> ports = new ArrayList<>();
        final JsonNode portList = root.get("ports");
        if (portList == null || !portList.isArray() || portList.isEmpty())
        {
            throw error(portList == null ? "" : "ports", "'ports' must be a list with at least one port");
        }
        final Set<String> names = new HashSet<>();
        for (int i = 0; i < portList.size(); i++)
        {
            final PortConfig port = port(portList.get(i), "ports[" + i + "]");
            if (!names.add(port.name()))
            {
                throw error("ports[" + i + "].name", "port name '" + port.name() + "' is used twice");
            }
            ports.add(port);
        }

        final List<StaticMacConfig> staticMacs = new ArrayList<>();
        final JsonNode statics = root.get("static-macs");
        if (statics != null)
        {
            if (!statics.isArray())
            {
                throw error("static-macs", "'static-macs' must be a list of {mac, vlan, port}");
            }
            for (int i = 0; i < statics.size(); i++)
            {
                final String path = "static-macs[" + i + "]";
                final JsonNode node = statics.get(i);
                requireObject(node, path, STATIC_KEYS);
                final long mac = mac(node, path, true);
                final int vlan = intValue(node, path, "vlan", VlanRules.DEFAULT_VLAN, VlanRules.MIN_VID,
                    VlanRules.MAX_VID);
                final String port = text(node, path, "port", null);
                if (!names.contains(port))
                {
                    throw error(path + ".port", "no port named '" + port + "' (ports: " + new TreeSet<>(names) + ")");
                }
                staticMacs.add(new StaticMacConfig(mac, vlan, port));
            }
        }
        return new L2meshConfig(source, context, loopsSetting, List.copyOf(ports), List.copyOf(staticMacs),
            control(root.get("control")));
    }

    private ControlConfig control(final JsonNode node)
    {
        if (node == null)
        {
            return ControlConfig.defaults();
        }
        requireObject(node, "control", CONTROL_KEYS);
        final String socket = text(node, "control", "socket", ControlConfig.SOCKET_DEFAULT.toString());
        if (!socket.startsWith("/") || socket.length() > 107)
        {
            throw error("control.socket", "'" + socket + "' must be an absolute path of at most 107 bytes");
        }
        final int mode = fileMode(node, "control", "mode", "0660");
        final String group = text(node, "control", "group", "");
        return new ControlConfig(java.nio.file.Path.of(socket), mode, group.isEmpty() ? null : group);
    }

    private int fileMode(final JsonNode node, final String path, final String key, final String fallback)
    {
        final String modeText = text(node, path, key, fallback);
        final int mode;
        try
        {
            mode = Integer.parseInt(modeText, 8);
        }
        catch (final NumberFormatException ex)
        {
            throw error(path + "." + key, "'" + modeText + "' is not an octal file mode like \"0660\"");
        }
        if (mode < 0 || mode > 0777 || (mode & 0600) != 0600)
        {
            throw error(path + "." + key, modeText + " must be 0600..0777 and let the owner read and write");
        }
        return mode;
    }

    private PortConfig port(final JsonNode node, final String path)
    {
        requireObject(node, path, PORT_KEYS);
        final String name = text(node, path, "name", null);
        try
        {
            io.l2mesh.tuntap.TapOptions.single(name);
        }
        catch (final IllegalArgumentException ex)
        {
            throw error(path + ".name", ex.getMessage());
        }
        final String type = text(node, path, "type", "tap");
        if (!List.of(PortConfig.TAP, PortConfig.RAW, PortConfig.UNIX, PortConfig.VXLAN, PortConfig.TUNNEL)
            .contains(type))
        {
            throw error(path + ".type", "unknown port type '" + type + "' (supported: tap, raw, unix, vxlan, " +
                "tunnel)");
        }
        if (!type.equals(PortConfig.TUNNEL))
        {
            for (final String tunnelOnly : TUNNEL_KEYS)
            {
                rejectKey(node, path, tunnelOnly, "only tunnel ports have '" + tunnelOnly + "'");
            }
        }
        if (!type.equals(PortConfig.VXLAN))
        {
            for (final String vxlanOnly : List.of("vni", "remotes", "local"))
            {
                rejectKey(node, path, vxlanOnly, "only vxlan ports have '" + vxlanOnly + "'");
            }
        }
        if (!type.equals(PortConfig.UNIX))
        {
            for (final String unixOnly : List.of("path", "framing", "socket-mode"))
            {
                rejectKey(node, path, unixOnly, "only unix ports have '" + unixOnly + "'");
            }
        }
        if (!type.equals(PortConfig.TAP))
        {
            for (final String tapOnly : List.of("mac", "offloads", "persistent", "queues"))
            {
                rejectKey(node, path, tapOnly, "a " + type + " port is not a TAP device and takes no '" + tapOnly +
                    "'" + (type.equals(PortConfig.RAW) ? " (set it on the interface)" : ""));
            }
        }
        if (type.equals(PortConfig.RAW))
        {
            rejectKey(node, path, "mtu", "a raw port takes no 'mtu': it uses its interface's (set it there)");
            if ("trunk".equals(text(node, path, "mode", "access")))
            {
                throw error(path + ".mode", "a raw port must be an access port (the kernel removes 802.1Q tags " +
                    "before an AF_PACKET socket sees a frame)");
            }
        }
        final String mode = text(node, path, "mode", "access");
        final VlanRules rules;
        switch (mode)
        {
            case "access" ->
            {
                rejectKey(node, path, "allowed-vlans", "only trunk ports have allowed-vlans");
                rejectKey(node, path, "native-vlan", "only trunk ports have a native-vlan");
                rules = VlanRules.access(intValue(node, path, "vlan", VlanRules.DEFAULT_VLAN, VlanRules.MIN_VID,
                    VlanRules.MAX_VID));
            }
            case "trunk" ->
            {
                rejectKey(node, path, "vlan", "a trunk port takes allowed-vlans and native-vlan, not vlan");
                final int[] allowed = vlanList(node.get("allowed-vlans"), path + ".allowed-vlans");
                final int nativeVlan = node.has("native-vlan") ?
                    intValue(node, path, "native-vlan", 0, VlanRules.MIN_VID, VlanRules.MAX_VID) : VlanRules.NONE;
                if (allowed.length == 0 && nativeVlan == VlanRules.NONE)
                {
                    throw error(path, "a trunk port needs allowed-vlans or a native-vlan");
                }
                rules = VlanRules.trunk(allowed, nativeVlan);
            }
            default -> throw error(path + ".mode", "unknown mode '" + mode + "' (expected access or trunk)");
        }
        final int mtu = switch (type)
        {
            case PortConfig.UNIX ->
                intValue(node, path, "mtu", UnixPortSpec.DEFAULT_MTU, TapPortSpec.MIN_MTU, UnixPortSpec.MAX_MTU);
            case PortConfig.VXLAN ->
                intValue(node, path, "mtu", VxlanPortSpec.DEFAULT_MTU, TapPortSpec.MIN_MTU, TapPortSpec.MAX_MTU);
            case PortConfig.TUNNEL ->
                intValue(node, path, "mtu", TunnelPortSpec.DEFAULT_MTU, TapPortSpec.MIN_MTU, 65_000);
            default -> intValue(node, path, "mtu", 0, TapPortSpec.MIN_MTU, TapPortSpec.MAX_MTU);
        };
        final long mac = node.has("mac") ? mac(node, path, false) : -1;
        final boolean offloads = bool(node, path, "offloads", true);
        final boolean persistent = bool(node, path, "persistent", false);
        final int macLimit = intValue(node, path, "mac-limit", MacLimits.UNLIMITED, 1, SwitchContext.MAX_MAC_LIMIT);
        final int queues = intValue(node, path, "queues", 0, 0, SwitchContext.MAX_LOOPS);
        final boolean enabled = bool(node, path, "enabled", true);
        final TapPortSpec common = new TapPortSpec(name, rules, mtu, mac, offloads, persistent, macLimit, queues);
        return new PortConfig(type, common, type.equals(PortConfig.UNIX) ? unix(node, path) : null,
            type.equals(PortConfig.VXLAN) ? vxlan(node, path) : null,
            type.equals(PortConfig.TUNNEL) ? tunnel(node, path) : null, enabled);
    }

    private PortConfig.Tunnel tunnel(final JsonNode node, final String path)
    {
        final InetSocketAddress listen = endpoint(text(node, path, "listen", null), path + ".listen",
            TunnelPortSpec.DEFAULT_UDP_PORT);
        final Path keyFile = Path.of(text(node, path, "private-key-file", null));
        final KeyPair identity;
        try
        {
            identity = KeyPair.fromBase64(readSecret(keyFile, path + ".private-key-file"));
        }
        catch (final IllegalArgumentException ex)
        {
            throw error(path + ".private-key-file", keyFile + ": " + ex.getMessage());
        }
        final CipherSuite suite;
        try
        {
            suite = CipherSuite.of(text(node, path, "cipher", "aesgcm"));
        }
        catch (final IllegalArgumentException ex)
        {
            throw error(path + ".cipher", ex.getMessage());
        }
        final int keepalive = intValue(node, path, "keepalive", TunnelPortSpec.DEFAULT_KEEPALIVE_SECONDS, 1, 3600);
        final int rekey = intValue(node, path, "rekey", TunnelPortSpec.DEFAULT_REKEY_SECONDS, 2, 86_400);
        final JsonNode list = node.get("peers");
        if (list == null || !list.isArray() || list.size() > TunnelPortSpec.MAX_PEERS)
        {
            throw error(path + (list == null ? "" : ".peers"), "a tunnel port needs peers: a list of {name, " +
                "public-key, endpoint, preshared-key-file} (at most " + TunnelPortSpec.MAX_PEERS + ")");
        }
        final List<PortConfig.TunnelPeer> peers = new ArrayList<>();
        final Set<String> names = new HashSet<>();
        final Set<String> keys = new HashSet<>();
        for (int i = 0; i < list.size(); i++)
        {
            final String where = path + ".peers[" + i + "]";
            final JsonNode peer = list.get(i);
            requireObject(peer, where, PEER_KEYS);
            final String name = text(peer, where, "name", null);
            final String publicKey = text(peer, where, "public-key", null);
            final byte[] key;
            try
            {
                key = KeyPair.decodeKey(publicKey, "public-key");
            }
            catch (final IllegalArgumentException ex)
            {
                throw error(where + ".public-key", ex.getMessage());
            }
            if (!names.add(name))
            {
                throw error(where + ".name", "two peers are named '" + name + "'");
            }
            if (!keys.add(publicKey.trim()) || java.util.Arrays.equals(key, identity.publicKey()))
            {
                throw error(where + ".public-key", "the key of another peer or of this node itself");
            }
            final InetSocketAddress peerEndpoint = peer.has("endpoint") ?
                endpoint(text(peer, where, "endpoint", null), where + ".endpoint", TunnelPortSpec.DEFAULT_UDP_PORT) :
                null;
            if (peerEndpoint != null &&
                peerEndpoint.getAddress().getClass() != listen.getAddress().getClass() &&
                !listen.getAddress().isAnyLocalAddress())
            {
                throw error(where + ".endpoint", "not of the listen address's family");
            }
            final Path pskFile = peer.has("preshared-key-file") ?
                Path.of(text(peer, where, "preshared-key-file", null)) : null;
            byte[] psk = null;
            if (pskFile != null)
            {
                try
                {
                    psk = KeyPair.decodeKey(readSecret(pskFile, where + ".preshared-key-file"), "pre-shared key");
                }
                catch (final IllegalArgumentException ex)
                {
                    throw error(where + ".preshared-key-file", pskFile + ": " + ex.getMessage());
                }
            }
            final FecSpec peerFec = peer.has("fec") ? fec(peer.get("fec"), where + ".fec") : null;
            peers.add(new PortConfig.TunnelPeer(name, publicKey.trim(), peerEndpoint, pskFile,
                new PeerSpec(name, key, psk, peerEndpoint, peerFec)));
        }
        return new PortConfig.Tunnel(listen, keyFile, identity, suite, keepalive, rekey, peers,
            fec(node.get("fec"), path + ".fec"), impairment(node.get("impair"), path + ".impair"));
    }

    /**
     * {@code fec: off}, {@code fec: {k: 10, m: 4}} or {@code fec: {k: 10, adaptive: true, target: 0.0001}}.
     */
    private FecSpec fec(final JsonNode node, final String path)
    {
        if (node == null || node.isNull() || (node.isTextual() && node.textValue().equals("off")) ||
            (node.isBoolean() && !node.booleanValue()))
        {
            return FecSpec.OFF;
        }
        requireObject(node, path, FEC_KEYS);
        final boolean adaptive = bool(node, path, "adaptive", false);
        final int k = intValue(node, path, "k", 10, 1, FecSpec.MAX_K);
        final int m = intValue(node, path, "m", adaptive ? 1 : 4, 1, 32);
        final double target = node.has("target") ? number(node, path, "target") : FecSpec.TARGET_DEFAULT;
        try
        {
            return new FecSpec(k, m, adaptive, target);
        }
        catch (final IllegalArgumentException ex)
        {
            throw error(path, ex.getMessage());
        }
    }

    private ImpairmentSpec impairment(final JsonNode node, final String path)
    {
        if (node == null || node.isNull())
        {
            return ImpairmentSpec.NONE;
        }
        requireObject(node, path, IMPAIR_KEYS);
        try
        {
            return new ImpairmentSpec(number(node, path, "loss"), number(node, path, "burst-good-to-bad"),
                number(node, path, "burst-bad-to-good"), number(node, path, "burst-loss"),
                number(node, path, "delay"), number(node, path, "jitter"), number(node, path, "reorder"),
                number(node, path, "reorder-gap"), number(node, path, "duplicate"),
                (long)number(node, path, "rate-kbps"), (long)number(node, path, "seed"));
        }
        catch (final IllegalArgumentException ex)
        {
            throw error(path, ex.getMessage());
        }
    }

    private double number(final JsonNode node, final String path, final String key)
    {
        final JsonNode value = node.get(key);
        if (value == null || value.isNull())
        {
            return 0;
        }
        if (!value.isNumber())
        {
            throw error(child(path, key), "'" + value.asText() + "' is not a number");
        }
        return value.doubleValue();
    }

    /**
     * Reads a key file (first line); refuses one that others may read, as ssh does, since it holds a secret.
     */
    private String readSecret(final Path file, final String where)
    {
        try
        {
            final java.util.Set<java.nio.file.attribute.PosixFilePermission> mode =
                Files.getPosixFilePermissions(file);
            if (mode.contains(java.nio.file.attribute.PosixFilePermission.OTHERS_READ) ||
                mode.contains(java.nio.file.attribute.PosixFilePermission.GROUP_READ))
            {
                throw error(where, file + " is readable by others; chmod 600 it (it holds a secret key)");
            }
            final List<String> lines = Files.readAllLines(file, StandardCharsets.US_ASCII);
            if (lines.isEmpty())
            {
                throw error(where, file + " is empty");
            }
            return lines.get(0);
        }
        catch (final IOException ex)
        {
            throw error(where, "cannot read " + file + ": " + ex.getMessage());
        }
    }

    private PortConfig.Vxlan vxlan(final JsonNode node, final String path)
    {
        final InetSocketAddress local = endpoint(text(node, path, "local", null), path + ".local");
        final int vni = intValue(node, path, "vni", -1, 0, VxlanPortSpec.MAX_VNI);
        if (vni < 0)
        {
            throw error(path, "a vxlan port needs a vni (0.." + VxlanPortSpec.MAX_VNI + ")");
        }
        final JsonNode list = node.get("remotes");
        if (list == null || !list.isArray() || list.isEmpty() || list.size() > VxlanPortSpec.MAX_REMOTES)
        {
            throw error(path + (list == null ? "" : ".remotes"), "a vxlan port needs remotes: a list of 1.." +
                VxlanPortSpec.MAX_REMOTES + " VTEP addresses like [198.18.0.2, \"198.18.0.3:4789\"]");
        }
        final List<InetSocketAddress> remotes = new ArrayList<>();
        for (int i = 0; i < list.size(); i++)
        {
            final InetSocketAddress remote = endpoint(list.get(i).asText(), path + ".remotes[" + i + "]");
            if (remote.getAddress().getClass() != local.getAddress().getClass())
            {
                throw error(path + ".remotes[" + i + "]", remote.getAddress().getHostAddress() +
                    " is not of the local address's family (" + local.getAddress().getHostAddress() + ")");
            }
            remotes.add(remote);
        }
        return new PortConfig.Vxlan(local, vni, remotes);
    }

    /**
     * "198.18.0.1", "198.18.0.1:4789", "fd00::1" or "[fd00::1]:4789": an IP literal (no names: a tunnel must not
     * depend on DNS at start-up) and a UDP port (4789, VXLAN's, unless given).
     */
    private InetSocketAddress endpoint(final String text, final String where)
    {
        return endpoint(text, where, VxlanPortSpec.DEFAULT_UDP_PORT);
    }

    private InetSocketAddress endpoint(final String text, final String where, final int defaultPort)
    {
        String host = text;
        int port = defaultPort;
        final int colon = text.lastIndexOf(':');
        if (text.startsWith("["))
        {
            final int close = text.indexOf(']');
            if (close < 0)
            {
                throw error(where, "'" + text + "' has no closing ']'");
            }
            host = text.substring(1, close);
            if (close + 1 < text.length())
            {
                port = udpPort(text.substring(close + 2), text, where);
            }
        }
        else if (colon > 0 && text.indexOf(':') == colon)
        {
            host = text.substring(0, colon);
            port = udpPort(text.substring(colon + 1), text, where);
        }
        if (!host.matches("[0-9a-fA-F:.]+") || (!host.contains(".") && !host.contains(":")))
        {
            throw error(where, "'" + text + "' is not an IP address (names are not resolved)");
        }
        try
        {
            return new InetSocketAddress(java.net.InetAddress.getByName(host), port);
        }
        catch (final java.net.UnknownHostException ex)
        {
            throw error(where, "'" + text + "' is not an IP address");
        }
    }

    private int udpPort(final String text, final String whole, final String where)
    {
        try
        {
            final int port = Integer.parseInt(text);
            if (port >= 1 && port <= 65_535)
            {
                return port;
            }
        }
        catch (final NumberFormatException ignored)
        {
            // reported below
        }
        throw error(where, "'" + whole + "': port must be 1..65535");
    }

    private PortConfig.Unix unix(final JsonNode node, final String path)
    {
        final String socket = text(node, path, "path", null);
        try
        {
            UnixAddress.check(java.nio.file.Path.of(socket));
        }
        catch (final IllegalArgumentException ex)
        {
            throw error(path + ".path", ex.getMessage());
        }
        final UnixPortSpec.Framing framing;
        try
        {
            framing = UnixPortSpec.Framing.of(text(node, path, "framing", "stream"));
        }
        catch (final IllegalArgumentException ex)
        {
            throw error(path + ".framing", ex.getMessage());
        }
        final int mode = fileMode(node, path, "socket-mode", "0660");
        return new PortConfig.Unix(java.nio.file.Path.of(socket), framing, mode);
    }

    /**
     * Checks one port given as a JSON object (a control request's arguments) with the config file's rules.
     *
     * @throws ConfigException naming {@code what.key} and what is wrong.
     */
    public static PortConfig parsePort(final String what, final JsonNode node)
    {
        return new ConfigFile("request").port(node, what);
    }

    private int[] vlanList(final JsonNode node, final String path)
    {
        if (node == null)
        {
            return new int[0];
        }
        final TreeSet<Integer> vlans = new TreeSet<>();
        if (node.isArray())
        {
            for (int i = 0; i < node.size(); i++)
            {
                addVlans(vlans, node.get(i).asText(), path + "[" + i + "]", path);
            }
        }
        else if (node.isTextual() || node.isInt())
        {
            for (final String part : node.asText().split(","))
            {
                addVlans(vlans, part.trim(), path, path);
            }
        }
        else
        {
            throw error(path, "expected a list of VLANs like [10, 20, 30-39]");
        }
        return vlans.stream().mapToInt(Integer::intValue).toArray();
    }

    private void addVlans(final Set<Integer> vlans, final String text, final String path, final String fallbackPath)
    {
        final String where = lines.containsKey(path) ? path : fallbackPath;
        try
        {
            final int dash = text.indexOf('-');
            final int from = Integer.parseInt(dash < 0 ? text : text.substring(0, dash).trim());
            final int to = dash < 0 ? from : Integer.parseInt(text.substring(dash + 1).trim());
            VlanRules.checkVid("VLAN", from);
            VlanRules.checkVid("VLAN", to);
            if (to < from)
            {
                throw new IllegalArgumentException("range " + text + " is backwards");
            }
            for (int v = from; v <= to; v++)
            {
                vlans.add(v);
            }
        }
        catch (final NumberFormatException ex)
        {
            throw error(where, "'" + text + "' is not a VLAN or range like 30-39");
        }
        catch (final IllegalArgumentException ex)
        {
            throw error(where, ex.getMessage());
        }
    }

    private long mac(final JsonNode node, final String path, final boolean required)
    {
        final String text = text(node, path, "mac", required ? null : "");
        try
        {
            final long mac = MacAddresses.parse(text);
            if ((mac & 0x0100_0000_0000L) != 0)
            {
                throw error(path + ".mac", "MAC " + text + " is a multicast address");
            }
            return mac;
        }
        catch (final IllegalArgumentException ex)
        {
            throw error(path + ".mac", ex.getMessage());
        }
    }

    private void requireObject(final JsonNode node, final String path, final Set<String> keys)
    {
        if (node == null || !node.isObject())
        {
            throw error(path, (path.isEmpty() ? "the top level" : "'" + path + "'") + " must be a mapping of keys");
        }
        final Iterator<String> fields = node.fieldNames();
        while (fields.hasNext())
        {
            final String key = fields.next();
            if (!keys.contains(key))
            {
                throw error(child(path, key),
                    "unknown key '" + key + "' (expected one of " + new TreeSet<>(keys) + ")");
            }
        }
    }

    private void rejectKey(final JsonNode node, final String path, final String key, final String why)
    {
        if (node.has(key))
        {
            throw error(child(path, key), why);
        }
    }

    private int intValue(final JsonNode node, final String path, final String key, final int defaultValue,
        final int min, final int max)
    {
        final JsonNode value = node.get(key);
        if (value == null || value.isNull())
        {
            return defaultValue;
        }
        if (!value.isIntegralNumber() || !value.canConvertToInt())
        {
            throw error(child(path, key), "'" + value.asText() + "' is not a whole number");
        }
        final int v = value.intValue();
        if ((v < min || v > max) && !(v == defaultValue && defaultValue == 0))
        {
            throw error(child(path, key), v + " out of range " + min + ".." + max);
        }
        return v;
    }

    private boolean bool(final JsonNode node, final String path, final String key, final boolean defaultValue)
    {
        final JsonNode value = node.get(key);
        if (value == null || value.isNull())
        {
            return defaultValue;
        }
        if (!value.isBoolean())
        {
            throw error(child(path, key), "'" + value.asText() + "' is not true or false");
        }
        return value.booleanValue();
    }

    private String text(final JsonNode node, final String path, final String key, final String defaultValue)
    {
        final JsonNode value = node.get(key);
        if (value == null || value.isNull())
        {
            if (defaultValue == null)
            {
                throw error(path, "'" + key + "' is required");
            }
            return defaultValue;
        }
        if (!value.isValueNode())
        {
            throw error(child(path, key), "expected a single value");
        }
        return value.asText();
    }

    private static String child(final String path, final String key)
    {
        return path.isEmpty() ? key : path + "." + key;
    }

    private ConfigException error(final String path, final String message)
    {
        return new ConfigException(source, lineOf(path), path.isEmpty() ? message : path + ": " + message);
    }

    private int lineOf(final String path)
    {
        String p = path;
        while (true)
        {
            final Integer line = lines.get(p);
            if (line != null)
            {
                return line;
            }
            final int cut = Math.max(p.lastIndexOf('.'), p.lastIndexOf('['));
            if (cut <= 0)
            {
                return lines.getOrDefault("", 1);
            }
            p = p.substring(0, cut);
        }
    }

    private void recordLines(final JsonParser parser, final JsonToken token, final String path) throws IOException
    {
        lines.putIfAbsent(path, parser.currentTokenLocation().getLineNr());
        if (token == JsonToken.START_OBJECT)
        {
            while (parser.nextToken() == JsonToken.FIELD_NAME)
            {
                final String key = parser.currentName();
                final String child = child(path, key);
                lines.put(child, parser.currentTokenLocation().getLineNr());
                recordLines(parser, parser.nextToken(), child);
            }
        }
        else if (token == JsonToken.START_ARRAY)
        {
            int index = 0;
            JsonToken next;
            while ((next = parser.nextToken()) != JsonToken.END_ARRAY && next != null)
            {
                recordLines(parser, next, path + "[" + index++ + "]");
            }
        }
    }
}
