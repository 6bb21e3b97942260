package io.l2mesh.switching.fdb;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Removes stations not seen for the ageing time, off the data path: a thread of its own sweeps the table a few
 * times per ageing period, so an entry lives between the ageing time and 1.25 × it.
 */
public final class MacAger implements AutoCloseable
{
    private static final long MIN_PERIOD_NS = TimeUnit.MILLISECONDS.toNanos(250);
    private static final long MAX_PERIOD_NS = TimeUnit.SECONDS.toNanos(15);

    private final MacTable table;
    private final long ageingTimeNs;
    private final ScheduledExecutorService executor;

    public MacAger(final MacTable table, final long ageingTimeNs)
    {
        this.table = table;
        this.ageingTimeNs = ageingTimeNs;
        this.executor = Executors.newSingleThreadScheduledExecutor(r ->
        {
            final Thread thread = new Thread(r, "l2mesh-ager");
            thread.setDaemon(true);
            return thread;
        });
        final long period = Math.clamp(ageingTimeNs / 4, MIN_PERIOD_NS, MAX_PERIOD_NS);
        executor.scheduleAtFixedRate(this::sweep, period, period, TimeUnit.NANOSECONDS);
    }

    public long ageingTimeNs()
    {
        return ageingTimeNs;
    }

    private void sweep()
    {
        table.age(System.nanoTime(), ageingTimeNs);
    }

    @Override
    public void close()
    {
        executor.shutdownNow();
    }
}
