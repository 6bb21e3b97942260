package io.l2mesh.fec.stream;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A bound on the memory FEC decoders may hold, in bytes: a peer's budget draws on its port's, so one peer cannot
 * take more than its share and all peers together no more than the port's. Decoders reserve when they first use
 * a block slot or a stream and release when they close; a reservation the budget cannot cover is refused, and the
 * shard that needed it is a counted drop instead of memory.
 * <p>
 * Thread-safe (the loops of a port share a peer's budget): one compare-and-set per reservation, which happens when
 * a slot grows or a stream starts, never per shard.
 */
public final class DecoderMemory
{
    private final long limit;
    private final DecoderMemory parent;
    private final AtomicLong used = new AtomicLong();

    /**
     * @param limit  bytes this budget may hold.
     * @param parent the budget this one also draws on, or null.
     */
    public DecoderMemory(final long limit, final DecoderMemory parent)
    {
        if (limit < 0)
        {
            throw new IllegalArgumentException("memory limit " + limit + " must not be negative");
        }
        this.limit = limit;
        this.parent = parent;
    }

    /**
     * A budget without a bound (tests and benchmarks).
     */
    public static DecoderMemory unbounded()
    {
        return new DecoderMemory(Long.MAX_VALUE, null);
    }

    /**
     * @return true if {@code bytes} were reserved here and in every parent; false (nothing reserved) if any of
     * them would exceed its limit.
     */
    public boolean reserve(final long bytes)
    {
        long now;
        do
        {
            now = used.get();
            if (now + bytes > limit || now + bytes < 0)
            {
                return false;
            }
        }
        while (!used.compareAndSet(now, now + bytes));
        if (parent != null && !parent.reserve(bytes))
        {
            used.addAndGet(-bytes);
            return false;
        }
        return true;
    }

    /**
     * Gives back what {@link #reserve} took, here and in every parent.
     */
    public void release(final long bytes)
    {
        used.addAndGet(-bytes);
        if (parent != null)
        {
            parent.release(bytes);
        }
    }

    public long used()
    {
        return used.get();
    }

    public long limit()
    {
        return limit;
    }
}
