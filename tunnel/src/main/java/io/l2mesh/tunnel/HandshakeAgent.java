package io.l2mesh.tunnel;

import io.l2mesh.switching.stats.DropReason;
import io.l2mesh.switching.stats.PortCounters;
import io.l2mesh.tunnel.noise.Handshake;
import io.l2mesh.tunnel.noise.HandshakePeer;
import io.l2mesh.tuntap.Libc;
import io.l2mesh.tuntap.SocketAddresses;
import io.l2mesh.tuntap.UdpSocket;
import org.jctools.maps.NonBlockingHashMapLong;
import org.jctools.queues.MpscArrayQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The tunnel's slow path, on a thread of its own so that handshakes (two X25519 operations and a dozen BLAKE2s
 * each) never run on a datapath loop: it answers initiations, completes its own, starts handshakes when a peer
 * has no usable session, its session is due for a rekey or it fell silent, sends keepalives, and retires old
 * sessions.
 * <p>
 * <b>Flood limit.</b> The loops hand handshake messages over through a bounded queue (a full queue drops and
 * counts), and the agent processes at most {@link #HANDSHAKES_PER_SECOND} per second (a token bucket; the rest
 * are dropped and counted). An attacker can therefore only keep this thread busy, never the loops, and
 * established sessions go on. Each peer may complete at most one initiation per {@link #PEER_INITIATION_GAP_MS}.
 */
final class HandshakeAgent
{
    static final int HANDSHAKES_PER_SECOND = 400;
    static final int PEER_INITIATION_GAP_MS = 20;
    private static final int QUEUE_CAPACITY = 256;
    private static final long RETRY_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    private static final int SESSIONS_PER_PEER = 3;
    private static final long REPORT_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long MIN_REPORT_FRAMES = 100;
    private static final Logger LOG = LoggerFactory.getLogger(HandshakeAgent.class);
    private static final SecureRandom RANDOM = new SecureRandom();

    /**
     * A handshake message and where it came from, copied off the loop.
     */
    private record Inbound(byte[] message, byte[] source)
    {
    }

    private final TunnelPortSpec spec;
    private final Handshake handshake;
    private final Peer[] peers;
    private final Map<String, Peer> peerByKey = new HashMap<>();
    private final NonBlockingHashMapLong<Session> sessions;
    private final UdpSocket socket;
    private final int thread;
    private final PortCounters portCounters;
    private final TunnelPort port;
    private long nextReportNs;
    private final MpscArrayQueue<Inbound> inbound = new MpscArrayQueue<>(QUEUE_CAPACITY);
    private final Map<Peer, ArrayDeque<Session>> sessionsByPeer = new HashMap<>();
    private final Arena arena = Arena.ofShared();
    private final MemorySegment errno = Libc.newErrnoCapture(arena);
    private final MemorySegment source = arena.allocate(SocketAddresses.MAX_LENGTH, 8);
    private final byte[] out = new byte[256];
    private final MemorySegment outSegment = MemorySegment.ofArray(out);
    private final long keepaliveNanos;
    private final long rekeyNanos;
    private final long rejectAfterNanos;
    private final long deadNanos;
    private volatile boolean running;
    private Thread worker;
    private double tokens = HANDSHAKES_PER_SECOND;
    private long tokensAt = System.nanoTime();

    HandshakeAgent(final TunnelPortSpec spec, final Handshake handshake, final Peer[] peers,
        final NonBlockingHashMapLong<Session> sessions, final UdpSocket socket, final int thread,
        final PortCounters portCounters, final TunnelPort port)
    {
        this.port = port;
        this.spec = spec;
        this.handshake = handshake;
        this.peers = peers;
        this.sessions = sessions;
        this.socket = socket;
        this.thread = thread;
        this.portCounters = portCounters;
        for (final Peer peer : peers)
        {
            peerByKey.put(Arrays.toString(peer.spec.publicKey()), peer);
            sessionsByPeer.put(peer, new ArrayDeque<>());
        }
        this.keepaliveNanos = TimeUnit.SECONDS.toNanos(spec.keepaliveSeconds());
        this.rekeyNanos = TimeUnit.SECONDS.toNanos(spec.rekeySeconds());
        this.rejectAfterNanos = rekeyNanos + rekeyNanos / 2;
        this.deadNanos = 3 * keepaliveNanos + TimeUnit.SECONDS.toNanos(1);
    }

    long rejectAfterNanos()
    {
        return rejectAfterNanos;
    }

    void start()
    {
        running = true;
        worker = new Thread(this::run, "l2mesh-hs-" + spec.name());
        worker.setDaemon(true);
        worker.start();
    }

    void stop()
    {
        running = false;
        if (worker != null)
        {
            LockSupport.unpark(worker);
            try
            {
                worker.join(5_000);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }
        arena.close();
    }

    void wake()
    {
        final Thread t = worker;
        if (t != null)
        {
            LockSupport.unpark(t);
        }
    }

    /**
     * Loop side: copies a handshake message for the agent (handshakes are rare; allocation here is not per
     * frame).
     *
     * @return false if the queue is full (the caller counts the drop).
     */
    boolean offer(final byte[] buffer, final int length, final MemorySegment from, final int fromLength)
    {
        if (inbound.size() >= QUEUE_CAPACITY)
        {
            return false;
        }
        final boolean queued = inbound.offer(new Inbound(Arrays.copyOf(buffer, length),
            from.asSlice(0, fromLength).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE)));
        wake();
        return queued;
    }

    private void run()
    {
        long nextTick = 0;
        while (running)
        {
            try
            {
                Inbound message;
                while ((message = inbound.poll()) != null)
                {
                    if (takeToken())
                    {
                        handle(message);
                    }
                    else
                    {
                        PortCounters.drop(portCounters.loopSlots(thread), DropReason.HANDSHAKE);
                    }
                }
                final long now = System.nanoTime();
                if (now - nextTick >= 0 || anyHandshakeWanted())
                {
                    tick(now);
                    nextTick = now + TICK_NANOS;
                }
                LockSupport.parkNanos(TICK_NANOS);
            }
            catch (final RuntimeException ex)
            {
                LOG.warn("tunnel {}: handshake agent: {}", spec.name(), ex.toString());
            }
        }
    }

    private boolean anyHandshakeWanted()
    {
        for (final Peer peer : peers)
        {
            if (peer.handshakeWanted.get())
            {
                return true;
            }
        }
        return false;
    }

    private boolean takeToken()
    {
        final long now = System.nanoTime();
        tokens = Math.min(HANDSHAKES_PER_SECOND, tokens + (now - tokensAt) * HANDSHAKES_PER_SECOND / 1e9);
        tokensAt = now;
        if (tokens < 1)
        {
            return false;
        }
        tokens -= 1;
        return true;
    }

    private void handle(final Inbound message)
    {
        MemorySegment.copy(message.source(), 0, source, java.lang.foreign.ValueLayout.JAVA_BYTE, 0,
            message.source().length);
        try
        {
            if (message.message()[0] == Handshake.TYPE_INITIATION)
            {
                answer(message);
            }
            else
            {
                complete(message);
            }
        }
        catch (final Handshake.Refused refused)
        {
            PortCounters.drop(portCounters.loopSlots(thread), DropReason.HANDSHAKE);
            LOG.debug("tunnel {}: handshake refused: {}", spec.name(), refused.error().label());
        }
    }

    private void answer(final Inbound message) throws Handshake.Refused
    {
        final long now = System.nanoTime();
        final Handshake.Result result = handshake.respond(message.message(),
            key ->
            {
                final Peer known = peerByKey.get(Arrays.toString(key));
                return known == null ? null : known.handshake;
            }, newIndex());
        final Peer peer = peerFor(result.peer());
        final ArrayDeque<Session> own = sessionsByPeer.get(peer);
        final Session newest = own.peekLast();
        if (newest != null && !newest.initiator && now - newest.createdNanos < PEER_INITIATION_GAP_MS * 1_000_000L)
        {
            PortCounters.drop(portCounters.loopSlots(thread), DropReason.HANDSHAKE); // initiation flood
            return;
        }
        peer.noteSource(source, message.source().length); // the initiation authenticated the peer
        final Session session = new Session(peer, result, spec.suite(), thread + 1, now);
        install(peer, session);
        // Not current yet: the initiator cannot read it before our response arrives. Its first packet on the
        // new session promotes it (TunnelPort.openTransport).
        if (peer.current() == null)
        {
            peer.current(session);
        }
        sendHandshake(peer, result.response());
        peer.handshakeCompleted();
    }

    private void complete(final Inbound message) throws Handshake.Refused
    {
        final int receiver = java.nio.ByteBuffer.wrap(message.message()).order(java.nio.ByteOrder.LITTLE_ENDIAN)
            .getInt(8);
        for (final Peer peer : peers)
        {
            final Handshake.Initiation pending = peer.pending;
            if (pending != null && pending.senderIndex() == receiver)
            {
                final Handshake.Result result = handshake.complete(pending, message.message());
                peer.pending = null;
                peer.noteSource(source, message.source().length);
                final Session session = new Session(peer, result, spec.suite(), thread + 1, System.nanoTime());
                install(peer, session);
                peer.current(session);
                peer.handshakeWanted.set(false);
                peer.handshakeCompleted();
                sendKeepalive(peer, session); // confirms the session to the responder at once
                return;
            }
        }
        // A response to no initiation of ours: late, duplicated or forged.
        PortCounters.drop(portCounters.loopSlots(thread), DropReason.HANDSHAKE);
    }

    private Peer peerFor(final HandshakePeer handshakePeer)
    {
        for (final Peer peer : peers)
        {
            if (peer.handshake == handshakePeer)
            {
                return peer;
            }
        }
        throw new IllegalStateException("handshake peer of no tunnel peer");
    }

    private void install(final Peer peer, final Session session)
    {
        sessions.put(Integer.toUnsignedLong(session.localIndex), session);
        final ArrayDeque<Session> own = sessionsByPeer.get(peer);
        own.addLast(session);
        while (own.size() > SESSIONS_PER_PEER)
        {
            sessions.remove(Integer.toUnsignedLong(own.removeFirst().localIndex));
        }
    }

    private int newIndex()
    {
        int index;
        do
        {
            index = RANDOM.nextInt();
        }
        while (index == 0 || sessions.containsKey(Integer.toUnsignedLong(index)));
        return index;
    }

    private void tick(final long now)
    {
        final boolean reportNow = now - nextReportNs >= 0;
        if (reportNow)
        {
            nextReportNs = now + REPORT_NANOS;
        }
        for (final Peer peer : peers)
        {
            final Session current = peer.current();
            final ArrayDeque<Session> own = sessionsByPeer.get(peer);
            while (!own.isEmpty() && now - own.peekFirst().createdNanos > rejectAfterNanos)
            {
                final Session old = own.removeFirst();
                sessions.remove(Integer.toUnsignedLong(old.localIndex));
                if (peer.current() == old)
                {
                    peer.current(null);
                }
            }
            final long heard = Math.max(peer.lastReceivedNanos(), current == null ? 0 : current.createdNanos);
            final boolean dead = current != null && now - heard > deadNanos;
            if (dead)
            {
                LOG.info("tunnel {}: peer {} silent for {} s: new handshake", spec.name(), peer.name(),
                    (now - heard) / 1_000_000_000L);
                peer.current(null);
            }
            final Session usable = peer.current();
            final boolean due = usable == null || peer.handshakeWanted.get() ||
                now - usable.createdNanos > (usable.initiator ? rekeyNanos : rekeyNanos + 2 * RETRY_NANOS) ||
                usable.messagesSent() > Session.REKEY_AFTER_MESSAGES;
            if (due && peer.endpoint() != null && (peer.lastInitiationNanos == 0 ||
                now - peer.lastInitiationNanos > RETRY_NANOS))
            {
                initiate(peer, now);
            }
            if (usable != null && now - Math.max(peer.lastSentNanos(), usable.createdNanos) > keepaliveNanos)
            {
                sendKeepalive(peer, usable);
            }
            if (usable != null && reportNow)
            {
                reportLoss(peer, usable);
            }
            adapt(peer);
        }
    }

    /**
     * Tells the peer what share of its FEC-coded frames we lost before decoding, since the last report, if enough
     * frames came to say (its adaptive FEC uses it).
     */
    private void reportLoss(final Peer peer, final Session session)
    {
        final long[] decoded = port.fecDecoded(peer);
        final long lost = decoded[1] + decoded[2];
        final long frames = peer.counters.snapshot().rxPackets() + decoded[2];
        final long newFrames = frames - peer.lastDecodedFrames;
        final long newLost = lost - peer.lastLostFrames;
        if (newFrames < MIN_REPORT_FRAMES || decoded[0] == peer.lastShards)
        {
            return; // too few frames to say, or none came FEC-coded (then we cannot tell losses apart)
        }
        peer.lastShards = decoded[0];
        peer.lastDecodedFrames = frames;
        peer.lastLostFrames = lost;
        final int ppm = (int)Math.min(1_000_000L, newLost * 1_000_000L / newFrames);
        java.nio.ByteBuffer.wrap(out).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(TransportHeader.LENGTH, ppm);
        sendOut(peer, session.seal(thread, out, 0, TransportHeader.KIND_REPORT, 0, 4));
    }

    /**
     * Adaptive FEC: a new loss report from the peer moves its m.
     */
    private void adapt(final Peer peer)
    {
        final FecSpec fec = port.baseFec(peer);
        if (!fec.adaptive())
        {
            peer.adaptive = null;
            peer.adaptedFec = null;
            return;
        }
        if (peer.adaptive == null || peer.adaptedFec == null || peer.adaptedFec.k() != fec.k())
        {
            peer.adaptive = new io.l2mesh.fec.stream.AdaptiveParity(fec.k(), 1,
                Math.min(FecSpec.MAX_ADAPTIVE_M, 256 - fec.k()), fec.target());
            peer.adaptedFec = fec;
        }
        final long reports = peer.reports;
        if (reports != peer.reportsSeen)
        {
            peer.reportsSeen = reports;
            final int m = peer.adaptive.onLossReport(peer.reportedLossPpm / 1e6);
            if (m != peer.adaptedFec.m())
            {
                LOG.info("tunnel {}: peer {} reports {} % loss: fec ({}, {})", spec.name(), peer.name(),
                    peer.reportedLossPpm / 1e4, fec.k(), m);
                peer.adaptedFec = fec.withM(m);
            }
        }
    }

    private void initiate(final Peer peer, final long now)
    {
        try
        {
            final Handshake.Initiation initiation = handshake.initiate(peer.handshake, newIndex());
            peer.pending = initiation;
            peer.lastInitiationNanos = now;
            sendHandshake(peer, initiation.message());
        }
        catch (final Handshake.Refused refused)
        {
            LOG.warn("tunnel {}: cannot initiate to {}: {}", spec.name(), peer.name(), refused.error().label());
            peer.lastInitiationNanos = now;
        }
    }

    private void sendHandshake(final Peer peer, final byte[] message)
    {
        System.arraycopy(message, 0, out, 0, message.length);
        sendOut(peer, message.length);
    }

    private void sendKeepalive(final Peer peer, final Session session)
    {
        if (sendOut(peer, session.seal(thread, out, 0)))
        {
            peer.sent(System.nanoTime());
        }
    }

    /**
     * Sends the first {@code length} bytes of {@link #out} to the peer's endpoint, if it has one and the message
     * was made (a negative length: the session may not seal any more).
     *
     * @return true if handed to the socket.
     */
    private boolean sendOut(final Peer peer, final int length)
    {
        final MemorySegment endpoint = peer.endpoint();
        if (endpoint == null || length <= 0)
        {
            return false;
        }
        socket.sendTo(errno, outSegment, length, endpoint.address(), (int)endpoint.byteSize());
        return true;
    }
}
