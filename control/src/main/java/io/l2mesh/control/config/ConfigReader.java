package io.l2mesh.control.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.l2mesh.switching.frame.MacAddresses;
import io.l2mesh.switching.vlan.VlanRules;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The typed accessors every config section reads its values through, each refusing a bad value with the
 * file, the line and the key's path ("l2mesh.yaml:12: ports[1].vlan: 5000 out of range 1..4094").
 * <p>
 * Jackson's tree keeps no locations, so {@link #parse} makes a first streaming pass that records the line of
 * every key and list item, then reads the tree. Paths are {@code a.b[2].c}; a path with no line of its own (a
 * key that is missing) is reported at its nearest parent's line.
 */
final class ConfigReader
{
    private final String source;
    private final boolean trusted;
    private final Map<String, Integer> lines = new HashMap<>();

    /**
     * @param trusted true for the config file (root's) and requests from root; false for a request from any other
     *                client, whose errors about key files say nothing that the client could not see itself.
     */
    ConfigReader(final String source, final boolean trusted)
    {
        this.source = source;
        this.trusted = trusted;
    }

    ConfigReader(final String source)
    {
        this(source, true);
    }

    boolean trusted()
    {
        return trusted;
    }

    String source()
    {
        return source;
    }

    /**
     * @return {@code node.key} as an absolute, normalised directory path, or {@code defaultValue}.
     */
    java.nio.file.Path directory(final JsonNode node, final String path, final String key,
        final java.nio.file.Path defaultValue)
    {
        if (node == null || !node.has(key))
        {
            return defaultValue;
        }
        final String text = text(node, path, key, null);
        final java.nio.file.Path dir = java.nio.file.Path.of(text);
        if (!dir.isAbsolute() || !dir.normalize().equals(dir) || dir.getParent() == null)
        {
            throw error(child(path, key), "'" + text + "' must be an absolute directory path without '.' or '..' " +
                "(and not /)");
        }
        return dir;
    }

    /**
     * @return the document's root, or null for an empty document.
     * @throws ConfigException for text that is not YAML, or a key given twice.
     */
    JsonNode parse(final String text)
    {
        final ObjectMapper mapper = new ObjectMapper(new YAMLFactory());
        mapper.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
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
            final JsonNode root = mapper.readTree(text);
            return root == null || root.isMissingNode() || root.isNull() ? null : root;
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
    }

    /**
     * Refuses anything but a mapping whose keys are all in {@code keys}; the error lists exactly those keys.
     */
    void requireObject(final JsonNode node, final String path, final Set<String> keys)
    {
        requireObject(node, path);
        final Iterator<String> fields = node.fieldNames();
        while (fields.hasNext())
        {
            final String key = fields.next();
            if (!keys.contains(key))
            {
                throw unknownKey(path, key, keys);
            }
        }
    }

    void requireObject(final JsonNode node, final String path)
    {
        if (node == null || !node.isObject())
        {
            throw error(path, (path.isEmpty() ? "the top level" : "'" + path + "'") + " must be a mapping of keys");
        }
    }

    ConfigException unknownKey(final String path, final String key, final Collection<String> expected)
    {
        return error(child(path, key), "unknown key '" + key + "' (expected one of " + new TreeSet<>(expected) + ")");
    }

    void rejectKey(final JsonNode node, final String path, final String key, final String why)
    {
        if (node.has(key))
        {
            throw error(child(path, key), why);
        }
    }

    /**
     * @return the value, {@code defaultValue} if absent (a default of 0 may lie outside {@code min..max}: "off").
     */
    int intValue(final JsonNode node, final String path, final String key, final int defaultValue, final int min,
        final int max)
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

    /**
     * @return the number, or 0 if absent.
     */
    double number(final JsonNode node, final String path, final String key)
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

    boolean bool(final JsonNode node, final String path, final String key, final boolean defaultValue)
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

    /**
     * @param defaultValue null when the key is required.
     */
    String text(final JsonNode node, final String path, final String key, final String defaultValue)
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

    /**
     * An octal file mode given as text ("0660") that lets the owner read and write.
     */
    int fileMode(final JsonNode node, final String path, final String key, final String fallback)
    {
        final String modeText = text(node, path, key, fallback);
        final int mode;
        try
        {
            mode = Integer.parseInt(modeText, 8);
        }
        catch (final NumberFormatException ex)
        {
            throw error(child(path, key), "'" + modeText + "' is not an octal file mode like \"0660\"");
        }
        if (mode < 0 || mode > 0777 || (mode & 0600) != 0600)
        {
            throw error(child(path, key), modeText + " must be 0600..0777 and let the owner read and write");
        }
        return mode;
    }

    /**
     * A unicast MAC under {@code mac}; -1 when it is absent and not required.
     */
    long mac(final JsonNode node, final String path, final boolean required)
    {
        if (!required && !node.has("mac"))
        {
            return -1;
        }
        final String text = text(node, path, "mac", null);
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

    /**
     * VLANs as a list ({@code [10, 20, "30-39"]}) or as text ({@code "10,20,30-39"}), sorted, without repeats.
     */
    int[] vlanList(final JsonNode node, final String path)
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

    /**
     * "198.18.0.1", "198.18.0.1:4789", "fd00::1" or "[fd00::1]:4789": an IP literal (no names: a tunnel must not
     * depend on DNS at start-up) and a UDP port ({@code defaultPort} unless given).
     */
    InetSocketAddress endpoint(final String text, final String where, final int defaultPort)
    {
        return endpoint(text, where, defaultPort, false);
    }

    /**
     * As {@link #endpoint(String, String, int)}, and with {@code names} a DNS name too ({@code home.example.net:
     * 51820}): that one stays unresolved here; the tunnel port looks it up, and again later
     * (docs/nat.md).
     */
    InetSocketAddress endpoint(final String text, final String where, final int defaultPort, final boolean names)
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
        final boolean literal = host.matches("[0-9a-fA-F:.]+") && (host.contains(".") || host.contains(":"));
        if (!literal && names && !text.startsWith("[") && io.l2mesh.tunnel.PeerSpec.isDnsName(host))
        {
            return InetSocketAddress.createUnresolved(host, port);
        }
        if (!literal)
        {
            throw error(where, "'" + text + "' is not an IP address" + (names ? " or a DNS name" :
                " (names are not resolved)"));
        }
        try
        {
            return new InetSocketAddress(InetAddress.getByName(host), port);
        }
        catch (final UnknownHostException ex)
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

    static String child(final String path, final String key)
    {
        return path.isEmpty() ? key : path + "." + key;
    }

    ConfigException error(final String path, final String message)
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
