package io.l2mesh.tunnel;

import java.util.concurrent.atomic.AtomicLong;

/**
 * What a relay keeps for one pair it relays for, one direction: from one peer ({@link Peer#relayPair}) to
 * {@link #to}. Its allowance is a GCRA bucket ({@link RelaySpec}): a datagram is passed if the bucket's
 * theoretical arrival time is within the burst of now, and moves it by the datagram's bytes at the pair's rate.
 * Any loop may relay for the pair (its datagrams reach the loop their source hashes to, which may change), so the
 * bucket is a compare-and-set and the counters atomic: lock-free, nothing allocated per datagram.
 */
final class RelayPair
{
    final Peer to;
    private final AtomicLong theoreticalNanos = new AtomicLong(Long.MIN_VALUE / 2);
    private final AtomicLong packets = new AtomicLong();
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicLong capped = new AtomicLong();

    RelayPair(final Peer to)
    {
        this.to = to;
    }

    /**
     * @return true if {@code length} more bytes are within the pair's allowance at {@code nowNanos} (then taken).
     */
    boolean take(final int length, final long nowNanos, final RelaySpec spec)
    {
        final long cost = (long)(length * spec.nanosPerByte());
        final long burst = (long)(RelaySpec.BURST_SECONDS * 1e9);
        while (true)
        {
            final long tat = theoreticalNanos.get();
            final long start = Math.max(tat, nowNanos);
            if (start - nowNanos > burst)
            {
                capped.incrementAndGet();
                return false;
            }
            if (theoreticalNanos.compareAndSet(tat, start + cost))
            {
                return true;
            }
        }
    }

    void relayed(final int length)
    {
        packets.incrementAndGet();
        bytes.addAndGet(length);
    }

    long packets()
    {
        return packets.get();
    }

    long bytes()
    {
        return bytes.get();
    }

    long capped()
    {
        return capped.get();
    }
}
