package io.l2mesh.tunnel;

import io.l2mesh.fec.CodingLoop;
import io.l2mesh.fec.stream.CodecCache;
import io.l2mesh.fec.stream.DecoderMemory;
import io.l2mesh.fec.stream.FecDecoder;
import io.l2mesh.fec.stream.FecEncoder;
import io.l2mesh.fec.stream.FrameSink;
import io.l2mesh.fec.stream.ShardSink;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * One loop's FEC state for one peer: the encoder of the frames this loop sends to the peer (its blocks are
 * this loop's stream), and a decoder per stream of the peer's (the peer's loops each send their own blocks).
 * Single owner: the loop. Created the first time the loop needs it.
 * <p>
 * Decoders are made on a stream's first shard, within the peer's {@link DecoderMemory} (which draws on the
 * port's), with the loop's bounded {@link CodecCache}; a decoder that took no shard for {@link #IDLE_NS} is closed
 * and its memory given back ({@link #sweep}), its counters kept in the peer's totals.
 */
final class PeerFec
{
    static final int MAX_STREAMS = 256;
    static final long IDLE_NS = 10_000_000_000L;
    private static final int WINDOW_BLOCKS = 16;

    private final CodingLoop codingLoop;
    private final CodecCache codecs;
    private final DecoderMemory memory;
    private final int maxFrameLength;
    private final FrameSink frameSink;
    private final FecDecoder[] decoders = new FecDecoder[MAX_STREAMS];
    private final long[] shardsAtSweep = new long[MAX_STREAMS];
    /** Counters of decoders closed when idle: {received, recovered, unrecoverable}; written by the loop. */
    private final AtomicLongArray closedSums = new AtomicLongArray(4);
    private int liveDecoders;
    private long nextSweepNs = Long.MIN_VALUE;
    private FecEncoder encoder;
    private FecSpec encoderSpec;

    PeerFec(final CodingLoop codingLoop, final CodecCache codecs, final DecoderMemory memory,
        final int maxFrameLength, final FrameSink frameSink)
    {
        this.codingLoop = codingLoop;
        this.codecs = codecs;
        this.memory = memory;
        this.maxFrameLength = maxFrameLength;
        this.frameSink = frameSink;
    }

    /**
     * @return the encoder for {@code spec}, made or re-shaped if the spec changed (from the next block on).
     */
    FecEncoder encoder(final FecSpec spec, final ShardSink sink)
    {
        if (encoder == null)
        {
            encoder = new FecEncoder(spec.k(), spec.m(), FecSpec.BLOCK_TIMEOUT_NS, maxFrameLength, codingLoop, sink);
            encoderSpec = spec;
        }
        else if (!spec.equals(encoderSpec))
        {
            encoder.parity(spec.k(), spec.m());
            encoderSpec = spec;
        }
        return encoder;
    }

    FecEncoder encoderOrNull()
    {
        return encoder;
    }

    /**
     * @return the decoder of the peer's {@code stream}, or null if the peer's memory budget cannot hold another.
     */
    FecDecoder decoder(final int stream)
    {
        FecDecoder decoder = decoders[stream];
        if (decoder == null)
        {
            decoder = FecDecoder.within(memory, WINDOW_BLOCKS, FecDecoder.MAX_K_DEFAULT, FecDecoder.MAX_M_DEFAULT,
                maxFrameLength, codecs, frameSink);
            if (decoder == null)
            {
                return null;
            }
            decoders[stream] = decoder;
            shardsAtSweep[stream] = 0;
            liveDecoders++;
        }
        return decoder;
    }

    /**
     * Closes the decoders that took no shard since the last sweep, at most once per {@link #IDLE_NS}, so a stream
     * the peer stopped using (a loop it no longer runs, a hostile burst) gives its memory back.
     *
     * @return when to sweep next.
     */
    long sweep(final long nowNs)
    {
        if (liveDecoders == 0)
        {
            nextSweepNs = Long.MIN_VALUE;
            return Long.MAX_VALUE;
        }
        if (nextSweepNs == Long.MIN_VALUE)
        {
            nextSweepNs = nowNs + IDLE_NS;
        }
        if (nowNs - nextSweepNs < 0)
        {
            return nextSweepNs;
        }
        for (int stream = 0; stream < MAX_STREAMS; stream++)
        {
            final FecDecoder decoder = decoders[stream];
            if (decoder != null)
            {
                final long shards = decoder.shardsTaken();
                if (shards == shardsAtSweep[stream])
                {
                    closeDecoder(stream);
                }
                else
                {
                    shardsAtSweep[stream] = shards;
                }
            }
        }
        nextSweepNs = liveDecoders == 0 ? Long.MIN_VALUE : nowNs + IDLE_NS;
        return liveDecoders == 0 ? Long.MAX_VALUE : nextSweepNs;
    }

    private void closeDecoder(final int stream)
    {
        final FecDecoder decoder = decoders[stream];
        decoder.flush();
        decoders[stream] = null;
        liveDecoders--;
        closedSums.addAndGet(0, decoder.counters().received());
        closedSums.addAndGet(1, decoder.counters().recovered());
        closedSums.addAndGet(2, decoder.counters().unrecoverable());
        closedSums.addAndGet(3, decoder.counters().recoveryNanos());
        decoder.close();
    }

    int liveDecoders()
    {
        return liveDecoders;
    }

    /**
     * @return the FEC counters of the decoders, summed with those of closed ones: {received, recovered,
     * unrecoverable, nanoseconds the recovered frames waited}. Any thread.
     */
    long[] decoded()
    {
        final long[] sums = {closedSums.get(0), closedSums.get(1), closedSums.get(2), closedSums.get(3)};
        for (final FecDecoder decoder : decoders)
        {
            if (decoder != null)
            {
                sums[0] += decoder.counters().received();
                sums[1] += decoder.counters().recovered();
                sums[2] += decoder.counters().unrecoverable();
                sums[3] += decoder.counters().recoveryNanos();
            }
        }
        return sums;
    }

    void close()
    {
        if (encoder != null)
        {
            encoder.close();
        }
        for (int stream = 0; stream < MAX_STREAMS; stream++)
        {
            if (decoders[stream] != null)
            {
                decoders[stream].close();
                decoders[stream] = null;
            }
        }
        liveDecoders = 0;
    }
}
