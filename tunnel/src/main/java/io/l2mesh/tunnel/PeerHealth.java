package io.l2mesh.tunnel;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A peer's round-trip time, from the in-session probes ({@link ControlMessage#RTT_PROBE}): a loop sends one to
 * every peer with a session each keepalive interval, whatever the traffic (whichever loop's timers find it due
 * first: {@link #takeProbe}), and the peer's loop echoes it at once ({@link ControlMessage#RTT_ECHO}). The echo
 * may come back on any loop; samples are rare (one per interval), so each is a few volatile writes, last writer
 * wins, no lock. The smoothed RTT is RFC 6298's (gain 1/8).
 */
final class PeerHealth
{
    /** An echo older than this is not a round trip of ours (a stale or forged stamp): ignored. */
    static final long MAX_RTT_NANOS = 10_000_000_000L;

    /** When the next probe is due (0: at once); the loop that moves it on sends the probe. */
    private final AtomicLong nextProbeNanos = new AtomicLong();
    private volatile long lastRttNanos = -1;
    private volatile long smoothedRttNanos = -1;
    private volatile long minRttNanos = -1;
    private volatile long samples;
    private volatile long probesSent;

    /**
     * Any loop, at its timers: whether a probe is due now; if so this loop sends it (and only this one: the next
     * is moved on by compare-and-set).
     *
     * @return true if this loop is to send a probe now.
     */
    boolean takeProbe(final long nowNanos, final long intervalNanos)
    {
        final long due = nextProbeNanos.get();
        if (due != 0 && nowNanos - due < 0)
        {
            return false;
        }
        if (!nextProbeNanos.compareAndSet(due, nowNanos + intervalNanos))
        {
            return false; // another loop took it
        }
        probesSent++; // only the loop that won the compare-and-set writes it
        return true;
    }

    /** @return when the next probe is due (0: at once). */
    long nextProbeNanos()
    {
        return nextProbeNanos.get();
    }

    /**
     * Any loop: an echo of our probe stamped {@code stampNanos} came back at {@code nowNanos}.
     *
     * @return false if the stamp is not one of ours (in the future, or older than {@link #MAX_RTT_NANOS}).
     */
    boolean echo(final long stampNanos, final long nowNanos)
    {
        final long rtt = nowNanos - stampNanos;
        if (rtt < 0 || rtt > MAX_RTT_NANOS)
        {
            return false;
        }
        lastRttNanos = rtt;
        final long smoothed = smoothedRttNanos;
        smoothedRttNanos = smoothed < 0 ? rtt : smoothed + (rtt - smoothed) / 8;
        final long min = minRttNanos;
        if (min < 0 || rtt < min)
        {
            minRttNanos = rtt;
        }
        samples++; // rare and racy at worst by one: a status count, not a sequence
        return true;
    }

    /** @return the newest sample, or -1 before the first. */
    long lastRttNanos()
    {
        return lastRttNanos;
    }

    /** @return the smoothed RTT, or -1 before the first sample. */
    long smoothedRttNanos()
    {
        return smoothedRttNanos;
    }

    /** @return the smallest sample, or -1. */
    long minRttNanos()
    {
        return minRttNanos;
    }

    long samples()
    {
        return samples;
    }

    long probesSent()
    {
        return probesSent;
    }
}
