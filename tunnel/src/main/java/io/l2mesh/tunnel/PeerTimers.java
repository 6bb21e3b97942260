package io.l2mesh.tunnel;

import io.l2mesh.tuntap.SocketAddresses;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * Every peer's clock, on the agent thread (WireGuard's {@code timers.go}): retires sessions past their age,
 * notices a peer that fell silent, starts a handshake when a peer has no usable session or is due for a rekey
 * (unanswered ones repeated, {@link #retryAfter}), sends a keepalive when we
 * sent nothing for the keepalive interval, announces our protocol version once on each confirmed session, and
 * drives the FEC loss reports.
 */
final class PeerTimers
{
    static final long RETRY_NANOS = TimeUnit.SECONDS.toNanos(1);
    static final long FIRST_RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    static final int FAST_RETRIES = 20;
    private static final long CONFIRM_WINDOW_NANOS = TimeUnit.SECONDS.toNanos(2);
    private static final long CONFIRM_REPEAT_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long REPORT_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** Unanswered initiations after which a peer's DNS name is looked up again (2 s at the fast retries). */
    static final int RESOLVE_AFTER_FAILURES = 20;
    private static final Logger LOG = LoggerFactory.getLogger(PeerTimers.class);

    private final String portName;
    private final SessionTable sessions;
    private final Handshakes handshakes;
    private final AgentSender sender;
    private final FecAdaptation fecAdaptation;
    private final EndpointResolver resolver;
    private final long keepaliveNanos;
    private final long rekeyNanos;
    private final long rejectAfterNanos;
    private final long deadNanos;
    private long nextReportNanos;

    PeerTimers(final TunnelPortSpec spec, final SessionTable sessions, final Handshakes handshakes,
        final AgentSender sender, final FecAdaptation fecAdaptation, final EndpointResolver resolver)
    {
        this.resolver = resolver;
        this.portName = spec.name();
        this.sessions = sessions;
        this.handshakes = handshakes;
        this.sender = sender;
        this.fecAdaptation = fecAdaptation;
        this.keepaliveNanos = TimeUnit.SECONDS.toNanos(spec.keepaliveSeconds());
        this.rekeyNanos = TimeUnit.SECONDS.toNanos(spec.rekeySeconds());
        this.rejectAfterNanos = rekeyNanos + rekeyNanos / 2;
        this.deadNanos = 3 * keepaliveNanos + TimeUnit.SECONDS.toNanos(1);
    }

    /**
     * How long to wait for an answer after the {@code unanswered}-th initiation before another: 100 ms for the
     * first {@link #FAST_RETRIES}, then doubling to one a second. A flooded responder drops datagrams at its
     * socket, and a node that restarts should be back at once (WireGuard waits 5 s); a peer that is really gone
     * costs 20 small messages, then one a second. Responses to the last few initiations are all taken
     * ({@link PeerAgentState#KEPT_INITIATIONS}), so retries faster than a slow peer's round trip do no harm.
     */
    static long retryAfter(final int unanswered)
    {
        return unanswered <= FAST_RETRIES ? FIRST_RETRY_NANOS :
            Math.min(RETRY_NANOS, FIRST_RETRY_NANOS << Math.min(unanswered - FAST_RETRIES, 8));
    }

    /**
     * How old a session may be before nothing more is sealed with it.
     */
    long rejectAfterNanos()
    {
        return rejectAfterNanos;
    }

    void tick(final Peer[] peers, final long now)
    {
        final boolean reportNow = now - nextReportNanos >= 0;
        if (reportNow)
        {
            nextReportNanos = now + REPORT_NANOS;
        }
        for (final Peer peer : peers)
        {
            tick(peer, now, reportNow);
        }
    }

    private void tick(final Peer peer, final long now, final boolean reportNow)
    {
        sessions.retireOlderThan(peer, now, rejectAfterNanos);
        final Session current = peer.current();
        final long heard = Math.max(peer.lastReceivedNanos(), current == null ? 0 : current.createdNanos);
        if (current != null && now - heard > deadNanos)
        {
            LOG.info("tunnel {}: peer {} silent for {} s: new handshake", portName, peer.name(),
                (now - heard) / 1_000_000_000L);
            peer.current(null);
        }
        final Session usable = peer.current();
        final boolean due = usable == null || peer.handshakeWanted.get() ||
            now - usable.createdNanos > (usable.initiator ? rekeyNanos : rekeyNanos + 2 * RETRY_NANOS) ||
            usable.messagesSent() > Session.REKEY_AFTER_MESSAGES;
        final PeerAgentState state = peer.agent;
        if (!due)
        {
            state.unanswered = 0;
        }
        else if ((peer.endpoint() != null || peer.candidates().size() > 0) && (state.unanswered == 0 ||
            now - state.lastInitiationNanos > retryAfter(state.unanswered)))
        {
            handshakes.initiate(peer, now);
            state.unanswered++;
            if (state.unanswered % RESOLVE_AFTER_FAILURES == 0)
            {
                resolver.wanted(peer); // its DNS name may point elsewhere now
            }
        }
        if (usable != null && usable.confirmed() && !usable.versionAnnounced)
        {
            usable.versionAnnounced = true;
            sender.control(peer, usable, ControlMessage::putVersion);
        }
        if (usable != null && usable.confirmed())
        {
            tellReflexive(peer, usable, now);
            if (peer.relay() != null && now - state.lastDirectProbeNanos > keepaliveNanos)
            {
                state.lastDirectProbeNanos = now; // relayed: keep trying the direct path, on the same session
                sender.probeDirect(peer, usable);
            }
        }
        if (usable != null && now - Math.max(peer.lastSentNanos(), usable.createdNanos) > keepaliveNanos)
        {
            sender.keepalive(peer, usable);
        }
        else if (usable != null && usable.initiator && peer.lastReceivedNanos() < usable.createdNanos &&
            now - usable.createdNanos < CONFIRM_WINDOW_NANOS && now - peer.lastSentNanos() > CONFIRM_REPEAT_NANOS)
        {
            // The responder sends nothing on the session until a message of ours confirms it: if it has not
            // answered yet, our confirmation may have been lost (a flooded peer drops datagrams), so repeat it.
            sender.keepalive(peer, usable);
        }
        if (usable != null && reportNow)
        {
            fecAdaptation.report(peer, usable);
        }
        fecAdaptation.adapt(peer);
    }

    /**
     * Tells the peer where its messages come from when that is none of the endpoints it announced: its NAT's
     * mapping, its reflexive endpoint, which it publishes in its registry entry (docs/nat.md). Told on each new
     * session and each new path, and again every {@link ControlMessage#REFLEXIVE_REPEAT} keepalive intervals
     * (a lost message is made good, and the peer's copy does not age out); not while the peer is relayed (its
     * messages then come from the relay). Per tick it costs a few comparisons.
     */
    private void tellReflexive(final Peer peer, final Session session, final long now)
    {
        final MemorySegment endpoint = peer.endpoint();
        final PeerAgentState state = peer.agent;
        if (endpoint == null || peer.relay() != null || endpoint == state.toldEndpoint &&
            session == state.toldSession && now - state.toldNanos < ControlMessage.REFLEXIVE_REPEAT * keepaliveNanos)
        {
            return;
        }
        state.toldEndpoint = endpoint;
        state.toldSession = session;
        state.toldNanos = now;
        if (!peer.candidates().announces(endpoint))
        {
            final InetSocketAddress seen = SocketAddresses.read(endpoint, 0);
            sender.control(peer, session, (buffer, at) -> ControlMessage.putReflexive(buffer, at, seen));
        }
    }
}
