package io.l2mesh.tunnel;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Whether the port's responder is under load (WireGuard 5.3): the initiation queue is at least 1/8 full, and for
 * {@link #HOLD_NANOS} after. While under load the loops answer initiations without a valid mac2 with cookie
 * replies instead of queueing them, so the queue drains; load is therefore also held while initiations needing
 * a cookie keep coming at the rate that would have filled 1/8 of the queue within a second. Otherwise a flood
 * would get a queue's worth through each time the hold lapsed.
 * <p>
 * Cookie replies are capped at {@link #COOKIES_PER_SECOND} for the port (a GCRA bucket with bursts of
 * {@link #COOKIE_BURST}): one costs a seal and a {@code sendto}, about 20 us of CPU on a loaded 2-core machine,
 * where a drop after mac1 costs the read and a hash. Without the cap a flood of initiations with a valid mac1 from
 * spoofed sources keeps the loops busy answering, the socket overflows, and a real peer's initiation (and its
 * retry with mac2, and its confirmation) is lost in the kernel as often as the flood's. At 20 000/s the replies
 * still took most of a loaded machine; at 5 000/s they take a tenth of a core. While under load the port also
 * shortens its sockets' receive queues ({@link HandshakeGate#limitQueues}), since a real peer's comeback takes
 * three trips through them. With both the loops keep their socket drained;
 * a real initiator that gets no cookie tries again in 100 ms ({@link PeerTimers}) from the same source, and
 * a source that tries again after a drop gets its cookie from a second bucket ({@link CappedSources}).
 * <p>
 * Shared by the loops: plain volatile fields, an atomic counter and the cap's compare-and-set; a race between two
 * loops at most shifts a window by one message, and the cap is exact.
 */
final class HandshakeLoad
{
    static final long HOLD_NANOS = 1_000_000_000L;
    static final int THRESHOLD = HandshakeInbox.CAPACITY / 8;
    static final int COOKIES_PER_SECOND = 5_000;
    static final int COOKIE_BURST = 500;
    private static final long COOKIE_NANOS = 1_000_000_000L / COOKIES_PER_SECOND;
    private static final long COOKIE_TOLERANCE_NANOS = COOKIE_NANOS * (COOKIE_BURST - 1);
    static final int RETRY_COOKIES_PER_SECOND = 5_000;
    private static final long RETRY_COOKIE_NANOS = 1_000_000_000L / RETRY_COOKIES_PER_SECOND;
    private static final long RETRY_COOKIE_TOLERANCE_NANOS = RETRY_COOKIE_NANOS * (COOKIE_BURST / 4 - 1);

    private volatile long underLoadUntil = Long.MIN_VALUE;
    private volatile long windowStart;
    private final AtomicInteger cookiesInWindow = new AtomicInteger();
    private volatile boolean ever;
    /** GCRA: the theoretical arrival time of the next cookie reply. */
    private final AtomicLong nextCookieNanos = new AtomicLong(Long.MIN_VALUE);
    /** GCRA: the same for cookie replies to sources that try again after a drop at the cap. */
    private final AtomicLong nextRetryCookieNanos = new AtomicLong(Long.MIN_VALUE);

    /**
     * @return true if under load now, given {@code queued} initiations waiting.
     */
    boolean underLoad(final long nowNanos, final int queued)
    {
        if (queued >= THRESHOLD)
        {
            hold(nowNanos);
            return true;
        }
        return ever && nowNanos - underLoadUntil < 0;
    }

    /**
     * A loop needs to answer an initiation with a cookie reply.
     *
     * @return true if it may (the port is under its cap); false: drop the initiation unanswered.
     */
    boolean cookieAllowed(final long nowNanos)
    {
        cookieNeeded(nowNanos);
        return take(nextCookieNanos, COOKIE_NANOS, COOKIE_TOLERANCE_NANOS, nowNanos);
    }

    /**
     * Beyond the cap, for a source that tries again ({@link CappedSources}): a bucket of its own,
     * {@link #RETRY_COOKIES_PER_SECOND}, so a flood that repeats its sources still costs a bounded amount.
     *
     * @return true if a cookie reply may go to the retrying source.
     */
    boolean retryCookieAllowed(final long nowNanos)
    {
        return take(nextRetryCookieNanos, RETRY_COOKIE_NANOS, RETRY_COOKIE_TOLERANCE_NANOS, nowNanos);
    }

    /** GCRA on {@code next}, the theoretical arrival time of the next message. */
    private static boolean take(final AtomicLong next, final long interval, final long tolerance,
        final long nowNanos)
    {
        while (true)
        {
            final long tat = next.get();
            final long base = tat == Long.MIN_VALUE || tat - nowNanos < 0 ? nowNanos : tat;
            if (base - nowNanos > tolerance)
            {
                return false;
            }
            if (next.compareAndSet(tat, base + interval))
            {
                return true;
            }
        }
    }

    /**
     * An initiation needed a cookie reply (sent or capped): the load is held while they keep coming.
     */
    private void cookieNeeded(final long nowNanos)
    {
        if (nowNanos - windowStart > HOLD_NANOS)
        {
            windowStart = nowNanos;
            cookiesInWindow.set(0);
        }
        if (cookiesInWindow.incrementAndGet() >= THRESHOLD)
        {
            hold(nowNanos);
        }
    }

    private void hold(final long nowNanos)
    {
        underLoadUntil = nowNanos + HOLD_NANOS;
        ever = true;
    }

    /**
     * For status: under load at {@code nowNanos} (by the hold alone).
     */
    boolean held(final long nowNanos)
    {
        return ever && nowNanos - underLoadUntil < 0;
    }
}
