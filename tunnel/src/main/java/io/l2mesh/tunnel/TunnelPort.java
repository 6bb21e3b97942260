package io.l2mesh.tunnel;

import io.l2mesh.switching.buffer.FrameBatch;
import io.l2mesh.switching.buffer.LoopMemory;
import io.l2mesh.switching.frame.EthernetFlyweight;
import io.l2mesh.switching.offload.VirtioNetHeader;
import io.l2mesh.switching.port.Port;
import io.l2mesh.switching.stats.DropReason;
import io.l2mesh.switching.stats.PortCounters;
import io.l2mesh.tunnel.noise.Handshake;
import io.l2mesh.tuntap.Errno;
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
 * seals and opens in its own heap buffer (the JDK's AEAD runs on {@code byte[]}; the socket calls reach the
 * array directly through critical downcalls, so a frame is copied once each way, slot to buffer or back).
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

    private final TunnelPortSpec spec;
    private final UdpSocket[] sockets;
    private final Peer[] peers;
    private final NonBlockingHashMapLong<Session> sessions = new NonBlockingHashMapLong<>();
    private final NonBlockingHashMapLong<Peer> peerByMac = new NonBlockingHashMapLong<>();
    private final LoopBuffers[] buffers;
    private final HandshakeAgent agent;
    private final Arena arena = Arena.ofShared();

    /**
     * One loop's work buffer (heap, for the AEAD) and its receive address scratch (native).
     */
    private static final class LoopBuffers
    {
        final byte[] work = new byte[MAX_MESSAGE + 64];
        final MemorySegment workSegment = MemorySegment.ofArray(work);
        final byte[] plain = new byte[MAX_MESSAGE]; // a flooded frame, kept while each peer's copy is sealed
        final MemorySegment from;
        final MemorySegment fromLength;

        LoopBuffers(final Arena arena)
        {
            from = arena.allocate(SocketAddresses.MAX_LENGTH, 8);
            fromLength = arena.allocate(ValueLayout.JAVA_INT);
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
            peers[i] = new Peer(peerSpecs.get(i), loopCount + 1);
        }
        this.buffers = new LoopBuffers[loopCount];
        for (int i = 0; i < loopCount; i++)
        {
            buffers[i] = new LoopBuffers(arena);
        }
        this.agent = new HandshakeAgent(spec, new Handshake(spec.suite(), spec.identity()), peers, sessions,
            sockets[0], loopCount, counters());
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
        final byte[] work = loop.work;
        final long[] portSlots = counters().loopSlots(loopId);
        final MemorySegment slots = memory.segment();
        int datagrams = 0;
        while (batch.count() < batch.capacity() && datagrams++ < 2 * batch.capacity())
        {
            loop.fromLength.set(ValueLayout.JAVA_INT, 0, SocketAddresses.MAX_LENGTH);
            final long n = sockets[loopId].receive(errno, loop.workSegment, loop.from.address(),
                loop.fromLength.address());
            if (n <= 0)
            {
                break;
            }
            final int length = (int)n;
            if (work[0] == TransportHeader.TYPE && length >= TransportHeader.LENGTH + 16 &&
                TransportHeader.validPrefix(work))
            {
                final int frameLength = openTransport(loopId, loop, length, portSlots);
                if (frameLength > 0)
                {
                    final long header = memory.headerOffset(batch.count());
                    VirtioNetHeader.clear(slots, header);
                    MemorySegment.copy(loop.workSegment, TransportHeader.LENGTH, slots,
                        header + VirtioNetHeader.LENGTH, frameLength);
                    batch.add(header, frameLength);
                }
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
        return batch.count();
    }

    /**
     * @return the frame's length (at {@link TransportHeader#LENGTH} of the work buffer), or 0 if there is no
     * frame to forward (a keepalive, or a drop already counted).
     */
    private int openTransport(final int loopId, final LoopBuffers loop, final int length, final long[] portSlots)
    {
        final Session session = sessions.get(Integer.toUnsignedLong(TransportHeader.receiverIndex(loop.work)));
        if (session == null)
        {
            PortCounters.drop(portSlots, DropReason.UNKNOWN_PEER);
            return 0;
        }
        final Peer peer = session.peer;
        final long[] peerSlots = peer.counters.loopSlots(loopId);
        final int plain = session.open(loopId, loop.work, length);
        if (plain < 0)
        {
            final DropReason reason = plain == Session.REPLAYED ? DropReason.REPLAY : DropReason.DECRYPT;
            PortCounters.drop(portSlots, reason);
            PortCounters.drop(peerSlots, reason);
            return 0;
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
            return 0; // keepalive
        }
        if (plain < EthernetFlyweight.HEADER_LENGTH)
        {
            PortCounters.drop(portSlots, DropReason.MALFORMED);
            return 0;
        }
        PortCounters.add(peerSlots, PortCounters.RX_PACKETS, 1);
        PortCounters.add(peerSlots, PortCounters.RX_BYTES, plain);
        learn(EthernetFlyweight.readMac(loop.workSegment, TransportHeader.LENGTH + 6), peer);
        return plain;
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
        if (length > MAX_MESSAGE - TransportHeader.LENGTH - 16)
        {
            return -Errno.EMSGSIZE;
        }
        MemorySegment.copy(NativeMemory.ALL, address, loop.workSegment, TransportHeader.LENGTH, length);
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
            if (TransportHeader.LENGTH + length + part > MAX_MESSAGE - 16)
            {
                return -Errno.EMSGSIZE;
            }
            MemorySegment.copy(NativeMemory.ALL, base, loop.workSegment, TransportHeader.LENGTH + length, part);
            length += part;
        }
        return transmit(loopId, loop, length, errno);
    }

    /**
     * Sends the frame in the work buffer to the peer its destination MAC was learned from, or to every peer.
     * Sealing encrypts in place, so a flooded frame is kept aside and put back for each peer.
     */
    private long transmit(final int loopId, final LoopBuffers loop, final int length, final MemorySegment errno)
    {
        final long destination = EthernetFlyweight.readMac(loop.workSegment, TransportHeader.LENGTH);
        final Peer known = EthernetFlyweight.isMulticast(destination) ? null : peerByMac.get(destination);
        if (known != null)
        {
            return sendTo(loopId, loop, known, length, errno);
        }
        if (peers.length > 1)
        {
            System.arraycopy(loop.work, TransportHeader.LENGTH, loop.plain, 0, length);
        }
        long result = -Errno.ENOTCONN;
        for (int i = 0; i < peers.length; i++)
        {
            if (i > 0)
            {
                System.arraycopy(loop.plain, 0, loop.work, TransportHeader.LENGTH, length);
            }
            final long sent = sendTo(loopId, loop, peers[i], length, errno);
            if (sent > 0 || result == -Errno.ENOTCONN)
            {
                result = sent;
            }
        }
        return result;
    }

    private long sendTo(final int loopId, final LoopBuffers loop, final Peer peer, final int length,
        final MemorySegment errno)
    {
        final Session session = peer.current();
        final MemorySegment endpoint = peer.endpoint();
        final long now = System.nanoTime();
        if (session == null || endpoint == null || !session.usable(now, agent.rejectAfterNanos()))
        {
            if (peer.handshakeWanted.compareAndSet(false, true))
            {
                agent.wake();
            }
            PortCounters.drop(peer.counters.loopSlots(loopId), DropReason.NOT_CONNECTED);
            return -Errno.ENOTCONN;
        }
        final int message = session.seal(loopId, loop.work, length);
        if (message < 0)
        {
            peer.handshakeWanted.set(true);
            return -Errno.ENOTCONN;
        }
        final long sent = sockets[loopId].sendTo(errno, loop.workSegment, message, endpoint.address(),
            (int)endpoint.byteSize());
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

    @Override
    public void close()
    {
        agent.stop();
        for (final UdpSocket socket : sockets)
        {
            socket.close();
        }
        arena.close();
    }
}
