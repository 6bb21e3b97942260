package io.l2mesh.tunnel;

import io.l2mesh.tunnel.noise.CookieChecker;
import io.l2mesh.tunnel.noise.Handshake;
import io.l2mesh.fec.stream.FrameSink;
import io.l2mesh.fec.stream.ShardSink;
import io.l2mesh.fec.stream.ShardHeaderFlyweight;
import io.l2mesh.switching.buffer.FrameBatch;
import io.l2mesh.switching.buffer.LoopMemory;
import io.l2mesh.switching.offload.SegmentCutter;
import io.l2mesh.tunnel.noise.CipherSuite;
import io.l2mesh.tuntap.SocketAddresses;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * One datapath loop's working memory for a tunnel port, and the context of the call it is in. Single owner: that
 * loop's thread; made once, so nothing here is allocated per frame.
 * <pre>
 *  a message being sealed: in the GSO batch (OpenSSL's AEAD) or in work (heap, for the JDK's):
 *  | transport header 16 | FEC shard header | frame ...                            | tag 16 |
 *  0                     16                 FRAME_AT
 * </pre>
 * A frame to send is put at {@link #FRAME_AT} of where its message starts, with room before it for an FEC shard
 * header and the transport header, and sealed in place; a received message is opened in place, in the GRO
 * buffer or at 0 of work. The loop is also the FEC encoder's
 * shard sink (shards go to {@link TunnelSend}), the FEC decoder's frame sink (frames go to
 * {@link TunnelReceive}), and the control message visitor, each for the peer of the current call.
 */
final class TunnelLoop implements ShardSink, FrameSink, ControlMessage.Visitor
{
    static final int MAX_MESSAGE = 65_535;
    static final int FRAME_AT = TransportHeader.LENGTH + ShardHeaderFlyweight.DATA_OVERHEAD;
    static final int MAX_FRAME = MAX_MESSAGE - FRAME_AT - CipherSuite.TAG_LENGTH - 8;
    /** A virtio-net header and the largest super-frame a TAP gives (64 KiB), plus an 802.1Q tag. */
    static final int GATHER_CAPACITY = 10 + 65_536 + 4;

    final int loopId;
    final byte[] work = new byte[MAX_MESSAGE + 64];
    final MemorySegment workSegment = MemorySegment.ofArray(work);
    /** The work buffer from where a plain frame's message starts (its transport header right before the frame). */
    final MemorySegment plainMessage = workSegment.asSlice(FRAME_AT - TransportHeader.LENGTH);
    /** Native: a frame the switch gave as iovecs (to add a VLAN tag), put together to be cut or copied. */
    final MemorySegment gather;
    /** Cuts the super-frame being sent into segments (send path only). */
    final SegmentCutter cutter = new SegmentCutter();
    /** The frame being sent, and an FEC parity shard being copied to the GSO batch. */
    final OutgoingFrame outgoing = new OutgoingFrame(cutter);
    final OutgoingFrame parity = new OutgoingFrame(cutter);
    /** Native address of the FEC data shard being built in the GSO batch, or -1. */
    long shardInBatch = -1;
    final MemorySegment from;
    final MemorySegment fromLength;
    /** The source of a handshake message as bytes, and this loop's cookie checking and cookie replies. */
    final byte[] fromBytes = new byte[SocketAddresses.MAX_LENGTH];
    final CookieChecker.Worker cookies;
    final byte[] cookieOut = new byte[Handshake.COOKIE_REPLY_LENGTH];
    /** Sources this loop dropped at the cookie cap lately ({@link HandshakeGate}). */
    final CappedSources cappedSources = new CappedSources();
    final MemorySegment cookieOutSegment = MemorySegment.ofArray(cookieOut);
    private final TunnelSend send;
    private final TunnelReceive receive;
    // Context of the current call (loop thread only).
    Peer peer;
    MemorySegment errno;
    LoopMemory memory;
    FrameBatch batch;
    boolean handshakesQueued;
    /** An RTT probe read from {@link #peer}'s control message, to echo once the message is read. */
    boolean echoDue;
    long echoStamp;
    /** When this loop's timers next look for due RTT probes (the earliest of the peers' next probes). */
    long nextProbeScanNanos;
    // A datagram that came through a relay (TunnelRelay), while it is handled: the relay, the sender it named,
    // the datagram's length, and the socket address of the relay's message (put back after).
    Peer relayedBy;
    Peer relayedFrom;
    int relayedLength;
    final byte[] savedFrom = new byte[SocketAddresses.MAX_LENGTH];
    int savedFromLength;
    /** The relay put datagrams in this loop's GSO batch during the receive call: flushed at its end. */
    boolean relayBatched;
    /** Where a message for a relayed peer is wrapped for its relay (TunnelRelay.wrap). */
    final byte[] relayOut = new byte[MAX_MESSAGE + 64 + TunnelRelay.OVERHEAD];
    final MemorySegment relayOutSegment = MemorySegment.ofArray(relayOut);

    TunnelLoop(final int loopId, final Arena arena, final TunnelSend send, final TunnelReceive receive,
        final CookieChecker.Worker cookies)
    {
        this.loopId = loopId;
        this.cookies = cookies;
        this.send = send;
        this.receive = receive;
        gather = arena.allocate(GATHER_CAPACITY, 64);
        from = arena.allocate(SocketAddresses.MAX_LENGTH, 8);
        fromLength = arena.allocate(ValueLayout.JAVA_INT);
    }

    int fromLength()
    {
        return fromLength.get(ValueLayout.JAVA_INT, 0);
    }

    /**
     * An FEC shard to send to {@link #peer}.
     */
    @Override
    public void onShard(final MemorySegment segment, final long offset, final int length)
    {
        send.onShard(this, segment, offset, length);
    }

    /**
     * A frame the FEC decoder delivers (received, or rebuilt from parity).
     */
    @Override
    public void onFrame(final MemorySegment segment, final long offset, final int length, final boolean rebuilt)
    {
        receive.deliver(this, segment, offset, length);
    }

    /**
     * A TLV of a control message from {@link #peer}.
     */
    @Override
    public void onTlv(final int type, final byte[] buffer, final int valueAt, final int length)
    {
        receive.onControl(this, peer, type, buffer, valueAt, length);
    }

    /**
     * Sends the echo of the RTT probe the last control message from {@link #peer} carried, if it carried one
     * (after the message was read: the echo is built in {@link #work}, where the message was).
     */
    void echoIfDue()
    {
        if (echoDue)
        {
            echoDue = false;
            send.rtt(this, peer, ControlMessage.RTT_ECHO, echoStamp);
        }
    }
}
