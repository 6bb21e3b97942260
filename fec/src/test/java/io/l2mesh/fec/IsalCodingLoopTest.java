package io.l2mesh.fec;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * ISA-L is there when it should be, and codes native and heap shards alike, byte for byte as the Java loops do
 * (the known answers and erasure tests in {@link ReedSolomonTest} and the stream tests run on it too).
 */
class IsalCodingLoopTest
{
    @Test
    void shouldLoadWhereTheTestCommandInstalledIt()
    {
        if ("1".equals(System.getenv("L2MESH_REQUIRE_ISAL")))
        {
            assertThat(IsalCodingLoop.loadOrNull()).as("ISA-L: %s", IsalCodingLoop.unavailableReason()).isNotNull();
        }
        if (IsalCodingLoop.loadOrNull() != null)
        {
            assertThat(CodingLoops.preferred().name()).as("the preferred loop").isEqualTo("isa-l");
        }
    }

    @Test
    void shouldCodeNativeAndHeapShardsAsTheTableLoopDoes()
    {
        final IsalCodingLoop isal = IsalCodingLoop.loadOrNull();
        if (isal == null)
        {
            return; // not installed here: shouldLoadWhereTheTestCommandInstalledIt decides whether that is wrong
        }
        final Random random = new Random(7);
        try (Arena arena = Arena.ofConfined())
        {
            for (final int length : new int[] {1, 15, 16, 31, 64, 100, 1400, 9000})
            {
                final int k = 10;
                final int m = 4;
                final Matrix matrix = EncodingMatrix.build(k, m);
                final byte[][] rows = new byte[m][];
                for (int o = 0; o < m; o++)
                {
                    rows[o] = matrix.row(k + o);
                }
                final MemorySegment[] inputs = new MemorySegment[k];
                final MemorySegment[] heapInputs = new MemorySegment[k];
                for (int i = 0; i < k; i++)
                {
                    final byte[] bytes = new byte[length + 3];
                    random.nextBytes(bytes);
                    heapInputs[i] = MemorySegment.ofArray(bytes);
                    inputs[i] = arena.allocate(length + 3);
                    MemorySegment.copy(heapInputs[i], 0, inputs[i], 0, length + 3);
                }
                final MemorySegment[] expected = outputs(arena, m, length + 3);
                final MemorySegment[] nativeOut = outputs(arena, m, length + 3);
                final MemorySegment[] heapOut = new MemorySegment[m];
                for (int o = 0; o < m; o++)
                {
                    heapOut[o] = MemorySegment.ofArray(new byte[length + 3]);
                }
                TableCodingLoop.INSTANCE.code(rows, inputs, 0, k, expected, 0, m, 3, length);
                isal.code(rows, inputs, 0, k, nativeOut, 0, m, 3, length);
                isal.code(rows, heapInputs, 0, k, heapOut, 0, m, 3, length);
                for (int o = 0; o < m; o++)
                {
                    assertThat(nativeOut[o].toArray(java.lang.foreign.ValueLayout.JAVA_BYTE))
                        .as("native, length %d, parity %d", length, o)
                        .isEqualTo(expected[o].toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
                    assertThat(heapOut[o].toArray(java.lang.foreign.ValueLayout.JAVA_BYTE))
                        .as("heap, length %d, parity %d", length, o)
                        .isEqualTo(expected[o].toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
                }

                // The stream encoder's fold: one shard into every parity of a contiguous block, as the table loop.
                final MemorySegment foldExpected = arena.allocate(m * 9100L);
                final MemorySegment foldIsal = arena.allocate(m * 9100L);
                for (int i = 0; i < k; i++)
                {
                    final byte[] column = new byte[m];
                    for (int o = 0; o < m; o++)
                    {
                        column[o] = rows[o][i];
                    }
                    TableCodingLoop.INSTANCE.multiplyAccumulate(column, heapInputs[i], 3, foldExpected, 5, 9100,
                        length);
                    isal.multiplyAccumulate(column, i % 2 == 0 ? heapInputs[i] : inputs[i], 3, foldIsal, 5, 9100,
                        length);
                }
                assertThat(foldIsal.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE)).as("fold, length %d", length)
                    .isEqualTo(foldExpected.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
            }
        }
    }

    private static MemorySegment[] outputs(final Arena arena, final int m, final int size)
    {
        final MemorySegment[] out = new MemorySegment[m];
        for (int o = 0; o < m; o++)
        {
            out[o] = arena.allocate(size);
        }
        return out;
    }

    @Test
    void shouldKeepEveryColumnOfAStreamEncoderCachedWithoutMisses()
    {
        final IsalCodingLoop isal = IsalCodingLoop.loadOrNull();
        if (isal == null)
        {
            return;
        }
        final Random random = new Random(9);
        final int columns = 32; // FecSpec.MAX_K: the most columns one stream encoder folds
        final int m = 4;
        final byte[][] column = new byte[columns][m];
        for (final byte[] c : column)
        {
            random.nextBytes(c);
        }
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment in = arena.allocate(1400);
            final MemorySegment out = arena.allocate(1408L * m);
            final MemorySegment expected = arena.allocate(1408L * m);
            final CodingLoop table = TableCodingLoop.INSTANCE;
            for (int i = 0; i < 1400; i++)
            {
                in.set(java.lang.foreign.ValueLayout.JAVA_BYTE, i, (byte)random.nextInt());
            }
            for (int pass = 0; pass < 2; pass++)
            {
                for (int j = 0; j < columns; j++)
                {
                    isal.multiplyAccumulate(column[j], in, 0, out, 0, 1408, 1400);
                    for (int r = 0; r < m; r++)
                    {
                        table.multiplyAccumulate(column[j][r] & 0xff, in, 0, expected, r * 1408L, 1400);
                    }
                }
            }
            final long warm = isal.tableMisses();
            for (int pass = 0; pass < 20; pass++)
            {
                for (int j = 0; j < columns; j++)
                {
                    isal.multiplyAccumulate(column[j], in, 0, out, 0, 1408, 1400);
                }
            }
            assertThat(isal.tableMisses()).as("misses once all columns were seen").isEqualTo(warm);
            assertThat(warm).as("one miss per column at most").isLessThanOrEqualTo(columns);
            for (int pass = 0; pass < 20; pass++)
            {
                for (int j = 0; j < columns; j++)
                {
                    for (int r = 0; r < m; r++)
                    {
                        table.multiplyAccumulate(column[j][r] & 0xff, in, 0, expected, r * 1408L, 1400);
                    }
                }
            }
            for (int r = 0; r < m; r++)
            {
                assertThat(out.asSlice(r * 1408L, 1400).mismatch(expected.asSlice(r * 1408L, 1400)))
                    .as("parity %d as the table loop folds it, through cache hits", r).isEqualTo(-1L);
            }
        }
    }
}
