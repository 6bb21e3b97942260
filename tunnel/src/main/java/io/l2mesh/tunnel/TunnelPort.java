package io.l2mesh.tunnel;

import io.l2mesh.switching.buffer.FrameBatch;
import io.l2mesh.switching.buffer.LoopMemory;
import io.l2mesh.switching.frame.EthernetFlyweight;
import io.l2mesh.switching.offload.VirtioNetHeader;
import io.l2mesh.switching.port.Port;
import io.l2mesh.switching.stats.DropReason;
import io.l2mesh.switching.stats.PortCounters;
import io.l2mesh.fec.CodingLoop;
import io.l2mesh.fec.CodingLoops;
import io.l2mesh.fec.WarmingCodingLoop;
import io.l2mesh.fec.stream.FecEncoder;
import io.l2mesh.fec.stream.FrameSink;
import io.l2mesh.fec.stream.ShardHeaderFlyweight;
import io.l2mesh.fec.stream.ShardSink;
import io.l2mesh.tunnel.impair.ImpairmentCounters;
import io.l2mesh.tunnel.udp.UdpGroReceive;
import io.l2mesh.tunnel.udp.UdpGsoBatch;
import io.l2mesh.tunnel.impair.ImpairmentSpec;
import io.l2mesh.tunnel.impair.ImpairmentStage;
import io.l2mesh.tunnel.noise.CipherSuite;
import io.l2mesh.tunnel.noise.Handshake;
import io.l2mesh.tuntap.Errno;
import io.l2mesh.tuntap.NativeMemory;
import io.l2mesh.tuntap.SocketAddresses;
import io.l2mesh.tuntap.UdpSocket;
import org.jctools.maps.NonBlockingHashMapLong;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

/**
 * An encrypted tunnel into a mesh of l2mesh nodes, as one switch port: frames go to peers over UDP in
 * WireGuard-style transport messages (Noise_IKpsk2 sessions, {@link Session}), one peer per destination MAC
 * learned from what it sent us, or every peer with a session for a flood. Being a tunnel port, what comes in
 * from one peer is never flooded back into the mesh (split horizon), so a full mesh has no loops.
 * <p>
 * <b>Threads.</b> Each datapath loop reads and sends through its own socket of an {@code SO_REUSEPORT} group and
 * seals and opens in its own heap buffer (the JDK's AEAD runs on {@code byte[]}). A frame is copied twice each
 * way: out, from its slot into the buffer (sealed there in place) and then into the burst's UDP GSO batch
 * ({@code UdpGsoBatch}); in, out of the UDP GRO buffer into the heap buffer (opened there) and then into a slot.
 * Handshake messages are copied to the {@link HandshakeAgent}'s bounded queue and never processed on a loop;
 * the agent makes sessions, sends keepalives and retires what expired.
 * <p>
 * <b>Drops</b> (port counters): {@code unknown_peer} (no session has that index), {@code decrypt_failed},
 * {@code replayed}, {@code malformed}, {@code handshake} (refused or over budget), and for sends
 * {@code not_connected} (no session with the peer yet: the agent is asked for one).
 */
public final class TunnelPort extends Port
{
    static final int MAX_MESSAGE = 65_535;
    /** Where a frame to send goes in the work buffer: after the transport header and an FEC shard header. */
    static final int FRAME_AT = TransportHeader.LENGTH + ShardHeaderFlyweight.DATA_OVERHEAD;
    static final int MAX_FRAME = MAX_MESSAGE - FRAME_AT - CipherSuite.TAG_LENGTH - 8;
    /** Gather a burst's datagrams to a peer into one UDP GSO send (off only to measure against it). */
    static final boolean GSO_SEND = !Boolean.getBoolean("l2mesh.tunnel.noGso");
    private static final java.lang.invoke.VarHandle LOSS_PPM =
        java.lang.invoke.MethodHandles.byteArrayViewVarHandle(int[].class, java.nio.ByteOrder.LITTLE_ENDIAN);

    private final TunnelPortSpec spec;
    private final UdpSocket[] sockets;
    private final Peer[] peers;
    private final NonBlockingHashMapLong<Session> sessions = new NonBlockingHashMapLong<>();
    private final NonBlockingHashMapLong<Peer> peerByMac = new NonBlockingHashMapLong<>();
    private final LoopBuffers[] buffers;
    private final HandshakeAgent agent;
    private final Arena arena = Arena.ofShared();
    private final CodingLoop codingLoop = CodingLoops.preferred();
    private final PeerFec[][] fecByLoop; // [loop][peer], made by that loop when first needed
    private final ImpairmentCounters impairmentCounters;
    private final ImpairmentStage[] stages;
    private final UdpGroReceive[] gro; // per loop, null where GRO is off (the kernel refused, or bursts under 64)
    private volatile FecSpec fec;
    private volatile ImpairmentSpec impairment = ImpairmentSpec.NONE;

    /**
     * One loop's work buffer (heap, for the AEAD) and its receive address scratch (native). A frame to send is
     * put at {@link #FRAME_AT}: room before it for an FEC shard header and, before that, the transport header.
     */
    private final class LoopBuffers implements ShardSink, FrameSink
    {
        final int loopId;
        final byte[] work = new byte[MAX_MESSAGE + 64];
        final MemorySegment workSegment = MemorySegment.ofArray(work);
        /** The work buffer from where a plain frame's message starts (its header right before the frame). */
        final MemorySegment plainMessage = workSegment.asSlice(FRAME_AT - TransportHeader.LENGTH);
        final byte[] plain = new byte[MAX_MESSAGE]; // a flooded frame, kept while each peer's copy is sealed
        final UdpGsoBatch gso;
        final MemorySegment from;
        final MemorySegment fromLength;
        // Context of the current FEC call (loop thread only).
        Peer peer;
        MemorySegment errno;
        LoopMemory memory;
        FrameBatch batch;

        LoopBuffers(final int loopId, final Arena arena)
        {
            this.loopId = loopId;
            this.gso = new UdpGsoBatch(arena);
            from = arena.allocate(SocketAddresses.MAX_LENGTH, 8);
            fromLength = arena.allocate(ValueLayout.JAVA_INT);
        }

        /**
         * An FEC shard to send to {@link #peer}: data shards are already at {@code TransportHeader.LENGTH} of the
         * work buffer; parity shards are copied there.
         */
        @Override
        public void onShard(final MemorySegment segment, final long offset, final int length)
        {
            if (segment != workSegment || offset != TransportHeader.LENGTH)
            {
                MemorySegment.copy(segment, offset, workSegment, TransportHeader.LENGTH, length);
            }
            sendSealed(this, peer, 0, TransportHeader.KIND_SHARD, length, errno);
        }

        /**
         * A frame the FEC decoder delivers (received, or rebuilt from parity): into the burst.
         */
        @Override
        public void onFrame(final MemorySegment segment, final long offset, final int length, final boolean rebuilt)
        {
            deliver(this, segment, offset, length);
        }
    }

    private TunnelPort(final int id, final TunnelPortSpec spec, final UdpSocket[] sockets, final int loopCount,
        final int burstSize)
    {
        // One counter slot more than there are loops: the handshake agent's (its drops show in the port's stats).
        super(id, spec.name(), spec.vlanRules(), spec.mtu(), false, loopCount + 1, burstSize);
        this.spec = spec;
        this.sockets = sockets;
        final List<PeerSpec> peerSpecs = spec.peers();
        this.peers = new Peer[peerSpecs.size()];
        for (int i = 0; i < peers.length; i++)
        {
            peers[i] = new Peer(peerSpecs.get(i), loopCount + 1, i);
        }
        this.buffers = new LoopBuffers[loopCount];
        for (int i = 0; i < loopCount; i++)
        {
            buffers[i] = new LoopBuffers(i, arena);
        }
        this.fecByLoop = new PeerFec[loopCount][peers.length];
        this.fec = spec.fec();
        this.impairment = spec.impairment();
        this.impairmentCounters = new ImpairmentCounters(loopCount);
        this.gro = new UdpGroReceive[loopCount];
        for (int i = 0; i < loopCount; i++)
        {
            if (GSO_SEND && burstSize >= UdpSocket.MAX_SEGMENTS && sockets[i].enableGro())
            {
                gro[i] = new UdpGroReceive(arena);
            }
        }
        this.stages = new ImpairmentStage[loopCount];
        for (int i = 0; i < loopCount; i++)
        {
            stages[i] = new ImpairmentStage(impairmentCounters, i);
        }
        this.agent = new HandshakeAgent(spec, new Handshake(spec.suite(), spec.identity()), peers, sessions,
            sockets[0], loopCount, counters(), this);
    }

    /**
     * Binds one socket per loop, builds the port and starts its handshake agent (which contacts every peer
     * with a known endpoint at once).
     */
    public static TunnelPort open(final int id, final TunnelPortSpec spec, final int loopCount, final int burstSize)
    {
        final UdpSocket[] sockets = new UdpSocket[loopCount];
        try
        {
            for (int i = 0; i < loopCount; i++)
            {
                sockets[i] = UdpSocket.bind(spec.local(), true, 4 << 20);
            }
            final TunnelPort port = new TunnelPort(id, spec, sockets, loopCount, burstSize);
            port.agent.start();
            return port;
        }
        catch (final RuntimeException ex)
        {
            for (final UdpSocket socket : sockets)
            {
                if (socket != null)
                {
                    socket.close();
                }
            }
            throw ex;
        }
    }

    public TunnelPortSpec spec()
    {
        return spec;
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
    public String kind()
    {
        return "tunnel";
    }

    @Override
    public boolean isTunnel()
    {
        return true;
    }

    @Override
    public String endpoint()
    {
        int up = 0;
        for (final Peer peer : peers)
        {
            up += peer.current() != null ? 1 : 0;
        }
        return spec.local().getAddress().getHostAddress() + ":" + spec.local().getPort() + ", " + up + "/" +
            peers.length + " peer(s) up";
    }

    @Override
    public int ingressFd(final int loopId)
    {
        return sockets[loopId].fd();
    }

    /**
     * @return a snapshot of every peer's state, for the control plane.
     */
    public List<PeerStatus> peerStatus()
    {
        final long now = System.nanoTime();
        return java.util.Arrays.stream(peers).map(p -> PeerStatus.of(p, now)).toList();
    }

    /**
     * @return the name of the peer {@code mac} was last seen behind, or null.
     */
    public String peerOf(final long mac)
    {
        final Peer peer = peerByMac.get(mac);
        return peer == null ? null : peer.name();
    }

    @Override
    public int receive(final int loopId, final LoopMemory memory, final FrameBatch batch, final MemorySegment errno)
    {
        final LoopBuffers loop = buffers[loopId];
        final long[] portSlots = counters().loopSlots(loopId);
        loop.memory = memory;
        loop.batch = batch;
        loop.errno = errno;
        // An FEC shard can release a whole block of rebuilt frames: keep room for them in the burst.
        // (Room for the largest k any peer may use.)
        final int limit = fec.on() || anyPeerFec() ? Math.max(1, batch.capacity() - FecSpec.MAX_K) : batch.capacity();
        if (gro[loopId] != null)
        {
            receiveCoalesced(loopId, loop, limit, portSlots, errno);
            return batch.count();
        }
        int datagrams = 0;
        while (batch.count() < limit && datagrams++ < 2 * batch.capacity())
        {
            loop.fromLength.set(ValueLayout.JAVA_INT, 0, SocketAddresses.MAX_LENGTH);
            final long n = sockets[loopId].receive(errno, loop.workSegment, loop.from.address(),
                loop.fromLength.address());
            if (n <= 0)
            {
                break;
            }
            onDatagram(loopId, loop, (int)n, portSlots);
        }
        return batch.count();
    }

    /**
     * One {@code recvmsg} per call (epoll calls again while more waits): up to 64 datagrams of one flow, each
     * copied to the work buffer and handled like a single one. When the burst fills first (FEC keeps room for
     * rebuilt frames), the rest waits for the next call, which the loop makes at once ({@link #pendingInput}).
     */
    private void receiveCoalesced(final int loopId, final LoopBuffers loop, final int limit, final long[] portSlots,
        final MemorySegment errno)
    {
        final UdpGroReceive rx = gro[loopId];
        if (!rx.pending())
        {
            final long n = rx.receive(sockets[loopId], errno);
            if (n <= 0)
            {
                return;
            }
            final int fromLength = rx.fromLength();
            MemorySegment.copy(rx.from, 0, loop.from, 0, fromLength);
            loop.fromLength.set(ValueLayout.JAVA_INT, 0, fromLength);
        }
        final int size = rx.segmentSize();
        while (rx.next < rx.received() && loop.batch.count() < limit)
        {
            final int length = Math.min(size, rx.received() - rx.next);
            MemorySegment.copy(rx.buffer, rx.next, loop.workSegment, 0, length);
            rx.next += length;
            onDatagram(loopId, loop, length, portSlots);
        }
    }

    @Override
    public boolean pendingInput(final int loopId)
    {
        return gro[loopId] != null && gro[loopId].pending();
    }

    private void onDatagram(final int loopId, final LoopBuffers loop, final int length, final long[] portSlots)
    {
        final byte[] work = loop.work;
        if (work[0] == TransportHeader.TYPE && length >= TransportHeader.LENGTH + 16 &&
            TransportHeader.validPrefix(work))
        {
            openTransport(loopId, loop, length, portSlots);
        }
        else if ((work[0] == Handshake.TYPE_INITIATION && length == Handshake.INITIATION_LENGTH) ||
            (work[0] == Handshake.TYPE_RESPONSE && length == Handshake.RESPONSE_LENGTH))
        {
            if (!agent.offer(work, length, loop.from, loop.fromLength.get(ValueLayout.JAVA_INT, 0)))
            {
                PortCounters.drop(portSlots, DropReason.HANDSHAKE);
            }
        }
        else
        {
            PortCounters.drop(portSlots, DropReason.MALFORMED);
        }
    }

    /**
     * Opens a transport message in the work buffer and passes its frame (or FEC shard) on.
     */
    private void openTransport(final int loopId, final LoopBuffers loop, final int length, final long[] portSlots)
    {
        final Session session = sessions.get(Integer.toUnsignedLong(TransportHeader.receiverIndex(loop.work)));
        if (session == null)
        {
            PortCounters.drop(portSlots, DropReason.UNKNOWN_PEER);
            return;
        }
        final Peer peer = session.peer;
        final long[] peerSlots = peer.counters.loopSlots(loopId);
        final int plain = session.open(loopId, loop.work, length);
        if (plain < 0)
        {
            final DropReason reason = plain == Session.REPLAYED ? DropReason.REPLAY : DropReason.DECRYPT;
            PortCounters.drop(portSlots, reason);
            PortCounters.drop(peerSlots, reason);
            return;
        }
        final long now = System.nanoTime();
        peer.received(now);
        peer.noteSource(loop.from, loop.fromLength.get(ValueLayout.JAVA_INT, 0)); // authenticated: may roam
        final Session current = peer.current();
        if (current != session && (current == null || session.createdNanos > current.createdNanos))
        {
            peer.current(session); // the peer uses the newer keys: so do we (the responder's confirmation)
        }
        if (plain == 0)
        {
            return; // keepalive
        }
        loop.peer = peer;
        final int kind = TransportHeader.kind(loop.work);
        if (kind == TransportHeader.KIND_REPORT)
        {
            if (plain >= 4)
            {
                peer.reportedLossPpm = (int)LOSS_PPM.get(loop.work, TransportHeader.LENGTH);
                peer.reports++;
                agent.wake();
            }
            return;
        }
        if (kind == TransportHeader.KIND_SHARD)
        {
            peerFec(loopId, peer).decoder(TransportHeader.stream(loop.work))
                .onShard(loop.workSegment, TransportHeader.LENGTH, plain);
        }
        else
        {
            deliver(loop, loop.workSegment, TransportHeader.LENGTH, plain);
        }
    }

    /**
     * Puts a frame from {@link LoopBuffers#peer} into the current burst and learns its source MAC.
     */
    private void deliver(final LoopBuffers loop, final MemorySegment segment, final long offset, final int length)
    {
        final long[] portSlots = counters().loopSlots(loop.loopId);
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
        final long header = loop.memory.headerOffset(batch.count());
        final MemorySegment slots = loop.memory.segment();
        VirtioNetHeader.clear(slots, header);
        MemorySegment.copy(segment, offset, slots, header + VirtioNetHeader.LENGTH, length);
        batch.add(header, length);
        final long[] peerSlots = loop.peer.counters.loopSlots(loop.loopId);
        PortCounters.add(peerSlots, PortCounters.RX_PACKETS, 1);
        PortCounters.add(peerSlots, PortCounters.RX_BYTES, length);
        learn(EthernetFlyweight.readMac(slots, header + VirtioNetHeader.LENGTH + 6), loop.peer);
    }

    private PeerFec peerFec(final int loopId, final Peer peer)
    {
        final int index = peer.index;
        PeerFec state = fecByLoop[loopId][index];
        if (state == null)
        {
            state = new PeerFec(codingLoop, spec.mtu() + EthernetFlyweight.HEADER_LENGTH +
                EthernetFlyweight.VLAN_TAG_LENGTH, buffers[loopId]);
            fecByLoop[loopId][index] = state;
        }
        return state;
    }

    private void learn(final long mac, final Peer peer)
    {
        if (!EthernetFlyweight.isMulticast(mac) && peerByMac.get(mac) != peer &&
            (peerByMac.size() < 65_536 || peerByMac.containsKey(mac)))
        {
            peerByMac.put(mac, peer);
        }
    }

    @Override
    public long send(final int loopId, final long address, final int length, final MemorySegment errno)
    {
        final LoopBuffers loop = buffers[loopId];
        if (length > MAX_FRAME)
        {
            return -Errno.EMSGSIZE;
        }
        MemorySegment.copy(NativeMemory.ALL, address, loop.workSegment, FRAME_AT, length);
        return transmit(loopId, loop, length, errno);
    }

    @Override
    public long sendv(final int loopId, final long iovAddress, final int iovCount, final MemorySegment errno)
    {
        final LoopBuffers loop = buffers[loopId];
        int length = 0;
        for (int i = 0; i < iovCount; i++)
        {
            final long base = NativeMemory.ALL.get(ValueLayout.JAVA_LONG_UNALIGNED, iovAddress + i * 16L);
            final int part = (int)NativeMemory.ALL.get(ValueLayout.JAVA_LONG_UNALIGNED, iovAddress + i * 16L + 8);
            if (length + part > MAX_FRAME)
            {
                return -Errno.EMSGSIZE;
            }
            MemorySegment.copy(NativeMemory.ALL, base, loop.workSegment, FRAME_AT + length, part);
            length += part;
        }
        return transmit(loopId, loop, length, errno);
    }

    /**
     * Sends the frame at {@link #FRAME_AT} of the work buffer to the peer its destination MAC was learned from,
     * or to every peer. Sealing encrypts in place, so a flooded frame is kept aside and put back for each peer.
     */
    private long transmit(final int loopId, final LoopBuffers loop, final int length, final MemorySegment errno)
    {
        final long destination = EthernetFlyweight.readMac(loop.workSegment, FRAME_AT);
        final Peer known = EthernetFlyweight.isMulticast(destination) ? null : peerByMac.get(destination);
        if (known != null)
        {
            return sendFrame(loopId, loop, known, length, errno);
        }
        if (peers.length > 1)
        {
            System.arraycopy(loop.work, FRAME_AT, loop.plain, 0, length);
        }
        long result = -Errno.ENOTCONN;
        for (int i = 0; i < peers.length; i++)
        {
            if (i > 0)
            {
                System.arraycopy(loop.plain, 0, loop.work, FRAME_AT, length);
            }
            final long sent = sendFrame(loopId, loop, peers[i], length, errno);
            if (sent > 0 || result == -Errno.ENOTCONN)
            {
                result = sent;
            }
        }
        return result;
    }

    /**
     * Sends one frame to one peer: as it is, or as an FEC data shard (the encoder folds it into the block's
     * parity and calls back {@link LoopBuffers#onShard}).
     */
    private long sendFrame(final int loopId, final LoopBuffers loop, final Peer peer, final int length,
        final MemorySegment errno)
    {
        final Session session = peer.current();
        final long now = System.nanoTime();
        if (session == null || peer.endpoint() == null || !session.usable(now, agent.rejectAfterNanos()))
        {
            if (peer.handshakeWanted.compareAndSet(false, true))
            {
                agent.wake();
            }
            PortCounters.drop(peer.counters.loopSlots(loopId), DropReason.NOT_CONNECTED);
            return -Errno.ENOTCONN;
        }
        final FecSpec fecNow = effectiveFec(peer);
        final long sent;
        if (fecNow.on())
        {
            loop.peer = peer;
            loop.errno = errno;
            peerFec(loopId, peer).encoder(fecNow, loop).onFrame(loop.workSegment, FRAME_AT, length, now);
            sent = length; // losses past this point are the link's, which the FEC is for
        }
        else
        {
            sent = sendSealed(loop, peer, FRAME_AT - TransportHeader.LENGTH, TransportHeader.KIND_FRAME, length,
                errno);
        }
        if (sent > 0)
        {
            final long[] peerSlots = peer.counters.loopSlots(loopId);
            PortCounters.add(peerSlots, PortCounters.TX_PACKETS, 1);
            PortCounters.add(peerSlots, PortCounters.TX_BYTES, length);
            peer.sent(now);
            return length;
        }
        return sent;
    }

    /**
     * Seals the payload at {@code at + 16} of the work buffer with the peer's current session and sends it,
     * through the impairment stage if one is set.
     *
     * @return bytes of payload sent, 0 if the socket was full, or {@code -errno}.
     */
    private long sendSealed(final LoopBuffers loop, final Peer peer, final int at, final int kind,
        final int payloadLength, final MemorySegment errno)
    {
        final Session session = peer.current();
        final MemorySegment endpoint = peer.endpoint();
        if (session == null || endpoint == null)
        {
            return -Errno.ENOTCONN;
        }
        final int message = session.seal(loop.loopId, loop.work, at, kind, loop.loopId, payloadLength);
        if (message < 0)
        {
            peer.handshakeWanted.set(true);
            return -Errno.ENOTCONN;
        }
        final MemorySegment from = at == 0 ? loop.workSegment : loop.plainMessage;
        final ImpairmentSpec impair = impairment;
        if (impair.isNone() && GSO_SEND)
        {
            // Gathered with the burst's other messages to this peer: one sendmsg with UDP_SEGMENT (flush()).
            final UdpGsoBatch batch = loop.gso;
            if (!batch.fits(endpoint, message))
            {
                countFailed(loop.loopId, batch.send(sockets[loop.loopId], errno));
            }
            batch.add(from, 0, message, endpoint);
            return payloadLength;
        }
        if (!impair.isNone())
        {
            final int action = stages[loop.loopId].apply(impair, loop.work, at, message, endpoint, System.nanoTime());
            if (action != ImpairmentStage.SEND)
            {
                return payloadLength; // lost on the "link", or held to be sent by the timer
            }
            if (stages[loop.loopId].duplicates() > 0)
            {
                sockets[loop.loopId].sendTo(errno, from, message, endpoint.address(), (int)endpoint.byteSize());
            }
        }
        final long sent = sockets[loop.loopId].sendTo(errno, from, message, endpoint.address(),
            (int)endpoint.byteSize());
        return sent > 0 ? payloadLength : sent;
    }

    @Override
    public void flush(final int loopId, final MemorySegment errno)
    {
        countFailed(loopId, buffers[loopId].gso.send(sockets[loopId], errno));
    }

    /**
     * Batched datagrams the kernel would not take were counted as sent when they were gathered: count them
     * again as drops, so the loss is not silent.
     */
    private void countFailed(final int loopId, final int failed)
    {
        if (failed > 0)
        {
            PortCounters.drop(counters().loopSlots(loopId), DropReason.TX_ERROR, failed);
        }
    }

    @Override
    public boolean hasTimers()
    {
        return fec.on() || anyPeerFec() || !impairment.isNone() || anyHeld();
    }

    private boolean anyPeerFec()
    {
        for (final Peer peer : peers)
        {
            final FecSpec own = peer.ownFec;
            if (own != null && own.on())
            {
                return true;
            }
        }
        return false;
    }

    private boolean anyHeld()
    {
        for (final ImpairmentStage stage : stages)
        {
            if (stage.heldPackets() > 0)
            {
                return true;
            }
        }
        return false;
    }

    @Override
    public long pollTimers(final int loopId, final long nowNs, final MemorySegment errno)
    {
        final LoopBuffers loop = buffers[loopId];
        long next = Long.MAX_VALUE;
        final PeerFec[] fecs = fecByLoop[loopId];
        for (int i = 0; i < fecs.length; i++)
        {
            final FecEncoder encoder = fecs[i] == null ? null : fecs[i].encoderOrNull();
            if (encoder != null)
            {
                loop.peer = peers[i];
                loop.errno = errno;
                encoder.poll(nowNs); // a block open for its timeout closes: its parity goes out now
                next = Math.min(next, encoder.deadlineNs());
            }
        }
        countFailed(loopId, loop.gso.send(sockets[loopId], errno));
        final ImpairmentStage stage = stages[loopId];
        ImpairmentStage.Held held;
        while ((held = stage.due(nowNs)) != null)
        {
            final MemorySegment to = (MemorySegment)held.destination();
            sockets[loopId].sendTo(errno, held.segment(), held.length(), to.address(), (int)to.byteSize());
            stage.release(held);
        }
        return Math.min(next, stage.deadlineNs());
    }

    /**
     * Changes the FEC of the port (from each loop's next block on).
     */
    public void fec(final FecSpec next)
    {
        fec = next;
    }

    public FecSpec fec()
    {
        return fec;
    }

    /**
     * Changes the impairment of the port's outgoing packets (each loop takes it with its next packet).
     */
    public void impairment(final ImpairmentSpec next)
    {
        impairment = next;
    }

    public ImpairmentSpec impairment()
    {
        return impairment;
    }

    public ImpairmentCounters impairmentCounters()
    {
        return impairmentCounters;
    }

    /**
     * @return FEC decoding counters of frames from {@code peer}, summed over loops: {received shards, recovered
     * frames, unrecoverable frames}.
     */
    long[] fecDecoded(final Peer peer)
    {
        final long[] sums = new long[3];
        for (final PeerFec[] loopFecs : fecByLoop)
        {
            final PeerFec state = loopFecs[peer.index];
            if (state != null)
            {
                final long[] d = state.decoded();
                for (int j = 0; j < 3; j++)
                {
                    sums[j] += d[j];
                }
            }
        }
        return sums;
    }

    /**
     * The Reed-Solomon loop FEC codes with now, and for a loop still warming up, how that went.
     */
    public String codingLoopDescription()
    {
        return codingLoop instanceof WarmingCodingLoop warming ?
            warming.name() + " (SIMD warm-up: " + warming.warmUpOutcome() + ")" : codingLoop.name();
    }

    /**
     * @return the (k, m) a peer is sent with now.
     */
    public FecSpec fecFor(final String peerName)
    {
        final Peer peer = peer(peerName);
        return peer == null ? FecSpec.OFF : effectiveFec(peer);
    }

    /**
     * Sets one peer's FEC (null: back to the port's), from each loop's next block on.
     *
     * @return false if there is no such peer.
     */
    public boolean fec(final String peerName, final FecSpec next)
    {
        final Peer peer = peer(peerName);
        if (peer == null)
        {
            return false;
        }
        peer.ownFec = next;
        return true;
    }

    private Peer peer(final String name)
    {
        for (final Peer peer : peers)
        {
            if (peer.name().equals(name))
            {
                return peer;
            }
        }
        return null;
    }

    /**
     * The peer's setting (its own, else the port's) before adaptation.
     */
    FecSpec baseFec(final Peer peer)
    {
        final FecSpec own = peer.ownFec;
        return own != null ? own : fec;
    }

    private FecSpec effectiveFec(final Peer peer)
    {
        final FecSpec base = baseFec(peer);
        final FecSpec adapted = peer.adaptedFec;
        return base.adaptive() && adapted != null && adapted.k() == base.k() ? adapted : base;
    }

    /**
     * @return FEC decoding counters of frames from {@code peerName}, summed over loops: {received shards,
     * recovered frames, unrecoverable frames}; zeros if none.
     */
    public long[] fecDecoded(final String peerName)
    {
        final Peer peer = peer(peerName);
        return peer == null ? new long[3] : fecDecoded(peer);
    }

    @Override
    public void close()
    {
        agent.stop();
        for (final PeerFec[] loopFecs : fecByLoop)
        {
            for (final PeerFec state : loopFecs)
            {
                if (state != null)
                {
                    state.close();
                }
            }
        }
        for (final UdpSocket socket : sockets)
        {
            socket.close();
        }
        arena.close();
    }
}
