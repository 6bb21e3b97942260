package io.l2mesh.tunnel;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The peers of one tunnel port, copy-on-write: a change builds a new immutable {@link Snapshot} and publishes it
 * with one volatile store, so the loops (which read {@link #snapshot()} once per call) never lock and always see
 * one consistent set, and a peer can be added or removed while traffic flows, without re-creating the port or
 * touching the other peers' sessions, FEC state or counters. Writers (the control plane) are serialized by the
 * table's monitor; readers never take it.
 */
final class PeerTable
{
    /**
     * One version of the table.
     *
     * @param peers  in the order they were added.
     * @param byName name to peer.
     * @param byKey  public key (as a map key) to peer.
     */
    record Snapshot(Peer[] peers, Map<String, Peer> byName, Map<Key, Peer> byKey, long[] ids, Peer[] byId)
    {
        static final Snapshot EMPTY = new Snapshot(new Peer[0], Map.of(), Map.of(), new long[0], new Peer[0]);

        /**
         * @return the peer with this {@link Peer#id}, or null; a binary search, no allocation (per relayed
         * datagram).
         */
        Peer byId(final long id)
        {
            final int i = Arrays.binarySearch(ids, id);
            return i < 0 ? null : byId[i];
        }
    }

    /**
     * A public key as a map key.
     */
    record Key(byte[] bytes)
    {
        @Override
        public boolean equals(final Object other)
        {
            return other instanceof Key key && Arrays.equals(bytes, key.bytes);
        }

        @Override
        public int hashCode()
        {
            return Arrays.hashCode(bytes);
        }
    }

    private volatile Snapshot snapshot = Snapshot.EMPTY;

    Snapshot snapshot()
    {
        return snapshot;
    }

    Peer[] peers()
    {
        return snapshot.peers;
    }

    Peer byName(final String name)
    {
        return snapshot.byName.get(name);
    }

    Peer byId(final long id)
    {
        return snapshot.byId(id);
    }

    Peer byKey(final byte[] publicKey)
    {
        return snapshot.byKey.get(new Key(publicKey));
    }

    /**
     * Publishes a table with {@code peer} added.
     *
     * @throws IllegalArgumentException if a peer has its name or key already.
     */
    synchronized void add(final Peer peer)
    {
        final Snapshot now = snapshot;
        if (now.byName.containsKey(peer.name()))
        {
            throw new IllegalArgumentException("peer " + peer.name() + " exists");
        }
        if (now.byKey.containsKey(new Key(peer.spec.publicKey())))
        {
            throw new IllegalArgumentException("peer " + peer.name() + ": another peer has its public key");
        }
        final List<Peer> peers = new ArrayList<>(Arrays.asList(now.peers));
        peers.add(peer);
        publish(peers);
    }

    /**
     * Publishes a table without the peer called {@code name}.
     *
     * @return the removed peer, or null if there was none.
     */
    synchronized Peer remove(final String name)
    {
        final Peer gone = snapshot.byName.get(name);
        if (gone != null)
        {
            final List<Peer> peers = new ArrayList<>(Arrays.asList(snapshot.peers));
            peers.remove(gone);
            publish(peers);
        }
        return gone;
    }

    private void publish(final List<Peer> peers)
    {
        final Map<String, Peer> byName = new HashMap<>();
        final Map<Key, Peer> byKey = new HashMap<>();
        for (final Peer peer : peers)
        {
            byName.put(peer.name(), peer);
            byKey.put(new Key(peer.spec.publicKey()), peer);
        }
        final Peer[] sorted = peers.toArray(new Peer[0]);
        Arrays.sort(sorted, (a, b) -> Long.compare(a.id, b.id));
        final long[] ids = new long[sorted.length];
        for (int i = 0; i < sorted.length; i++)
        {
            ids[i] = sorted[i].id; // two keys alike in their first 8 bytes: 2^-64; the second is not relayed to
        }
        snapshot = new Snapshot(peers.toArray(new Peer[0]), Map.copyOf(byName), Map.copyOf(byKey), ids, sorted);
    }
}
