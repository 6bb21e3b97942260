package io.l2mesh.tunnel;

import io.l2mesh.switching.fdb.MacLimits;
import io.l2mesh.switching.fdb.MacTable;
import io.l2mesh.switching.frame.EthernetFlyweight;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Which peer each unicast MAC sits behind, so that a frame to that MAC goes to that peer alone (everything else
 * goes to every peer). It is the switch's own {@link MacTable} and {@link MacLimits}, with a peer's slot where
 * the switch has a port id, so it behaves as the switch's table does:
 * <ul>
 *   <li>learned from the source of every frame a peer sends, refreshed without allocating, aged out after
 *       {@link #AGEING_NS} unseen ({@link #age}, by the agent);</li>
 *   <li>a peer may hold at most its {@code mac-limit} learned MACs and the port {@link #MAX_LEARNED}: a frame
 *       from a new MAC beyond that is dropped ({@code mac_limit}), so one peer cannot fill the table and make
 *       every other peer's traffic flood;</li>
 *   <li>a MAC seen behind another peer moves there, counted ({@link #moves});</li>
 *   <li>a peer's {@code allowed-macs} are static entries (never aged, never moved): frames to them go to that
 *       peer only; that peer may send from no other MAC, and no other peer from them ({@code mac_not_allowed}).</li>
 * </ul>
 * Lock-free: every loop learns and looks up; the control thread registers and forgets peers.
 */
final class PeerByMac
{
    static final int MAX_LEARNED = 65_536;
    /** As the switch's default ageing time. */
    static final long AGEING_NS = TimeUnit.SECONDS.toNanos(300);
    /** {@link #learn} verdicts. */
    static final int LEARNED = 0;
    static final int LIMIT_REACHED = 1;
    static final int NOT_ALLOWED = 2;
    /** Keys carry no VLAN: a tunnel's peers are told apart by MAC alone. */
    private static final int VLAN = 1;

    private final MacLimits limits = new MacLimits(MAX_LEARNED);
    private final MacTable table = new MacTable(limits);
    private final AtomicReferenceArray<Peer> bySlot = new AtomicReferenceArray<>(TunnelPortSpec.MAX_PEERS);

    /**
     * Gives {@code peer} a slot, its MAC limit and its allowed MACs, before it is published to the loops. Control
     * thread.
     *
     * @throws IllegalStateException if every slot is taken (more peers than a port may have).
     */
    synchronized void register(final Peer peer)
    {
        for (int slot = 0; slot < bySlot.length(); slot++)
        {
            if (bySlot.get(slot) == null)
            {
                peer.macSlot = slot;
                limits.portLimit(slot, peer.spec.macLimit());
                final long[] allowed = peer.spec.allowedMacs();
                if (allowed != null)
                {
                    for (final long mac : allowed)
                    {
                        table.addStatic(VLAN, mac, slot);
                    }
                }
                bySlot.set(slot, peer);
                return;
            }
        }
        throw new IllegalStateException("no free peer slot");
    }

    /**
     * Learns that {@code mac} (a frame's source) sits behind {@code peer}. Per frame; allocates only for a new MAC.
     *
     * @return {@link #LEARNED}, {@link #LIMIT_REACHED} or {@link #NOT_ALLOWED}: drop the frame unless learned.
     */
    int learn(final long mac, final Peer peer, final long nowNs)
    {
        if (EthernetFlyweight.isMulticast(mac))
        {
            return LEARNED; // never a station's address; the switch drops the frame as malformed
        }
        if (!peer.spec.allows(mac))
        {
            return NOT_ALLOWED;
        }
        final int verdict = table.learn(VLAN, mac, peer.macSlot, nowNs);
        if (verdict == MacTable.LEARNED)
        {
            return LEARNED;
        }
        return verdict == MacTable.STATIC_ELSEWHERE ? NOT_ALLOWED : LIMIT_REACHED;
    }

    /**
     * @return the peer {@code mac} sits behind and that is still a peer, or null.
     */
    Peer lookup(final long mac)
    {
        final int slot = table.lookup(VLAN, mac);
        if (slot < 0)
        {
            return null;
        }
        final Peer peer = bySlot.get(slot);
        return peer == null || !peer.live ? null : peer;
    }

    /**
     * Forgets every MAC behind {@code peer} (it was removed) and frees its slot. Control thread; walks the table.
     */
    synchronized void forget(final Peer peer)
    {
        final int slot = peer.macSlot;
        if (slot >= 0 && bySlot.get(slot) == peer)
        {
            table.flush(slot, 0, true);
            limits.portLimit(slot, MacLimits.UNLIMITED);
            bySlot.set(slot, null);
        }
    }

    /**
     * Removes MACs not seen for {@link #AGEING_NS}. Agent thread, about once a second.
     */
    int age(final long nowNs)
    {
        return table.age(nowNs, AGEING_NS);
    }

    /**
     * @return how often a MAC moved from one peer to another.
     */
    long moves()
    {
        return table.moves();
    }

    /**
     * @return how many MACs were learned behind {@code peer} (its allowed MACs not counted).
     */
    int size(final Peer peer)
    {
        return limits.portCount(peer.macSlot);
    }
}
