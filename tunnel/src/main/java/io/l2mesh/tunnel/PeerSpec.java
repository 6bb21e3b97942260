package io.l2mesh.tunnel;

import io.l2mesh.tunnel.noise.KeyPair;

import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.Objects;

/**
 * One peer of a tunnel port.
 *
 * @param name         for people and stats (unique within the port).
 * @param publicKey    the peer's static X25519 public key, 32 bytes.
 * @param presharedKey 32 bytes mixed into every handshake (psk2), or null.
 * @param endpoint     where to send handshakes first, or null to wait for the peer to reach us (then its source
 *                     address is used; it follows the peer when it roams either way).
 * @param fec          this peer's FEC, or null for the port's.
 */
public record PeerSpec(String name, byte[] publicKey, byte[] presharedKey, InetSocketAddress endpoint, FecSpec fec)
{
    public PeerSpec(final String name, final byte[] publicKey, final byte[] presharedKey,
        final InetSocketAddress endpoint)
    {
        this(name, publicKey, presharedKey, endpoint, null);
    }

    public PeerSpec
    {
        Objects.requireNonNull(name, "name");
        if (publicKey == null || publicKey.length != KeyPair.KEY_LENGTH)
        {
            throw new IllegalArgumentException("peer " + name + ": public key must be 32 bytes");
        }
        if (presharedKey != null && presharedKey.length != KeyPair.KEY_LENGTH)
        {
            throw new IllegalArgumentException("peer " + name + ": pre-shared key must be 32 bytes");
        }
        if (endpoint != null && endpoint.getAddress() == null)
        {
            throw new IllegalArgumentException("peer " + name + ": endpoint must be an IP address");
        }
        publicKey = publicKey.clone();
        presharedKey = presharedKey == null ? null : presharedKey.clone();
    }

    @Override
    public boolean equals(final Object other)
    {
        return other instanceof PeerSpec p && sameLink(p) && Objects.equals(fec, p.fec);
    }

    /**
     * @return true if {@code other} is the same peer reached the same way (FEC aside, which changes in place).
     */
    public boolean sameLink(final PeerSpec other)
    {
        return name.equals(other.name) && Arrays.equals(publicKey, other.publicKey) &&
            Arrays.equals(presharedKey, other.presharedKey) && Objects.equals(endpoint, other.endpoint);
    }

    @Override
    public int hashCode()
    {
        return Objects.hash(name, Arrays.hashCode(publicKey), endpoint);
    }

    @Override
    public String toString()
    {
        return "peer " + name + " (" + KeyPair.encode(publicKey) + (endpoint == null ? "" : " at " + endpoint) + ")";
    }
}
