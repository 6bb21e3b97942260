package io.l2mesh.switching.fdb;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * How many learned MACs the table and each port may hold, and how many they hold now. A new MAC takes a unit
 * of both quotas with a CAS that never passes the limit, so concurrent loops cannot overshoot it.
 * Static entries do not count.
 */
public final class MacLimits
{
    public static final int MAX_PORTS = 1024;
    public static final int UNLIMITED = Integer.MAX_VALUE;

    private final AtomicInteger globalCount = new AtomicInteger();
    private volatile int globalLimit;
    private final AtomicIntegerArray portCounts = new AtomicIntegerArray(MAX_PORTS);
    private final AtomicIntegerArray portLimits = new AtomicIntegerArray(MAX_PORTS);

    public MacLimits(final int globalLimit)
    {
        this.globalLimit = globalLimit;
        for (int i = 0; i < MAX_PORTS; i++)
        {
            portLimits.set(i, UNLIMITED);
        }
    }

    public void globalLimit(final int limit)
    {
        globalLimit = limit;
    }

    public int globalLimit()
    {
        return globalLimit;
    }

    public void portLimit(final int portId, final int limit)
    {
        portLimits.set(portId, limit);
    }

    public int portLimit(final int portId)
    {
        return portLimits.get(portId);
    }

    public int globalCount()
    {
        return globalCount.get();
    }

    public int portCount(final int portId)
    {
        return portCounts.get(portId);
    }

    /**
     * @return true if a new MAC may be learned on {@code portId}; the caller must {@link #release} it if the
     * MAC is then not inserted.
     */
    boolean tryAcquire(final int portId)
    {
        final int portLimit = portLimits.get(portId);
        int count;
        do
        {
            count = portCounts.get(portId);
            if (count >= portLimit)
            {
                return false;
            }
        }
        while (!portCounts.compareAndSet(portId, count, count + 1));

        final int limit = globalLimit;
        do
        {
            count = globalCount.get();
            if (count >= limit)
            {
                portCounts.decrementAndGet(portId);
                return false;
            }
        }
        while (!globalCount.compareAndSet(count, count + 1));
        return true;
    }

    void release(final int portId)
    {
        portCounts.decrementAndGet(portId);
        globalCount.decrementAndGet();
    }

    /**
     * Moves one unit of quota from one port to another, if the new port has room.
     */
    boolean tryMove(final int fromPortId, final int toPortId)
    {
        final int portLimit = portLimits.get(toPortId);
        int count;
        do
        {
            count = portCounts.get(toPortId);
            if (count >= portLimit)
            {
                return false;
            }
        }
        while (!portCounts.compareAndSet(toPortId, count, count + 1));
        portCounts.decrementAndGet(fromPortId);
        return true;
    }
}
