package io.l2mesh.control.mesh;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.l2mesh.switching.frame.MacAddresses;
import io.l2mesh.tunnel.PeerSpec;
import io.l2mesh.tunnel.noise.KeyPair;

import java.io.IOException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.util.Arrays;
import java.util.regex.Pattern;

/**
 * The mesh authority's word that the node called {@code name} has the tunnel key {@code publicKey}, from
 * {@code notBefore} to {@code notAfter} (seconds since the epoch), optionally only for the source MACs
 * {@code allowedMacs} (the peer's {@code allowed-macs} on every node that accepts it), and optionally as a relay
 * ({@code relay}: its entry's {@code "relay": true} is believed only then, docs/nat.md). Written by
 * {@code l2mesh authority sign}, published by the node in its registry entry, checked by every peer against
 * {@code registry.authority}: write access to etcd alone admits nobody. The signed body (docs/registry.md):
 * <pre>{"v":1,"name":"n1","public-key":"BASE64","not-before":1764633600,"not-after":1767225600,
 *  "allowed-macs":["02:00:00:00:00:01"],"relay":true}</pre>
 */
public record NodeCertificate(String name, byte[] publicKey, long notBefore, long notAfter, long[] allowedMacs,
    boolean relay)
{
    /**
     * A certificate for a node that does not relay.
     */
    public NodeCertificate(final String name, final byte[] publicKey, final long notBefore, final long notAfter,
        final long[] allowedMacs)
    {
        this(name, publicKey, notBefore, notAfter, allowedMacs, false);
    }

    /** Node names: they are etcd key segments and peer names. */
    public static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");
    static final ObjectMapper JSON = new ObjectMapper();

    public NodeCertificate
    {
        if (name == null || !NAME.matcher(name).matches())
        {
            throw new IllegalArgumentException("a node name is 1 to 63 of A-Z a-z 0-9 . _ - (not first): " + name);
        }
        if (publicKey == null || publicKey.length != KeyPair.KEY_LENGTH)
        {
            throw new IllegalArgumentException("a tunnel public key is 32 bytes");
        }
        if (notAfter <= notBefore)
        {
            throw new IllegalArgumentException("not-after must come after not-before");
        }
        // PeerSpec checks the MACs (stations, no duplicates, at most MAX_ALLOWED_MACS).
        allowedMacs = allowedMacs == null ? null :
            new PeerSpec(name, publicKey, null, null, null, allowedMacs, 1).allowedMacs();
        publicKey = publicKey.clone();
    }

    @Override
    public byte[] publicKey()
    {
        return publicKey.clone();
    }

    @Override
    public long[] allowedMacs()
    {
        return allowedMacs == null ? null : allowedMacs.clone();
    }

    /**
     * @return this certificate signed with the authority's key, as one line of text.
     */
    public String sign(final PrivateKey authority)
    {
        final ObjectNode body = JSON.createObjectNode();
        body.put("v", 1);
        body.put("name", name);
        body.put("public-key", KeyPair.encode(publicKey));
        body.put("not-before", notBefore);
        body.put("not-after", notAfter);
        if (allowedMacs != null)
        {
            final ArrayNode macs = body.putArray("allowed-macs");
            Arrays.stream(allowedMacs).forEach(mac -> macs.add(MacAddresses.format(mac)));
        }
        if (relay)
        {
            body.put("relay", true);
        }
        try
        {
            return SignedText.sign(JSON.writeValueAsBytes(body), authority);
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    /**
     * @return the certificate in {@code text}, signed by {@code authority} and valid at {@code nowSeconds}.
     * @throws Refused malformed, bad-signature, expired or not-yet-valid.
     */
    public static NodeCertificate verify(final String text, final PublicKey authority, final long nowSeconds)
    {
        final byte[] body = SignedText.open(text, authority);
        final NodeCertificate cert;
        try
        {
            final JsonNode json = JSON.readTree(body);
            if (json == null || json.path("v").asInt() != 1 || !json.path("name").isTextual() ||
                !json.path("public-key").isTextual() || !json.path("not-before").canConvertToLong() ||
                !json.path("not-after").canConvertToLong())
            {
                throw new Refused(Refused.MALFORMED, "certificate: needs v 1, name, public-key, not-before, not-after");
            }
            long[] macs = null;
            if (json.has("allowed-macs"))
            {
                final JsonNode list = json.get("allowed-macs");
                macs = new long[list.size()];
                for (int i = 0; i < macs.length; i++)
                {
                    macs[i] = MacAddresses.parse(list.get(i).asText());
                }
            }
            cert = new NodeCertificate(json.get("name").asText(), KeyPair.decodeKey(json.get("public-key").asText(),
                "public-key"), json.get("not-before").asLong(), json.get("not-after").asLong(), macs,
                json.path("relay").asBoolean(false));
        }
        catch (final IOException | IllegalArgumentException ex)
        {
            throw new Refused(Refused.MALFORMED, "certificate: " + ex.getMessage());
        }
        if (nowSeconds < cert.notBefore)
        {
            throw new Refused(Refused.NOT_YET_VALID, "certificate of " + cert.name + " valid from " +
                java.time.Instant.ofEpochSecond(cert.notBefore));
        }
        if (nowSeconds >= cert.notAfter)
        {
            throw new Refused(Refused.EXPIRED, "certificate of " + cert.name + " expired " +
                java.time.Instant.ofEpochSecond(cert.notAfter));
        }
        return cert;
    }

    @Override
    public boolean equals(final Object other)
    {
        return other instanceof NodeCertificate c && name.equals(c.name) && Arrays.equals(publicKey, c.publicKey) &&
            notBefore == c.notBefore && notAfter == c.notAfter && Arrays.equals(allowedMacs, c.allowedMacs) &&
            relay == c.relay;
    }

    @Override
    public int hashCode()
    {
        return name.hashCode() * 31 + Arrays.hashCode(publicKey);
    }

    @Override
    public String toString()
    {
        return "certificate of " + name + " (" + KeyPair.encode(publicKey) + ", until " +
            java.time.Instant.ofEpochSecond(notAfter) + ")";
    }
}
