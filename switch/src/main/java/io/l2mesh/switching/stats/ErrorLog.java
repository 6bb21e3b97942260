package io.l2mesh.switching.stats;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Distinct unexpected errors, each with a count and first/last time. A loop that catches an exception records
 * it here and keeps running; each distinct error is logged once, then at most once a minute.
 */
public final class ErrorLog
{
    private static final Logger LOG = LoggerFactory.getLogger(ErrorLog.class);
    private static final long LOG_INTERVAL_MS = 60_000;
    private static final int MAX_DISTINCT = 1024;

    private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();
    private final AtomicLong total = new AtomicLong();

    /**
     * One distinct error.
     */
    public static final class Entry
    {
        private final String key;
        private final long firstMs;
        private final AtomicLong count = new AtomicLong();
        private volatile long lastMs;
        private volatile long lastLoggedMs;

        Entry(final String key, final long nowMs)
        {
            this.key = key;
            this.firstMs = nowMs;
        }

        public String key()
        {
            return key;
        }

        public long count()
        {
            return count.get();
        }

        public long firstMs()
        {
            return firstMs;
        }

        public long lastMs()
        {
            return lastMs;
        }
    }

    public void record(final String where, final Throwable error)
    {
        total.incrementAndGet();
        final String key = where + ": " + error;
        final long nowMs = System.currentTimeMillis();
        Entry entry = entries.get(key);
        if (entry == null)
        {
            if (entries.size() >= MAX_DISTINCT)
            {
                return;
            }
            entry = entries.computeIfAbsent(key, k -> new Entry(k, nowMs));
        }
        entry.count.incrementAndGet();
        entry.lastMs = nowMs;
        if (nowMs - entry.lastLoggedMs >= LOG_INTERVAL_MS)
        {
            entry.lastLoggedMs = nowMs;
            LOG.error("{} (seen {} times)", key, entry.count(), error);
        }
    }

    public long total()
    {
        return total.get();
    }

    public List<Entry> entries()
    {
        return new ArrayList<>(entries.values());
    }
}
