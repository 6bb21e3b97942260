package io.l2mesh.tunnel;

import io.l2mesh.fec.CodingLoop;
import io.l2mesh.fec.stream.FecDecoder;
import io.l2mesh.fec.stream.FecEncoder;
import io.l2mesh.fec.stream.FrameSink;
import io.l2mesh.fec.stream.ShardSink;

/**
 * One loop's FEC state for one peer: the encoder of the frames this loop sends to the peer (its blocks are
 * this loop's stream), and a decoder per stream of the peer's (the peer's loops each send their own blocks).
 * Single owner: the loop. Created the first time the loop needs it.
 */
final class PeerFec
{
    static final int MAX_STREAMS = 256;
    private static final int WINDOW_BLOCKS = 16;

    private final CodingLoop codingLoop;
    private final int maxFrameLength;
    private final FrameSink frameSink;
    private final FecDecoder[] decoders = new FecDecoder[MAX_STREAMS];
    private FecEncoder encoder;
    private FecSpec encoderSpec;

    PeerFec(final CodingLoop codingLoop, final int maxFrameLength, final FrameSink frameSink)
    {
        this.codingLoop = codingLoop;
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

    FecDecoder decoder(final int stream)
    {
        FecDecoder decoder = decoders[stream];
        if (decoder == null)
        {
            decoder = new FecDecoder(WINDOW_BLOCKS, FecDecoder.MAX_K_DEFAULT, FecDecoder.MAX_M_DEFAULT,
                maxFrameLength, codingLoop, frameSink);
            decoders[stream] = decoder;
        }
        return decoder;
    }

    /**
     * @return the FEC counters of the decoders, summed: {received, recovered, unrecoverable}.
     */
    long[] decoded()
    {
        final long[] sums = new long[3];
        for (final FecDecoder decoder : decoders)
        {
            if (decoder != null)
            {
                sums[0] += decoder.counters().received();
                sums[1] += decoder.counters().recovered();
                sums[2] += decoder.counters().unrecoverable();
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
        for (final FecDecoder decoder : decoders)
        {
            if (decoder != null)
            {
                decoder.close();
            }
        }
    }
}
