package io.l2mesh.switching.port;

import io.l2mesh.switching.stats.DropReason;

/**
 * One port's storm control ({@link StormLimits}) on the datapath: a GCRA token bucket (a theoretical arrival
 * time per kind) for each loop that reads the port, refilled at the port's limit divided among those loops, with a
 * burst of 100 ms of frames (at least 8). Each loop's times are its own (on a cache line of their own), so
 * {@link #admit} reads one volatile, compares and writes one long: no lock, no allocation, nothing shared between
 * loops, and the time is the loop's burst time (no clock read per frame).
 */
public final class StormControl
{
    public static final int BROADCAST = 0;
    public static final int MULTICAST = 1;
    public static final int UNKNOWN_UNICAST = 2;
    private static final int KINDS = 3;
    private static final int STRIDE = 8; // longs per loop: one cache line
    private static final long SECOND_NS = 1_000_000_000L;
    private static final long BURST_NS = 100_000_000L;
    private static final long MIN_BURST_FRAMES = 8;

    /**
     * What the loops read: per kind the time one frame costs a loop and the burst it may run ahead, or 0 for no
     * limit.
     */
    private record Rates(StormLimits limits, long[] intervalNs, long[] burstNs)
    {
    }

    private static final Rates OFF = new Rates(StormLimits.NONE, new long[KINDS], new long[KINDS]);

    private final long[] arrival;
    private volatile Rates rates = OFF;

    StormControl(final int loops)
    {
        this.arrival = new long[(loops + 1) * STRIDE];
    }

    /**
     * Sets the limits; control plane.
     *
     * @param readers how many loops read the port (its limit is shared among them).
     */
    void limits(final StormLimits limits, final int readers)
    {
        final long[] interval = new long[KINDS];
        final long[] burst = new long[KINDS];
        final int shares = Math.max(1, readers);
        for (int kind = 0; kind < KINDS; kind++)
        {
            final long pps = limits.pps(kind);
            if (pps > 0)
            {
                interval[kind] = Math.max(1, SECOND_NS * shares / pps);
                final long frames = Math.max(MIN_BURST_FRAMES, pps * BURST_NS / SECOND_NS / shares);
                burst[kind] = interval[kind] * frames;
            }
        }
        rates = limits.isNone() ? OFF : new Rates(limits, interval, burst);
    }

    StormLimits limits()
    {
        return rates.limits();
    }

    /**
     * @return true if loop {@code loopId} may flood one more frame of {@code kind} at {@code nowNs}. Datapath.
     */
    public boolean admit(final int loopId, final int kind, final long nowNs)
    {
        final Rates current = rates;
        final long interval = current.intervalNs[kind];
        if (interval == 0)
        {
            return true;
        }
        final int slot = (loopId + 1) * STRIDE + kind; // slot 0's line stays unused: no neighbour shares it
        final long tat = Math.max(arrival[slot], nowNs);
        if (tat - nowNs > current.burstNs[kind])
        {
            return false;
        }
        arrival[slot] = tat + interval;
        return true;
    }

    /**
     * @return the drop reason of {@code kind}.
     */
    public static DropReason dropReason(final int kind)
    {
        return switch (kind)
        {
            case BROADCAST -> DropReason.STORM_BROADCAST;
            case MULTICAST -> DropReason.STORM_MULTICAST;
            default -> DropReason.STORM_UNKNOWN_UNICAST;
        };
    }
}
