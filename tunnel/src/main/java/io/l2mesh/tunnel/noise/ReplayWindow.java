package io.l2mesh.tunnel.noise;

/**
 * Sliding anti-replay window over 64-bit message counters (RFC 6479's bitmap of words, as WireGuard uses): a
 * counter is accepted once, if it is newer than the newest seen or at most {@link #WINDOW} behind it. Call
 * {@link #accept} only after the message authenticated, or forged counters could slide the window.
 * Not thread-safe: several loops may receive one session's packets, so {@code Session} calls it under the
 * session's lock (the one lock on the tunnel datapath, uncontended while the kernel keeps a peer on one loop).
 */
public final class ReplayWindow
{
    /**
     * How far behind the newest counter a late message may still be accepted: current WireGuard's 8128 (8192
     * bits less the word being cleared), which leaves room for the reordering of several loops sending on one
     * session's shared counter.
     */
    public static final int WINDOW = 8192 - 64;
    private static final int WORDS = 8192 / 64;
    private static final int WORD_MASK = WORDS - 1;

    private final long[] bitmap = new long[WORDS];
    private long newest = -1;

    /**
     * @return true if {@code counter} is fresh (and remembers it); false for a replay or one too old.
     */
    public boolean accept(final long counter)
    {
        if (counter < 0)
        {
            return false; // beyond 2^63 messages a session has long been rekeyed
        }
        if (counter > newest)
        {
            final long newWord = counter >>> 6;
            final long oldWord = newest < 0 ? -1 : newest >>> 6;
            final long clear = Math.min(newWord - oldWord, WORDS);
            for (long i = 1; i <= clear; i++)
            {
                bitmap[(int)((oldWord + i) & WORD_MASK)] = 0;
            }
            newest = counter;
        }
        else if (newest - counter > WINDOW)
        {
            return false;
        }
        final int word = (int)((counter >>> 6) & WORD_MASK);
        final long bit = 1L << (counter & 63);
        if ((bitmap[word] & bit) != 0)
        {
            return false;
        }
        bitmap[word] |= bit;
        return true;
    }

    public long newest()
    {
        return newest;
    }
}
