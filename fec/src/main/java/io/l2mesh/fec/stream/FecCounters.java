package io.l2mesh.fec.stream;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Counters of one encoder or decoder. Single writer (its owner thread) with opaque stores, so other threads may
 * read them while traffic flows without the writer paying for an atomic.
 */
public final class FecCounters
{
    /** Data shards received and delivered as they came. */
    public static final int RECEIVED = 0;
    /** Data frames rebuilt from parity and delivered. */
    public static final int RECOVERED = 1;
    /**
     * Data frames known lost that parity could not rebuild, counted when their block leaves the window. A lower
     * bound: frames the decoder never heard of (a block's last frames lost with all its parity, or a whole block)
     * are not in it; the transport's own loss counter sees those.
     */
    public static final int UNRECOVERABLE = 2;
    /** Shards seen before (same block and index). */
    public static final int DUPLICATE = 3;
    /** Shards with a header or length that cannot be right. */
    public static final int MALFORMED = 4;
    /** Shards of blocks older than the window. */
    public static final int STALE = 5;
    /** Parity shards received. */
    public static final int PARITY_RECEIVED = 6;
    /** Encoder: frames taken, data shards and parity shards sent, blocks closed by the timer, oversized frames. */
    public static final int FRAMES_IN = 7;
    public static final int PARITY_SENT = 8;
    public static final int BLOCKS_CLOSED_BY_TIMER = 9;
    public static final int OVERSIZE = 10;
    /**
     * Decoder: nanoseconds the rebuilt frames waited, summed: each from when the shard after it in the block
     * arrived (about when it was due) to its rebuild. Divided by {@link #RECOVERED}: what FEC adds to the latency
     * of a frame the link lost; frames that were not lost wait for nothing.
     */
    public static final int RECOVERY_NANOS = 11;
    static final int COUNT = 12;

    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(long[].class);

    private final long[] values = new long[COUNT];

    void increment(final int counter)
    {
        add(counter, 1);
    }

    void add(final int counter, final long delta)
    {
        SLOT.setOpaque(values, counter, values[counter] + delta);
    }

    public long get(final int counter)
    {
        return (long)SLOT.getOpaque(values, counter);
    }

    public long recoveryNanos()
    {
        return get(RECOVERY_NANOS);
    }

    public long received()
    {
        return get(RECEIVED);
    }

    public long recovered()
    {
        return get(RECOVERED);
    }

    public long unrecoverable()
    {
        return get(UNRECOVERABLE);
    }

    public long duplicate()
    {
        return get(DUPLICATE);
    }

    public long malformed()
    {
        return get(MALFORMED);
    }

    public long stale()
    {
        return get(STALE);
    }

    @Override
    public String toString()
    {
        return "received=" + received() + " recovered=" + recovered() + " unrecoverable=" + unrecoverable() +
            " duplicate=" + duplicate() + " malformed=" + malformed() + " stale=" + stale() + " parity=" +
            get(PARITY_RECEIVED);
    }
}
