package io.l2mesh.tunnel;

import io.l2mesh.fec.stream.AdaptiveParity;
import io.l2mesh.tunnel.noise.CookieJar;
import io.l2mesh.tunnel.noise.Handshake;

import java.util.ArrayDeque;

/**
 * What the tunnel agent keeps per peer and the loops never read: the pending initiation, the peer's sessions
 * oldest first, and the FEC adaptation's state. Agent thread only: no field here needs ordering.
 */
final class PeerAgentState
{
    static final int KEPT_INITIATIONS = CookieJar.KEPT;

    /** Sessions with the peer, oldest first ({@link SessionTable}). */
    final ArrayDeque<Session> sessions = new ArrayDeque<>();
    /**
     * Our unanswered initiations, the last {@link #KEPT_INITIATIONS}: retries go out faster than a slow peer's
     * round trip ({@link PeerTimers#retryAfter}), so a response to any recent one completes the handshake.
     */
    private final Handshake.Initiation[] pending = new Handshake.Initiation[KEPT_INITIATIONS];
    private int nextPending;
    long lastInitiationNanos;
    /** Initiations sent since the peer last had a usable session ({@link PeerTimers#retryAfter}). */
    int unanswered;
    /** The endpoint we last told the peer it has ({@link ControlMessage#REFLEXIVE}), on which session, when. */
    java.lang.foreign.MemorySegment toldEndpoint;
    Session toldSession;
    long toldNanos;
    /** When the direct path was last tried while the peer was relayed ({@link AgentSender#probeDirect}). */
    long lastDirectProbeNanos;
    // FEC adaptation (FecAdaptation): the adaptive parity, and the decode sums at the last report we sent.
    AdaptiveParity adaptive;
    long reportsSeen;
    long lastDecodedFrames;
    long lastLostFrames;
    long lastShards;

    /**
     * Keeps {@code initiation}, wiping the oldest kept one if all slots are taken (a response to it is refused).
     */
    void addPending(final Handshake.Initiation initiation)
    {
        final Handshake.Initiation replaced = pending[nextPending];
        if (replaced != null)
        {
            replaced.wipe();
        }
        pending[nextPending] = initiation;
        nextPending = (nextPending + 1) % KEPT_INITIATIONS;
    }

    /**
     * @return the kept initiation with {@code senderIndex}, or null.
     */
    Handshake.Initiation pending(final int senderIndex)
    {
        for (final Handshake.Initiation initiation : pending)
        {
            if (initiation != null && initiation.senderIndex() == senderIndex)
            {
                return initiation;
            }
        }
        return null;
    }

    boolean hasPending()
    {
        for (final Handshake.Initiation initiation : pending)
        {
            if (initiation != null)
            {
                return true;
            }
        }
        return false;
    }

    /**
     * Answered (or the peer is gone): every kept initiation is wiped, so later responses to them are refused.
     */
    void clearPending()
    {
        for (int i = 0; i < KEPT_INITIATIONS; i++)
        {
            if (pending[i] != null)
            {
                pending[i].wipe();
                pending[i] = null;
            }
        }
    }
}
