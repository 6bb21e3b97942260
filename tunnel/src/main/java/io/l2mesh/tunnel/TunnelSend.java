package io.l2mesh.tunnel;

import io.l2mesh.fec.stream.FecEncoder;
import io.l2mesh.switching.frame.EthernetFlyweight;
import io.l2mesh.switching.stats.DropReason;
import io.l2mesh.switching.stats.PortCounters;
import io.l2mesh.tunnel.impair.ImpairmentCounters;
import io.l2mesh.tunnel.impair.ImpairmentSpec;
import io.l2mesh.tunnel.impair.ImpairmentStage;
import io.l2mesh.tunnel.udp.UdpGsoBatch;
import io.l2mesh.tunnel.udp.UdpLoopSockets;
import io.l2mesh.tuntap.Errno;
import io.l2mesh.tuntap.NativeMemory;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The send path of a tunnel port, run by each loop on its own socket: frame -> peer (the one its destination MAC
 * was learned behind, or every peer for a flood) -> FEC encoder, if on -> seal in place -> the burst's UDP GSO
 * batch (one {@code sendmsg} per peer and burst), or through the impairment stage when one is set.
 * <p>
 * Copies per frame: from its slot into the loop's heap work buffer (the JDK's AEAD works on {@code byte[]}),
 * sealed there, then into the GSO batch; a flood keeps the plain frame aside and puts it back for each peer.
 * Allocation: none of ours; the JDK's AEAD makes garbage per message (docs/BENCHMARKS.md).
 * <p>
 * Drops: {@code not_connected} (no session with the peer yet: the agent is asked for one), and batched
 * datagrams the kernel refused ({@code tx_error}).
 */
final class TunnelSend
{
    /** Gather a burst's datagrams to a peer into one UDP GSO send (off only to measure against it). */
    static final boolean GSO_SEND = !Boolean.getBoolean("l2mesh.tunnel.noGso");

    private final UdpLoopSockets sockets;
    private final PortCounters portCounters;
    private final PeerTable peers;
    private final PeerByMac peerByMac;
    private final TunnelFec fec;
    private final TunnelAgent agent;
    private final ImpairmentStage[] stages;
    private final ImpairmentCounters impairmentCounters;
    private volatile ImpairmentSpec impairment;

    TunnelSend(final UdpLoopSockets sockets, final PortCounters portCounters, final PeerTable peers,
        final PeerByMac peerByMac, final TunnelFec fec, final TunnelAgent agent, final int loops,
        final ImpairmentSpec impairment)
    {
        this.sockets = sockets;
        this.portCounters = portCounters;
        this.peers = peers;
        this.peerByMac = peerByMac;
        this.fec = fec;
        this.agent = agent;
        this.impairment = impairment;
        this.impairmentCounters = new ImpairmentCounters(loops);
        this.stages = new ImpairmentStage[loops];
        for (int i = 0; i < loops; i++)
        {
            stages[i] = new ImpairmentStage(impairmentCounters, i);
        }
    }

    ImpairmentSpec impairment()
    {
        return impairment;
    }

    void impairment(final ImpairmentSpec next)
    {
        impairment = next;
    }

    ImpairmentCounters impairmentCounters()
    {
        return impairmentCounters;
    }

    long send(final TunnelLoop loop, final long address, final int length)
    {
        if (length > TunnelLoop.MAX_FRAME)
        {
            return -Errno.EMSGSIZE;
        }
        MemorySegment.copy(NativeMemory.ALL, address, loop.workSegment, TunnelLoop.FRAME_AT, length);
        return transmit(loop, length);
    }

    long sendv(final TunnelLoop loop, final long iovAddress, final int iovCount)
    {
        int length = 0;
        for (int i = 0; i < iovCount; i++)
        {
            final long base = NativeMemory.ALL.get(ValueLayout.JAVA_LONG_UNALIGNED, iovAddress + i * 16L);
            final int part = (int)NativeMemory.ALL.get(ValueLayout.JAVA_LONG_UNALIGNED, iovAddress + i * 16L + 8);
            if (length + part > TunnelLoop.MAX_FRAME)
            {
                return -Errno.EMSGSIZE;
            }
            MemorySegment.copy(NativeMemory.ALL, base, loop.workSegment, TunnelLoop.FRAME_AT + length, part);
            length += part;
        }
        return transmit(loop, length);
    }

    /**
     * Sends the frame at {@code FRAME_AT} of the work buffer to the peer its destination MAC was learned from,
     * or to every peer. Sealing encrypts in place, so a flooded frame is kept aside and put back for each peer.
     */
    private long transmit(final TunnelLoop loop, final int length)
    {
        final long destination = EthernetFlyweight.readMac(loop.workSegment, TunnelLoop.FRAME_AT);
        final Peer known = EthernetFlyweight.isMulticast(destination) ? null : peerByMac.lookup(destination);
        if (known != null)
        {
            return sendFrame(loop, known, length);
        }
        final Peer[] all = peers.peers();
        if (all.length > 1)
        {
            System.arraycopy(loop.work, TunnelLoop.FRAME_AT, loop.plain, 0, length);
        }
        long result = -Errno.ENOTCONN;
        for (int i = 0; i < all.length; i++)
        {
            if (i > 0)
            {
                System.arraycopy(loop.plain, 0, loop.work, TunnelLoop.FRAME_AT, length);
            }
            final long sent = sendFrame(loop, all[i], length);
            if (sent > 0 || result == -Errno.ENOTCONN)
            {
                result = sent;
            }
        }
        return result;
    }

    /**
     * Sends one frame to one peer: as it is, or as an FEC data shard (the encoder folds it into the block's
     * parity and calls back {@link #onShard}).
     */
    private long sendFrame(final TunnelLoop loop, final Peer peer, final int length)
    {
        final Session session = peer.current();
        final long now = System.nanoTime();
        if (session == null || peer.endpoint() == null || !session.usable(now, agent.rejectAfterNanos()))
        {
            if (peer.handshakeWanted.compareAndSet(false, true))
            {
                agent.wake();
            }
            PortCounters.drop(peer.counters.loopSlots(loop.loopId), DropReason.NOT_CONNECTED);
            return -Errno.ENOTCONN;
        }
        final FecSpec fecNow = fec.effective(peer);
        final long sent;
        if (fecNow.on())
        {
            final PeerFec state = fec.state(loop.loopId, peer, loop);
            if (state == null)
            {
                return -Errno.ENOTCONN; // removed a moment ago
            }
            loop.peer = peer;
            state.encoder(fecNow, loop).onFrame(loop.workSegment, TunnelLoop.FRAME_AT, length, now);
            sent = length; // losses past this point are the link's, which the FEC is for
        }
        else
        {
            sent = sendSealed(loop, peer, TunnelLoop.FRAME_AT - TransportHeader.LENGTH, TransportHeader.KIND_FRAME,
                length);
        }
        if (sent > 0)
        {
            final long[] peerSlots = peer.counters.loopSlots(loop.loopId);
            PortCounters.add(peerSlots, PortCounters.TX_PACKETS, 1);
            PortCounters.add(peerSlots, PortCounters.TX_BYTES, length);
            peer.sent(now);
            return length;
        }
        return sent;
    }

    /**
     * An FEC shard for the loop's current peer: data shards are already at {@code TransportHeader.LENGTH} of the
     * work buffer; parity shards are copied there.
     */
    void onShard(final TunnelLoop loop, final MemorySegment segment, final long offset, final int length)
    {
        if (segment != loop.workSegment || offset != TransportHeader.LENGTH)
        {
            MemorySegment.copy(segment, offset, loop.workSegment, TransportHeader.LENGTH, length);
        }
        sendSealed(loop, loop.peer, 0, TransportHeader.KIND_SHARD, length);
    }

    /**
     * Seals the payload at {@code at + 16} of the work buffer with the peer's current session and sends it,
     * through the impairment stage if one is set.
     *
     * @return bytes of payload sent, 0 if the socket was full, or {@code -errno}.
     */
    private long sendSealed(final TunnelLoop loop, final Peer peer, final int at, final int kind,
        final int payloadLength)
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
            final UdpGsoBatch batch = sockets.gso(loop.loopId);
            if (!batch.fits(endpoint, message))
            {
                flush(loop);
            }
            batch.add(from, 0, message, endpoint);
            return payloadLength;
        }
        if (!impair.isNone())
        {
            final ImpairmentStage stage = stages[loop.loopId];
            final int action = stage.apply(impair, loop.work, at, message, endpoint, System.nanoTime());
            if (action != ImpairmentStage.SEND)
            {
                return payloadLength; // lost on the "link", or held to be sent by the timer
            }
            if (stage.duplicates() > 0)
            {
                sockets.socket(loop.loopId).sendTo(loop.errno, from, message, endpoint.address(),
                    (int)endpoint.byteSize());
            }
        }
        final long sent = sockets.socket(loop.loopId).sendTo(loop.errno, from, message, endpoint.address(),
            (int)endpoint.byteSize());
        return sent > 0 ? payloadLength : sent;
    }

    void flush(final TunnelLoop loop)
    {
        sockets.flush(loop.loopId, portCounters.loopSlots(loop.loopId), loop.errno);
    }

    boolean hasTimers(final Peer[] all)
    {
        return fec.anyOn(all) || !impairment.isNone() || anyHeld();
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

    /**
     * Closes FEC blocks whose timeout passed (their parity goes out now), sends what the GSO batch holds, and
     * releases impaired packets that are due.
     *
     * @return the next deadline.
     */
    long pollTimers(final TunnelLoop loop, final long nowNs)
    {
        fec.closeRetired(loop.loopId);
        long next = Long.MAX_VALUE;
        for (final Peer peer : peers.peers())
        {
            final PeerFec state = peer.fec[loop.loopId];
            final FecEncoder encoder = state == null ? null : state.encoderOrNull();
            if (encoder != null)
            {
                loop.peer = peer;
                encoder.poll(nowNs);
                next = Math.min(next, encoder.deadlineNs());
            }
        }
        flush(loop);
        final ImpairmentStage stage = stages[loop.loopId];
        ImpairmentStage.Held held;
        while ((held = stage.due(nowNs)) != null)
        {
            final MemorySegment to = (MemorySegment)held.destination();
            sockets.socket(loop.loopId).sendTo(loop.errno, held.segment(), held.length(), to.address(),
                (int)to.byteSize());
            stage.release(held);
        }
        return Math.min(next, stage.deadlineNs());
    }
}
