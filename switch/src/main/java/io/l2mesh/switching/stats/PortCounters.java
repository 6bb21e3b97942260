package io.l2mesh.switching.stats;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Counters of one port, one slot array per datapath loop: each loop writes only its own array (single
 * writer, so a plain add published with {@code setOpaque} is enough: no atomic read-modify-write), and
 * readers sum the arrays while traffic flows. Arrays are padded so two loops never share a cache line.
 */
public final class PortCounters
{
    public static final int RX_PACKETS = 0;
    public static final int RX_BYTES = 1;
    public static final int TX_PACKETS = 2;
    public static final int TX_BYTES = 3;
    /** GSO super-frames received through a vnet_hdr TAP (shows the offload path is in use). */
    public static final int RX_GSO_FRAMES = 4;
    /** GSO super-frames sent on as they are. */
    public static final int TX_GSO_FRAMES = 5;
    /** Segments made in software from super-frames for ports that cannot take them. */
    public static final int TX_SOFTWARE_SEGMENTS = 6;
    /** Received TCP segments merged into the super-frame of an earlier one ({@code TcpCoalescer}). */
    public static final int RX_COALESCED = 7;
    public static final int DROP_BASE = 8;
    public static final int SLOT_COUNT = DROP_BASE + DropReason.count();

    private static final int PAD = 8;
    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(long[].class);

    private final long[][] perLoop;

    public PortCounters(final int loopCount)
    {
        perLoop = new long[loopCount][];
        for (int i = 0; i < loopCount; i++)
        {
            perLoop[i] = new long[PAD + SLOT_COUNT + PAD];
        }
    }

    /**
     * The slot array of one loop; pass it to {@link #add}. Single writer: that loop's thread.
     */
    public long[] loopSlots(final int loopId)
    {
        return perLoop[loopId];
    }

    public static void add(final long[] slots, final int slot, final long delta)
    {
        final int index = PAD + slot;
        // Single writer: a plain read of our own slot is current; opaque store makes the sum visible to readers.
        SLOT.setOpaque(slots, index, slots[index] + delta);
    }

    public static void drop(final long[] slots, final DropReason reason, final long count)
    {
        add(slots, DROP_BASE + reason.id(), count);
    }

    public static void drop(final long[] slots, final DropReason reason)
    {
        add(slots, DROP_BASE + reason.id(), 1);
    }

    /**
     * @return the sum over all loops; may be a few frames behind, never torn.
     */
    public long get(final int slot)
    {
        long sum = 0;
        for (final long[] slots : perLoop)
        {
            sum += (long)SLOT.getOpaque(slots, PAD + slot);
        }
        return sum;
    }

    public long drops(final DropReason reason)
    {
        return get(DROP_BASE + reason.id());
    }

    public long totalDrops()
    {
        long sum = 0;
        for (final DropReason reason : DropReason.values())
        {
            sum += drops(reason);
        }
        return sum;
    }

    public PortStats snapshot()
    {
        final long[] drops = new long[DropReason.count()];
        for (final DropReason reason : DropReason.values())
        {
            drops[reason.id()] = drops(reason);
        }
        return new PortStats(get(RX_PACKETS), get(RX_BYTES), get(TX_PACKETS), get(TX_BYTES), get(RX_GSO_FRAMES),
            get(TX_GSO_FRAMES), get(TX_SOFTWARE_SEGMENTS), get(RX_COALESCED), drops);
    }
}
