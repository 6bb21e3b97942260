package io.l2mesh.tunnel.impair;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * What the impairment stages of a port did, summed over its threads (one single-writer row each).
 */
public final class ImpairmentCounters
{
    public static final int LOST_RANDOM = 0;
    public static final int LOST_BURST = 1;
    public static final int DUPLICATED = 2;
    public static final int DELAYED = 3;
    public static final int REORDERED = 4;
    public static final int RATE_DROPPED = 5;
    public static final int PASSED = 6;
    static final int COUNT = 7;
    private static final String[] LABELS = {"lost_random", "lost_burst", "duplicated", "delayed", "reordered",
        "rate_dropped", "passed"};
    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(long[].class);

    private final long[][] rows;

    public ImpairmentCounters(final int threads)
    {
        rows = new long[threads][COUNT];
    }

    long[] row(final int thread)
    {
        return rows[thread];
    }

    static void increment(final long[] row, final int counter)
    {
        SLOT.setOpaque(row, counter, row[counter] + 1);
    }

    public long get(final int counter)
    {
        long sum = 0;
        for (final long[] row : rows)
        {
            sum += (long)SLOT.getOpaque(row, counter);
        }
        return sum;
    }

    public static String label(final int counter)
    {
        return LABELS[counter];
    }

    public static int count()
    {
        return COUNT;
    }
}
