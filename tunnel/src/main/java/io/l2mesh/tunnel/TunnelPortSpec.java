package io.l2mesh.tunnel;

import io.l2mesh.switching.fdb.MacLimits;
import io.l2mesh.switching.vlan.VlanRules;
import io.l2mesh.tunnel.impair.ImpairmentSpec;
import io.l2mesh.tunnel.noise.CipherSuite;
import io.l2mesh.tunnel.noise.KeyPair;

import java.net.InetSocketAddress;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What an encrypted tunnel port should be: one UDP address, one identity, a mesh of peers.
 *
 * @param name             port name.
 * @param local            UDP address to bind (e.g. 0.0.0.0:51820 or a specific address).
 * @param identity         this node's key pair.
 * @param suite            AEAD of the Noise protocol; every peer must use the same.
 * @param peers            the mesh.
 * @param vlanRules        how the switch sees the port.
 * @param mtu              largest inner L3 payload; the outer packet adds 14 (+4 tagged) + 32 (+10 with FEC)
 *                         + 28 (IPv4) or 48 (IPv6) bytes.
 * @param macLimit         most MACs learned on the port.
 * @param keepaliveSeconds idle time after which a keepalive goes to a peer (also detects dead peers).
 * @param rekeySeconds     age at which the initiator of a session makes a new one.
 * @param fec              forward error correction of what the port sends (changeable at run time).
 * @param impairment       what the port does to its outgoing packets (changeable at run time).
 * @param relay            whether the port relays for its peers ({@link RelaySpec}).
 */
public record TunnelPortSpec(
    String name, InetSocketAddress local, KeyPair identity, CipherSuite suite, List<PeerSpec> peers,
    VlanRules vlanRules, int mtu, int macLimit, int keepaliveSeconds, int rekeySeconds, FecSpec fec,
    ImpairmentSpec impairment, RelaySpec relay)
{
    /**
     * Inner MTU that fits a 1500-byte underlay in every case: 1380 + 14 (Ethernet) + 4 (a VLAN tag) + 10 (FEC
     * shard header) + 32 (transport header and tag) + 48 (IPv6 and UDP) = 1488.
     */
    public static final int DEFAULT_MTU = 1380;
    public static final int DEFAULT_UDP_PORT = 51820;
    public static final int DEFAULT_KEEPALIVE_SECONDS = 5;
    public static final int DEFAULT_REKEY_SECONDS = 120;
    /** WireGuard's REKEY_AFTER_TIME: a session is then refused after at most 180 s (1.5 x), its REJECT_AFTER_TIME. */
    public static final int MAX_REKEY_SECONDS = 120;
    public static final int MAX_PEERS = 256;

    public TunnelPortSpec
    {
        peers = List.copyOf(peers);
        fec = fec == null ? FecSpec.OFF : fec;
        impairment = impairment == null ? ImpairmentSpec.NONE : impairment;
        relay = relay == null ? RelaySpec.OFF : relay;
        if (peers.size() > MAX_PEERS)
        {
            throw new IllegalArgumentException("at most " + MAX_PEERS + " peers per tunnel port");
        }
        final Set<String> names = new HashSet<>();
        final Set<String> keys = new HashSet<>();
        for (final PeerSpec peer : peers)
        {
            if (!names.add(peer.name()))
            {
                throw new IllegalArgumentException("two peers are named " + peer.name());
            }
            if (!keys.add(KeyPair.encode(peer.publicKey())))
            {
                throw new IllegalArgumentException("peer " + peer.name() + " has another peer's public key");
            }
            if (java.util.Arrays.equals(peer.publicKey(), identity.publicKey()))
            {
                throw new IllegalArgumentException("peer " + peer.name() + " has this node's own public key");
            }
        }
        if (mtu < 68 || mtu > 65_000)
        {
            throw new IllegalArgumentException("mtu=" + mtu + " out of range 68..65000");
        }
        if (keepaliveSeconds < 1 || rekeySeconds < 2 || rekeySeconds > MAX_REKEY_SECONDS)
        {
            throw new IllegalArgumentException("keepalive must be >= 1 s and rekey 2.." + MAX_REKEY_SECONDS + " s");
        }
        if (macLimit < 1)
        {
            throw new IllegalArgumentException("mac-limit=" + macLimit + " must be at least 1");
        }
    }

    public static TunnelPortSpec of(final String name, final InetSocketAddress local, final KeyPair identity,
        final List<PeerSpec> peers, final int vlan)
    {
        return new TunnelPortSpec(name, local, identity, CipherSuite.AESGCM, peers, VlanRules.access(vlan),
            DEFAULT_MTU, MacLimits.UNLIMITED, DEFAULT_KEEPALIVE_SECONDS, DEFAULT_REKEY_SECONDS, FecSpec.OFF,
            ImpairmentSpec.NONE, RelaySpec.OFF);
    }

    public TunnelPortSpec withRekeySeconds(final int seconds)
    {
        return new TunnelPortSpec(name, local, identity, suite, peers, vlanRules, mtu, macLimit, keepaliveSeconds,
            seconds, fec, impairment, relay);
    }

    public TunnelPortSpec withFec(final FecSpec value)
    {
        return new TunnelPortSpec(name, local, identity, suite, peers, vlanRules, mtu, macLimit, keepaliveSeconds,
            rekeySeconds, value, impairment, relay);
    }

    public TunnelPortSpec withImpairment(final ImpairmentSpec value)
    {
        return new TunnelPortSpec(name, local, identity, suite, peers, vlanRules, mtu, macLimit, keepaliveSeconds,
            rekeySeconds, fec, value, relay);
    }

    public TunnelPortSpec withKeepaliveSeconds(final int seconds)
    {
        return new TunnelPortSpec(name, local, identity, suite, peers, vlanRules, mtu, macLimit, seconds,
            rekeySeconds, fec, impairment, relay);
    }

    public TunnelPortSpec withRelay(final RelaySpec value)
    {
        return new TunnelPortSpec(name, local, identity, suite, peers, vlanRules, mtu, macLimit, keepaliveSeconds,
            rekeySeconds, fec, impairment, value);
    }
}
