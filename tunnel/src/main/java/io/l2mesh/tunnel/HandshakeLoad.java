package io.l2mesh.tunnel;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Whether the port's responder is under load (WireGuard 5.3): the initiation queue is at least 1/8 full, and for
 * {@link #HOLD_NANOS} after. While under load the loops answer initiations without a valid mac2 with cookie
 * replies instead of queueing them, so the queue drains; load is therefore also held while initiations needing
 * a cookie keep coming at the rate that would have filled 1/8 of the queue within a second. Otherwise a flood
 * would get a queue's worth through each time the hold lapsed.
 * <p>
 * Shared by the loops: plain volatile fields and one atomic counter; a race between two loops at most shifts a
 * window by one message.
 */
final class HandshakeLoad
{
    static final long HOLD_NANOS = 1_000_000_000L;
    static final int THRESHOLD = HandshakeInbox.CAPACITY / 8;

    private volatile long underLoadUntil = Long.MIN_VALUE;
    private volatile long windowStart;
    private final AtomicInteger cookiesInWindow = new AtomicInteger();
    private volatile boolean ever;

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
     * A loop answered an initiation with a cookie reply.
     */
    void cookieSent(final long nowNanos)
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
