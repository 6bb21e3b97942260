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
 * @param allowedMacs  the only source MACs this peer may send from, and MACs whose frames go to it alone (like
 *                     WireGuard's allowed-ips, for L2); null: any, learned as they come.
 * @param macLimit     most MACs learned behind this peer ({@link #DEFAULT_MAC_LIMIT} unless set).
 * @param relay        the peer relays for us: peers we have no direct path to are reached through it
 *                     (docs/nat.md).
 */
public record PeerSpec(String name, byte[] publicKey, byte[] presharedKey, InetSocketAddress endpoint, FecSpec fec,
    long[] allowedMacs, int macLimit, boolean relay)
{
    /** MACs a peer may have learned behind it unless its {@code mac-limit} says otherwise. */
    public static final int DEFAULT_MAC_LIMIT = 4096;
    /** Most entries in {@code allowed-macs}. */
    public static final int MAX_ALLOWED_MACS = 1024;

    public PeerSpec(final String name, final byte[] publicKey, final byte[] presharedKey,
        final InetSocketAddress endpoint)
    {
        this(name, publicKey, presharedKey, endpoint, null);
    }

    public PeerSpec(final String name, final byte[] publicKey, final byte[] presharedKey,
        final InetSocketAddress endpoint, final FecSpec fec)
    {
        this(name, publicKey, presharedKey, endpoint, fec, null, DEFAULT_MAC_LIMIT);
    }

    public PeerSpec(final String name, final byte[] publicKey, final byte[] presharedKey,
        final InetSocketAddress endpoint, final FecSpec fec, final long[] allowedMacs, final int macLimit)
    {
        this(name, publicKey, presharedKey, endpoint, fec, allowedMacs, macLimit, false);
    }

    /**
     * @return this peer, as a relay for us or not.
     */
    public PeerSpec withRelay(final boolean offersRelay)
    {
        return new PeerSpec(name, publicKey, presharedKey, endpoint, fec, allowedMacs, macLimit, offersRelay);
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
        if (endpoint != null && endpoint.getAddress() == null &&
            !(endpoint.isUnresolved() && isDnsName(endpoint.getHostString())))
        {
            throw new IllegalArgumentException("peer " + name + ": endpoint must be an IP address or a DNS name");
        }
        if (macLimit < 1)
        {
            throw new IllegalArgumentException("peer " + name + ": mac-limit must be at least 1");
        }
        if (allowedMacs != null)
        {
            if (allowedMacs.length == 0 || allowedMacs.length > MAX_ALLOWED_MACS)
            {
                throw new IllegalArgumentException("peer " + name + ": allowed-macs takes 1 to " + MAX_ALLOWED_MACS +
                    " MACs");
            }
            allowedMacs = allowedMacs.clone();
            Arrays.sort(allowedMacs);
            for (int i = 0; i < allowedMacs.length; i++)
            {
                if ((allowedMacs[i] & 0x0100_0000_0000L) != 0 || allowedMacs[i] == 0)
                {
                    throw new IllegalArgumentException("peer " + name + ": allowed-macs: " +
                        io.l2mesh.switching.frame.MacAddresses.format(allowedMacs[i]) + " is no station's MAC");
                }
                if (i > 0 && allowedMacs[i] == allowedMacs[i - 1])
                {
                    throw new IllegalArgumentException("peer " + name + ": allowed-macs lists " +
                        io.l2mesh.switching.frame.MacAddresses.format(allowedMacs[i]) + " twice");
                }
            }
        }
        publicKey = publicKey.clone();
        presharedKey = presharedKey == null ? null : presharedKey.clone();
    }

    /**
     * @return true if {@code host} is a DNS name (RFC 1123 labels of letters, digits and hyphens, 253 characters
     * at most) that is no IP literal: an endpoint the tunnel's resolver looks up ({@code EndpointResolver}).
     */
    public static boolean isDnsName(final String host)
    {
        return host.length() <= 253 && !host.matches("[0-9.]+") &&
            host.matches("(?i)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*\\.?");
    }

    @Override
    public long[] allowedMacs()
    {
        return allowedMacs == null ? null : allowedMacs.clone();
    }

    /**
     * @return true if this peer may send from {@code mac} (always, without {@code allowed-macs}). Per frame: a
     * binary search, no allocation.
     */
    public boolean allows(final long mac)
    {
        return allowedMacs == null || Arrays.binarySearch(allowedMacs, mac) >= 0;
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
            Arrays.equals(presharedKey, other.presharedKey) && Objects.equals(endpoint, other.endpoint) &&
            Arrays.equals(allowedMacs, other.allowedMacs) && macLimit == other.macLimit && relay == other.relay;
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
