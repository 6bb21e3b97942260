package io.l2mesh.tunnel;

import io.l2mesh.tunnel.noise.CipherSuite;
import io.l2mesh.tunnel.noise.Handshake;
import io.l2mesh.tuntap.Libc;
import io.l2mesh.tuntap.SocketAddresses;
import io.l2mesh.tuntap.UdpSocket;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * What the tunnel agent sends (handshake messages, keepalives, loss reports, control messages), through the
 * first loop's socket (sending on it from another thread is safe: {@code sendto} is). Agent thread only: it owns
 * the buffer and the errno capture.
 */
final class AgentSender implements AutoCloseable
{
    private final UdpSocket socket;
    /** The agent's own socket, for our initiations and the answers to them ({@link #receiveAnswer}). */
    private final UdpSocket own;
    private final byte[] in = new byte[Handshake.INITIATION_LENGTH + 1];
    private final MemorySegment inSegment = MemorySegment.ofArray(in);
    /** The agent's counter slot in each peer's and session's per-thread arrays (after the loops'). */
    final int thread;
    /** The longest payload the agent sends: control messages, and a test peer's shards of a full-sized frame. */
    static final int MAX_PAYLOAD = 2048;
    private final byte[] out = new byte[TransportHeader.LENGTH + Math.max(MAX_PAYLOAD, ControlMessage.MAX_LENGTH) +
        CipherSuite.TAG_LENGTH + 64];
    private final MemorySegment outSegment = MemorySegment.ofArray(out);
    private final Arena arena = Arena.ofShared();
    private final MemorySegment errno = Libc.newErrnoCapture(arena);

    private final MemorySegment from = arena.allocate(SocketAddresses.MAX_LENGTH, 8);
    /** Where a message for a relayed peer is wrapped for its relay ({@link TunnelRelay#wrap}). */
    private final byte[] relayOut = new byte[out.length + TunnelRelay.OVERHEAD];
    private final MemorySegment relayOutSegment = MemorySegment.ofArray(relayOut);
    private final PeerTable peers;
    /** Initiations to any peer go through the relays too from this many unanswered ones on. */
    static final int RELAY_AFTER = 3;
    private long rejectAfterNanos = Long.MAX_VALUE;
    private final MemorySegment fromLength = arena.allocate(ValueLayout.JAVA_INT);

    /**
     * @param socket the port's first loop socket: responses, keepalives and control messages go from the
     *               listen port, so the first data packet tells a peer where we are.
     * @param own    the agent's own socket on the listen address (another port): our initiations go from it, so
     *               their responses and cookie replies come back where no flood at the listen port can crowd them
     *               out.
     */
    AgentSender(final UdpSocket socket, final UdpSocket own, final int thread, final PeerTable peers)
    {
        this.peers = peers;
        this.socket = socket;
        this.own = own;
        this.thread = thread;
    }

    /**
     * Sends one of our initiations: from the agent's own socket to the peer's endpoint, or, for a peer we punch
     * holes to ({@link Peer#punches}), from the listen socket to its endpoint and every candidate at once. Those
     * go out together so that both NATs on the way hold a mapping for the same pair of addresses the data will
     * use; the first candidate whose response comes back becomes the endpoint ({@code Handshakes.complete}), and
     * a second response to the same initiation is refused. From {@link #RELAY_AFTER} unanswered initiations on
     * (or at once if the peer has no candidate), to any peer, they go through every usable relay as well, so a
     * pair no NAT lets through meets there; a relayed pair keeps trying the direct path ({@link #probeDirect}).
     *
     * @return how many datagrams went out.
     */
    int initiation(final Peer peer, final byte[] message)
    {
        final MemorySegment endpoint = peer.endpoint();
        System.arraycopy(message, 0, out, 0, message.length);
        int sent = 0;
        if (!peer.punches())
        {
            if (endpoint != null)
            {
                own.sendTo(errno, outSegment, message.length, endpoint.address(), (int)endpoint.byteSize());
                sent++;
            }
        }
        else
        {
            final PeerCandidates candidates = peer.candidates();
            if (endpoint != null && !candidates.contains(endpoint))
            {
                socket.sendTo(errno, outSegment, message.length, endpoint.address(), (int)endpoint.byteSize());
                sent++;
            }
            for (int i = 0; i < candidates.size(); i++)
            {
                final MemorySegment to = candidates.sockaddr(i);
                socket.sendTo(errno, outSegment, message.length, to.address(), (int)to.byteSize());
                sent++;
            }
        }
        if (peer.agent.unanswered >= RELAY_AFTER || sent == 0)
        {
            final long now = System.nanoTime();
            for (final Peer relay : peers.peers())
            {
                if (relay != peer && TunnelRelay.usable(relay, now, rejectAfterNanos) &&
                    relayed(relay, peer, message, message.length))
                {
                    sent++;
                }
            }
        }
        return sent;
    }

    /**
     * Sends {@code length} bytes of {@code datagram} (for {@code to}) through {@code relay}.
     */
    private boolean relayed(final Peer relay, final Peer to, final byte[] datagram, final int length)
    {
        final Session session = relay.current();
        final MemorySegment endpoint = relay.endpoint();
        if (session == null || endpoint == null)
        {
            return false;
        }
        final int wrapped = TunnelRelay.wrap(session, thread, relayOut, to, datagram, 0, length);
        if (wrapped < 0)
        {
            return false;
        }
        socket.sendTo(errno, relayOutSegment, wrapped, endpoint.address(), (int)endpoint.byteSize());
        return true;
    }

    /**
     * A peer on a relayed path: a keepalive on its session straight to each of its candidates, from the listen
     * socket. It opens our NAT's mappings towards them, and the first one that arrives moves the peer to the
     * direct path (it roams to where it came from), which moves us too when its messages come directly: the
     * session is kept all along.
     */
    void probeDirect(final Peer peer, final Session session)
    {
        final PeerCandidates candidates = peer.candidates();
        for (int i = 0; i < candidates.size(); i++)
        {
            final int length = session.seal(thread, out, 0);
            if (length <= 0)
            {
                return;
            }
            final MemorySegment to = candidates.sockaddr(i);
            socket.sendTo(errno, outSegment, length, to.address(), (int)to.byteSize());
        }
    }

    void rejectAfterNanos(final long nanos)
    {
        rejectAfterNanos = nanos;
    }

    /**
     * Reads the next datagram that came to the agent's own socket (answers to our initiations).
     *
     * @return its length (0: none waiting); the bytes are in {@link #answer()}, the source in
     * {@link #answerFrom()} ({@link #answerFromLength()} bytes).
     */
    int receiveAnswer()
    {
        fromLength.set(ValueLayout.JAVA_INT, 0, SocketAddresses.MAX_LENGTH);
        final long n = own.receive(errno, inSegment, from.address(), fromLength.address());
        return n <= 0 ? 0 : (int)n;
    }

    byte[] answer()
    {
        return in;
    }

    MemorySegment answerFrom()
    {
        return from;
    }

    int answerFromLength()
    {
        return fromLength.get(ValueLayout.JAVA_INT, 0);
    }

    /**
     * Sends a handshake message to {@code toLength} bytes of socket address at {@code to} (a response goes where
     * its initiation came from, whatever the peer's endpoint).
     */
    boolean handshakeTo(final MemorySegment to, final int toLength, final byte[] message)
    {
        if (RelayAddress.is(to, toLength))
        {
            final Peer relay = peers.byId(RelayAddress.relayId(to));
            final Peer sender = peers.byId(RelayAddress.senderId(to));
            return relay != null && sender != null && relayed(relay, sender, message, message.length);
        }
        System.arraycopy(message, 0, out, 0, message.length);
        socket.sendTo(errno, outSegment, message.length, to.address(), toLength);
        return true;
    }

    /**
     * Sends an empty transport message on {@code session}.
     */
    boolean keepalive(final Peer peer, final Session session)
    {
        if (sendOut(peer, session.seal(thread, out, 0)))
        {
            peer.sent(System.nanoTime());
            return true;
        }
        return false;
    }

    /**
     * Sends a loss report (parts per million of the peer's frames we lost before FEC) on {@code session}.
     */
    boolean report(final Peer peer, final Session session, final int lossPpm)
    {
        TransportHeader.u32(out, TransportHeader.LENGTH, lossPpm);
        return sendOut(peer, session.seal(thread, out, 0, TransportHeader.KIND_REPORT, 0, 4));
    }

    /**
     * Sends a control message on {@code session} whose TLVs {@code tlvs} writes after the transport header.
     */
    boolean control(final Peer peer, final Session session, final TlvWriter tlvs)
    {
        return message(peer, session, TransportHeader.KIND_CONTROL, 0, tlvs);
    }

    /**
     * Sends a transport message of {@code kind} and {@code stream} on {@code session}, its payload written by
     * {@code payload} after the transport header.
     */
    boolean message(final Peer peer, final Session session, final int kind, final int stream,
        final TlvWriter payload)
    {
        final int end = payload.write(out, TransportHeader.LENGTH); // writers stay within MAX_PAYLOAD
        return sendOut(peer, session.seal(thread, out, 0, kind, stream, end - TransportHeader.LENGTH));
    }

    /**
     * Writes TLVs into a buffer at an offset and returns the offset after them.
     */
    @FunctionalInterface
    interface TlvWriter
    {
        int write(byte[] buffer, int at);
    }

    /**
     * Sends the first {@code length} bytes of the buffer to the peer's endpoint, if it has one and the message
     * was made (a negative length: the session may not seal any more).
     */
    private boolean sendOut(final Peer peer, final int length)
    {
        final Peer relay = peer.relay();
        if (relay != null)
        {
            return length > 0 && relayed(relay, peer, out, length);
        }
        final MemorySegment endpoint = peer.endpoint();
        if (endpoint == null || length <= 0)
        {
            return false;
        }
        socket.sendTo(errno, outSegment, length, endpoint.address(), (int)endpoint.byteSize());
        return true;
    }

    @Override
    public void close()
    {
        own.close();
        arena.close();
    }
}
