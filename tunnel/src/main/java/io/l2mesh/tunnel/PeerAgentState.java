package io.l2mesh.tunnel;

import io.l2mesh.fec.stream.AdaptiveParity;
import io.l2mesh.tunnel.noise.Handshake;

import java.util.ArrayDeque;

/**
 * What the tunnel agent keeps per peer and the loops never read: the pending initiation, the peer's sessions
 * oldest first, and the FEC adaptation's state. Agent thread only: no field here needs ordering.
 */
final class PeerAgentState
{
    /** Sessions with the peer, oldest first ({@link SessionTable}). */
    final ArrayDeque<Session> sessions = new ArrayDeque<>();
    Handshake.Initiation pending;
    long lastInitiationNanos;
    // FEC adaptation (FecAdaptation): the adaptive parity, and the decode sums at the last report we sent.
    AdaptiveParity adaptive;
    long reportsSeen;
    long lastDecodedFrames;
    long lastLostFrames;
    long lastShards;
}
