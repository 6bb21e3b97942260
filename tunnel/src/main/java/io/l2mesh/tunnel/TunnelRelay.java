package io.l2mesh.tunnel;

import io.l2mesh.switching.stats.DropReason;
import io.l2mesh.switching.stats.PortCounters;
import io.l2mesh.tunnel.noise.CipherSuite;
import io.l2mesh.tunnel.udp.UdpGsoBatch;
import io.l2mesh.tunnel.udp.UdpLoopSockets;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.LongAdder;

/**
 * Relays (docs/nat.md), on the loops: a datagram between two mesh members that have no direct path travels
 * inside each member's own session with the relay, so the relay needs no key of theirs and sees only their
 * ciphertext.
 * <pre>
 *  A -> relay, on A's session with it:   transport header, kind RELAY_TO   | B's id LE64 | A's datagram to B | tag
 *  relay -> B, on the relay's with B:    transport header, kind RELAY_FROM | A's id LE64 | the same datagram | tag
 * </pre>
 * The datagram inside is what A would have sent B directly: a transport message sealed with A's and B's session,
 * or a handshake message (how that session is made when there is no direct path). 40 bytes more than the direct
 * datagram ({@link #OVERHEAD}): the tunnel's super-frames are cut that much smaller for a relayed peer.
 * <p>
 * <b>At the relay</b> ({@link #forward}), opened in place in the loop's work buffer: the destination must be
 * another of its peers with a session and a direct path, and the pair within its allowance ({@link RelayPair});
 * then the id is rewritten to the sender's and the same bytes are sealed again, in place, for the destination,
 * and copied once into the loop's UDP GSO batch. Nothing allocated. Only authenticated members can ask (the
 * message opened with their session), and only for other members: no open relay; and the sender's id is the
 * relay's word, not the sender's.
 * <p>
 * <b>At the receiver</b> ({@link #unwrap}): only from a peer it takes as a relay ({@link PeerSpec#relay}); the
 * datagram inside is moved to the front of the work buffer and handled as if it had come directly, except that
 * a transport message must open with a session of the peer the relay named (no spoofed forwarding), and it moves
 * that peer's path to the relay rather than to a socket address.
 */
final class TunnelRelay
{
    /** Transport header, peer id and tag. */
    static final int OVERHEAD = TransportHeader.LENGTH + 8 + CipherSuite.TAG_LENGTH;
    /** Why a relay refused to pass a datagram on (counted per reason). */
    static final String[] REFUSALS = {"off", "no_peer", "no_path", "capped", "malformed"};
    static final int OFF = 0;
    static final int NO_PEER = 1;
    static final int NO_PATH = 2;
    static final int CAPPED = 3;
    static final int MALFORMED = 4;

    private final RelaySpec spec;
    private final PeerTable peers;
    private final UdpLoopSockets sockets;
    private final LongAdder[] refused = new LongAdder[REFUSALS.length];
    private final LongAdder forwarded = new LongAdder();
    private final LongAdder forwardedBytes = new LongAdder();
    /** Relayed to us: datagrams a relay passed on, and ones refused (not from a relay, unknown or wrong sender). */
    private final LongAdder delivered = new LongAdder();
    private final LongAdder deliveryRefused = new LongAdder();

    TunnelRelay(final RelaySpec spec, final PeerTable peers, final UdpLoopSockets sockets)
    {
        this.spec = spec;
        this.peers = peers;
        this.sockets = sockets;
        for (int i = 0; i < refused.length; i++)
        {
            refused[i] = new LongAdder();
        }
    }

    RelaySpec spec()
    {
        return spec;
    }

    /**
     * A {@link TransportHeader#KIND_RELAY_TO} message from {@code from}, opened at 0 of the loop's work buffer with
     * {@code plain} bytes of payload: passed on to the peer it names, or refused and counted.
     */
    void forward(final TunnelLoop loop, final Peer from, final int plain, final long[] portSlots, final long now)
    {
        final byte[] work = loop.work;
        if (!spec.serve())
        {
            refuse(OFF, portSlots);
            return;
        }
        if (plain <= 8)
        {
            refuse(MALFORMED, portSlots);
            return;
        }
        final Peer to = peers.byId(TransportHeader.u64(work, TransportHeader.LENGTH));
        if (to == null || to == from || !to.live)
        {
            refuse(NO_PEER, portSlots);
            return;
        }
        final Session session = to.current();
        final MemorySegment endpoint = to.endpoint();
        if (session == null || endpoint == null || to.relay() != null || !session.confirmed())
        {
            refuse(NO_PATH, portSlots); // relays do not chain: we reach the destination directly or not at all
            return;
        }
        final RelayPair pair = from.relayPair(to);
        if (!pair.take(plain, now, spec))
        {
            refuse(CAPPED, portSlots);
            return;
        }
        TransportHeader.u64(work, TransportHeader.LENGTH, from.id);
        final int message = session.seal(loop.loopId, work, 0, TransportHeader.KIND_RELAY_FROM, loop.loopId, plain);
        if (message < 0)
        {
            to.handshakeWanted.set(true);
            refuse(NO_PATH, portSlots);
            return;
        }
        // Gathered with the burst's other datagrams to the same destination (one sendmsg with UDP_SEGMENT), sent
        // when the loop's receive call ends (TunnelReceive.receive).
        final UdpGsoBatch batch = sockets.gso(loop.loopId);
        if (!batch.fits(endpoint, message))
        {
            sockets.flush(loop.loopId, portSlots, loop.errno);
        }
        batch.add(loop.workSegment, 0, message, endpoint);
        loop.relayBatched = true;
        pair.relayed(plain);
        forwarded.increment();
        forwardedBytes.add(plain);
    }

    private void refuse(final int reason, final long[] portSlots)
    {
        refused[reason].increment();
        PortCounters.drop(portSlots, DropReason.RELAY);
    }

    /**
     * A {@link TransportHeader#KIND_RELAY_FROM} message from {@code relay}: the datagram inside is moved to 0 of
     * the work buffer.
     *
     * @return the sender the relay names (then the datagram's length is in {@link TunnelLoop#relayedLength}), or
     * null if refused (counted).
     */
    Peer unwrap(final TunnelLoop loop, final Peer relay, final int plain, final long[] portSlots)
    {
        final byte[] work = loop.work;
        final Peer sender = plain > 8 && relay.spec.relay() ? peers.byId(TransportHeader.u64(work,
            TransportHeader.LENGTH)) : null;
        if (sender == null || sender == relay || !sender.live)
        {
            deliveryRefused.increment();
            PortCounters.drop(portSlots, DropReason.RELAY);
            return null;
        }
        loop.relayedLength = plain - 8;
        System.arraycopy(work, TransportHeader.LENGTH + 8, work, 0, loop.relayedLength);
        delivered.increment();
        return sender;
    }

    /**
     * A relayed datagram whose session is not the named sender's (counted as a refused delivery).
     */
    void mismatch(final long[] portSlots)
    {
        deliveryRefused.increment();
        PortCounters.drop(portSlots, DropReason.RELAY);
    }

    /**
     * Wraps the {@code length} bytes at {@code at} of {@code datagram} (a datagram for {@code to}) into a
     * {@link TransportHeader#KIND_RELAY_TO} message for the relay, sealed on {@code relaySession} at 0 of
     * {@code out}.
     *
     * @return the message's length, or negative if the relay's session may not seal any more.
     */
    static int wrap(final Session relaySession, final int thread, final byte[] out, final Peer to,
        final byte[] datagram, final int at, final int length)
    {
        TransportHeader.u64(out, TransportHeader.LENGTH, to.id);
        System.arraycopy(datagram, at, out, TransportHeader.LENGTH + 8, length);
        return relaySession.seal(thread, out, 0, TransportHeader.KIND_RELAY_TO, 0, 8 + length);
    }

    /**
     * @return true if messages can go through {@code relay} now: a relay for us, reached directly on a confirmed
     * session.
     */
    static boolean usable(final Peer relay, final long nowNanos, final long rejectAfterNanos)
    {
        final Session session = relay.current();
        return relay.live && relay.spec.relay() && relay.relay() == null && relay.endpoint() != null &&
            session != null && session.confirmed() && session.usable(nowNanos, rejectAfterNanos);
    }

    long forwarded()
    {
        return forwarded.sum();
    }

    long forwardedBytes()
    {
        return forwardedBytes.sum();
    }

    long refused(final int reason)
    {
        return refused[reason].sum();
    }

    long delivered()
    {
        return delivered.sum();
    }

    long deliveryRefused()
    {
        return deliveryRefused.sum();
    }
}
