package io.l2mesh.tunnel;

import io.l2mesh.fec.stream.AdaptiveParity;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Adaptive FEC, both halves, on the agent thread: once a second each node tells each peer what share of that
 * peer's FEC-coded frames it lost before decoding (a loss report), and a peer's reports move the m we send it
 * with, to meet its target residual loss ({@link AdaptiveParity}).
 */
final class FecAdaptation
{
    private static final long MIN_REPORT_FRAMES = 100;
    private static final Logger LOG = LoggerFactory.getLogger(FecAdaptation.class);

    private final String portName;
    private final TunnelFec fec;
    private final AgentSender sender;

    FecAdaptation(final String portName, final TunnelFec fec, final AgentSender sender)
    {
        this.portName = portName;
        this.fec = fec;
        this.sender = sender;
    }

    /**
     * Tells the peer what share of its FEC-coded frames we lost before decoding, since the last report, if enough
     * frames came to say.
     */
    void report(final Peer peer, final Session session)
    {
        final PeerAgentState state = peer.agent;
        final long[] decoded = fec.decoded(peer);
        final long lost = decoded[1] + decoded[2];
        final long frames = peer.counters.snapshot().rxPackets() + decoded[2];
        final long newFrames = frames - state.lastDecodedFrames;
        final long newLost = lost - state.lastLostFrames;
        if (newFrames < MIN_REPORT_FRAMES || decoded[0] == state.lastShards)
        {
            return; // too few frames to say, or none came FEC-coded (then we cannot tell losses apart)
        }
        state.lastShards = decoded[0];
        state.lastDecodedFrames = frames;
        state.lastLostFrames = lost;
        sender.report(peer, session, (int)Math.min(1_000_000L, newLost * 1_000_000L / newFrames));
    }

    /**
     * A new loss report from the peer moves its m (adaptive settings only).
     */
    void adapt(final Peer peer)
    {
        final PeerAgentState state = peer.agent;
        final FecSpec base = fec.base(peer);
        if (!base.adaptive())
        {
            state.adaptive = null;
            peer.adaptedFec = null;
            return;
        }
        if (state.adaptive == null || peer.adaptedFec == null || peer.adaptedFec.k() != base.k())
        {
            state.adaptive = new AdaptiveParity(base.k(), 1, Math.min(FecSpec.MAX_ADAPTIVE_M, 256 - base.k()),
                base.target());
            peer.adaptedFec = base;
        }
        final long reports = peer.reports.get();
        if (reports != state.reportsSeen)
        {
            state.reportsSeen = reports;
            final int m = state.adaptive.onLossReport(peer.reportedLossPpm / 1e6);
            if (m != peer.adaptedFec.m())
            {
                LOG.info("tunnel {}: peer {} reports {} % loss: fec ({}, {})", portName, peer.name(),
                    peer.reportedLossPpm / 1e4, base.k(), m);
                peer.adaptedFec = base.withM(m);
            }
        }
    }
}
