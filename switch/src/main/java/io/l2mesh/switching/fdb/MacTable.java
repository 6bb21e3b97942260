package io.l2mesh.switching.fdb;

import org.jctools.maps.NonBlockingHashMapLong;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The MAC learning table: which port each (VLAN, MAC) was last seen on.
 * <p>
 * <b>What it is.</b> A JCTools {@link NonBlockingHashMapLong} keyed by {@link MacKey} ({@code vlan << 48 | mac})
 * whose values are {@link MacEntry}s. Every datapath loop learns and looks up concurrently; the control thread
 * adds static entries, flushes and ages.
 * <p>
 * <b>Complications.</b>
 * <ul>
 *   <li>Refreshing a known station must not allocate or write a shared cache line per frame: the entry is
 *   mutated in place, and its timestamp is written only when it is older than {@link #REFRESH_INTERVAL_NS}
 *   (ageing works in seconds, so a coarser timestamp costs nothing).</li>
 *   <li>Limits: a new MAC takes quota from {@link MacLimits} before it is inserted; when two loops race to
 *   insert the same MAC the loser gives its quota back. Frames from a MAC beyond the limit are dropped by the
 *   caller; stations already known keep working.</li>
 *   <li>Moves: a known MAC seen on another port moves there (quota follows it); a static entry never moves.</li>
 *   <li>Multicast sources are never learned (the caller drops them as malformed first).</li>
 * </ul>
 * <b>Thread safety.</b> Lock-free; all methods may be called from any thread. Ageing and flushing use
 * conditional removal, so they never remove an entry that was replaced meanwhile.
 */
public final class MacTable
{
    public static final int NO_PORT = -1;
    /** {@link #learn} result: the source is known or was learned. */
    public static final int LEARNED = 0;
    /** {@link #learn} result: a new source beyond the port or table limit; drop the frame. */
    public static final int LIMIT_REACHED = 1;
    /**
     * {@link #learn} result: the source has a static entry on another port (it stays there); the switch forwards
     * such frames as before, a tunnel refuses a peer's frames from another peer's allowed MACs.
     */
    public static final int STATIC_ELSEWHERE = 2;

    static final long REFRESH_INTERVAL_NS = 1_000_000_000L;

    private final NonBlockingHashMapLong<MacEntry> entries = new NonBlockingHashMapLong<>(1024);
    private final MacLimits limits;
    private final AtomicLong moves = new AtomicLong();
    private final AtomicLong learned = new AtomicLong();
    private final AtomicLong aged = new AtomicLong();

    public MacTable(final MacLimits limits)
    {
        this.limits = limits;
    }

    public MacLimits limits()
    {
        return limits;
    }

    /**
     * Learns that {@code mac} in {@code vlan} sits behind {@code portId}. Called per frame by the datapath:
     * allocates only when the MAC is new.
     *
     * @return {@link #LEARNED}, {@link #LIMIT_REACHED} or {@link #STATIC_ELSEWHERE}.
     */
    public int learn(final int vlan, final long mac, final int portId, final long nowNs)
    {
        final long key = MacKey.pack(vlan, mac);
        final MacEntry entry = entries.get(key);
        if (entry != null)
        {
            return refresh(entry, portId, nowNs);
        }
        if (!limits.tryAcquire(portId))
        {
            return LIMIT_REACHED;
        }
        final MacEntry fresh = new MacEntry(key, portId, nowNs, false);
        final MacEntry raced = entries.putIfAbsent(key, fresh);
        if (raced != null)
        {
            limits.release(portId);
            return refresh(raced, portId, nowNs);
        }
        learned.incrementAndGet();
        return LEARNED;
    }

    private int refresh(final MacEntry entry, final int portId, final long nowNs)
    {
        if (entry.isStatic())
        {
            return entry.portId() == portId ? LEARNED : STATIC_ELSEWHERE;
        }
        final int current = entry.portId();
        if (current != portId)
        {
            if (!limits.tryMove(current, portId))
            {
                return LIMIT_REACHED;
            }
            entry.portId(portId);
            entry.lastSeenNs(nowNs);
            moves.incrementAndGet();
        }
        else if (nowNs - entry.lastSeenNs() > REFRESH_INTERVAL_NS)
        {
            entry.lastSeenNs(nowNs);
        }
        return LEARNED;
    }

    /**
     * @return the port of {@code mac} in {@code vlan}, or {@link #NO_PORT}.
     */
    public int lookup(final int vlan, final long mac)
    {
        final MacEntry entry = entries.get(MacKey.pack(vlan, mac));
        return entry == null ? NO_PORT : entry.portId();
    }

    public MacEntry entry(final int vlan, final long mac)
    {
        return entries.get(MacKey.pack(vlan, mac));
    }

    /**
     * Adds or replaces a static entry: never aged, never moved, not counted against limits.
     */
    public void addStatic(final int vlan, final long mac, final int portId)
    {
        final long key = MacKey.pack(vlan, mac);
        final MacEntry previous = entries.put(key, new MacEntry(key, portId, 0, true));
        if (previous != null && !previous.isStatic())
        {
            limits.release(previous.portId());
        }
    }

    /**
     * Removes one entry, learned or static.
     *
     * @return true if there was one.
     */
    public boolean remove(final int vlan, final long mac)
    {
        final long key = MacKey.pack(vlan, mac);
        final MacEntry entry = entries.get(key);
        return entry != null && removeEntry(entry);
    }

    private boolean removeEntry(final MacEntry entry)
    {
        if (entries.remove(entry.key(), entry))
        {
            if (!entry.isStatic())
            {
                limits.release(entry.portId());
            }
            return true;
        }
        return false;
    }

    /**
     * Removes learned entries not seen for longer than {@code ageingTimeNs}. Control path: iterates the table.
     *
     * @return how many were removed.
     */
    public int age(final long nowNs, final long ageingTimeNs)
    {
        int removed = 0;
        for (final MacEntry entry : entries.values())
        {
            if (!entry.isStatic() && nowNs - entry.lastSeenNs() > ageingTimeNs && removeEntry(entry))
            {
                removed++;
            }
        }
        aged.addAndGet(removed);
        return removed;
    }

    /**
     * Removes learned entries (and static ones too if {@code includeStatic}) matching a port and/or VLAN.
     *
     * @param portId {@link #NO_PORT} for any port.
     * @param vlan   0 for any VLAN.
     */
    public int flush(final int portId, final int vlan, final boolean includeStatic)
    {
        int removed = 0;
        for (final MacEntry entry : entries.values())
        {
            if ((includeStatic || !entry.isStatic()) && (portId == NO_PORT || entry.portId() == portId) &&
                (vlan == 0 || entry.vlan() == vlan) && removeEntry(entry))
            {
                removed++;
            }
        }
        return removed;
    }

    public List<MacEntry> snapshot()
    {
        return new ArrayList<>(entries.values());
    }

    public int size()
    {
        return entries.size();
    }

    public long moves()
    {
        return moves.get();
    }

    public long learnedTotal()
    {
        return learned.get();
    }

    public long agedTotal()
    {
        return aged.get();
    }
}
