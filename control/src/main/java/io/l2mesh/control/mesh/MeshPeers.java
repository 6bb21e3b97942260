package io.l2mesh.control.mesh;

import io.l2mesh.switching.Switch;
import io.l2mesh.tunnel.PeerOrigin;
import io.l2mesh.tunnel.PeerSpec;
import io.l2mesh.tunnel.TunnelPort;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.PriorityQueue;

/**
 * The registry's accepted entries and the peers they are on the publishing tunnel port. Each change costs O(1):
 * an entry put adds, replaces or (FEC only) updates one peer ({@link TunnelPort#addPeer(PeerSpec, PeerOrigin)}),
 * a delete removes one; nobody else's session is touched. A config peer with the entry's name or key wins: the
 * entry stays known ({@code shadowed}) and becomes a peer if the config peer goes. Only when the port was re-made
 * (a config change re-created it) or someone else changed its peers are all entries applied again (comparisons;
 * unchanged peers are left alone). Registry thread only.
 */
final class MeshPeers
{
    private static final Logger LOG = LoggerFactory.getLogger(MeshPeers.class);

    /**
     * One accepted entry.
     */
    record Accepted(NodeEntry entry, NodeCertificate cert)
    {
    }

    private final Switch sw;
    private final String portName;
    private final Map<String, Accepted> entries = new HashMap<>();
    private final Map<String, String> nameByKey = new HashMap<>(); // base64 key -> entry name
    private final PriorityQueue<Accepted> byExpiry = new PriorityQueue<>((a, b) ->
        Long.compare(a.cert().notAfter(), b.cert().notAfter()));
    private TunnelPort bound;
    private long seenVersion = -1;
    private final java.util.Set<String> shadowed = new java.util.HashSet<>();
    /** Entries that claimed to relay without a certificate that says so (logged once each). */
    private final java.util.Set<String> relayClaims = new java.util.HashSet<>();

    MeshPeers(final Switch sw, final String portName)
    {
        this.sw = sw;
        this.portName = portName;
    }

    int accepted()
    {
        return entries.size();
    }

    int shadowed()
    {
        return shadowed.size();
    }

    boolean isShadowed(final String name)
    {
        return shadowed.contains(name);
    }

    Map<String, Accepted> entries()
    {
        return entries;
    }

    /**
     * @return the name of the accepted entry with this key, or null.
     */
    String nameOfKey(final byte[] publicKey)
    {
        return nameByKey.get(io.l2mesh.tunnel.noise.KeyPair.encode(publicKey));
    }

    void put(final Accepted accepted)
    {
        final Accepted previous = entries.put(accepted.entry().name(), accepted);
        if (previous != null)
        {
            nameByKey.remove(io.l2mesh.tunnel.noise.KeyPair.encode(previous.entry().publicKey()));
        }
        nameByKey.put(io.l2mesh.tunnel.noise.KeyPair.encode(accepted.entry().publicKey()), accepted.entry().name());
        byExpiry.add(accepted);
        final TunnelPort port = port();
        if (port != null)
        {
            apply(port, accepted);
            seenVersion = port.peerVersion();
        }
    }

    /**
     * @return true if there was such an entry.
     */
    boolean remove(final String name)
    {
        final Accepted gone = entries.remove(name);
        if (gone == null)
        {
            return false;
        }
        nameByKey.remove(io.l2mesh.tunnel.noise.KeyPair.encode(gone.entry().publicKey()));
        shadowed.remove(name);
        final TunnelPort port = port();
        if (port != null && port.peerOrigin(name) == PeerOrigin.REGISTRY)
        {
            port.removePeer(name);
            seenVersion = port.peerVersion();
        }
        return true;
    }

    /**
     * Takes out the entries whose certificates expired by {@code nowSeconds}.
     *
     * @return their names.
     */
    List<String> expire(final long nowSeconds)
    {
        final List<String> expired = new java.util.ArrayList<>();
        while (!byExpiry.isEmpty() && byExpiry.peek().cert().notAfter() <= nowSeconds)
        {
            final Accepted head = byExpiry.poll();
            if (entries.get(head.entry().name()) == head && remove(head.entry().name()))
            {
                expired.add(head.entry().name());
            }
        }
        if (byExpiry.size() > 2 * entries.size() + 64)
        {
            byExpiry.clear(); // replaced entries pile up: rebuild
            byExpiry.addAll(entries.values());
        }
        return expired;
    }

    /**
     * Once a second: if the port was re-made or someone else changed its peers, applies every entry again.
     */
    void tick()
    {
        final TunnelPort port = port();
        if (port != null && port.peerVersion() != seenVersion)
        {
            shadowed.clear();
            for (final Accepted accepted : entries.values())
            {
                apply(port, accepted);
            }
            seenVersion = port.peerVersion();
        }
    }

    private TunnelPort port()
    {
        final TunnelPort port = sw.ports().byName(portName) instanceof TunnelPort t ? t : null;
        if (port != bound)
        {
            bound = port;
            seenVersion = -1;
        }
        return port;
    }

    private void apply(final TunnelPort port, final Accepted accepted)
    {
        final NodeEntry entry = accepted.entry();
        if (port.peerOrigin(entry.publicKey()) == PeerOrigin.CONFIG || port.peerOrigin(entry.name()) ==
            PeerOrigin.CONFIG)
        {
            shadowed.add(entry.name());
            return;
        }
        shadowed.remove(entry.name());
        final boolean relay = entry.relay() && accepted.cert().relay();
        if (entry.relay() && !relay && relayClaims.add(entry.name()))
        {
            LOG.warn("registry entry {} says it relays, but its certificate does not (authority sign --relay): " +
                "not taken as a relay", entry.name());
        }
        final PeerSpec spec = new PeerSpec(entry.name(), entry.publicKey(), null,
            endpoint(entry.endpoints(), port.spec().local()), entry.fec(), accepted.cert().allowedMacs(),
            PeerSpec.DEFAULT_MAC_LIMIT, relay);
        final PeerSpec running = port.peerSpec(entry.name());
        try
        {
            if (running == null)
            {
                port.addPeer(spec, PeerOrigin.REGISTRY);
            }
            else if (!running.sameLink(spec))
            {
                port.removePeer(entry.name());
                port.addPeer(spec, PeerOrigin.REGISTRY);
            }
            else if (!Objects.equals(running.fec(), spec.fec()))
            {
                port.fec(entry.name(), spec.fec());
            }
            // Every endpoint the entry gives, and where others see it: a pair behind NATs punches holes there.
            port.candidates(entry.name(), entry.endpoints(), entry.reflexive());
        }
        catch (final IllegalArgumentException ex)
        {
            LOG.warn("registry entry {} not added to {}: {}", entry.name(), portName, ex.getMessage());
        }
    }

    /**
     * @return the first endpoint of {@code local}'s address family, or null: the peer then reaches us first.
     */
    static InetSocketAddress endpoint(final List<InetSocketAddress> endpoints, final InetSocketAddress local)
    {
        for (final InetSocketAddress endpoint : endpoints)
        {
            if (endpoint.getAddress().getClass() == local.getAddress().getClass())
            {
                return endpoint;
            }
        }
        return null;
    }
}
