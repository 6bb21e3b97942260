package io.l2mesh.tunnel;

import io.l2mesh.fec.stream.DecoderMemory;
import io.l2mesh.switching.stats.PortCounters;
import io.l2mesh.tunnel.noise.CookieJar;
import io.l2mesh.tunnel.noise.HandshakePeer;
import io.l2mesh.tuntap.SocketAddresses;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.util.List;
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
    /** The first 8 bytes of the public key (LE): how relayed datagrams name the peer ({@link PeerTable#byId}). */
    final long id;
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
    /** Moves to another path (another endpoint; later, to or from a relay). */
    private final AtomicLong pathChanges = new AtomicLong();
    private volatile MemorySegment endpoint; // sockaddr, never changed once published
    private volatile long pathSinceNanos;
    /** Where the peer may be reached ({@link PeerCandidates}), rebuilt when one of its sources changes. */
    private volatile PeerCandidates candidates;
    private final boolean ipv6;
    // The candidates' sources (guarded by this): the configured endpoint or its DNS answers, and the registry's.
    private List<InetSocketAddress> resolved;
    private List<InetSocketAddress> registryEndpoints = List.of();
    private List<InetSocketAddress> registryReflexive = List.of();
    /** Our address as this peer sees it, when it told us ({@link ControlMessage#REFLEXIVE}), and when. */
    private volatile InetSocketAddress reflexiveSeen;
    private volatile long reflexiveSeenNanos;
    /** The relay our messages to the peer go through, or null for the direct path to {@link #endpoint}. */
    private volatile Peer relay;
    /**
     * When an authenticated message last came from the peer directly (not through a relay). Plain: written per
     * message by the loop that read it, read by loops deciding whether a relayed message moves the path; a stale
     * value delays a move by a message.
     */
    private long lastDirectNanos;
    /** When this node relays: the pairs from this peer to others, found by reference, added under the monitor. */
    private volatile RelayPair[] relayPairs = new RelayPair[0];
    /** Set when handshakes fail: the port's resolver looks the peer's DNS name up again at once. */
    volatile boolean resolveWanted;
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
        final DecoderMemory fecMemory, final boolean ipv6)
    {
        this.spec = spec;
        this.id = idOf(spec.publicKey());
        this.ipv6 = ipv6;
        this.origin = origin;
        this.fecMemory = fecMemory;
        this.handshake = new HandshakePeer(spec.publicKey(), spec.presharedKey());
        this.cookies = new CookieJar(spec.publicKey());
        this.counters = new PortCounters(threads);
        this.fec = new PeerFec[loops];
        this.ownFec = spec.fec();
        this.resolved = spec.endpoint() == null || spec.endpoint().isUnresolved() ? List.of() :
            List.of(spec.endpoint());
        this.candidates = PeerCandidates.of(resolved, List.of(), ipv6);
        if (spec.endpoint() != null && !spec.endpoint().isUnresolved())
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
     * Follows the peer to the address an authenticated packet came from directly (roaming), at {@code now}
     * (System.nanoTime), off a relay if it was on one. Allocates only when the address changes.
     */
    void noteSource(final MemorySegment from, final int length, final long now)
    {
        lastDirectNanos = now;
        final MemorySegment next = SocketAddresses.changedCopy(endpoint, from, length);
        if (next != null)
        {
            endpoint = next;
            endpointChanges.incrementAndGet();
        }
        if (next != null || relay != null)
        {
            relay = null; // a direct path works: off the relay, on the same session
            pathChanges.incrementAndGet();
            pathSinceNanos = now;
        }
        else if (pathSinceNanos == 0)
        {
            pathSinceNanos = now; // the configured endpoint answered: on this path from now
        }
    }

    /**
     * Any loop, for each authenticated message from the peer that came through {@code through}: the peer now
     * sends that way, so we answer that way too, unless its messages came directly within {@code directHoldNanos}
     * (a relayed message sent before the peer moved to the direct path must not move us back).
     */
    void viaRelay(final Peer through, final long nowNanos, final long directHoldNanos)
    {
        if (relay != through && (endpoint == null || nowNanos - lastDirectNanos > directHoldNanos))
        {
            relay = through;
            pathChanges.incrementAndGet();
            pathSinceNanos = nowNanos;
        }
    }

    /**
     * Agent: a handshake through {@code through} completed (its response came that way).
     */
    void relayedBy(final Peer through)
    {
        if (relay != through)
        {
            relay = through;
            pathChanges.incrementAndGet();
            pathSinceNanos = System.nanoTime();
        }
    }

    /**
     * @return the relay our messages to the peer go through, or null (direct).
     */
    Peer relay()
    {
        return relay;
    }

    /**
     * @return the pair from this peer to {@code to} that this node relays for, made on first use.
     */
    RelayPair relayPair(final Peer to)
    {
        for (final RelayPair pair : relayPairs)
        {
            if (pair.to == to)
            {
                return pair;
            }
        }
        return addRelayPair(to);
    }

    private synchronized RelayPair addRelayPair(final Peer to)
    {
        final RelayPair[] now = relayPairs;
        for (final RelayPair pair : now)
        {
            if (pair.to == to)
            {
                return pair;
            }
        }
        final RelayPair added = new RelayPair(to); // once per pair, not per datagram
        final RelayPair[] next = java.util.Arrays.copyOf(now, now.length + 1);
        next[now.length] = added;
        relayPairs = next;
        return added;
    }

    /**
     * Control thread: {@code gone} was removed from the port; its pairs from this peer go with it.
     */
    synchronized void forgetRelayPair(final Peer gone)
    {
        final RelayPair[] now = relayPairs;
        relayPairs = java.util.Arrays.stream(now).filter(p -> p.to != gone).toArray(RelayPair[]::new);
        if (relay == gone)
        {
            relay = null; // its relay left: the peer falls silent, and the agent looks for a path again
        }
    }

    RelayPair[] relayPairs()
    {
        return relayPairs;
    }

    static long idOf(final byte[] publicKey)
    {
        long id = 0;
        for (int i = 7; i >= 0; i--)
        {
            id = id << 8 | publicKey[i] & 0xff;
        }
        return id;
    }

    long pathChanges()
    {
        return pathChanges.get();
    }

    /**
     * @return when the peer moved to its current path (System.nanoTime), or 0 if it has none yet.
     */
    long pathSinceNanos()
    {
        return endpoint == null && relay == null ? 0 : pathSinceNanos;
    }

    PeerCandidates candidates()
    {
        return candidates;
    }

    /**
     * @return true if our initiations to this peer go to every candidate from the listen socket, so that they open
     * the NAT mappings the peer's answers and data need (hole punching, docs/nat.md); false for a config peer with
     * one IP endpoint, reached from the agent's own socket (out of reach of a flood at the listen port).
     */
    boolean punches()
    {
        return origin == PeerOrigin.REGISTRY || spec.endpoint() != null && spec.endpoint().isUnresolved() ||
            candidates.size() > 1;
    }

    /**
     * The resolver thread: what the peer's DNS name resolves to now.
     *
     * @return true if that changed the candidates.
     */
    synchronized boolean resolved(final List<InetSocketAddress> addresses)
    {
        if (addresses.equals(resolved))
        {
            return false;
        }
        resolved = List.copyOf(addresses);
        rebuildCandidates();
        return true;
    }

    /**
     * The control thread: the endpoints and reflexive endpoints of the peer's registry entry.
     *
     * @return true if that changed the candidates.
     */
    synchronized boolean registryCandidates(final List<InetSocketAddress> endpoints,
        final List<InetSocketAddress> reflexive)
    {
        if (endpoints.equals(registryEndpoints) && reflexive.equals(registryReflexive))
        {
            return false;
        }
        registryEndpoints = List.copyOf(endpoints);
        registryReflexive = List.copyOf(reflexive);
        rebuildCandidates();
        return true;
    }

    private void rebuildCandidates()
    {
        final List<InetSocketAddress> announced = new java.util.ArrayList<>(resolved);
        announced.addAll(registryEndpoints);
        candidates = PeerCandidates.of(announced, registryReflexive, ipv6);
    }

    /**
     * Any loop, on a {@link ControlMessage#REFLEXIVE} TLV: where the peer sees us.
     */
    void reflexiveSeen(final InetSocketAddress seen, final long nowNanos)
    {
        if (!seen.equals(reflexiveSeen))
        {
            reflexiveSeen = seen;
        }
        reflexiveSeenNanos = nowNanos;
    }

    /**
     * @return our address as the peer told it within {@code maxAgeNanos}, or null.
     */
    InetSocketAddress reflexiveSeen(final long nowNanos, final long maxAgeNanos)
    {
        final InetSocketAddress seen = reflexiveSeen;
        return seen != null && nowNanos - reflexiveSeenNanos <= maxAgeNanos ? seen : null;
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
