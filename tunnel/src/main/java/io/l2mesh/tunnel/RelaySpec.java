package io.l2mesh.tunnel;

/**
 * Whether a tunnel port relays for its peers, and how much (docs/nat.md): a relay passes datagrams between two of
 * its peers that have no direct path, each inside the sender's session with the relay, and never sees the pair's
 * frames (those stay sealed with the pair's own session). Each pair (one direction: from one peer to another)
 * may use {@code pairMbps}, in bursts of {@link #BURST_SECONDS} of that; beyond it the relay drops and counts.
 *
 * @param serve    relay for the port's peers.
 * @param pairMbps what one pair may use, in Mbit/s of relayed datagrams.
 */
public record RelaySpec(boolean serve, int pairMbps)
{
    public static final int DEFAULT_PAIR_MBPS = 200;
    public static final int MAX_PAIR_MBPS = 100_000;
    /** A pair may send this long at its rate at once. */
    public static final double BURST_SECONDS = 0.05;
    public static final RelaySpec OFF = new RelaySpec(false, DEFAULT_PAIR_MBPS);
    public static final RelaySpec ON = new RelaySpec(true, DEFAULT_PAIR_MBPS);

    public RelaySpec
    {
        if (pairMbps < 1 || pairMbps > MAX_PAIR_MBPS)
        {
            throw new IllegalArgumentException("relay pair-mbps=" + pairMbps + " out of range 1.." + MAX_PAIR_MBPS);
        }
    }

    /**
     * @return nanoseconds of the pair's allowance one byte takes.
     */
    double nanosPerByte()
    {
        return 8_000.0 / pairMbps;
    }
}
