package io.l2mesh.fec;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

public class ReedSolomonTest
{
    private static final long SEED = Long.getLong("l2mesh.test.seed", System.nanoTime());

    static Stream<CodingLoop> loops()
    {
        return availableLoops(TableCodingLoop.INSTANCE, CodingLoops.vector(128), CodingLoops.vector(256),
            CodingLoops.vector(512));
    }

    /**
     * The given loops and ISA-L's, if the library loads (the test command installs it; {@code IsalCodingLoopTest}
     * fails when it was meant to be there and is not).
     */
    public static Stream<CodingLoop> availableLoops(final CodingLoop... javaLoops)
    {
        final IsalCodingLoop isal = IsalCodingLoop.loadOrNull();
        return isal == null ? Stream.of(javaLoops) : Stream.concat(Stream.of(javaLoops), Stream.of(isal));
    }

    @ParameterizedTest
    @MethodSource("loops")
    void shouldProduceBackblazeParityForKnownInput(final CodingLoop loop)
    {
        // The published known answer of Backblaze's JavaReedSolomon (and its ports) for k=5, m=5.
        final byte[][] shards = {{0, 1}, {4, 5}, {2, 3}, {6, 7}, {8, 9}, new byte[2], new byte[2], new byte[2],
            new byte[2], new byte[2]};
        new ReedSolomon(5, 5, loop).encodeParity(ReedSolomon.wrap(shards), 0, 2);
        assertThat(shards[5]).containsExactly(12, 13);
        assertThat(shards[6]).containsExactly(10, 11);
        assertThat(shards[7]).containsExactly(14, 15);
        assertThat(shards[8]).containsExactly(90, 91);
        assertThat(shards[9]).containsExactly(94, 95);
    }

    @ParameterizedTest
    @MethodSource("loops")
    void shouldKeepParityOfFixedInputForTenPlusFour(final CodingLoop loop)
    {
        // Written down once; a change of field, matrix or loop that alters parity fails here.
        final byte[][] shards = new byte[14][16];
        for (int i = 0; i < 10; i++)
        {
            for (int j = 0; j < 16; j++)
            {
                shards[i][j] = (byte)(i * 31 + j * 7 + 1);
            }
        }
        new ReedSolomon(10, 4, loop).encodeParity(ReedSolomon.wrap(shards), 0, 16);
        final HexFormat hex = HexFormat.of();
        assertThat(hex.formatHex(shards[10])).isEqualTo("0b174524e32a0ebca0f27dca46110a3b");
        assertThat(hex.formatHex(shards[11])).isEqualTo("8cb464cec271ef8e41bf1c5d678264e4");
        assertThat(hex.formatHex(shards[12])).isEqualTo("8c3b832af68e57702286a6dd6026a588");
        assertThat(hex.formatHex(shards[13])).isEqualTo("8c4ba2a0d7c736ba43a6c799416e7a0c");
    }

    @Test
    void shouldMultiplyInTheBackblazeField()
    {
        assertThat(Gf256.multiply(3, 4)).isEqualTo(12);
        assertThat(Gf256.multiply(7, 7)).isEqualTo(21);
        assertThat(Gf256.multiply(23, 45)).isEqualTo(41);
        assertThat(Gf256.power(2, 8)).isEqualTo(0x1d);
        for (int a = 1; a < 256; a++)
        {
            assertThat(Gf256.multiply(a, Gf256.divide(1, a))).isEqualTo(1);
        }
    }

    @ParameterizedTest
    @MethodSource("loops")
    void shouldReconstructEveryErasurePatternUpToParityCount(final CodingLoop loop)
    {
        final Random random = new Random(SEED);
        System.out.println("ReedSolomonTest seed " + SEED + " (rerun with -Dl2mesh.test.seed=" + SEED + ")");
        for (int round = 0; round < 60; round++)
        {
            final int k = 1 + random.nextInt(round < 50 ? 20 : 200);
            final int m = 1 + random.nextInt(Math.min(round < 50 ? 10 : 55, 256 - k));
            final int length = random.nextInt(2000) + 1;
            final int offset = random.nextInt(16);
            checkRoundTrip(new ReedSolomon(k, m, loop), random, offset, length, "seed " + SEED + " round " + round);
        }
    }

    @Test
    void shouldReconstructAllSmallPatternsExhaustively()
    {
        final ReedSolomon rs = new ReedSolomon(4, 3, TableCodingLoop.INSTANCE);
        final Random random = new Random(SEED);
        final byte[][] original = randomShards(random, 7, 37);
        rs.encodeParity(ReedSolomon.wrap(original), 0, 37);
        for (int mask = 0; mask < 128; mask++)
        {
            final int lost = Integer.bitCount(mask);
            final byte[][] shards = copy(original);
            final boolean[] present = new boolean[7];
            for (int i = 0; i < 7; i++)
            {
                present[i] = (mask & (1 << i)) == 0;
                if (!present[i])
                {
                    Arrays.fill(shards[i], (byte)0x5a);
                }
            }
            if (lost <= 3)
            {
                rs.reconstruct(ReedSolomon.wrap(shards), present, 0, 37);
                for (int i = 0; i < 7; i++)
                {
                    assertThat(shards[i]).as("mask %s shard %d", Integer.toBinaryString(mask), i)
                        .isEqualTo(original[i]);
                }
            }
            else
            {
                assertThatThrownBy(() -> rs.reconstruct(ReedSolomon.wrap(shards), present, 0, 37))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("too few shards to reconstruct: " + (7 - lost) + " present, need k=4");
            }
        }
    }

    @Test
    void shouldWorkOnOffHeapSlicesAndAgreeAcrossLoops()
    {
        final Random random = new Random(SEED);
        try (Arena arena = Arena.ofConfined())
        {
            final int k = 10;
            final int m = 4;
            final int length = 1400;
            final MemorySegment block = arena.allocate((long)(k + m) * 1500);
            final MemorySegment[] shards = new MemorySegment[k + m];
            for (int i = 0; i < k + m; i++)
            {
                shards[i] = block.asSlice(i * 1500L, 1500);
            }
            for (int i = 0; i < k; i++)
            {
                for (int j = 0; j < length; j++)
                {
                    shards[i].set(ValueLayout.JAVA_BYTE, 50 + j, (byte)random.nextInt());
                }
            }
            final List<byte[]> parities = new ArrayList<>();
            for (final CodingLoop loop : loops().toList())
            {
                new ReedSolomon(k, m, loop).encodeParity(shards, 50, length);
                final byte[] parity = new byte[m * length];
                for (int j = 0; j < m; j++)
                {
                    MemorySegment.copy(shards[k + j], ValueLayout.JAVA_BYTE, 50, parity, j * length, length);
                }
                parities.add(parity);
            }
            for (final byte[] parity : parities)
            {
                assertThat(parity).isEqualTo(parities.get(0));
            }
            assertThat(new ReedSolomon(k, m, TableCodingLoop.INSTANCE)
                .isParityCorrect(shards, 50, length, arena.allocate(1500))).isTrue();
            shards[12].set(ValueLayout.JAVA_BYTE, 50 + 700, (byte)(shards[12].get(ValueLayout.JAVA_BYTE, 750) ^ 1));
            assertThat(new ReedSolomon(k, m, TableCodingLoop.INSTANCE)
                .isParityCorrect(shards, 50, length, arena.allocate(1500))).isFalse();
        }
    }

    @ParameterizedTest
    @MethodSource("loops")
    void shouldFoldShardsIntoAllParitiesAsEncodeParityDoes(final CodingLoop loop)
    {
        // The stream encoder's per-frame path: each data shard folded into every parity in one call (the SIMD
        // loop's fused pass), over lengths with and without a tail shorter than a vector.
        final Random random = new Random(SEED);
        final int k = 10;
        final int m = 4;
        final ReedSolomon rs = new ReedSolomon(k, m, loop);
        for (final int length : new int[] {1, 31, 32, 33, 100, 1402})
        {
            final int stride = length + 7; // parities packed with gaps, as in the encoder's parity buffer
            final byte[][] shards = randomShards(random, k + m, length);
            final MemorySegment folded = MemorySegment.ofArray(new byte[m * stride]);
            for (int i = 0; i < k; i++)
            {
                loop.multiplyAccumulate(rs.parityColumn(i), MemorySegment.ofArray(shards[i]), 0, folded, 0, stride,
                    length);
            }
            rs.encodeParity(ReedSolomon.wrap(shards), 0, length);
            for (int j = 0; j < m; j++)
            {
                assertThat(folded.asSlice((long)j * stride, length).toArray(ValueLayout.JAVA_BYTE))
                    .as("parity %d, length %d, seed %d", j, length, SEED).isEqualTo(shards[k + j]);
                assertThat(folded.asSlice((long)j * stride + length, 7).toArray(ValueLayout.JAVA_BYTE))
                    .as("gap after parity %d untouched", j).containsOnly(0);
            }
        }
    }

    @Test
    void shouldPreferWideVectorsOnlyWhereTheCpuShufflesBytesAtThatWidth()
    {
        assertThat(CodingLoops.preferredBits(" fpu avx2 avx512f avx512bw avx512vbmi avx512vl ", 512)).isEqualTo(512);
        assertThat(CodingLoops.preferredBits(" fpu avx2 avx512f avx512bw avx512vl ", 512)).isEqualTo(256);
        assertThat(CodingLoops.preferredBits(" fpu avx2 avx512bw avx512vbmi ", 256)).isEqualTo(256);
        assertThat(CodingLoops.preferredBits("", 256)).isEqualTo(256);
        assertThat(CodingLoops.preferredBits("", 128)).isEqualTo(128);
    }

    @Test
    void shouldRefuseBadShapesAndShards()
    {
        assertThatThrownBy(() -> ReedSolomon.create(0, 2)).hasMessage("data shards k=0 must be at least 1");
        assertThatThrownBy(() -> ReedSolomon.create(2, 0)).hasMessage("parity shards m=0 must be at least 1");
        assertThatThrownBy(() -> ReedSolomon.create(200, 57))
            .hasMessage("k + m = 257 exceeds the limit of 256 shards in GF(2^8)");
        final ReedSolomon rs = ReedSolomon.create(3, 2);
        final byte[][] shards = {new byte[10], new byte[10], new byte[9], new byte[10], new byte[10]};
        assertThatThrownBy(() -> rs.encodeParity(ReedSolomon.wrap(shards), 0, 10))
            .hasMessage("shard 2 has 9 bytes, needs 10 (offset 0 + length 10)");
        assertThatThrownBy(() -> rs.encodeParity(ReedSolomon.wrap(new byte[4][10]), 0, 10))
            .hasMessage("expected 5 shards, got 4");
        assertThatThrownBy(() -> rs.encodeParity(ReedSolomon.wrap(new byte[5][10]), -1, 10))
            .hasMessageContaining("must not be negative");
    }

    private static void checkRoundTrip(
        final ReedSolomon rs, final Random random, final int offset, final int length, final String context)
    {
        final int k = rs.dataShardCount();
        final int total = rs.totalShardCount();
        final byte[][] original = randomShards(random, total, offset + length);
        rs.encodeParity(ReedSolomon.wrap(original), offset, length);
        final int lose = random.nextInt(rs.parityShardCount() + 2); // sometimes one too many
        final byte[][] shards = copy(original);
        final boolean[] present = new boolean[total];
        Arrays.fill(present, true);
        final List<Integer> indices = new ArrayList<>();
        for (int i = 0; i < total; i++)
        {
            indices.add(i);
        }
        java.util.Collections.shuffle(indices, random);
        for (int n = 0; n < lose; n++)
        {
            present[indices.get(n)] = false;
            Arrays.fill(shards[indices.get(n)], (byte)0x77);
        }
        if (lose > rs.parityShardCount())
        {
            assertThatThrownBy(() -> rs.reconstruct(ReedSolomon.wrap(shards), present, offset, length))
                .as(context).hasMessageStartingWith("too few shards to reconstruct");
            return;
        }
        rs.reconstruct(ReedSolomon.wrap(shards), present, offset, length);
        for (int i = 0; i < total; i++)
        {
            assertThat(Arrays.copyOfRange(shards[i], offset, offset + length))
                .as("%s k=%d m=%d lost=%d shard %d", context, k, rs.parityShardCount(), lose, i)
                .isEqualTo(Arrays.copyOfRange(original[i], offset, offset + length));
        }
    }

    private static byte[][] randomShards(final Random random, final int count, final int size)
    {
        final byte[][] shards = new byte[count][size];
        for (final byte[] shard : shards)
        {
            random.nextBytes(shard);
        }
        return shards;
    }

    private static byte[][] copy(final byte[][] shards)
    {
        final byte[][] copy = new byte[shards.length][];
        for (int i = 0; i < shards.length; i++)
        {
            copy[i] = shards[i].clone();
        }
        return copy;
    }
}
