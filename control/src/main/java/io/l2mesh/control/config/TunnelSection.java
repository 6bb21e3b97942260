package io.l2mesh.control.config;

import com.fasterxml.jackson.databind.JsonNode;
import io.l2mesh.switching.frame.MacAddresses;
import io.l2mesh.tunnel.FecSpec;
import io.l2mesh.tunnel.PeerSpec;
import io.l2mesh.tunnel.RelaySpec;
import io.l2mesh.tunnel.TunnelPortSpec;
import io.l2mesh.tunnel.impair.ImpairmentSpec;
import io.l2mesh.tunnel.noise.CipherSuite;
import io.l2mesh.tunnel.noise.KeyPair;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The keys of a {@code type: tunnel} port: listen address, identity key file, cipher, timers, peers, FEC,
 * impairment, {@code registry: true} and {@code advertise} (docs/registry.md); and the {@code peers[]},
 * {@code fec} and {@code impair} mappings inside it.
 */
final class TunnelSection
{
    static final Set<String> KEYS = Set.of("listen", "private-key-file", "cipher", "keepalive", "rekey", "peers",
        "fec", "impair", "registry", "advertise", "relay");
    /** Most endpoints a registry entry advertises. */
    static final int MAX_ADVERTISE = 16;
    static final Set<String> PEER_KEYS = Set.of("name", "public-key", "endpoint", "preshared-key-file", "fec",
        "allowed-macs", "mac-limit", "relay");
    static final Set<String> RELAY_KEYS = Set.of("pair-mbps");
    static final Set<String> FEC_KEYS = Set.of("k", "m", "adaptive", "target");
    static final Set<String> IMPAIR_KEYS = Set.of("loss", "burst-good-to-bad", "burst-bad-to-good", "burst-loss",
        "delay", "jitter", "reorder", "reorder-gap", "duplicate", "rate-kbps", "seed");

    private TunnelSection()
    {
    }

    static PortConfig.Tunnel read(final ConfigReader in, final JsonNode node, final String path)
    {
        final InetSocketAddress listen = in.endpoint(in.text(node, path, "listen", null), path + ".listen",
            TunnelPortSpec.DEFAULT_UDP_PORT);
        final Path keyFile = Path.of(in.text(node, path, "private-key-file", null));
        final KeyPair identity;
        try
        {
            identity = KeyPair.fromPrivate(SecretFile.readKey(keyFile, "private key", in.trusted()));
        }
        catch (final IllegalArgumentException ex)
        {
            throw in.error(path + ".private-key-file", ex.getMessage());
        }
        final CipherSuite suite;
        try
        {
            suite = CipherSuite.of(in.text(node, path, "cipher", "aesgcm"));
        }
        catch (final IllegalArgumentException ex)
        {
            throw in.error(path + ".cipher", ex.getMessage());
        }
        final int keepalive = in.intValue(node, path, "keepalive", TunnelPortSpec.DEFAULT_KEEPALIVE_SECONDS, 1, 3600);
        // At most WireGuard's REKEY_AFTER_TIME: sessions then end within its REJECT_AFTER_TIME (1.5 x rekey).
        final int rekey = in.intValue(node, path, "rekey", TunnelPortSpec.DEFAULT_REKEY_SECONDS, 2,
            TunnelPortSpec.MAX_REKEY_SECONDS);
        final JsonNode list = node.get("peers");
        if (list == null || !list.isArray() || list.size() > TunnelPortSpec.MAX_PEERS)
        {
            throw in.error(path + (list == null ? "" : ".peers"), "a tunnel port needs peers: a list of {name, " +
                "public-key, endpoint, preshared-key-file, fec, allowed-macs, mac-limit} (at most " +
                TunnelPortSpec.MAX_PEERS + ")");
        }
        final List<PortConfig.TunnelPeer> peers = new ArrayList<>();
        final Set<String> names = new HashSet<>();
        final Set<String> keys = new HashSet<>();
        for (int i = 0; i < list.size(); i++)
        {
            final PortConfig.TunnelPeer peer = peer(in, list.get(i), path + ".peers[" + i + "]", listen);
            if (!names.add(peer.name()))
            {
                throw in.error(path + ".peers[" + i + "].name", "two peers are named '" + peer.name() + "'");
            }
            if (!keys.add(peer.publicKey()) || Arrays.equals(peer.spec().publicKey(), identity.publicKey()))
            {
                throw in.error(path + ".peers[" + i + "].public-key", "the key of another peer or of this node itself");
            }
            peers.add(peer);
        }
        final List<InetSocketAddress> advertise = new ArrayList<>();
        final JsonNode advertised = node.get("advertise");
        if (advertised != null)
        {
            if (!advertised.isArray() || advertised.size() > MAX_ADVERTISE)
            {
                throw in.error(path + ".advertise", "a list of at most " + MAX_ADVERTISE + " IP addresses or " +
                    "ADDRESS:PORT endpoints");
            }
            for (int i = 0; i < advertised.size(); i++)
            {
                advertise.add(in.endpoint(advertised.get(i).asText(), path + ".advertise[" + i + "]",
                    listen.getPort()));
            }
        }
        return new PortConfig.Tunnel(listen, keyFile, identity, suite, keepalive, rekey, peers,
            fec(in, node.get("fec"), path + ".fec"), impairment(in, node.get("impair"), path + ".impair"),
            in.bool(node, path, "registry", false), advertise, relay(in, node.get("relay"), path + ".relay"));
    }

    /**
     * {@code relay: true | false | {pair-mbps: N}}: whether the port relays for its peers (docs/nat.md).
     */
    private static RelaySpec relay(final ConfigReader in, final JsonNode node, final String path)
    {
        if (node == null || node.isNull())
        {
            return RelaySpec.OFF;
        }
        if (node.isBoolean())
        {
            return node.asBoolean() ? RelaySpec.ON : RelaySpec.OFF;
        }
        if (!node.isObject())
        {
            throw in.error(path, "true, false or {pair-mbps: N}");
        }
        in.requireObject(node, path, RELAY_KEYS);
        return new RelaySpec(true, in.intValue(node, path, "pair-mbps", RelaySpec.DEFAULT_PAIR_MBPS, 1,
            RelaySpec.MAX_PAIR_MBPS));
    }

    private static PortConfig.TunnelPeer peer(final ConfigReader in, final JsonNode peer, final String where,
        final InetSocketAddress listen)
    {
        in.requireObject(peer, where, PEER_KEYS);
        final String name = in.text(peer, where, "name", null);
        final String publicKey = in.text(peer, where, "public-key", null);
        final byte[] key;
        try
        {
            key = KeyPair.decodeKey(publicKey, "public-key");
        }
        catch (final IllegalArgumentException ex)
        {
            throw in.error(where + ".public-key", ex.getMessage());
        }
        final InetSocketAddress endpoint = peer.has("endpoint") ? in.endpoint(in.text(peer, where, "endpoint", null),
            where + ".endpoint", TunnelPortSpec.DEFAULT_UDP_PORT, true) : null;
        if (endpoint != null && !endpoint.isUnresolved() &&
            endpoint.getAddress().getClass() != listen.getAddress().getClass() &&
            !listen.getAddress().isAnyLocalAddress())
        {
            throw in.error(where + ".endpoint", "not of the listen address's family");
        }
        final Path pskFile = peer.has("preshared-key-file") ?
            Path.of(in.text(peer, where, "preshared-key-file", null)) : null;
        byte[] psk = null;
        if (pskFile != null)
        {
            try
            {
                psk = SecretFile.readKey(pskFile, "pre-shared key", in.trusted());
            }
            catch (final IllegalArgumentException ex)
            {
                throw in.error(where + ".preshared-key-file", ex.getMessage());
            }
        }
        final FecSpec fec = peer.has("fec") ? fec(in, peer.get("fec"), where + ".fec") : null;
        final long[] allowedMacs = allowedMacs(in, peer.get("allowed-macs"), where + ".allowed-macs");
        final int macLimit = in.intValue(peer, where, "mac-limit", PeerSpec.DEFAULT_MAC_LIMIT, 1,
            65_536);
        try
        {
            return new PortConfig.TunnelPeer(name, publicKey.trim(), endpoint, pskFile,
                new PeerSpec(name, key, psk, endpoint, fec, allowedMacs, macLimit,
                    in.bool(peer, where, "relay", false)));
        }
        catch (final IllegalArgumentException ex)
        {
            throw in.error(where, ex.getMessage());
        }
    }

    /**
     * {@code allowed-macs: ["02:00:00:00:00:0a", ...]}: the only source MACs the peer may use (absent: any).
     */
    private static long[] allowedMacs(final ConfigReader in, final JsonNode node, final String path)
    {
        if (node == null || node.isNull())
        {
            return null;
        }
        if (!node.isArray() || node.isEmpty() || node.size() > PeerSpec.MAX_ALLOWED_MACS)
        {
            throw in.error(path, "must be a list of 1 to " + PeerSpec.MAX_ALLOWED_MACS + " unicast MACs");
        }
        final long[] macs = new long[node.size()];
        for (int i = 0; i < macs.length; i++)
        {
            final JsonNode entry = node.get(i);
            final String where = path + "[" + i + "]";
            if (!entry.isTextual())
            {
                throw in.error(where, "must be a MAC like 02:00:00:00:00:0a");
            }
            try
            {
                macs[i] = MacAddresses.parse(entry.textValue());
            }
            catch (final IllegalArgumentException ex)
            {
                throw in.error(where, ex.getMessage());
            }
            if ((macs[i] & 0x0100_0000_0000L) != 0)
            {
                throw in.error(where, "MAC " + entry.textValue() + " is a multicast address");
            }
        }
        return macs;
    }

    /**
     * {@code fec: off}, {@code fec: {k: 10, m: 4}} or {@code fec: {k: 10, adaptive: true, target: 0.0001}}.
     */
    private static FecSpec fec(final ConfigReader in, final JsonNode node, final String path)
    {
        if (node == null || node.isNull() || (node.isTextual() && node.textValue().equals("off")) ||
            (node.isBoolean() && !node.booleanValue()))
        {
            return FecSpec.OFF;
        }
        in.requireObject(node, path, FEC_KEYS);
        final boolean adaptive = in.bool(node, path, "adaptive", false);
        final int k = in.intValue(node, path, "k", 10, 1, FecSpec.MAX_K);
        final int m = in.intValue(node, path, "m", adaptive ? 1 : 4, 1, 32);
        final double target = node.has("target") ? in.number(node, path, "target") : FecSpec.TARGET_DEFAULT;
        try
        {
            return new FecSpec(k, m, adaptive, target);
        }
        catch (final IllegalArgumentException ex)
        {
            throw in.error(path, ex.getMessage());
        }
    }

    private static ImpairmentSpec impairment(final ConfigReader in, final JsonNode node, final String path)
    {
        if (node == null || node.isNull())
        {
            return ImpairmentSpec.NONE;
        }
        in.requireObject(node, path, IMPAIR_KEYS);
        try
        {
            return new ImpairmentSpec(in.number(node, path, "loss"), in.number(node, path, "burst-good-to-bad"),
                in.number(node, path, "burst-bad-to-good"), in.number(node, path, "burst-loss"),
                in.number(node, path, "delay"), in.number(node, path, "jitter"), in.number(node, path, "reorder"),
                in.number(node, path, "reorder-gap"), in.number(node, path, "duplicate"),
                (long)in.number(node, path, "rate-kbps"), (long)in.number(node, path, "seed"));
        }
        catch (final IllegalArgumentException ex)
        {
            throw in.error(path, ex.getMessage());
        }
    }
}
