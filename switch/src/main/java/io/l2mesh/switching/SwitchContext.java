package io.l2mesh.switching;

import java.util.concurrent.TimeUnit;

/**
 * Settings of a {@link Switch} being assembled; {@link #conclude()} checks them and fills in defaults.
 * Mutable, single-threaded until passed to {@link Switch#start}.
 */
public final class SwitchContext
{
    public static final int LOOPS_DEFAULT = 0; // number of cores
    public static final int MAX_LOOPS = 256;
    public static final int BURST_SIZE_DEFAULT = 64;
    public static final int MAX_BURST_SIZE = 1024;
    public static final long AGEING_TIME_NS_DEFAULT = TimeUnit.SECONDS.toNanos(300);
    public static final long MIN_AGEING_TIME_NS = TimeUnit.SECONDS.toNanos(1);
    public static final long MAX_AGEING_TIME_NS = TimeUnit.DAYS.toNanos(1);
    public static final int MAC_LIMIT_DEFAULT = 65_536;
    public static final int MAX_MAC_LIMIT = 16_777_216;
    public static final int COMMAND_QUEUE_CAPACITY = 1024;
    public static final long MAX_BUSY_POLL_NS = TimeUnit.SECONDS.toNanos(10);

    private int loops = LOOPS_DEFAULT;
    private int burstSize = BURST_SIZE_DEFAULT;
    private long ageingTimeNs = AGEING_TIME_NS_DEFAULT;
    private int macLimit = MAC_LIMIT_DEFAULT;
    private long busyPollNs;
    private boolean concluded;

    public SwitchContext loops(final int loops)
    {
        this.loops = loops;
        return this;
    }

    public int loops()
    {
        return loops;
    }

    public SwitchContext burstSize(final int burstSize)
    {
        this.burstSize = burstSize;
        return this;
    }

    public int burstSize()
    {
        return burstSize;
    }

    public SwitchContext ageingTimeNs(final long ageingTimeNs)
    {
        this.ageingTimeNs = ageingTimeNs;
        return this;
    }

    public long ageingTimeNs()
    {
        return ageingTimeNs;
    }

    public SwitchContext macLimit(final int macLimit)
    {
        this.macLimit = macLimit;
        return this;
    }

    public int macLimit()
    {
        return macLimit;
    }

    /**
     * How long a datapath loop keeps polling after its last frame before it blocks; 0 (the default) blocks at
     * once. Trades a CPU per busy loop for latency, see {@code BusyPollStrategy}.
     */
    public SwitchContext busyPollNs(final long busyPollNs)
    {
        this.busyPollNs = busyPollNs;
        return this;
    }

    public long busyPollNs()
    {
        return busyPollNs;
    }

    /**
     * Validates every setting; a bad one is refused with its value and limit.
     */
    public SwitchContext conclude()
    {
        if (concluded)
        {
            return this;
        }
        if (loops == LOOPS_DEFAULT)
        {
            loops = Runtime.getRuntime().availableProcessors();
        }
        require(loops >= 1 && loops <= MAX_LOOPS, "loops=" + loops + " out of range 1.." + MAX_LOOPS);
        require(burstSize >= 1 && burstSize <= MAX_BURST_SIZE,
            "burst=" + burstSize + " out of range 1.." + MAX_BURST_SIZE);
        require(ageingTimeNs >= MIN_AGEING_TIME_NS && ageingTimeNs <= MAX_AGEING_TIME_NS,
            "ageing time " + TimeUnit.NANOSECONDS.toSeconds(ageingTimeNs) + " s out of range 1.." +
            TimeUnit.NANOSECONDS.toSeconds(MAX_AGEING_TIME_NS) + " s");
        require(macLimit >= 1 && macLimit <= MAX_MAC_LIMIT, "mac-limit=" + macLimit + " out of range 1.." +
            MAX_MAC_LIMIT);
        require(busyPollNs >= 0 && busyPollNs <= MAX_BUSY_POLL_NS, "busy-poll " +
            TimeUnit.NANOSECONDS.toMicros(busyPollNs) + " us out of range 0.." +
            TimeUnit.NANOSECONDS.toMillis(MAX_BUSY_POLL_NS) + " ms");
        concluded = true;
        return this;
    }

    private static void require(final boolean condition, final String message)
    {
        if (!condition)
        {
            throw new IllegalArgumentException(message);
        }
    }
}
