package io.l2mesh.tunnel;

/**
 * How much handshake work the tunnel agent takes on: at most {@link #HANDSHAKES_PER_SECOND} messages per second
 * (a token bucket; the rest are dropped and counted), and per peer at most one answered initiation per
 * {@link #PEER_INITIATION_GAP_MS}. An attacker can only keep the agent busy, never the loops, and established
 * sessions go on. Agent thread only.
 */
final class HandshakeBudget
{
    static final int HANDSHAKES_PER_SECOND = 400;
    static final int PEER_INITIATION_GAP_MS = 20;

    private double tokens = HANDSHAKES_PER_SECOND;
    private long tokensAt = System.nanoTime();

    /**
     * @return true if one more message may be handled now.
     */
    boolean take(final long nowNanos)
    {
        tokens = Math.min(HANDSHAKES_PER_SECOND, tokens + (nowNanos - tokensAt) * HANDSHAKES_PER_SECOND / 1e9);
        tokensAt = nowNanos;
        if (tokens < 1)
        {
            return false;
        }
        tokens -= 1;
        return true;
    }

    /**
     * @return true if the peer's newest session, if we answered it, is too recent for another answer.
     */
    static boolean tooSoon(final Peer peer, final long nowNanos)
    {
        final Session newest = SessionTable.newest(peer);
        return newest != null && !newest.initiator &&
            nowNanos - newest.createdNanos < PEER_INITIATION_GAP_MS * 1_000_000L;
    }
}
