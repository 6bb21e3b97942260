package io.l2mesh.tunnel;

import io.l2mesh.fec.CodingLoop;
import io.l2mesh.fec.CodingLoops;
import io.l2mesh.fec.WarmingCodingLoop;
import io.l2mesh.fec.stream.CodecCache;
import io.l2mesh.fec.stream.DecoderMemory;
import io.l2mesh.fec.stream.FrameSink;
import io.l2mesh.switching.frame.EthernetFlyweight;
import org.jctools.queues.MpscArrayQueue;

/**
 * FEC policy and state of one tunnel port: the port's setting, each peer's own and adapted one, which applies
 * ({@link #effective}), and the per-loop {@link PeerFec} state, made by a loop the first time it needs it for a
 * peer and closed by that same loop when the peer is removed ({@link #retire}, {@link #closeRetired}): FEC state
 * never crosses threads.
 * <p>
 * Memory (M1): what the decoders of one peer hold is bounded by {@link #PEER_MEMORY}, and all peers' by
 * {@link #PORT_MEMORY}; each loop's codecs by its {@link CodecCache}. A shard that would exceed a bound is a
 * counted drop ({@code fec_memory}), and shards from a peer whose FEC is off are refused ({@code fec_off}).
 */
final class TunnelFec
{
    /** Decoder memory one peer may hold: four streams of (64, 32) blocks, or dozens of (10, 4) ones. */
    static final long PEER_MEMORY = 16L << 20;
    /** Decoder memory all peers of a port may hold together. */
    static final long PORT_MEMORY = 128L << 20;
    private static final int RETIRED_CAPACITY = 1024;

    private final CodingLoop codingLoop = CodingLoops.preferred();
    private final DecoderMemory memory = new DecoderMemory(PORT_MEMORY, null);
    private final CodecCache[] codecs; // per loop
    private final int maxFrameLength;
    private final MpscArrayQueue<Peer>[] retired; // per loop: removed peers whose state that loop closes
    private volatile FecSpec portFec;

    @SuppressWarnings("unchecked")
    TunnelFec(final FecSpec portFec, final int mtu, final int loops)
    {
        this.portFec = portFec;
        this.maxFrameLength = mtu + EthernetFlyweight.HEADER_LENGTH + EthernetFlyweight.VLAN_TAG_LENGTH;
        this.retired = new MpscArrayQueue[loops];
        this.codecs = new CodecCache[loops];
        for (int i = 0; i < loops; i++)
        {
            retired[i] = new MpscArrayQueue<>(RETIRED_CAPACITY);
            codecs[i] = new CodecCache(codingLoop, CodecCache.CAPACITY_DEFAULT);
        }
    }

    /**
     * A new peer's decoder budget, drawn on the port's.
     */
    DecoderMemory peerMemory()
    {
        return new DecoderMemory(PEER_MEMORY, memory);
    }

    /**
     * @return decoder memory all peers hold now, in bytes.
     */
    long memoryInUse()
    {
        return memory.used();
    }

    /**
     * @return true if shards from {@code peer} are taken: FEC is on for it (its own setting, else the port's).
     * FEC is a setting of both directions: a peer we do not code for may not make us hold decoder state.
     */
    boolean accepts(final Peer peer)
    {
        return base(peer).on();
    }

    FecSpec port()
    {
        return portFec;
    }

    void port(final FecSpec next)
    {
        portFec = next;
    }

    /**
     * @return true if the port or any of {@code peers} codes FEC (then loops keep room for rebuilt frames and
     * poll block timers).
     */
    boolean anyOn(final Peer[] peers)
    {
        if (portFec.on())
        {
            return true;
        }
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

    /**
     * The peer's setting (its own, else the port's) before adaptation.
     */
    FecSpec base(final Peer peer)
    {
        final FecSpec own = peer.ownFec;
        return own != null ? own : portFec;
    }

    /**
     * @return the (k, m) the peer is sent with now: its base setting, or the adapted m if that is adaptive.
     */
    FecSpec effective(final Peer peer)
    {
        final FecSpec base = base(peer);
        final FecSpec adapted = peer.adaptedFec;
        return base.adaptive() && adapted != null && adapted.k() == base.k() ? adapted : base;
    }

    /**
     * Loop {@code loopId}'s state for {@code peer}, made on first use; null if the peer was removed.
     */
    PeerFec state(final int loopId, final Peer peer, final FrameSink frames)
    {
        PeerFec state = peer.fec[loopId];
        if (state == null)
        {
            if (!peer.live)
            {
                return null;
            }
            state = new PeerFec(codingLoop, codecs[loopId], peer.fecMemory, maxFrameLength, frames);
            peer.fec[loopId] = state;
        }
        return state;
    }

    /**
     * Loop {@code loopId}: closes the decoders of {@code peers} that went idle.
     *
     * @return when to sweep next.
     */
    long sweep(final int loopId, final Peer[] peers, final long nowNs)
    {
        long next = Long.MAX_VALUE;
        for (final Peer peer : peers)
        {
            final PeerFec state = peer.fec[loopId];
            if (state != null)
            {
                next = Math.min(next, state.sweep(nowNs));
            }
        }
        return next;
    }

    /**
     * Control thread: the peer is gone from the table (and marked not live); each loop closes its state.
     */
    void retire(final Peer peer)
    {
        for (final MpscArrayQueue<Peer> queue : retired)
        {
            queue.offer(peer); // full (1024 removals while a loop was idle): that state is left to the port's close
        }
    }

    /**
     * Loop {@code loopId}, at the start of its turn: closes its state of removed peers.
     */
    void closeRetired(final int loopId)
    {
        final MpscArrayQueue<Peer> queue = retired[loopId];
        Peer peer;
        while ((peer = queue.relaxedPoll()) != null)
        {
            final PeerFec state = peer.fec[loopId];
            if (state != null)
            {
                peer.fec[loopId] = null;
                state.close();
            }
        }
    }

    /**
     * @return FEC decoding counters of frames from {@code peer}, summed over loops: {received shards, recovered
     * frames, unrecoverable frames, nanoseconds the recovered frames waited}.
     */
    long[] decoded(final Peer peer)
    {
        final long[] sums = new long[4];
        for (final PeerFec state : peer.fec)
        {
            if (state != null)
            {
                final long[] d = state.decoded();
                for (int j = 0; j < sums.length; j++)
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
    String codingLoopDescription()
    {
        return codingLoop instanceof WarmingCodingLoop warming ?
            warming.name() + " (SIMD warm-up: " + warming.warmUpOutcome() + ")" : codingLoop.name();
    }

    /**
     * When the port closes (no loop runs it any more): every peer's state.
     */
    void close(final Peer[] peers)
    {
        for (final Peer peer : peers)
        {
            for (int i = 0; i < peer.fec.length; i++)
            {
                if (peer.fec[i] != null)
                {
                    peer.fec[i].close();
                    peer.fec[i] = null;
                }
            }
        }
        for (int i = 0; i < retired.length; i++)
        {
            closeRetired(i);
        }
    }
}
