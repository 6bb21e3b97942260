package io.l2mesh.tunnel;

import io.l2mesh.tuntap.SocketAddresses;

/**
 * A token bucket per source of initiations that passed mac2 under load (WireGuard's ratelimiter): a source is an
 * IPv4 address or an IPv6 /64, and may start {@link #PER_SECOND} handshakes a second with bursts of
 * {@link #BURST}. The table is bounded ({@link #CAPACITY} entries, open addressing over {@link #PROBES} slots);
 * an entry idle for a second is free again, and when every probed entry is busy the least recently used one is
 * taken, so an address that proved it receives (mac2) cannot be kept out by others filling the table for long.
 * <p>
 * Single owner: the tunnel agent. Allocates nothing after construction.
 */
final class SourceRateLimiter
{
    static final int PER_SECOND = 20;
    static final int BURST = 5;
    static final int CAPACITY = 4096;
    private static final int PROBES = 8;
    private static final long TOKEN_NANOS = 1_000_000_000L / PER_SECOND;
    private static final long IDLE_NANOS = 1_000_000_000L;

    private final long[] keys = new long[CAPACITY];
    private final long[] lastNanos = new long[CAPACITY];
    /** Tokens, in nanoseconds of refill: {@code BURST * TOKEN_NANOS} when full. */
    private final long[] credit = new long[CAPACITY];
    private final boolean[] used = new boolean[CAPACITY];

    /**
     * @return true if one more handshake from the source at {@code source} ({@code length} bytes of socket
     * address) may be handled now.
     */
    boolean allow(final byte[] source, final int length, final long nowNanos)
    {
        final long key = keyOf(source, length);
        final int home = (int)(mix(key) & (CAPACITY - 1));
        int free = -1;
        int oldest = home;
        for (int p = 0; p < PROBES; p++)
        {
            final int i = (home + p) & (CAPACITY - 1);
            if (used[i] && keys[i] == key)
            {
                return take(i, nowNanos);
            }
            if (free < 0 && (!used[i] || nowNanos - lastNanos[i] > IDLE_NANOS))
            {
                free = i;
            }
            if (lastNanos[i] < lastNanos[oldest])
            {
                oldest = i;
            }
        }
        final int slot = free >= 0 ? free : oldest; // a new source: a free entry, else the least recently used
        used[slot] = true;
        keys[slot] = key;
        lastNanos[slot] = nowNanos;
        credit[slot] = (BURST - 1) * TOKEN_NANOS;
        return true;
    }

    private boolean take(final int slot, final long nowNanos)
    {
        credit[slot] = Math.min(BURST * TOKEN_NANOS, credit[slot] + (nowNanos - lastNanos[slot]));
        lastNanos[slot] = nowNanos;
        if (credit[slot] < TOKEN_NANOS)
        {
            return false;
        }
        credit[slot] -= TOKEN_NANOS;
        return true;
    }

    /**
     * IPv4: the address (with a tag bit, so it never equals an IPv6 key); IPv6: its first 64 bits.
     */
    static long keyOf(final byte[] source, final int length)
    {
        final int family = (source[0] & 0xff) | (source[1] & 0xff) << 8;
        if (family == SocketAddresses.AF_INET6 && length >= 16)
        {
            long key = 0;
            for (int i = 8; i < 16; i++)
            {
                key = key << 8 | (source[i] & 0xff);
            }
            return key;
        }
        final long v4 = (source[4] & 0xffL) << 24 | (source[5] & 0xffL) << 16 | (source[6] & 0xffL) << 8 |
            (source[7] & 0xffL);
        return v4 | 1L << 62 | 1L << 32;
    }

    private static long mix(final long key)
    {
        long h = key * 0x9E3779B97F4A7C15L;
        h ^= h >>> 32;
        return h;
    }
}
