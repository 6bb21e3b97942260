package io.l2mesh.tunnel;

import io.l2mesh.switching.buffer.FrameBatch;
import io.l2mesh.switching.buffer.LoopMemory;
import io.l2mesh.switching.port.Port;
import io.l2mesh.tunnel.impair.ImpairmentCounters;
import io.l2mesh.tunnel.impair.ImpairmentSpec;
import io.l2mesh.tunnel.noise.CookieChecker;
import io.l2mesh.tunnel.noise.Handshake;
import io.l2mesh.tunnel.udp.UdpLoopSockets;
import io.l2mesh.tuntap.UdpSocket;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * An encrypted tunnel into a mesh of l2mesh nodes, as one switch port: frames go to peers over UDP in
 * WireGuard-style transport messages (Noise_IKpsk2 sessions, {@link Session}), one peer per destination MAC
 * learned from what it sent us, or every peer with a session for a flood. Being a tunnel port, what comes in
 * from one peer is never flooded back into the mesh (split horizon), so a full mesh has no loops.
 * <p>
 * The port is assembly and settings; the work is in a file per concern, as wireguard-go's {@code device/}:
 * <ul>
 *   <li>{@link TunnelReceive}: datagram -> session -> decrypt -> replay -> FEC -> frames (each loop);</li>
 *   <li>{@link TunnelSend}: frames -> peer -> FEC -> seal -> UDP GSO batch (each loop);</li>
 *   <li>{@link TunnelLoop}: one loop's buffers and call context; {@link UdpLoopSockets}: a socket per loop;</li>
 *   <li>{@link PeerTable} (copy-on-write: peers come and go live), {@link PeerByMac}, {@link SessionTable};</li>
 *   <li>{@link TunnelFec}: FEC policy and per-loop state; {@link FecAdaptation}: loss reports and adaptive m;</li>
 *   <li>{@link TunnelAgent} (its own thread): {@link HandshakeInbox}, {@link HandshakeBudget},
 *       {@link Handshakes}, {@link PeerTimers}, {@link AgentSender};</li>
 *   <li>wire: {@link TransportHeader}, {@link ControlMessage} (in-session TLVs, protocol version).</li>
 * </ul>
 * <b>Threads.</b> Each datapath loop reads and sends through its own socket of an {@code SO_REUSEPORT} group and
 * seals and opens in its own heap buffer. Handshake messages go to the agent and are never processed on a loop.
 */
public final class TunnelPort extends Port
{
    static final int MAX_FRAME = TunnelLoop.MAX_FRAME;
    /** FEC decoder memory one peer may hold, and all peers of the port together (M1). */
    public static final long FEC_PEER_MEMORY = TunnelFec.PEER_MEMORY;
    public static final long FEC_PORT_MEMORY = TunnelFec.PORT_MEMORY;

    private final TunnelPortSpec spec;
    private final UdpLoopSockets sockets;
    private final int loopCount;
    private final PeerTable peers = new PeerTable();
    private final SessionTable sessions = new SessionTable();
    private final PeerByMac peerByMac = new PeerByMac();
    private final TunnelFec fec;
    private final TunnelAgent agent;
    private final TimestampStore timestamps;
    private final HandshakeCounters handshakeCounters = new HandshakeCounters();
    private final HandshakeGate gate;
    private final TunnelReceive receive;
    private final TunnelSend send;
    private final TunnelLoop[] loops;
    private final Arena arena = Arena.ofShared();
    private final EndpointResolver resolver;
    private final TunnelRelay relay;
    private long peerVersion; // guarded by this

    private TunnelPort(final int id, final TunnelPortSpec spec, final UdpLoopSockets sockets, final int loopCount,
        final int burstSize, final Path stateDir)
    {
        // One counter slot more than there are loops: the agent's (its drops show in the port's stats).
        super(id, spec.name(), spec.vlanRules(), spec.mtu(), true, loopCount + 1, burstSize);
        this.spec = spec;
        this.sockets = sockets;
        this.loopCount = loopCount;
        this.fec = new TunnelFec(spec.fec(), spec.mtu(), loopCount);
        this.timestamps = TimestampStore.open(stateDir, spec.name());
        this.resolver = new EndpointResolver(spec.name(), peers, spec.local().getAddress() instanceof Inet6Address,
            this::candidatesChanged);
        for (final PeerSpec peer : spec.peers())
        {
            publishPeer(peer, PeerOrigin.CONFIG);
        }
        final long[] agentSlots = counters().loopSlots(loopCount);
        final AgentSender sender = new AgentSender(sockets.socket(0),
            UdpSocket.bind(new InetSocketAddress(spec.local().getAddress(), 0), false, 1 << 20), loopCount, peers);
        final Handshakes handshakes = new Handshakes(spec.name(), new Handshake(spec.suite(), spec.identity()),
            spec.suite(), peers, sessions, sender, agentSlots, handshakeCounters, timestamps);
        final PeerTimers timers = new PeerTimers(spec, sessions, handshakes, sender,
            new FecAdaptation(spec.name(), fec, sender), resolver);
        final HandshakeInbox initiations = new HandshakeInbox(HandshakeInbox.CAPACITY);
        final HandshakeInbox replies = new HandshakeInbox(HandshakeInbox.REPLY_CAPACITY);
        this.gate = new HandshakeGate(sockets, new CookieChecker(spec.identity().publicKey()), initiations,
            replies, handshakeCounters);
        this.agent = new TunnelAgent(spec.name(), peers, initiations, replies, handshakeCounters, gate,
            handshakes, timers, sender, agentSlots, peerByMac);
        sender.rejectAfterNanos(timers.rejectAfterNanos());
        this.relay = new TunnelRelay(spec.relay(), peers, sockets);
        this.receive = new TunnelReceive(sockets, counters(), peers, sessions, peerByMac, fec, gate, agent, relay,
            spec.keepaliveSeconds() * 1_000_000_000L);
        this.send = new TunnelSend(sockets, spec.mtu(), counters(), peers, peerByMac, fec, agent, loopCount,
            spec.impairment(), spec.keepaliveSeconds() * 1_000_000_000L);
        this.loops = new TunnelLoop[loopCount];
        for (int i = 0; i < loopCount; i++)
        {
            loops[i] = new TunnelLoop(i, arena, send, receive, gate.worker());
        }
    }

    /**
     * Binds one socket per loop, builds the port and starts its agent (which contacts every peer with a known
     * endpoint at once).
     */
    public static TunnelPort open(final int id, final TunnelPortSpec spec, final int loopCount, final int burstSize)
    {
        return open(id, spec, loopCount, burstSize, null);
    }

    /**
     * As {@link #open(int, TunnelPortSpec, int, int)}, keeping each peer's newest initiation timestamp in
     * {@code stateDir} ({@link TimestampStore}; null: not kept), so replays stay refused across restarts.
     */
    public static TunnelPort open(final int id, final TunnelPortSpec spec, final int loopCount, final int burstSize,
        final Path stateDir)
    {
        final UdpLoopSockets sockets = UdpLoopSockets.bind(spec.local(), loopCount, burstSize, TunnelSend.GSO_SEND);
        try
        {
            final TunnelPort port = new TunnelPort(id, spec, sockets, loopCount, burstSize, stateDir);
            port.agent.start();
            return port;
        }
        catch (final RuntimeException ex)
        {
            sockets.close();
            throw ex;
        }
    }

    public TunnelPortSpec spec()
    {
        return spec;
    }

    @Override
    public String kind()
    {
        return "tunnel";
    }

    @Override
    public boolean isTunnel()
    {
        return true;
    }

    /**
     * Super-frames are cut here, to the tunnel's MTU, straight into the datagrams that carry them.
     */
    @Override
    public boolean cutsSuperFrames()
    {
        return true;
    }

    /**
     * Segments of one TCP flow arrive one datagram each: the loop merges them back into super-frames.
     */
    @Override
    public boolean coalescesReceive()
    {
        return true;
    }

    @Override
    public String endpoint()
    {
        final Peer[] all = peers.peers();
        int up = 0;
        for (final Peer peer : all)
        {
            up += peer.current() != null ? 1 : 0;
        }
        return spec.local().getAddress().getHostAddress() + ":" + spec.local().getPort() + ", " + up + "/" +
            all.length + " peer(s) up";
    }

    @Override
    public int ingressFd(final int loopId)
    {
        return sockets.socket(loopId).fd();
    }

    // ---- datapath (each loop, on its own thread) ----

    @Override
    public int receive(final int loopId, final LoopMemory memory, final FrameBatch batch, final MemorySegment errno)
    {
        final TunnelLoop loop = loops[loopId];
        loop.memory = memory;
        loop.errno = errno;
        return receive.receive(loop, batch);
    }

    @Override
    public boolean pendingInput(final int loopId)
    {
        return sockets.pending(loopId);
    }

    @Override
    public long send(final int loopId, final long address, final int length, final MemorySegment errno)
    {
        final TunnelLoop loop = loops[loopId];
        loop.errno = errno;
        return send.send(loop, address, length);
    }

    @Override
    public long sendv(final int loopId, final long iovAddress, final int iovCount, final MemorySegment errno)
    {
        final TunnelLoop loop = loops[loopId];
        loop.errno = errno;
        return send.sendv(loop, iovAddress, iovCount);
    }

    @Override
    public void flush(final int loopId, final MemorySegment errno)
    {
        final TunnelLoop loop = loops[loopId];
        loop.errno = errno;
        send.flush(loop);
    }

    @Override
    public boolean hasTimers()
    {
        return send.hasTimers(peers.peers());
    }

    @Override
    public long pollTimers(final int loopId, final long nowNs, final MemorySegment errno)
    {
        final TunnelLoop loop = loops[loopId];
        loop.errno = errno;
        return send.pollTimers(loop, nowNs);
    }

    // ---- peers (control thread) ----

    /**
     * @return a snapshot of every peer's state, for the control plane.
     */
    public List<PeerStatus> peerStatus()
    {
        final long now = System.nanoTime();
        return Arrays.stream(peers.peers()).map(p -> PeerStatus.of(p, now)).toList();
    }

    /**
     * @return the name of the peer {@code mac} was last seen behind, or null.
     */
    public String peerOf(final long mac)
    {
        final Peer peer = peerByMac.lookup(mac);
        return peer == null ? null : peer.name();
    }

    /**
     * Adds a peer from the config while the port runs ({@link #addPeer(PeerSpec, PeerOrigin)}).
     */
    public void addPeer(final PeerSpec peer)
    {
        addPeer(peer, PeerOrigin.CONFIG);
    }

    /**
     * Adds a peer while the port runs: the loops see it from their next call; no other peer's sessions, FEC
     * state or counters are touched. The agent contacts it within a tick if it has an endpoint. A peer from the
     * config first takes out a registry peer with its name or key (the config wins).
     *
     * @throws IllegalArgumentException if a peer has its name or public key already (for the config: a peer
     *                                  from the config).
     */
    public synchronized void addPeer(final PeerSpec peer, final PeerOrigin origin)
    {
        if (origin == PeerOrigin.CONFIG)
        {
            for (final Peer clash : new Peer[] {peers.byName(peer.name()), peers.byKey(peer.publicKey())})
            {
                if (clash != null && clash.origin == PeerOrigin.REGISTRY)
                {
                    removePeer(clash.name());
                }
            }
        }
        publishPeer(peer, origin);
        peerVersion++;
        agent.wake();
    }

    private void publishPeer(final PeerSpec peer, final PeerOrigin origin)
    {
        final Peer added = new Peer(peer, origin, loopCount + 1, loopCount, fec.peerMemory(),
            spec.local().getAddress() instanceof Inet6Address);
        added.handshake.restoreTimestamp(timestamps.newest(peer.publicKey())); // a peer that comes back
        peerByMac.register(added);
        try
        {
            peers.add(added);
        }
        catch (final RuntimeException ex)
        {
            peerByMac.forget(added);
            throw ex;
        }
        resolver.wanted(added); // a DNS name: looked up on the resolver's thread
    }

    private void candidatesChanged(final Peer peer)
    {
        final TunnelAgent a = agent; // null while the constructor runs: the agent's first tick tries them all
        if (a != null)
        {
            a.candidatesChanged(peer);
        }
    }

    /**
     * Sets the endpoints and reflexive endpoints a peer's registry entry gives (its candidates after its own
     * endpoint, {@link PeerCandidates}); a peer without a session is tried there at once.
     *
     * @return false if there is no such peer.
     */
    public boolean candidates(final String name, final List<InetSocketAddress> endpoints,
        final List<InetSocketAddress> reflexive)
    {
        final Peer peer = peers.byName(name);
        if (peer == null)
        {
            return false;
        }
        if (peer.registryCandidates(endpoints, reflexive))
        {
            candidatesChanged(peer);
        }
        return true;
    }

    /**
     * @return what this port relays ({@link RelaySpec}): its settings, totals and each pair, for the control plane.
     */
    public RelayStatus relayStatus()
    {
        final List<RelayStatus.Pair> pairs = new java.util.ArrayList<>();
        for (final Peer from : peers.peers())
        {
            for (final RelayPair pair : from.relayPairs())
            {
                pairs.add(new RelayStatus.Pair(from.name(), pair.to.name(), pair.packets(), pair.bytes(),
                    pair.capped()));
            }
        }
        final long[] refused = new long[TunnelRelay.REFUSALS.length];
        for (int i = 0; i < refused.length; i++)
        {
            refused[i] = relay.refused(i);
        }
        return new RelayStatus(relay.spec(), relay.forwarded(), relay.forwardedBytes(), refused, relay.delivered(),
            relay.deliveryRefused(), pairs);
    }

    /**
     * @return this node's reflexive endpoints: the addresses its peers told it they see it at
     * ({@link ControlMessage#REFLEXIVE}, its NAT's mappings), each told within the last
     * {@link #reflexiveMaxAgeNanos()}, most often told first (at most {@link PeerCandidates#MAX} / 2).
     */
    public List<InetSocketAddress> reflexiveEndpoints()
    {
        final long now = System.nanoTime();
        final java.util.Map<InetSocketAddress, Integer> told = new java.util.LinkedHashMap<>();
        for (final Peer peer : peers.peers())
        {
            final InetSocketAddress seen = peer.reflexiveSeen(now, reflexiveMaxAgeNanos());
            if (seen != null)
            {
                told.merge(seen, 1, Integer::sum);
            }
        }
        return told.entrySet().stream().sorted((a, b) -> b.getValue() - a.getValue()).limit(PeerCandidates.MAX / 2)
            .map(java.util.Map.Entry::getKey).toList();
    }

    /**
     * @return how long a reflexive endpoint a peer told stays: three of its repeats.
     */
    long reflexiveMaxAgeNanos()
    {
        return 3L * ControlMessage.REFLEXIVE_REPEAT * spec.keepaliveSeconds() * 1_000_000_000L;
    }

    /**
     * @return where the peer with this public key came from, or null if there is none.
     */
    public PeerOrigin peerOrigin(final byte[] publicKey)
    {
        final Peer peer = peers.byKey(publicKey);
        return peer == null ? null : peer.origin;
    }

    /**
     * @return where the peer called {@code name} came from, or null if there is none.
     */
    public PeerOrigin peerOrigin(final String name)
    {
        final Peer peer = peers.byName(name);
        return peer == null ? null : peer.origin;
    }

    /**
     * @return the spec of the peer called {@code name}, or null.
     */
    public PeerSpec peerSpec(final String name)
    {
        final Peer peer = peers.byName(name);
        return peer == null ? null : peer.spec;
    }

    /**
     * @return a number that changes whenever a peer is added or removed (so a registry can tell that someone
     * else changed the table).
     */
    public synchronized long peerVersion()
    {
        return peerVersion;
    }

    /**
     * @return how often a MAC moved from behind one peer to behind another.
     */
    public long peerMacMoves()
    {
        return peerByMac.moves();
    }

    /**
     * @return how many MACs were learned behind the peer called {@code name}, or -1 if there is none.
     */
    public int peerMacs(final String name)
    {
        final Peer peer = peers.byName(name);
        return peer == null ? -1 : peerByMac.size(peer);
    }

    /**
     * Removes a peer while the port runs: it stops receiving and sending at once (its sessions are no longer
     * accepted, its MACs forgotten), the agent retires its sessions, and each loop closes its FEC state for it.
     *
     * @return false if there is no such peer.
     */
    public synchronized boolean removePeer(final String name)
    {
        final Peer gone = peers.remove(name);
        if (gone == null)
        {
            return false;
        }
        peerVersion++;
        gone.live = false;
        peerByMac.forget(gone);
        for (final Peer other : peers.peers())
        {
            other.forgetRelayPair(gone);
        }
        agent.submit(() -> sessions.retireAll(gone));
        fec.retire(gone);
        return true;
    }

    /**
     * @return exceptions and errors the port's handshake agent survived (each is logged).
     */
    public long agentErrors()
    {
        return agent.errors();
    }

    /**
     * Test hook: runs {@code command} on the agent's thread.
     */
    boolean submitToAgent(final Runnable command)
    {
        return agent.submit(command);
    }

    /**
     * Test hook: sends a control message of raw TLV bytes to the peer on its current session.
     */
    boolean sendControl(final String peerName, final byte[] tlvs)
    {
        return sendRaw(peerName, TransportHeader.KIND_CONTROL, new int[] {0}, new byte[][] {tlvs});
    }

    /**
     * Test hook: sends transport messages of {@code kind} with raw payloads (message i on stream
     * {@code streams[i]}) to the peer on its current session; a test peer with a real key and a hostile wire.
     */
    boolean sendRaw(final String peerName, final int kind, final int[] streams, final byte[][] payloads)
    {
        final Peer peer = peers.byName(peerName);
        return peer != null && agent.sendRaw(peer, kind, streams, payloads);
    }

    // ---- FEC and impairment settings (control thread) ----

    /**
     * Changes the FEC of the port (from each loop's next block on).
     */
    public void fec(final FecSpec next)
    {
        fec.port(next);
    }

    public FecSpec fec()
    {
        return fec.port();
    }

    /**
     * Changes the impairment of the port's outgoing packets (each loop takes it with its next packet).
     */
    public void impairment(final ImpairmentSpec next)
    {
        send.impairment(next);
    }

    public ImpairmentSpec impairment()
    {
        return send.impairment();
    }

    public ImpairmentCounters impairmentCounters()
    {
        return send.impairmentCounters();
    }

    /**
     * The Reed-Solomon loop FEC codes with now, and for a loop still warming up, how that went.
     */
    public String codingLoopDescription()
    {
        return fec.codingLoopDescription();
    }

    /**
     * @return the (k, m) a peer is sent with now.
     */
    public FecSpec fecFor(final String peerName)
    {
        final Peer peer = peers.byName(peerName);
        return peer == null ? FecSpec.OFF : fec.effective(peer);
    }

    /**
     * Sets one peer's FEC (null: back to the port's), from each loop's next block on.
     *
     * @return false if there is no such peer.
     */
    public boolean fec(final String peerName, final FecSpec next)
    {
        final Peer peer = peers.byName(peerName);
        if (peer == null)
        {
            return false;
        }
        peer.ownFec = next;
        return true;
    }

    /**
     * @return FEC decoding counters of frames from {@code peerName}, summed over loops: {received shards,
     * recovered frames, unrecoverable frames, nanoseconds the recovered frames waited for their rebuild}; zeros if
     * none.
     */
    public long[] fecDecoded(final String peerName)
    {
        final Peer peer = peers.byName(peerName);
        return peer == null ? new long[4] : fec.decoded(peer);
    }

    /**
     * @return what the handshake DoS defence did, by counter label ({@code handshake_mac1_bad}, {@code cookie_sent},
     * ...), and whether the responder is under load now ({@code under_load}, 0 or 1).
     */
    public java.util.Map<String, Long> handshakeCounters()
    {
        final java.util.Map<String, Long> result = handshakeCounters.snapshot();
        result.put("under_load", gate.underLoad(System.nanoTime()) ? 1L : 0L);
        return result;
    }

    /**
     * @return bytes the FEC decoders of {@code peerName} hold now (-1 for no such peer), or of all peers when
     * {@code peerName} is null; bounded by {@link #FEC_PEER_MEMORY} and {@link #FEC_PORT_MEMORY}.
     */
    public long fecDecoderMemory(final String peerName)
    {
        if (peerName == null)
        {
            return fec.memoryInUse();
        }
        final Peer peer = peers.byName(peerName);
        return peer == null ? -1 : peer.fecMemory.used();
    }

    @Override
    public void close()
    {
        resolver.close();
        agent.stop();
        fec.close(peers.peers());
        sockets.close();
        arena.close();
    }
}
