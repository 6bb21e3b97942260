package io.l2mesh.fec.stream;

import io.l2mesh.fec.CodingLoop;
import io.l2mesh.fec.ReedSolomon;

/**
 * The {@link ReedSolomon} codecs of the recent (k, m) shapes, made on first use (building one inverts a matrix).
 * Bounded: at most {@code capacity} codecs, the least recently used replaced, so a sender that cycles through
 * every shape costs matrix builds, not memory. Each codec's own cache of decode matrices is bounded too
 * ({@code DecodeMatrixCache}). Encoding allocates nothing; a reconstruction allocates a few small arrays per
 * recovered block ({@link ReedSolomon}).
 * <p>
 * Single owner: one datapath thread (the decoders of one loop share it).
 */
public final class CodecCache
{
    public static final int CAPACITY_DEFAULT = 8;

    private final CodingLoop loop;
    private final ReedSolomon[] codecs;
    private final int[] shapes; // (k << 16) | m per entry, 0 when empty
    private final long[] lastUse;
    private long uses;

    public CodecCache(final CodingLoop loop, final int capacity)
    {
        if (capacity < 1 || capacity > 256)
        {
            throw new IllegalArgumentException("codec cache capacity " + capacity + " out of range 1..256");
        }
        this.loop = loop;
        this.codecs = new ReedSolomon[capacity];
        this.shapes = new int[capacity];
        this.lastUse = new long[capacity];
    }

    public ReedSolomon get(final int k, final int m)
    {
        final int shape = (k << 16) | m;
        int victim = 0;
        for (int i = 0; i < codecs.length; i++)
        {
            if (shapes[i] == shape)
            {
                lastUse[i] = ++uses;
                return codecs[i];
            }
            if (lastUse[i] < lastUse[victim])
            {
                victim = i;
            }
        }
        final ReedSolomon codec = new ReedSolomon(k, m, loop);
        codecs[victim] = codec;
        shapes[victim] = shape;
        lastUse[victim] = ++uses;
        return codec;
    }

    /**
     * @return how many codecs are held now.
     */
    public int size()
    {
        int n = 0;
        for (final ReedSolomon codec : codecs)
        {
            if (codec != null)
            {
                n++;
            }
        }
        return n;
    }
}
