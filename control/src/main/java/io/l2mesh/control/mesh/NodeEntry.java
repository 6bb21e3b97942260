package io.l2mesh.control.mesh;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.l2mesh.tunnel.FecSpec;
import io.l2mesh.tunnel.noise.KeyPair;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A node's registry entry, the value at {@code /l2mesh/<mesh>/nodes/<name>} (docs/registry.md):
 * <pre>{"v":1,"name":"n1","public-key":"BASE64","endpoints":["198.18.1.2:51820"],
 *  "reflexive":["198.18.0.9:51820"],"port":51820,"mtu":1380,"fec":"off","protocol":2,
 *  "certificate":"BODY.SIGNATURE"}</pre>
 * Parsing checks shape and size only; whether the certificate admits the entry is {@link EntryCheck}'s job.
 *
 * @param name        the node's name (also the key's last segment).
 * @param publicKey   its tunnel key, 32 bytes.
 * @param endpoints   where it listens, most preferred first.
 * @param reflexive   where its peers see it (its NAT's mappings, docs/nat.md), most often seen first; optional in
 *                    the JSON (older nodes write none).
 * @param relay       the node relays for the mesh's members ({@code "relay": true}; absent: false).
 * @param port        its tunnel's UDP port.
 * @param mtu         its tunnel MTU.
 * @param fec         the FEC it asks its peers to use with it, or null for theirs.
 * @param protocol    its tunnel protocol version.
 * @param certificate the authority's certificate for it, as signed text.
 */
public record NodeEntry(String name, byte[] publicKey, List<InetSocketAddress> endpoints,
    List<InetSocketAddress> reflexive, int port, int mtu, FecSpec fec, int protocol, String certificate,
    boolean relay)
{
    /** An entry is a few hundred bytes; a bigger value is refused unread. */
    public static final int MAX_BYTES = 16 * 1024;
    public static final int MAX_ENDPOINTS = 16;
    public static final int VERSION = 1;

    public NodeEntry
    {
        publicKey = publicKey.clone();
        endpoints = List.copyOf(endpoints);
        reflexive = List.copyOf(reflexive);
    }

    /**
     * An entry of a node that relays for no one.
     */
    public NodeEntry(final String name, final byte[] publicKey, final List<InetSocketAddress> endpoints,
        final List<InetSocketAddress> reflexive, final int port, final int mtu, final FecSpec fec,
        final int protocol, final String certificate)
    {
        this(name, publicKey, endpoints, reflexive, port, mtu, fec, protocol, certificate, false);
    }

    /**
     * An entry without reflexive endpoints.
     */
    public NodeEntry(final String name, final byte[] publicKey, final List<InetSocketAddress> endpoints,
        final int port, final int mtu, final FecSpec fec, final int protocol, final String certificate)
    {
        this(name, publicKey, endpoints, List.of(), port, mtu, fec, protocol, certificate);
    }

    @Override
    public byte[] publicKey()
    {
        return publicKey.clone();
    }

    public byte[] toJson()
    {
        final ObjectNode json = NodeCertificate.JSON.createObjectNode();
        json.put("v", VERSION);
        json.put("name", name);
        json.put("public-key", KeyPair.encode(publicKey));
        final ArrayNode list = json.putArray("endpoints");
        endpoints.forEach(e -> list.add(format(e)));
        if (!reflexive.isEmpty())
        {
            final ArrayNode seen = json.putArray("reflexive");
            reflexive.forEach(e -> seen.add(format(e)));
        }
        json.put("port", port);
        json.put("mtu", mtu);
        if (fec == null)
        {
            json.putNull("fec");
        }
        else if (!fec.on())
        {
            json.put("fec", "off");
        }
        else
        {
            final ObjectNode f = json.putObject("fec");
            f.put("k", fec.k());
            f.put("m", fec.m());
            if (fec.adaptive())
            {
                f.put("adaptive", true);
                f.put("target", fec.target());
            }
        }
        json.put("protocol", protocol);
        if (relay)
        {
            json.put("relay", true);
        }
        json.put("certificate", certificate);
        try
        {
            return NodeCertificate.JSON.writeValueAsBytes(json);
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    /**
     * @throws Refused malformed (with what is wrong) or version.
     */
    public static NodeEntry parse(final byte[] value)
    {
        if (value.length > MAX_BYTES)
        {
            throw new Refused(Refused.MALFORMED, "entry of " + value.length + " bytes (at most " + MAX_BYTES + ")");
        }
        final JsonNode json;
        try
        {
            json = NodeCertificate.JSON.readTree(value);
        }
        catch (final IOException ex)
        {
            throw new Refused(Refused.MALFORMED, "not JSON: " + ex.getMessage().lines().findFirst().orElse(""));
        }
        if (json == null || !json.isObject())
        {
            throw new Refused(Refused.MALFORMED, "not a JSON object");
        }
        if (json.path("v").asInt() != VERSION)
        {
            throw new Refused(Refused.VERSION, "entry version " + json.path("v") + " (this node reads " + VERSION +
                ")");
        }
        for (final String field : List.of("name", "public-key", "certificate"))
        {
            if (!json.path(field).isTextual())
            {
                throw new Refused(Refused.MALFORMED, "'" + field + "' missing or not text");
            }
        }
        final int port = json.path("port").asInt(-1);
        final int mtu = json.path("mtu").asInt(-1);
        if (port < 1 || port > 65_535 || mtu < 576 || mtu > 65_535)
        {
            throw new Refused(Refused.MALFORMED, "'port' must be 1..65535 and 'mtu' 576..65535");
        }
        final JsonNode list = json.path("endpoints");
        if (!list.isArray() || list.size() > MAX_ENDPOINTS)
        {
            throw new Refused(Refused.MALFORMED, "'endpoints' must be a list of at most " + MAX_ENDPOINTS);
        }
        final List<InetSocketAddress> endpoints = new ArrayList<>();
        for (final JsonNode endpoint : list)
        {
            endpoints.add(endpoint(endpoint.asText()));
        }
        final JsonNode seen = json.path("reflexive");
        if (!seen.isMissingNode() && (!seen.isArray() || seen.size() > MAX_ENDPOINTS))
        {
            throw new Refused(Refused.MALFORMED, "'reflexive' must be a list of at most " + MAX_ENDPOINTS);
        }
        final List<InetSocketAddress> reflexive = new ArrayList<>();
        for (final JsonNode endpoint : seen)
        {
            reflexive.add(endpoint(endpoint.asText()));
        }
        try
        {
            return new NodeEntry(json.get("name").asText(), KeyPair.decodeKey(json.get("public-key").asText(),
                "public-key"), endpoints, reflexive, port, mtu, fec(json.get("fec")), json.path("protocol").asInt(0),
                json.get("certificate").asText(), json.path("relay").asBoolean(false));
        }
        catch (final IllegalArgumentException ex)
        {
            throw new Refused(Refused.MALFORMED, ex.getMessage());
        }
    }

    private static FecSpec fec(final JsonNode fec)
    {
        if (fec == null || fec.isNull())
        {
            return null;
        }
        if (fec.isTextual() && fec.asText().equals("off"))
        {
            return FecSpec.OFF;
        }
        if (!fec.isObject() || !fec.path("k").canConvertToInt() || !fec.path("m").canConvertToInt())
        {
            throw new Refused(Refused.MALFORMED, "'fec' must be null, \"off\" or {k, m[, adaptive, target]}");
        }
        return fec.path("adaptive").asBoolean() ?
            FecSpec.adaptive(fec.get("k").asInt(), fec.get("m").asInt(), fec.path("target").asDouble()) :
            new FecSpec(fec.get("k").asInt(), fec.get("m").asInt());
    }

    /**
     * "198.18.0.1:51820" or "[fd00::1]:51820": IP literals only, never resolved.
     */
    static InetSocketAddress endpoint(final String text)
    {
        final int colon = text.lastIndexOf(':');
        final String host = colon > 0 ? text.substring(0, colon).replaceAll("^\\[(.*)]$", "$1") : "";
        if (colon <= 0 || !host.matches("[0-9a-fA-F:.]+") || !host.contains(".") && !host.contains(":") ||
            text.indexOf(':') != colon && !text.startsWith("["))
        {
            throw new Refused(Refused.MALFORMED, "endpoint '" + text + "' is not IP:PORT or [IPv6]:PORT");
        }
        try
        {
            final int port = Integer.parseInt(text.substring(colon + 1));
            if (port < 1 || port > 65_535)
            {
                throw new NumberFormatException();
            }
            return new InetSocketAddress(InetAddress.getByName(host), port);
        }
        catch (final NumberFormatException | UnknownHostException ex)
        {
            throw new Refused(Refused.MALFORMED, "endpoint '" + text + "' is not IP:PORT or [IPv6]:PORT");
        }
    }

    static String format(final InetSocketAddress endpoint)
    {
        final String host = endpoint.getAddress().getHostAddress();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + endpoint.getPort();
    }

    @Override
    public boolean equals(final Object other)
    {
        return other instanceof NodeEntry e && name.equals(e.name) && Arrays.equals(publicKey, e.publicKey) &&
            endpoints.equals(e.endpoints) && reflexive.equals(e.reflexive) && port == e.port && mtu == e.mtu &&
            java.util.Objects.equals(fec, e.fec) && relay == e.relay && protocol == e.protocol &&
            certificate.equals(e.certificate);
    }

    @Override
    public int hashCode()
    {
        return name.hashCode() * 31 + Arrays.hashCode(publicKey);
    }
}
