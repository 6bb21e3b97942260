package io.l2mesh.control.mesh;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.l2mesh.tunnel.noise.KeyPair;

import java.io.IOException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.util.Set;
import java.util.TreeSet;

/**
 * The mesh authority's revocations, published at {@code /l2mesh/<mesh>/deny}: tunnel keys and node names whose
 * certificates no longer admit them. Signed like a certificate ({@link SignedText}); a node keeps the list with
 * the highest {@code serial} it has seen (in its state directory too), so deleting or rolling back the key in
 * etcd un-revokes nobody. Body: {@code {"v":1,"serial":3,"keys":["BASE64"],"names":["n7"]}}.
 *
 * @param serial grows with each new list.
 * @param keys   revoked tunnel public keys, base64.
 * @param names  revoked node names.
 */
public record DenyList(long serial, Set<String> keys, Set<String> names)
{
    public static final DenyList EMPTY = new DenyList(0, Set.of(), Set.of());

    public DenyList
    {
        keys = Set.copyOf(keys);
        names = Set.copyOf(names);
    }

    public boolean denies(final String name, final byte[] publicKey)
    {
        return names.contains(name) || keys.contains(KeyPair.encode(publicKey));
    }

    public String sign(final PrivateKey authority)
    {
        final ObjectNode body = NodeCertificate.JSON.createObjectNode();
        body.put("v", 1);
        body.put("serial", serial);
        new TreeSet<>(keys).forEach(body.putArray("keys")::add);
        new TreeSet<>(names).forEach(body.putArray("names")::add);
        try
        {
            return SignedText.sign(NodeCertificate.JSON.writeValueAsBytes(body), authority);
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    /**
     * @throws Refused malformed or bad-signature.
     */
    public static DenyList verify(final String text, final PublicKey authority)
    {
        final byte[] body = SignedText.open(text, authority);
        try
        {
            final JsonNode json = NodeCertificate.JSON.readTree(body);
            if (json == null || json.path("v").asInt() != 1 || !json.path("serial").canConvertToLong() ||
                !json.path("keys").isArray() || !json.path("names").isArray())
            {
                throw new Refused(Refused.MALFORMED, "deny list: needs v 1, serial, keys, names");
            }
            final Set<String> keys = new TreeSet<>();
            for (final JsonNode key : json.get("keys"))
            {
                keys.add(KeyPair.encode(KeyPair.decodeKey(key.asText(), "key")));
            }
            final Set<String> names = new TreeSet<>();
            json.get("names").forEach(n -> names.add(n.asText()));
            return new DenyList(json.get("serial").asLong(), keys, names);
        }
        catch (final IOException | IllegalArgumentException ex)
        {
            throw new Refused(Refused.MALFORMED, "deny list: " + ex.getMessage());
        }
    }
}
