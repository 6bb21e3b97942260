package io.l2mesh.tunnel;

import io.l2mesh.fec.stream.DecoderMemory;
import io.l2mesh.switching.stats.PortCounters;
import io.l2mesh.tunnel.noise.CookieJar;
import io.l2mesh.tunnel.noise.HandshakePeer;
import io.l2mesh.tuntap.SocketAddresses;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * One peer of a tunnel port, shared by the datapath loops (which read its current session and endpoint and count
 * its traffic) and the tunnel agent (which makes and retires sessions). Fields the loops read are volatile and
 * replaced whole; counters are per-thread single-writer slots ({@link PortCounters}, the agent's slot last).
 * Per-loop FEC state hangs off the peer ({@link #fec}, slot {@code i} owned by loop {@code i}), so a peer that is
 * removed takes its state with it. What only the agent touches is in {@link #agent}.
 */
final class Peer
{
    final PeerSpec spec;
    /** The config or the registry ({@link PeerOrigin}). */
    final PeerOrigin origin;
    final HandshakePeer handshake;
    final PortCounters counters;
    /** FEC state per loop; slot {@code i} is made and used by loop {@code i} only ({@link TunnelFec}). */
    final PeerFec[] fec;
    /** Agent thread only. */
    final PeerAgentState agent = new PeerAgentState();
    /** The cookie this peer gave us when under load, for mac2 (agent thread only). */
    final CookieJar cookies;
    /** Set by a loop that had a frame for this peer but no session: the agent starts a handshake. */
    final AtomicBoolean handshakeWanted = new AtomicBoolean();
    /** Round-trip time from the in-session probes. */
    final PeerHealth health = new PeerHealth();
    /** Control TLVs of types this node does not know, skipped (a newer peer). Rare: not per frame. */
    final LongAdder unknownControlTlvs = new LongAdder();
    private final AtomicLong endpointChanges = new AtomicLong(); // loops and the agent
    private volatile MemorySegment endpoint; // sockaddr, never changed once published
    private volatile Session current;
    /** The session the peer's messages arrived on lately (its link counters: {@link PeerStatus#linkLoss}). */
    private volatile Session receiving;
    private volatile long lastReceivedNanos;
    private volatile long lastSentNanos;
    private volatile long lastHandshakeMillis;
    /** Handshakes completed with this peer, as initiator or responder; written by the agent alone. */
    private volatile long handshakes;
    /** This peer's own FEC setting, or null for the port's (changed at run time by the control plane). */
    volatile FecSpec ownFec;
    /** The FEC this peer gets when its setting is adaptive: (k, m for this peer); set by the agent. */
    volatile FecSpec adaptedFec;
    /** Loss (parts per million) the peer last reported seeing from us, and how many reports came. */
    volatile int reportedLossPpm;
    final AtomicLong reports = new AtomicLong(); // any loop may take a report
    /** The protocol version the peer announced ({@link ControlMessage#VERSION}), or 0 before it did. */
    volatile int remoteVersion;
    volatile int remoteFeatures;
    /** Its slot in {@code PeerByMac} (where the switch's MAC table has a port id), set before it is published. */
    int macSlot = -1;
    /** False once the peer was removed from the port: the agent stops working for it. */
    volatile boolean live = true;

    /** What FEC decoders of this peer's streams may hold, drawn on the port's budget ({@link TunnelFec}). */
    final DecoderMemory fecMemory;

    Peer(final PeerSpec spec, final PeerOrigin origin, final int threads, final int loops,
        final DecoderMemory fecMemory)
    {
        this.spec = spec;
        this.origin = origin;
        this.fecMemory = fecMemory;
        this.handshake = new HandshakePeer(spec.publicKey(), spec.presharedKey());
        this.cookies = new CookieJar(spec.publicKey());
        this.counters = new PortCounters(threads);
        this.fec = new PeerFec[loops];
        this.ownFec = spec.fec();
        if (spec.endpoint() != null)
        {
            final MemorySegment address = Arena.ofAuto().allocate(SocketAddresses.MAX_LENGTH, 8);
            final int length = SocketAddresses.write(address, 0, spec.endpoint());
            this.endpoint = address.asSlice(0, length);
        }
    }

    String name()
    {
        return spec.name();
    }

    MemorySegment endpoint()
    {
        return endpoint;
    }

    InetSocketAddress endpointAddress()
    {
        final MemorySegment address = endpoint;
        return address == null ? null : SocketAddresses.read(address, 0);
    }

    /**
     * Follows the peer to the address an authenticated packet came from (roaming). Allocates only when the
     * address changes.
     */
    void noteSource(final MemorySegment from, final int length)
    {
        final MemorySegment next = SocketAddresses.changedCopy(endpoint, from, length);
        if (next != null)
        {
            endpoint = next;
            endpointChanges.incrementAndGet();
        }
    }

    long endpointChanges()
    {
        return endpointChanges.get();
    }

    Session current()
    {
        return current;
    }

    void current(final Session session)
    {
        current = session;
    }

    void received(final long nowNanos)
    {
        lastReceivedNanos = nowNanos;
    }

    long lastReceivedNanos()
    {
        return lastReceivedNanos;
    }

    void sent(final long nowNanos)
    {
        lastSentNanos = nowNanos;
    }

    long lastSentNanos()
    {
        return lastSentNanos;
    }

    void handshakeCompleted()
    {
        lastHandshakeMillis = System.currentTimeMillis();
        handshakes++; // one writer (the agent): a volatile read and write, no lost update
    }

    /**
     * Any loop, for each authenticated message: notes the session it came on, written only when it changes.
     */
    void receivedOn(final Session session)
    {
        if (receiving != session)
        {
            receiving = session;
        }
    }

    Session receiving()
    {
        return receiving;
    }

    long handshakes()
    {
        return handshakes;
    }

    long lastHandshakeMillis()
    {
        return lastHandshakeMillis;
    }
}
