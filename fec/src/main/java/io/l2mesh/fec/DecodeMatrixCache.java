package io.l2mesh.fec;

import java.util.BitSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Inverted sub-matrices by the set of shards they decode from, so an erasure pattern seen before costs no
 * matrix inversion. Bounded: when full it is cleared (patterns repeat, so it refills with the live ones). At
 * k = 64 an entry is a 4 KiB matrix, so a codec's cache holds at most about 1 MiB, whatever erasure patterns a
 * sender forces. Thread-safe.
 */
final class DecodeMatrixCache
{
    static final int MAX_ENTRIES = 256;

    private final Matrix encodingMatrix;
    private final ConcurrentHashMap<BitSet, Matrix> inverses = new ConcurrentHashMap<>();

    DecodeMatrixCache(final Matrix encodingMatrix)
    {
        this.encodingMatrix = encodingMatrix;
    }

    Matrix decodeMatrix(final int[] validRows)
    {
        final BitSet key = new BitSet(Gf256.FIELD_SIZE);
        for (final int row : validRows)
        {
            key.set(row);
        }
        final Matrix cached = inverses.get(key);
        if (cached != null)
        {
            return cached;
        }
        if (inverses.size() >= MAX_ENTRIES)
        {
            inverses.clear();
        }
        final Matrix inverse = encodingMatrix.selectRows(validRows).invert();
        inverses.put(key, inverse);
        return inverse;
    }

    int size()
    {
        return inverses.size();
    }
}
