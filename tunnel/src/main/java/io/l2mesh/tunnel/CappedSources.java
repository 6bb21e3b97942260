package io.l2mesh.tunnel;

/**
 * The sources (address and port) of initiations a loop dropped at the cookie cap lately ({@link HandshakeLoad}),
 * so that a source that tries again gets its cookie: a real initiator repeats from the same address and port
 * within 100 ms ({@link PeerTimers}), a flood from random spoofed sources almost never does. Without it a real
 * peer under a flood gets a cookie with the probability cap / flood rate per try; with it, on its second try.
 * <p>
 * A direct-mapped table of {@link #SLOTS} entries (1 MiB, made once): at a flood of 100 000 capped initiations/s
 * an entry lives about 0.65 s before another source takes its slot, several retries of a real peer. Sources
 * hash with the sockaddr's family, port and address; an entry is good for {@link #WINDOW_NANOS}.
 * <p>
 * One per loop, used by that loop only (the kernel hashes a source to the same SO_REUSEPORT socket each time).
 * Allocates nothing after construction.
 */
final class CappedSources
{
    static final int SLOTS = 1 << 16;
    static final long WINDOW_NANOS = 2_000_000_000L;

    private final long[] keys = new long[SLOTS];
    private final long[] atNanos = new long[SLOTS];

    /**
     * @return true if this source was dropped at the cap within the window (the entry is then forgotten, so one
     * drop buys one retry); false, and it is remembered, otherwise.
     */
    boolean retried(final byte[] source, final int length, final long nowNanos)
    {
        final long key = keyOf(source, length);
        final int slot = (int)(key ^ key >>> 32) & (SLOTS - 1);
        if (keys[slot] == key && nowNanos - atNanos[slot] <= WINDOW_NANOS)
        {
            keys[slot] = 0;
            return true;
        }
        keys[slot] = key;
        atNanos[slot] = nowNanos;
        return false;
    }

    /**
     * A 64-bit hash of the socket address's first {@code length} bytes (family, port, address), never 0.
     */
    static long keyOf(final byte[] source, final int length)
    {
        long h = 0x9E3779B97F4A7C15L;
        for (int i = 0; i < length; i++)
        {
            h = (h ^ (source[i] & 0xff)) * 0x100000001B3L;
        }
        h ^= h >>> 29;
        h *= 0xBF58476D1CE4E5B9L;
        h ^= h >>> 32;
        return h | 1L;
    }
}
