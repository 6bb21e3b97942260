package io.l2mesh.tunnel;

import io.l2mesh.fec.stream.FecDecoder;
import io.l2mesh.switching.buffer.FrameBatch;
import io.l2mesh.switching.frame.EthernetFlyweight;
import io.l2mesh.switching.offload.VirtioNetHeader;
import io.l2mesh.switching.stats.DropReason;
import io.l2mesh.switching.stats.PortCounters;
import io.l2mesh.tunnel.udp.UdpGroReceive;
import io.l2mesh.tunnel.udp.UdpLoopSockets;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetSocketAddress;

/**
 * The receive path of a tunnel port, run by each loop on its own socket: datagram -> kind -> session lookup ->
 * {@link #decrypt} (AEAD open in place, then the replay window) -> frame, FEC shard, loss report or control
 * message -> frames into the loop's burst. Handshake messages pass the {@link HandshakeGate} (mac1, and under
 * load mac2 or a cookie reply) into the tunnel agent's inboxes (preallocated slots; the agent is woken once per
 * call, not per message); the handshakes themselves never run on a loop.
 * <p>
 * Per datagram with OpenSSL's AEAD: opened where it lies in the GRO buffer, and one copy of the frame into its
 * slot ({@link #decryptInPlace}). With the JDK's AEAD (it works on {@code byte[]}) or without GRO: one more copy,
 * into the loop's heap work buffer, opened there. Allocation: none of ours; the JDK's AEAD makes garbage per
 * message (docs/BENCHMARKS.md), and a forged message costs it an exception.
 * <p>
 * Drops (port counters, and the peer's where one is known): {@code malformed}, {@code unknown_peer} (no live
 * session has that index), {@code decrypt_failed}, {@code replayed}, {@code handshake} (bad mac1, inbox full),
 * {@code fec_off} and {@code fec_memory} (FEC shards refused).
 */
final class TunnelReceive
{
    static final int TRAINS_PER_CALL = 16;

    private final UdpLoopSockets sockets;
    private final PortCounters portCounters;
    private final PeerTable peers;
    private final SessionTable sessions;
    private final PeerByMac peerByMac;
    private final TunnelFec fec;
    private final HandshakeGate gate;
    private final TunnelAgent agent;
    private final TunnelRelay relay;
    /** A relayed message moves a peer's path to the relay only if none came directly for this long. */
    private final long directHoldNanos;

    TunnelReceive(final UdpLoopSockets sockets, final PortCounters portCounters, final PeerTable peers,
        final SessionTable sessions, final PeerByMac peerByMac, final TunnelFec fec, final HandshakeGate gate,
        final TunnelAgent agent, final TunnelRelay relay, final long keepaliveNanos)
    {
        this.relay = relay;
        this.directHoldNanos = 2 * keepaliveNanos + 1_000_000_000L;
        this.sockets = sockets;
        this.portCounters = portCounters;
        this.peers = peers;
        this.sessions = sessions;
        this.peerByMac = peerByMac;
        this.fec = fec;
        this.gate = gate;
        this.agent = agent;
    }

    /**
     * Reads datagrams until the burst is full or none waits.
     */
    int receive(final TunnelLoop loop, final FrameBatch batch)
    {
        fec.closeRetired(loop.loopId);
        final long[] portSlots = portCounters.loopSlots(loop.loopId);
        loop.batch = batch;
        loop.handshakesQueued = false;
        // An FEC shard can release a whole block of rebuilt frames: keep room for them in the burst.
        final int limit = fec.anyOn(peers.peers()) ? Math.max(1, batch.capacity() - FecSpec.MAX_K) :
            batch.capacity();
        final UdpGroReceive gro = sockets.gro(loop.loopId);
        if (gro != null)
        {
            receiveTrain(loop, gro, limit, portSlots);
        }
        else
        {
            int datagrams = 0;
            while (batch.count() < limit && datagrams++ < 2 * batch.capacity())
            {
                loop.fromLength.set(ValueLayout.JAVA_INT, 0, io.l2mesh.tuntap.SocketAddresses.MAX_LENGTH);
                final long n = sockets.socket(loop.loopId).receive(loop.errno, loop.workSegment, loop.from.address(),
                    loop.fromLength.address());
                if (n <= 0)
                {
                    break;
                }
                onDatagram(loop, (int)n, portSlots);
            }
        }
        if (loop.handshakesQueued)
        {
            agent.wake();
        }
        if (loop.relayBatched)
        {
            loop.relayBatched = false;
            sockets.flush(loop.loopId, portSlots, loop.errno); // what this node relayed (TunnelRelay.forward)
        }
        return batch.count();
    }

    /**
     * Up to {@link #TRAINS_PER_CALL} {@code recvmsg}s per call while the burst has room: each gives up to 64
     * datagrams of one flow, each handled where it lies or copied to the work buffer and handled like a single
     * one. Datagrams from many sources (a flood of handshake messages) come one per {@code recvmsg}; reading
     * several per call spares an {@code epoll_wait} for each. When the burst fills first (FEC keeps room for
     * rebuilt frames), the rest waits for the next call, which the loop makes at once
     * ({@code TunnelPort.pendingInput}).
     */
    private void receiveTrain(final TunnelLoop loop, final UdpGroReceive gro, final int limit,
        final long[] portSlots)
    {
        for (int train = 0; train < TRAINS_PER_CALL && loop.batch.count() < limit; train++)
        {
            if (!gro.pending())
            {
                if (gro.receive(sockets.socket(loop.loopId), loop.errno) <= 0)
                {
                    return;
                }
                final int fromLength = gro.fromLength();
                MemorySegment.copy(gro.from(), 0, loop.from, 0, fromLength);
                loop.fromLength.set(ValueLayout.JAVA_INT, 0, fromLength);
            }
            handleTrain(loop, gro, limit, portSlots);
        }
    }

    private void handleTrain(final TunnelLoop loop, final UdpGroReceive gro, final int limit,
        final long[] portSlots)
    {
        final MemorySegment buffer = gro.buffer();
        while (gro.pending() && loop.batch.count() < limit)
        {
            final int at = gro.next();
            final int length = gro.length();
            if (!decryptInPlace(loop, buffer, at, length, portSlots))
            {
                MemorySegment.copy(buffer, at, loop.workSegment, 0, length);
                onDatagram(loop, length, portSlots);
            }
        }
    }

    private void onDatagram(final TunnelLoop loop, final int length, final long[] portSlots)
    {
        final byte[] work = loop.work;
        if (work[0] == TransportHeader.TYPE && length >= TransportHeader.LENGTH + 16 &&
            TransportHeader.validPrefix(work))
        {
            decrypt(loop, length, portSlots);
        }
        else if (HandshakeGate.isHandshake(work[0], length))
        {
            gate.admit(loop, length, portSlots);
        }
        else
        {
            PortCounters.drop(portSlots, DropReason.MALFORMED);
        }
    }

    /**
     * The decryption step: finds the session the message names, opens (decrypts and authenticates) it in place
     * with that session's receive key, checks its counter against the replay window, and passes its payload on.
     * Only now, authenticated, may the message move the peer's endpoint (roaming) or promote the session.
     */
    private void decrypt(final TunnelLoop loop, final int length, final long[] portSlots)
    {
        final Session session = sessions.get(TransportHeader.receiverIndex(loop.work));
        if (session == null || !session.peer.live)
        {
            PortCounters.drop(portSlots, DropReason.UNKNOWN_PEER);
            return;
        }
        opened(loop, session, session.open(loop.loopId, loop.work, length), loop.workSegment, 0, portSlots);
    }

    /**
     * {@link #decrypt} where the datagram lies, in the GRO buffer, when its session's AEAD works in native memory
     * (OpenSSL's): a frame then goes from there to its slot, one copy in all. Other kinds, rare, are copied to the
     * work buffer once opened and handled as on the heap path.
     *
     * @return false if the datagram is for the heap path (not a transport message, or a JDK session).
     */
    private boolean decryptInPlace(final TunnelLoop loop, final MemorySegment buffer, final long at,
        final int length, final long[] portSlots)
    {
        if (length < TransportHeader.LENGTH + 16 || buffer.get(ValueLayout.JAVA_BYTE, at) != TransportHeader.TYPE ||
            !TransportHeader.validPrefix(buffer, at))
        {
            return false;
        }
        final Session session = sessions.get(TransportHeader.receiverIndex(buffer, at));
        if (session == null || !session.worksInPlace())
        {
            return false; // unknown: the heap path counts it; or a session that opens heap buffers only
        }
        if (!session.peer.live)
        {
            PortCounters.drop(portSlots, DropReason.UNKNOWN_PEER);
            return true;
        }
        final int plain = session.openAt(loop.loopId, buffer.address() + at, length);
        if (plain > 0 && TransportHeader.kind(buffer, at) != TransportHeader.KIND_FRAME)
        {
            MemorySegment.copy(buffer, at, loop.workSegment, 0, TransportHeader.LENGTH + plain);
            opened(loop, session, plain, loop.workSegment, 0, portSlots);
        }
        else
        {
            opened(loop, session, plain, buffer, at, portSlots);
        }
        return true;
    }

    /**
     * What follows opening: counts a forged or replayed message, or takes the authentic one's payload (a frame
     * at {@code at + 16} of {@code segment}; other kinds only ever in the work buffer, at 0).
     */
    private void opened(final TunnelLoop loop, final Session session, final int plain, final MemorySegment segment,
        final long at, final long[] portSlots)
    {
        final Peer peer = session.peer;
        final long[] peerSlots = peer.counters.loopSlots(loop.loopId);
        if (plain < 0)
        {
            final DropReason reason = plain == Session.REPLAYED ? DropReason.REPLAY : DropReason.DECRYPT;
            PortCounters.drop(portSlots, reason);
            PortCounters.drop(peerSlots, reason);
            return;
        }
        final long now = System.nanoTime();
        final Peer relayedBy = loop.relayedBy;
        if (relayedBy != null && peer != loop.relayedFrom)
        {
            relay.mismatch(portSlots); // a relay passed on another peer's message under this sender's name
            return;
        }
        peer.received(now);
        peer.receivedOn(session);
        if (relayedBy == null)
        {
            peer.noteSource(loop.from, loop.fromLength(), now); // authenticated: may roam
        }
        else
        {
            peer.viaRelay(relayedBy, now, directHoldNanos);
        }
        session.confirm();
        final Session current = peer.current();
        if (current != session && (current == null || session.createdNanos > current.createdNanos))
        {
            peer.current(session); // the peer uses the newer keys: so do we (the responder's confirmation)
            loop.nextProbeScanNanos = 0; // a new session: its first RTT probe at this loop's next timers
        }
        if (plain == 0)
        {
            return; // keepalive
        }
        loop.peer = peer;
        switch (TransportHeader.kind(segment, at))
        {
            case TransportHeader.KIND_FRAME -> deliver(loop, segment, at + TransportHeader.LENGTH, plain);
            case TransportHeader.KIND_SHARD -> onShard(loop, peer, plain, portSlots, now);
            case TransportHeader.KIND_REPORT -> onReport(peer, loop.work, plain);
            case TransportHeader.KIND_RELAY_TO, TransportHeader.KIND_RELAY_FROM ->
            {
                if (relayedBy != null)
                {
                    PortCounters.drop(portSlots, DropReason.RELAY); // relays do not chain
                }
                else if (TransportHeader.kind(segment, at) == TransportHeader.KIND_RELAY_TO)
                {
                    relay.forward(loop, peer, plain, portSlots, now);
                }
                else
                {
                    onRelayed(loop, peer, plain, portSlots);
                }
            }
            default ->
            {
                if (plain > ControlMessage.MAX_LENGTH ||
                    !ControlMessage.read(loop.work, TransportHeader.LENGTH, plain, loop))
                {
                    PortCounters.drop(portSlots, DropReason.MALFORMED);
                }
                loop.echoIfDue();
            }
        }
    }

    /**
     * A datagram {@code through} passed on to us: handled as if it had come directly, with its sender's path and
     * (for a handshake message) its source being the relay ({@link RelayAddress}).
     */
    private void onRelayed(final TunnelLoop loop, final Peer through, final int plain, final long[] portSlots)
    {
        final Peer sender = relay.unwrap(loop, through, plain, portSlots);
        if (sender == null)
        {
            return;
        }
        final int length = loop.relayedLength;
        loop.savedFromLength = loop.fromLength();
        MemorySegment.copy(loop.from, ValueLayout.JAVA_BYTE, 0, loop.savedFrom, 0, loop.savedFromLength);
        loop.relayedBy = through;
        loop.relayedFrom = sender;
        RelayAddress.write(loop.from, through.id, sender.id);
        loop.fromLength.set(ValueLayout.JAVA_INT, 0, RelayAddress.LENGTH);
        try
        {
            onDatagram(loop, length, portSlots); // as if it had come directly (opened() checks the sender)
        }
        finally
        {
            loop.relayedBy = null;
            loop.relayedFrom = null;
            MemorySegment.copy(loop.savedFrom, 0, loop.from, ValueLayout.JAVA_BYTE, 0, loop.savedFromLength);
            loop.fromLength.set(ValueLayout.JAVA_INT, 0, loop.savedFromLength);
        }
    }

    /**
     * An FEC shard: refused if FEC is off for the peer, or if its decoder would exceed the peer's or the port's
     * decoder memory (M1); both counted on the port and the peer.
     */
    private void onShard(final TunnelLoop loop, final Peer peer, final int plain, final long[] portSlots,
        final long nowNanos)
    {
        if (!fec.accepts(peer))
        {
            dropShard(loop, peer, portSlots, DropReason.FEC_OFF);
            return;
        }
        final PeerFec state = fec.state(loop.loopId, peer, loop);
        if (state == null)
        {
            PortCounters.drop(portSlots, DropReason.UNKNOWN_PEER);
            return;
        }
        final FecDecoder decoder = state.decoder(TransportHeader.stream(loop.work));
        if (decoder == null || !decoder.onShard(loop.workSegment, TransportHeader.LENGTH, plain, nowNanos))
        {
            dropShard(loop, peer, portSlots, DropReason.FEC_MEMORY);
        }
    }

    private static void dropShard(final TunnelLoop loop, final Peer peer, final long[] portSlots,
        final DropReason reason)
    {
        PortCounters.drop(portSlots, reason);
        PortCounters.drop(peer.counters.loopSlots(loop.loopId), reason);
    }

    /**
     * A loss report: the share of our FEC-coded frames the peer lost before decoding; the agent adapts m.
     */
    private void onReport(final Peer peer, final byte[] work, final int plain)
    {
        if (plain >= 4)
        {
            peer.reportedLossPpm = TransportHeader.u32(work, TransportHeader.LENGTH);
            peer.reports.incrementAndGet();
            agent.wake();
        }
    }

    /**
     * One TLV of a control message from {@code peer} (the loop is the visitor; see {@link ControlMessage}).
     */
    void onControl(final TunnelLoop loop, final Peer peer, final int type, final byte[] buffer, final int valueAt,
        final int length)
    {
        if (type == ControlMessage.VERSION && length >= ControlMessage.VERSION_LENGTH)
        {
            peer.remoteVersion = ControlMessage.versionOf(buffer, valueAt);
            peer.remoteFeatures = ControlMessage.featuresOf(buffer, valueAt);
        }
        else if (type == ControlMessage.RTT_PROBE && length >= ControlMessage.RTT_LENGTH)
        {
            loop.echoStamp = ControlMessage.stampOf(buffer, valueAt); // echoed once the message is read
            loop.echoDue = true;
        }
        else if (type == ControlMessage.RTT_ECHO && length >= ControlMessage.RTT_LENGTH)
        {
            peer.health.echo(ControlMessage.stampOf(buffer, valueAt), System.nanoTime());
        }
        else if (type == ControlMessage.REFLEXIVE)
        {
            final InetSocketAddress seen = ControlMessage.reflexiveOf(buffer, valueAt, length);
            if (seen != null)
            {
                peer.reflexiveSeen(seen, System.nanoTime()); // our NAT's mapping, as the peer sees it
            }
            else
            {
                peer.unknownControlTlvs.increment();
            }
        }
        else
        {
            peer.unknownControlTlvs.increment(); // a newer peer's message: skipped, as the protocol promises
        }
    }

    /**
     * Learns the source MAC of a frame from the loop's current peer and puts the frame into the burst; a frame
     * from a MAC the peer may not use ({@code allowed-macs}, another peer's allowed MAC) or beyond its MAC limit
     * is dropped and counted, on the port and the peer.
     */
    void deliver(final TunnelLoop loop, final MemorySegment segment, final long offset, final int length)
    {
        final long[] portSlots = portCounters.loopSlots(loop.loopId);
        if (length < EthernetFlyweight.HEADER_LENGTH)
        {
            PortCounters.drop(portSlots, DropReason.MALFORMED);
            return;
        }
        final FrameBatch batch = loop.batch;
        if (batch.count() == batch.capacity())
        {
            PortCounters.drop(portSlots, DropReason.QUEUE_FULL);
            return;
        }
        final long[] peerSlots = loop.peer.counters.loopSlots(loop.loopId);
        final int verdict = peerByMac.learn(EthernetFlyweight.readMac(segment, offset + 6), loop.peer,
            System.nanoTime());
        if (verdict != PeerByMac.LEARNED)
        {
            final DropReason reason = verdict == PeerByMac.NOT_ALLOWED ? DropReason.MAC_NOT_ALLOWED :
                DropReason.MAC_LIMIT;
            PortCounters.drop(portSlots, reason);
            PortCounters.drop(peerSlots, reason);
            return;
        }
        final long header = loop.memory.headerOffset(batch.count());
        final MemorySegment slots = loop.memory.segment();
        VirtioNetHeader.clear(slots, header);
        MemorySegment.copy(segment, offset, slots, header + VirtioNetHeader.LENGTH, length);
        batch.add(header, length);
        PortCounters.add(peerSlots, PortCounters.RX_PACKETS, 1);
        PortCounters.add(peerSlots, PortCounters.RX_BYTES, length);
    }
}
