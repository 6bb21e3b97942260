package io.l2mesh.fec;

import java.lang.foreign.MemorySegment;

/**
 * A systematic Reed-Solomon erasure code with k data and m parity shards over GF(2^8), k + m ≤ 256.
 * <p>
 * <b>Construction.</b> Backblaze's: field 0x11D with generator 2 ({@link Gf256}); encoding matrix = the
 * (k+m)×k Vandermonde matrix (entry r^c) times the inverse of its top k×k square. Parity bytes are therefore
 * identical to Backblaze's JavaReedSolomon and klauspost/reedsolomon (default options) for the same k, m and
 * data; {@code ReedSolomonTest} pins this with known answers.
 * <p>
 * <b>Shards</b> are {@link MemorySegment}s (heap or off-heap), each at least {@code offset + length} bytes; the
 * codec works on {@code [offset, offset + length)} of each, in place. Encoding allocates nothing; reconstruction
 * allocates a few small arrays, and inverts a matrix only for an erasure pattern it has not seen
 * ({@link DecodeMatrixCache}).
 * <p>
 * <b>Errors</b>: k/m out of range, too few shards, or shards too short throw {@link IllegalArgumentException}
 * naming the problem; nothing is ever reconstructed from too little.
 * <p>
 * Thread-safe: immutable but for the decode cache, which is concurrent.
 */
public final class ReedSolomon
{
    public static final int MAX_TOTAL_SHARDS = Gf256.FIELD_SIZE;

    private final int dataShards;
    private final int parityShards;
    private final Matrix matrix;
    private final byte[][] parityRows;
    private final byte[][] parityColumns;
    private final CodingLoop loop;
    private final DecodeMatrixCache decodeMatrices;

    public ReedSolomon(final int dataShards, final int parityShards, final CodingLoop loop)
    {
        checkShape(dataShards, parityShards);
        this.dataShards = dataShards;
        this.parityShards = parityShards;
        this.matrix = EncodingMatrix.build(dataShards, parityShards);
        this.parityRows = new byte[parityShards][];
        for (int j = 0; j < parityShards; j++)
        {
            parityRows[j] = matrix.row(dataShards + j);
        }
        this.parityColumns = new byte[dataShards][parityShards];
        for (int i = 0; i < dataShards; i++)
        {
            for (int j = 0; j < parityShards; j++)
            {
                parityColumns[i][j] = parityRows[j][i];
            }
        }
        this.loop = loop;
        this.decodeMatrices = new DecodeMatrixCache(matrix);
    }

    /**
     * A codec with the preferred coding loop ({@link CodingLoops#preferred()}).
     */
    public static ReedSolomon create(final int dataShards, final int parityShards)
    {
        return new ReedSolomon(dataShards, parityShards, CodingLoops.preferred());
    }

    public static void checkShape(final int dataShards, final int parityShards)
    {
        if (dataShards < 1)
        {
            throw new IllegalArgumentException("data shards k=" + dataShards + " must be at least 1");
        }
        if (parityShards < 1)
        {
            throw new IllegalArgumentException("parity shards m=" + parityShards + " must be at least 1");
        }
        if (dataShards + parityShards > MAX_TOTAL_SHARDS)
        {
            throw new IllegalArgumentException("k + m = " + (dataShards + parityShards) + " exceeds the limit of " +
                MAX_TOTAL_SHARDS + " shards in GF(2^8)");
        }
    }

    public int dataShardCount()
    {
        return dataShards;
    }

    public int parityShardCount()
    {
        return parityShards;
    }

    public int totalShardCount()
    {
        return dataShards + parityShards;
    }

    public CodingLoop codingLoop()
    {
        return loop;
    }

    /**
     * @return coefficient of data shard {@code dataIndex} in parity shard {@code parityIndex}.
     */
    public int parityCoefficient(final int parityIndex, final int dataIndex)
    {
        return parityRows[parityIndex][dataIndex] & 0xff;
    }

    /**
     * @return the coefficients of data shard {@code dataIndex} in parity shards 0..m-1: the codec's own array,
     *         which the caller must not change (shared so that the per-frame path allocates nothing).
     */
    public byte[] parityColumn(final int dataIndex)
    {
        return parityColumns[dataIndex];
    }

    /**
     * Computes the m parity shards {@code shards[k..k+m)} from the data shards {@code shards[0..k)}.
     */
    public void encodeParity(final MemorySegment[] shards, final long offset, final int length)
    {
        CodingLoops.checkShards(shards, totalShardCount(), offset, length);
        loop.code(parityRows, shards, 0, dataShards, shards, dataShards, parityShards, offset, length);
    }

    /**
     * @param scratch at least {@code offset + length} bytes to compute into (at the same offset).
     * @return true if every parity shard matches the data shards.
     */
    public boolean isParityCorrect(
        final MemorySegment[] shards, final long offset, final int length, final MemorySegment scratch)
    {
        CodingLoops.checkShards(shards, totalShardCount(), offset, length);
        final MemorySegment[] out = {scratch};
        CodingLoops.checkShards(out, 1, offset, length);
        for (int j = 0; j < parityShards; j++)
        {
            loop.code(new byte[][] {parityRows[j]}, shards, 0, dataShards, out, 0, 1, offset, length);
            if (MemorySegment.mismatch(scratch, offset, offset + length, shards[dataShards + j], offset,
                offset + length) != -1)
            {
                return false;
            }
        }
        return true;
    }

    /**
     * Rebuilds every missing shard, data and parity, from any k present ones.
     *
     * @param present which shards hold valid bytes; missing ones must still be segments to write into.
     * @throws IllegalArgumentException with fewer than k shards present.
     */
    public void reconstruct(final MemorySegment[] shards, final boolean[] present, final long offset,
        final int length)
    {
        reconstruct(shards, present, offset, length, true);
    }

    /**
     * Rebuilds only the missing data shards.
     */
    public void reconstructData(final MemorySegment[] shards, final boolean[] present, final long offset,
        final int length)
    {
        reconstruct(shards, present, offset, length, false);
    }

    private void reconstruct(
        final MemorySegment[] shards, final boolean[] present, final long offset, final int length,
        final boolean parityToo)
    {
        final int total = totalShardCount();
        CodingLoops.checkShards(shards, total, offset, length);
        if (present.length < total)
        {
            throw new IllegalArgumentException("present has " + present.length + " flags, expected " + total);
        }
        int presentCount = 0;
        int dataPresent = 0;
        for (int i = 0; i < total; i++)
        {
            if (present[i])
            {
                presentCount++;
                if (i < dataShards)
                {
                    dataPresent++;
                }
            }
        }
        if (presentCount < dataShards)
        {
            throw new IllegalArgumentException("too few shards to reconstruct: " + presentCount + " present, " +
                "need k=" + dataShards);
        }
        if (dataPresent < dataShards)
        {
            final int[] validRows = new int[dataShards];
            final MemorySegment[] inputs = new MemorySegment[dataShards];
            for (int i = 0, n = 0; n < dataShards; i++)
            {
                if (present[i])
                {
                    validRows[n] = i;
                    inputs[n++] = shards[i];
                }
            }
            final Matrix decode = decodeMatrices.decodeMatrix(validRows);
            final int missing = dataShards - dataPresent;
            final byte[][] rows = new byte[missing][];
            final MemorySegment[] outputs = new MemorySegment[missing];
            for (int d = 0, n = 0; d < dataShards; d++)
            {
                if (!present[d])
                {
                    rows[n] = decode.row(d);
                    outputs[n++] = shards[d];
                }
            }
            loop.code(rows, inputs, 0, dataShards, outputs, 0, missing, offset, length);
        }
        if (parityToo)
        {
            int missing = 0;
            for (int j = 0; j < parityShards; j++)
            {
                if (!present[dataShards + j])
                {
                    missing++;
                }
            }
            if (missing > 0)
            {
                final byte[][] rows = new byte[missing][];
                final MemorySegment[] outputs = new MemorySegment[missing];
                for (int j = 0, n = 0; j < parityShards; j++)
                {
                    if (!present[dataShards + j])
                    {
                        rows[n] = parityRows[j];
                        outputs[n++] = shards[dataShards + j];
                    }
                }
                loop.code(rows, shards, 0, dataShards, outputs, 0, missing, offset, length);
            }
        }
    }

    /**
     * Convenience for byte arrays (tests, tools): wraps them as heap segments.
     */
    public static MemorySegment[] wrap(final byte[][] shards)
    {
        final MemorySegment[] segments = new MemorySegment[shards.length];
        for (int i = 0; i < shards.length; i++)
        {
            segments[i] = MemorySegment.ofArray(shards[i]);
        }
        return segments;
    }

}
