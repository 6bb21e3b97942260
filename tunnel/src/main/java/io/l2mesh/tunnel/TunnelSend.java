package io.l2mesh.tunnel;

import io.l2mesh.fec.stream.FecEncoder;
import io.l2mesh.fec.stream.ShardHeaderFlyweight;
import io.l2mesh.switching.frame.EthernetFlyweight;
import io.l2mesh.switching.offload.Checksums;
import io.l2mesh.switching.offload.SegmentCutter;
import io.l2mesh.switching.offload.VirtioNetHeader;
import io.l2mesh.switching.stats.DropReason;
import io.l2mesh.switching.stats.PortCounters;
import io.l2mesh.tunnel.impair.ImpairmentCounters;
import io.l2mesh.tunnel.impair.ImpairmentSpec;
import io.l2mesh.tunnel.impair.ImpairmentStage;
import io.l2mesh.tunnel.noise.CipherSuite;
import io.l2mesh.tunnel.udp.UdpGsoBatch;
import io.l2mesh.tunnel.udp.UdpLoopSockets;
import io.l2mesh.tuntap.Errno;
import io.l2mesh.tuntap.NativeMemory;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The send path of a tunnel port, run by each loop on its own socket: frame -> peer (the one its destination MAC
 * was learned behind, or every peer for a flood) -> FEC encoder, if on -> seal in place -> the burst's UDP GSO
 * batch (one {@code sendmsg} per peer and burst), or through the impairment stage when one is set. The port
 * takes offloads: TCP super-frames from a TAP or VM arrive whole and are cut here, to the tunnel's MTU.
 * <p>
 * Copies per frame or segment of a super-frame, with OpenSSL's AEAD: one, to its place in the GSO batch, where it
 * is sealed ({@link #sealIntoBatch}, {@link #sealInBatch}); an FEC data shard is built there too, and a parity
 * shard is one copy from the encoder. With the JDK's AEAD (it works on {@code byte[]}) or impairment: into the
 * loop's heap work buffer, sealed there, then into the GSO batch. A flood copies from the original for each
 * peer ({@link OutgoingFrame}). Allocation: none of ours; the JDK's AEAD makes garbage per message
 * (docs/BENCHMARKS.md).
 * <p>
 * Drops: {@code not_connected} (no session with the peer yet: the agent is asked for one), {@code malformed}
 * (a super-frame or partial checksum that cannot be parsed: {@code -EBADMSG} to the switch), and batched
 * datagrams the kernel refused ({@code tx_error}).
 */
final class TunnelSend
{
    /** Gather a burst's datagrams to a peer into one UDP GSO send (off only to measure against it). */
    static final boolean GSO_SEND = !Boolean.getBoolean("l2mesh.tunnel.noGso");
    /** A transport message's bytes around its plain frame: header and tag. */
    static final int MESSAGE_OVERHEAD = TransportHeader.LENGTH + CipherSuite.TAG_LENGTH;
    /** An FEC data shard's message bytes around its frame: header, shard header and tag. */
    static final int SHARD_MESSAGE_OVERHEAD = MESSAGE_OVERHEAD + ShardHeaderFlyweight.DATA_OVERHEAD;

    private final UdpLoopSockets sockets;
    private final int mtu;
    private final PortCounters portCounters;
    private final PeerTable peers;
    private final PeerByMac peerByMac;
    private final TunnelFec fec;
    private final TunnelAgent agent;
    private final ImpairmentStage[] stages;
    private final ImpairmentCounters impairmentCounters;
    private volatile ImpairmentSpec impairment;
    /** How often each peer gets an RTT probe (the keepalive interval). */
    private final long probeIntervalNanos;

    TunnelSend(final UdpLoopSockets sockets, final int mtu, final PortCounters portCounters, final PeerTable peers,
        final PeerByMac peerByMac, final TunnelFec fec, final TunnelAgent agent, final int loops,
        final ImpairmentSpec impairment, final long probeIntervalNanos)
    {
        this.probeIntervalNanos = probeIntervalNanos;
        this.sockets = sockets;
        this.mtu = mtu;
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

    /**
     * One frame from the switch, after its virtio-net header: a GSO super-frame is cut here
     * ({@link #sendSuperFrame}); a frame whose checksum the sender left partial gets it completed in each copy,
     * since the far end writes what it receives as plain frames.
     */
    long send(final TunnelLoop loop, final long address, final int length)
    {
        final MemorySegment all = NativeMemory.ALL;
        final int frameLength = length - VirtioNetHeader.LENGTH;
        if (frameLength < EthernetFlyweight.HEADER_LENGTH)
        {
            return -Errno.EBADMSG;
        }
        if (VirtioNetHeader.gsoType(all, address) != VirtioNetHeader.GSO_NONE)
        {
            return sendSuperFrame(loop, address, frameLength);
        }
        if (frameLength > TunnelLoop.MAX_FRAME)
        {
            return -Errno.EMSGSIZE;
        }
        final long frame = address + VirtioNetHeader.LENGTH;
        final OutgoingFrame outgoing = loop.outgoing;
        outgoing.plain(frame, frameLength);
        if ((VirtioNetHeader.flags(all, address) & VirtioNetHeader.F_NEEDS_CSUM) != 0)
        {
            final int start = VirtioNetHeader.csumStart(all, address);
            final int offset = VirtioNetHeader.csumOffset(all, address);
            final int sum = Checksums.completePartial(all, frame, frameLength, start, offset);
            if (sum < 0)
            {
                return -Errno.EBADMSG;
            }
            outgoing.patch(start + offset, sum);
        }
        return transmit(loop, outgoing);
    }

    /**
     * A frame gathered from iovecs (the switch adds an 802.1Q tag this way): put together in the loop's native
     * scratch, then sent as {@link #send} would.
     */
    long sendv(final TunnelLoop loop, final long iovAddress, final int iovCount)
    {
        int length = 0;
        for (int i = 0; i < iovCount; i++)
        {
            final long base = NativeMemory.ALL.get(ValueLayout.JAVA_LONG_UNALIGNED, iovAddress + i * 16L);
            final int part = (int)NativeMemory.ALL.get(ValueLayout.JAVA_LONG_UNALIGNED, iovAddress + i * 16L + 8);
            if (length + part > TunnelLoop.GATHER_CAPACITY)
            {
                return -Errno.EMSGSIZE;
            }
            MemorySegment.copy(NativeMemory.ALL, base, loop.gather, length, part);
            length += part;
        }
        return send(loop, loop.gather.address(), length);
    }

    /**
     * Cuts a TCP super-frame into segments that fit the tunnel's MTU, each with its checksums completed. To a
     * peer whose session seals in native memory (OpenSSL), with FEC and impairment off, each segment is cut
     * straight into the UDP GSO batch after room for its transport header, and sealed there in place: one copy
     * per segment in all ({@link #sealIntoBatch}). Otherwise (a flood, FEC, the JDK's AEAD) each segment goes the
     * way of a single frame, cut wherever that frame would be copied.
     *
     * @return the super-frame's length if any segment went out, else why none did.
     */
    private long sendSuperFrame(final TunnelLoop loop, final long header, final int frameLength)
    {
        final MemorySegment all = NativeMemory.ALL;
        final int headersLength = SegmentCutter.headersLength(all, header, frameLength);
        final SegmentCutter cutter = loop.cutter;
        final long frame = header + VirtioNetHeader.LENGTH;
        final long destination = EthernetFlyweight.readMac(all, frame);
        final Peer known = EthernetFlyweight.isMulticast(destination) ? null : peerByMac.lookup(destination);
        // Through a relay a datagram is TunnelRelay.OVERHEAD bytes longer: its segments are cut that much shorter.
        final int cutMtu = known != null && known.relay() != null ? mtu - TunnelRelay.OVERHEAD : mtu;
        final DropReason refused = headersLength < 0 ? DropReason.MALFORMED : cutter.prepare(all, frame,
            frameLength, headersLength, VirtioNetHeader.gsoType(all, header), VirtioNetHeader.csumStart(all, header),
            VirtioNetHeader.gsoSize(all, header), cutMtu);
        if (refused != null)
        {
            return refused == DropReason.MTU ? -Errno.EMSGSIZE : -Errno.EBADMSG;
        }
        final int segments = cutter.count();
        PortCounters.add(portCounters.loopSlots(loop.loopId), PortCounters.TX_SOFTWARE_SEGMENTS, segments);
        final Session inPlace = known == null || fec.effective(known).on() ? null :
            sessionSealingInPlace(known, cutter.frameLength(0, false) + MESSAGE_OVERHEAD);
        if (inPlace != null)
        {
            return sealIntoBatch(loop, known, inPlace, cutter, frame) ? frameLength : -Errno.ENOTCONN;
        }
        long result = -Errno.ENOTCONN;
        final OutgoingFrame outgoing = loop.outgoing;
        for (int k = 0; k < segments; k++)
        {
            outgoing.segment(frame, k);
            final long sent = transmit(loop, outgoing);
            if (sent > 0 || result == -Errno.ENOTCONN)
            {
                result = sent > 0 ? frameLength : sent;
            }
        }
        return result;
    }

    /**
     * @return the session to seal a message of {@code messageLength} bytes to {@code peer} with where it lies in
     * the GSO batch, or null if it goes through the heap work buffer (the JDK's AEAD, impairment, no GSO, too big).
     */
    private Session sessionSealingInPlace(final Peer peer, final int messageLength)
    {
        final Session session = peer.current();
        return GSO_SEND && session != null && session.worksInPlace() && peer.endpoint() != null &&
            peer.relay() == null && impairment.isNone() && messageLength <= UdpGsoBatch.CAPACITY ? session : null;
    }

    /**
     * The prepared super-frame's segments to one peer, each cut into the GSO batch and sealed where it lies
     * ({@link #sealInBatch}, the session and endpoint checked once for all of them).
     *
     * @return false if the peer has no usable session (nothing was sent; the agent is asked for one).
     */
    private boolean sealIntoBatch(final TunnelLoop loop, final Peer peer, final Session session,
        final SegmentCutter cutter, final long frame)
    {
        final MemorySegment endpoint = peer.endpoint();
        final long now = System.nanoTime();
        final long[] peerSlots = peer.counters.loopSlots(loop.loopId);
        if (endpoint == null || !session.usable(now, agent.rejectAfterNanos()))
        {
            notConnected(loop, peer);
            return false;
        }
        final OutgoingFrame outgoing = loop.outgoing;
        int bytes = 0;
        int sent = 0;
        for (int k = 0, n = cutter.count(); k < n; k++)
        {
            outgoing.segment(frame, k);
            final long plain = sealInBatch(loop, peer, session, endpoint, outgoing, TransportHeader.KIND_FRAME);
            if (plain < 0)
            {
                break; // out of counters: the agent rekeys; the rest is lost
            }
            bytes += (int)plain;
            sent++;
        }
        PortCounters.add(peerSlots, PortCounters.TX_PACKETS, sent);
        PortCounters.add(peerSlots, PortCounters.TX_BYTES, bytes);
        peer.sent(now);
        return sent > 0;
    }

    /**
     * Sends the outgoing frame to the peer its destination MAC was learned from, or to every peer; each peer's
     * copy is made from the original.
     */
    private long transmit(final TunnelLoop loop, final OutgoingFrame outgoing)
    {
        final long destination = outgoing.destinationMac();
        final Peer known = EthernetFlyweight.isMulticast(destination) ? null : peerByMac.lookup(destination);
        if (known != null)
        {
            return sendFrame(loop, known, outgoing);
        }
        final Peer[] all = peers.peers();
        long result = -Errno.ENOTCONN;
        for (final Peer peer : all)
        {
            final long sent = sendFrame(loop, peer, outgoing);
            if (sent > 0 || result == -Errno.ENOTCONN)
            {
                result = sent;
            }
        }
        return result;
    }

    /**
     * Sends one frame to one peer: as it is, or as an FEC data shard (the encoder folds it into the block's
     * parity and calls back {@link #onShard}). Where the session seals in native memory the frame is copied
     * straight to its place in the GSO batch and sealed there; otherwise into the heap work buffer.
     */
    private long sendFrame(final TunnelLoop loop, final Peer peer, final OutgoingFrame outgoing)
    {
        final Session session = peer.current();
        final long now = System.nanoTime();
        if (session == null || peer.endpoint() == null && peer.relay() == null ||
            !session.usable(now, agent.rejectAfterNanos()))
        {
            notConnected(loop, peer);
            return -Errno.ENOTCONN;
        }
        final int length = outgoing.length();
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
            final FecEncoder encoder = state.encoder(fecNow, loop);
            if (sessionSealingInPlace(peer, SHARD_MESSAGE_OVERHEAD + length) != null)
            {
                // The data shard is built in place in the batch; onShard seals it there.
                final UdpGsoBatch batch = sockets.gso(loop.loopId);
                if (!batch.fits(peer.endpoint(), SHARD_MESSAGE_OVERHEAD + length))
                {
                    flush(loop);
                }
                final long frameAt = batch.reserve() + TunnelLoop.FRAME_AT;
                outgoing.place(NativeMemory.ALL, frameAt);
                loop.shardInBatch = frameAt - ShardHeaderFlyweight.DATA_OVERHEAD;
                encoder.onFrame(NativeMemory.ALL, frameAt, length, now);
                loop.shardInBatch = -1;
            }
            else
            {
                outgoing.place(loop.workSegment, TunnelLoop.FRAME_AT);
                encoder.onFrame(loop.workSegment, TunnelLoop.FRAME_AT, length, now);
            }
            sent = length; // losses past this point are the link's, which the FEC is for
        }
        else if (sessionSealingInPlace(peer, MESSAGE_OVERHEAD + length) != null)
        {
            sent = sealInBatch(loop, peer, session, peer.endpoint(), outgoing, TransportHeader.KIND_FRAME);
        }
        else
        {
            outgoing.place(loop.workSegment, TunnelLoop.FRAME_AT);
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
     * Copies a frame to its place in the GSO batch, seals it there and adds it.
     *
     * @return its length, or {@code -ENOTCONN} if the session may send no more.
     */
    private long sealInBatch(final TunnelLoop loop, final Peer peer, final Session session,
        final MemorySegment endpoint, final OutgoingFrame outgoing, final int kind)
    {
        final int length = outgoing.length();
        final int message = MESSAGE_OVERHEAD + length;
        final UdpGsoBatch batch = sockets.gso(loop.loopId);
        if (!batch.fits(endpoint, message))
        {
            flush(loop);
        }
        final long at = batch.reserve();
        outgoing.place(NativeMemory.ALL, at + TransportHeader.LENGTH);
        if (session.sealAt(loop.loopId, at, kind, loop.loopId, length) < 0)
        {
            peer.handshakeWanted.set(true);
            return -Errno.ENOTCONN;
        }
        batch.commit(endpoint, message);
        return length;
    }

    /**
     * No session to send on: counted, and the agent asked for a handshake.
     */
    private void notConnected(final TunnelLoop loop, final Peer peer)
    {
        if (peer.handshakeWanted.compareAndSet(false, true))
        {
            agent.wake();
        }
        PortCounters.drop(peer.counters.loopSlots(loop.loopId), DropReason.NOT_CONNECTED);
    }

    /**
     * An FEC shard for the loop's current peer. A data shard built in the GSO batch ({@link #sendFrame}) is
     * sealed where it lies; a parity shard goes to its place in the batch with one copy when the session seals
     * in native memory; otherwise either is copied to the heap work buffer (a data shard is already there).
     */
    void onShard(final TunnelLoop loop, final MemorySegment segment, final long offset, final int length)
    {
        final Peer peer = loop.peer;
        final Session session;
        if (loop.shardInBatch >= 0 && segment == NativeMemory.ALL && offset == loop.shardInBatch)
        {
            loop.shardInBatch = -1;
            final long at = offset - TransportHeader.LENGTH;
            final Session current = peer.current();
            if (current == null || current.sealAt(loop.loopId, at, TransportHeader.KIND_SHARD, loop.loopId,
                length) < 0)
            {
                peer.handshakeWanted.set(true);
                return;
            }
            sockets.gso(loop.loopId).commit(peer.endpoint(), MESSAGE_OVERHEAD + length);
        }
        else if (segment.isNative() && (session = sessionSealingInPlace(peer, MESSAGE_OVERHEAD + length)) != null)
        {
            loop.parity.plain(segment.address() + offset, length);
            sealInBatch(loop, peer, session, peer.endpoint(), loop.parity, TransportHeader.KIND_SHARD);
        }
        else
        {
            if (segment != loop.workSegment || offset != TransportHeader.LENGTH)
            {
                MemorySegment.copy(segment, offset, loop.workSegment, TransportHeader.LENGTH, length);
            }
            sendSealed(loop, peer, 0, TransportHeader.KIND_SHARD, length);
        }
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
        final Peer relay = peer.relay();
        final MemorySegment endpoint = relay == null ? peer.endpoint() : relay.endpoint();
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
        if (relay != null)
        {
            return sendRelayed(loop, peer, relay, endpoint, at, message, payloadLength);
        }
        final MemorySegment from = at == 0 ? loop.workSegment : loop.plainMessage;
        final ImpairmentSpec impair = impairment;
        if (impair.isNone() && GSO_SEND && message <= UdpGsoBatch.CAPACITY)
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

    /**
     * Wraps the sealed message at {@code at} of the work buffer for the peer's relay and sends it there (gathered
     * with the burst's other messages to the relay). Impairment does not apply on a relayed path.
     */
    private long sendRelayed(final TunnelLoop loop, final Peer peer, final Peer relay, final MemorySegment endpoint,
        final int at, final int message, final int payloadLength)
    {
        final Session relaySession = relay.current();
        if (relaySession == null)
        {
            return -Errno.ENOTCONN; // the relay is gone: the peer falls silent, and the agent looks for a path
        }
        final int wrapped = TunnelRelay.wrap(relaySession, loop.loopId, loop.relayOut, peer, loop.work, at, message);
        if (wrapped < 0)
        {
            relay.handshakeWanted.set(true);
            return -Errno.ENOTCONN;
        }
        if (GSO_SEND && wrapped <= UdpGsoBatch.CAPACITY)
        {
            final UdpGsoBatch batch = sockets.gso(loop.loopId);
            if (!batch.fits(endpoint, wrapped))
            {
                flush(loop);
            }
            batch.add(loop.relayOutSegment, 0, wrapped, endpoint);
            return payloadLength;
        }
        final long sent = sockets.socket(loop.loopId).sendTo(loop.errno, loop.relayOutSegment, wrapped,
            endpoint.address(), (int)endpoint.byteSize());
        return sent > 0 ? payloadLength : sent;
    }

    void flush(final TunnelLoop loop)
    {
        sockets.flush(loop.loopId, portCounters.loopSlots(loop.loopId), loop.errno);
    }

    boolean hasTimers(final Peer[] all)
    {
        return fec.anyOn(all) || fec.memoryInUse() > 0 || !impairment.isNone() || anyHeld() || anyUp(all);
    }

    private static boolean anyUp(final Peer[] all)
    {
        for (final Peer peer : all)
        {
            if (peer.current() != null)
            {
                return true;
            }
        }
        return false;
    }

    /**
     * Sends an {@link ControlMessage#RTT_PROBE} or {@link ControlMessage#RTT_ECHO} carrying {@code stampNanos} to
     * the peer on its current session, through the impairment stage like a frame, and flushes it at once (an
     * echo is sent from the receive path, a probe from the timers: neither waits for a burst to end).
     */
    void rtt(final TunnelLoop loop, final Peer peer, final int type, final long stampNanos)
    {
        final int length = ControlMessage.putRtt(loop.work, TransportHeader.LENGTH, type, stampNanos) -
            TransportHeader.LENGTH;
        if (sendSealed(loop, peer, 0, TransportHeader.KIND_CONTROL, length) > 0)
        {
            flush(loop);
        }
    }

    /**
     * Sends the RTT probes that are due, whichever loop gets here first ({@link PeerHealth#takeProbe}).
     *
     * @return the next probe's time, at most a probe interval away (a session that comes up meanwhile on another
     * loop is found then; one this loop sees come up resets {@link TunnelLoop#nextProbeScanNanos}).
     */
    private long probe(final TunnelLoop loop, final long nowNs)
    {
        long next = nowNs + probeIntervalNanos;
        for (final Peer peer : peers.peers())
        {
            if (peer.current() == null)
            {
                continue;
            }
            if (peer.health.takeProbe(nowNs, probeIntervalNanos))
            {
                rtt(loop, peer, ControlMessage.RTT_PROBE, nowNs);
            }
            next = Math.min(next, peer.health.nextProbeNanos());
        }
        return next;
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
     * Closes FEC blocks whose timeout passed (their parity goes out now), closes idle FEC decoders, sends the RTT
     * probes that are due, sends what the GSO batch holds, and releases impaired packets that are due.
     *
     * @return the next deadline.
     */
    long pollTimers(final TunnelLoop loop, final long nowNs)
    {
        fec.closeRetired(loop.loopId);
        long next = Long.MAX_VALUE;
        final Peer[] all = peers.peers();
        if (fec.anyOn(all) || fec.memoryInUse() > 0)
        {
            for (final Peer peer : all)
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
            next = Math.min(next, fec.sweep(loop.loopId, all, nowNs));
        }
        // The timers run after every burst; the peers are scanned for due probes only when one may be due.
        if (nowNs - loop.nextProbeScanNanos >= 0)
        {
            loop.nextProbeScanNanos = probe(loop, nowNs);
        }
        next = Math.min(next, loop.nextProbeScanNanos);
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
