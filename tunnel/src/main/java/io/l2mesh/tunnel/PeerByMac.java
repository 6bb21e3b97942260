package io.l2mesh.tunnel;

import io.l2mesh.switching.frame.EthernetFlyweight;
import org.jctools.maps.NonBlockingHashMapLong;

/**
 * Which peer each unicast MAC was last seen behind, learned from the source of every frame a peer sends, so a
 * frame to that MAC goes to that peer alone (everything else goes to every peer). Lock-free; read and written by
 * every loop; at most {@link #MAX_LEARNED} entries (beyond that, new MACs are flooded to the peers rather than
 * remembered). A new MAC allocates its map entry.
 */
final class PeerByMac
{
    static final int MAX_LEARNED = 65_536;

    private final NonBlockingHashMapLong<Peer> byMac = new NonBlockingHashMapLong<>();

    void learn(final long mac, final Peer peer)
    {
        if (!EthernetFlyweight.isMulticast(mac) && byMac.get(mac) != peer &&
            (byMac.size() < MAX_LEARNED || byMac.containsKey(mac)))
        {
            byMac.put(mac, peer);
        }
    }

    /**
     * @return the peer {@code mac} was last seen behind and that is still a peer, or null.
     */
    Peer lookup(final long mac)
    {
        final Peer peer = byMac.get(mac);
        return peer == null || !peer.live ? null : peer;
    }

    /**
     * Forgets every MAC learned behind {@code peer} (it was removed). Control thread; walks the table.
     */
    void forget(final Peer peer)
    {
        byMac.values().removeIf(p -> p == peer);
    }
}
