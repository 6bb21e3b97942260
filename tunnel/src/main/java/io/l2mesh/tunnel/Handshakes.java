package io.l2mesh.tunnel;

import io.l2mesh.switching.stats.DropReason;
import io.l2mesh.switching.stats.PortCounters;
import io.l2mesh.tunnel.noise.CipherSuite;
import io.l2mesh.tunnel.noise.Handshake;
import io.l2mesh.tunnel.noise.HandshakePeer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The Noise_IKpsk2 exchanges of one tunnel port, on the agent thread: answering an initiation (responder),
 * completing our own with the peer's response (initiator), and starting one. Each completed exchange installs a
 * {@link Session}; the initiator's is current at once, the responder's once the initiator's first message on it
 * arrives (or at once if the peer had none).
 */
final class Handshakes
{
    private static final Logger LOG = LoggerFactory.getLogger(Handshakes.class);

    private final String portName;
    private final Handshake handshake;
    private final CipherSuite suite;
    private final PeerTable peers;
    private final SessionTable sessions;
    private final AgentSender sender;
    private final long[] agentSlots;
    private final HandshakeCounters counters;
    private final TimestampStore timestamps;
    private final MemorySegment source = Arena.ofAuto().allocate(io.l2mesh.tuntap.SocketAddresses.MAX_LENGTH, 8);

    Handshakes(final String portName, final Handshake handshake, final CipherSuite suite, final PeerTable peers,
        final SessionTable sessions, final AgentSender sender, final long[] agentSlots,
        final HandshakeCounters counters, final TimestampStore timestamps)
    {
        this.counters = counters;
        this.timestamps = timestamps;
        this.portName = portName;
        this.handshake = handshake;
        this.suite = suite;
        this.peers = peers;
        this.sessions = sessions;
        this.sender = sender;
        this.agentSlots = agentSlots;
    }

    /**
     * Handles one queued message (the budget was already taken).
     */
    void handle(final HandshakeInbox.Slot slot, final long nowNanos)
    {
        MemorySegment.copy(slot.source, 0, source, ValueLayout.JAVA_BYTE, 0, slot.sourceLength);
        try
        {
            switch (slot.type())
            {
                case Handshake.TYPE_INITIATION -> answer(slot, nowNanos);
                case Handshake.TYPE_RESPONSE -> complete(slot, nowNanos);
                default -> takeCookie(slot, nowNanos);
            }
        }
        catch (final Handshake.Refused refused)
        {
            PortCounters.drop(agentSlots, DropReason.HANDSHAKE);
            LOG.debug("tunnel {}: handshake refused: {}", portName, refused.error().label());
        }
    }

    private void answer(final HandshakeInbox.Slot slot, final long now) throws Handshake.Refused
    {
        final Handshake.Result result = handshake.respond(slot.message(),
            key ->
            {
                final Peer known = peers.byKey(key);
                return known == null ? null : known.handshake;
            }, sessions.newIndex());
        final Peer peer = peerOf(result.peer());
        if (peer == null || HandshakeBudget.tooSoon(peer, now) || !fromNamedSender(peer, slot))
        {
            PortCounters.drop(agentSlots, DropReason.HANDSHAKE); // removed meanwhile, or an initiation flood
            return;
        }
        // An initiation never moves the peer's endpoint (a recorded one replayed from elsewhere would redirect
        // the peer's traffic): the response goes back where the initiation came from, and the endpoint moves with
        // the first authenticated transport message on the new session (TunnelReceive).
        timestamps.accepted(peer.spec.publicKey(), peer.handshake.newestTimestamp()); // before we answer
        final Session session = new Session(peer, result, suite, sender.thread + 1, now);
        Handshake.wipe(result.sendKey(), result.receiveKey()); // the session's AEADs hold their own copies
        sessions.install(peer, session);
        // Not current until confirmed: the initiator holds these keys only once our response arrives, so we send
        // nothing on them before its first message on the session promotes it (TunnelReceive.opened; WireGuard
        // 5.4.7). Until then the peer's current session, if any, stays in use.
        sender.handshakeTo(source, slot.sourceLength, result.response());
        peer.handshakeCompleted();
        LOG.debug("tunnel {}: answered {}", portName, peer.name());
    }

    private void complete(final HandshakeInbox.Slot slot, final long now) throws Handshake.Refused
    {
        final int receiver = ByteBuffer.wrap(slot.message()).order(ByteOrder.LITTLE_ENDIAN).getInt(8);
        for (final Peer peer : peers.peers())
        {
            final Handshake.Initiation pending = peer.agent.pending(receiver);
            if (pending != null)
            {
                final Handshake.Result result = handshake.complete(pending, slot.message());
                if (!fromNamedSender(peer, slot))
                {
                    break;
                }
                peer.agent.clearPending();
                if (RelayAddress.is(source, slot.sourceLength))
                {
                    final Peer relay = peers.byId(RelayAddress.relayId(source));
                    if (relay != null)
                    {
                        peer.relayedBy(relay); // no direct path answered first: the pair meets at the relay
                    }
                }
                else
                {
                    peer.noteSource(source, slot.sourceLength, now);
                }
                final Session session = new Session(peer, result, suite, sender.thread + 1, now);
                Handshake.wipe(result.sendKey(), result.receiveKey());
                session.confirm(); // we hold the peer's response: it has these keys
                sessions.install(peer, session);
                peer.current(session);
                peer.handshakeWanted.set(false);
                peer.handshakeCompleted();
                LOG.debug("tunnel {}: response from {}: session up", portName, peer.name());
                sender.keepalive(peer, session); // confirms the session to the responder at once
                return;
            }
        }
        // A response to no initiation of ours: late, duplicated or forged.
        PortCounters.drop(agentSlots, DropReason.HANDSHAKE);
    }

    /**
     * A cookie reply: the responder is under load and wants our initiation again with a mac2. Taken only for our
     * pending initiation (its receiver index) and only if it opens with that initiation's mac1; then, unless the
     * refused initiation already had a mac2, a new one goes out at once (so a loaded peer costs one round trip,
     * not a retry period; a forged reply cannot make us send more than one per initiation).
     */
    private void takeCookie(final HandshakeInbox.Slot slot, final long now)
    {
        final int receiver = ByteBuffer.wrap(slot.message()).order(ByteOrder.LITTLE_ENDIAN).getInt(4);
        for (final Peer peer : peers.peers())
        {
            if (peer.agent.pending(receiver) != null)
            {
                if (!peer.cookies.take(slot.message(), now))
                {
                    break;
                }
                counters.increment(HandshakeCounters.COOKIE_RECEIVED);
                LOG.debug("tunnel {}: peer {} is under load: cookie taken", portName, peer.name());
                if (!peer.cookies.answeredHadMac2())
                {
                    initiate(peer, now);
                }
                return;
            }
        }
        counters.increment(HandshakeCounters.COOKIE_REFUSED);
        PortCounters.drop(agentSlots, DropReason.HANDSHAKE);
    }

    /**
     * Sends a new initiation to the peer.
     */
    void initiate(final Peer peer, final long now)
    {
        try
        {
            final Handshake.Initiation initiation = handshake.initiate(peer.handshake, sessions.newIndex());
            peer.agent.addPending(initiation);
            peer.agent.lastInitiationNanos = now;
            final byte[] message = initiation.message();
            peer.cookies.stamp(message, initiation.senderIndex(), now); // mac2, if the peer gave us a cookie lately
            sender.initiation(peer, message);
            LOG.debug("tunnel {}: initiation {} to {}", portName, peer.agent.unanswered, peer.name());
        }
        catch (final Handshake.Refused refused)
        {
            LOG.warn("tunnel {}: cannot initiate to {}: {}", portName, peer.name(), refused.error().label());
            peer.agent.lastInitiationNanos = now;
        }
    }

    /**
     * @return false if the message came through a relay that named another sender than the one whose keys it
     * carries (the relay lied: no answer goes to the named one).
     */
    private boolean fromNamedSender(final Peer peer, final HandshakeInbox.Slot slot)
    {
        return !RelayAddress.is(source, slot.sourceLength) || RelayAddress.senderId(source) == peer.id;
    }

    private Peer peerOf(final HandshakePeer handshakePeer)
    {
        for (final Peer peer : peers.peers())
        {
            if (peer.handshake == handshakePeer)
            {
                return peer;
            }
        }
        return null;
    }
}
