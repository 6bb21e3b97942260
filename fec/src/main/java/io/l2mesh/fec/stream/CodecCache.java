package io.l2mesh.fec.stream;

import io.l2mesh.fec.CodingLoop;
import io.l2mesh.fec.ReedSolomon;

/**
 * One {@link ReedSolomon} per (k, m), made on first use (building one inverts a matrix). Encoding allocates
 * nothing; a reconstruction allocates a few small arrays per recovered block ({@link ReedSolomon}). Single owner:
 * the encoder or decoder of one peer.
 */
final class CodecCache
{
    private final CodingLoop loop;
    private final ReedSolomon[][] codecs = new ReedSolomon[ReedSolomon.MAX_TOTAL_SHARDS][];

    CodecCache(final CodingLoop loop)
    {
        this.loop = loop;
    }

    ReedSolomon get(final int k, final int m)
    {
        ReedSolomon[] byM = codecs[k];
        if (byM == null)
        {
            byM = new ReedSolomon[ReedSolomon.MAX_TOTAL_SHARDS];
            codecs[k] = byM;
        }
        ReedSolomon codec = byM[m];
        if (codec == null)
        {
            codec = new ReedSolomon(k, m, loop);
            byM[m] = codec;
        }
        return codec;
    }

    CodingLoop loop()
    {
        return loop;
    }
}
