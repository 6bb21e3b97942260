package io.l2mesh.fec.stream;

import io.l2mesh.fec.CodingLoop;
import io.l2mesh.fec.CodingLoops;
import io.l2mesh.fec.TableCodingLoop;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

class FecStreamTest
{
    private static final long SEED = Long.getLong("l2mesh.test.seed", System.nanoTime());

    static
    {
        System.out.println("FecStreamTest seed " + SEED + " (rerun with -Dl2mesh.test.seed=" + SEED + ")");
    }

    /**
     * Every stream test runs on the Java SIMD loop and on ISA-L (when the library is installed; the test command
     * installs it), and on the portable table loop.
     */
    static Stream<CodingLoop> loops()
    {
        return io.l2mesh.fec.ReedSolomonTest.availableLoops(TableCodingLoop.INSTANCE, CodingLoops.vector(256));
    }

    private static void sendFrames(final StreamHarness h, final Random random, final int frames)
    {
        for (int sequence = 0; sequence < frames; sequence++)
        {
            h.send(sequence, random.nextInt(10) == 0 ? 4 + random.nextInt(8996) : 60 + random.nextInt(1440));
            if (random.nextInt(50) == 0)
            {
                h.advance(2_000_000); // idle gap: the block timer closes a short block
            }
        }
        h.advance(2_000_000);
    }

    private static void assertExactlyExpected(final StreamHarness h, final List<byte[]> survivors)
    {
        h.decoder.flush();
        final java.util.Set<Integer> expected = h.expectedDeliveries(survivors);
        assertThat(h.deliveries.keySet()).as("seed %d", SEED).isEqualTo(expected);
        assertThat(h.deliveries.values()).as("exactly once").allMatch(n -> n == 1);
        for (final Map.Entry<Integer, byte[]> delivered : h.deliveredBytes.entrySet())
        {
            assertThat(delivered.getValue()).as("frame %d", delivered.getKey())
                .isEqualTo(h.sentFrames.get(delivered.getKey()));
        }
        assertThat(h.decoder.counters().malformed()).isZero();
    }

    @ParameterizedTest
    @MethodSource("loops")
    void shouldDeliverEveryFrameOnceWithoutLoss(final CodingLoop loop)
    {
        final Random random = new Random(SEED);
        try (StreamHarness h = new StreamHarness(10, 4, loop, random))
        {
            sendFrames(h, random, 2000);
            h.deliver(h.wire);
            assertExactlyExpected(h, h.wire);
            assertThat(h.deliveries).hasSize(2000);
            assertThat(h.decoder.counters().recovered()).isZero();
            assertThat(h.decoder.counters().unrecoverable()).isZero();
            assertThat(h.encoder.counters().get(FecCounters.BLOCKS_CLOSED_BY_TIMER)).isPositive();
        }
    }

    static Stream<Arguments> lossesAndLoops()
    {
        return loops().flatMap(loop -> Stream.of(0.01, 0.05, 0.10).map(loss -> Arguments.of(loss, loop)));
    }

    @ParameterizedTest
    @MethodSource("lossesAndLoops")
    void shouldDeliverEveryRecoverableFrameUnderRandomLoss(final double loss, final CodingLoop loop)
    {
        final Random random = new Random(SEED);
        try (StreamHarness h = new StreamHarness(10, 4, loop, random))
        {
            sendFrames(h, random, 5000);
            final List<byte[]> survivors = new ArrayList<>();
            for (final byte[] shard : h.wire)
            {
                if (random.nextDouble() >= loss)
                {
                    survivors.add(shard);
                }
            }
            h.deliver(survivors);
            assertExactlyExpected(h, survivors);
            assertThat(h.decoder.counters().recovered()).isPositive();
        }
    }

    @ParameterizedTest
    @MethodSource("loops")
    void shouldDeliverEveryRecoverableFrameUnderBurstLoss(final CodingLoop loop)
    {
        final Random random = new Random(SEED);
        try (StreamHarness h = new StreamHarness(10, 4, loop, random))
        {
            sendFrames(h, random, 5000);
            final List<byte[]> survivors = new ArrayList<>();
            int burst = 0;
            for (final byte[] shard : h.wire)
            {
                if (burst == 0 && random.nextDouble() < 0.02)
                {
                    burst = 1 + random.nextInt(6);
                }
                if (burst > 0)
                {
                    burst--;
                }
                else
                {
                    survivors.add(shard);
                }
            }
            h.deliver(survivors);
            assertExactlyExpected(h, survivors);
            assertThat(h.decoder.counters().unrecoverable()).as("bursts of up to 6 beat m=4 sometimes").isPositive();
        }
    }

    @ParameterizedTest
    @MethodSource("loops")
    void shouldDeliverOnceDespiteReorderingAndDuplicates(final CodingLoop loop)
    {
        final Random random = new Random(SEED);
        try (StreamHarness h = new StreamHarness(8, 3, loop, random))
        {
            sendFrames(h, random, 4000);
            final List<byte[]> channel = new ArrayList<>();
            for (final byte[] shard : h.wire)
            {
                if (random.nextDouble() >= 0.05)
                {
                    channel.add(shard);
                    if (random.nextDouble() < 0.05)
                    {
                        channel.add(shard.clone());
                    }
                }
            }
            final List<byte[]> survivors = new ArrayList<>(new java.util.LinkedHashSet<>(channel));
            // Reorder: each shard moves by fewer than 30 positions (sort by position + random offset), well
            // inside the decoder's window of 16 blocks.
            final List<Integer> order = new ArrayList<>();
            final double[] keys = new double[channel.size()];
            for (int i = 0; i < channel.size(); i++)
            {
                order.add(i);
                keys[i] = i + random.nextInt(30) + random.nextDouble();
            }
            order.sort((a, b) -> Double.compare(keys[a], keys[b]));
            final List<byte[]> reordered = new ArrayList<>();
            for (final int i : order)
            {
                reordered.add(channel.get(i));
            }
            h.deliver(reordered);
            assertExactlyExpected(h, survivors);
            assertThat(h.decoder.counters().duplicate()).isPositive();
        }
    }

    @Test
    void shouldRecoverFramesOfBlockClosedByTimer()
    {
        final Random random = new Random(SEED);
        try (StreamHarness h = new StreamHarness(10, 2, TableCodingLoop.INSTANCE, random))
        {
            h.send(0, 100);
            h.send(1, 1500);
            h.send(2, 700);
            h.advance(500_000);
            assertThat(h.wire).as("no parity before the timer").hasSize(3);
            h.advance(600_000);
            assertThat(h.wire).hasSize(5);
            assertThat(h.wire.get(3)[7]).as("count in parity header").isEqualTo((byte)3);
            h.deliver(List.of(h.wire.get(1), h.wire.get(3), h.wire.get(4))); // frames 0 and 2 lost
            assertThat(h.deliveries.keySet()).containsExactlyInAnyOrder(0, 1, 2);
            assertThat(h.decoder.counters().recovered()).isEqualTo(2);
            assertThat(h.deliveredBytes.get(2)).isEqualTo(h.sentFrames.get(2));
        }
    }

    @Test
    void shouldMeasureWhatARebuiltFrameWaitedFromTheNextShardsArrival()
    {
        final Random random = new Random(SEED);
        try (StreamHarness h = new StreamHarness(4, 2, TableCodingLoop.INSTANCE, random))
        {
            for (int sequence = 0; sequence < 4; sequence++)
            {
                h.send(sequence, 200);
            }
            assertThat(h.wire).as("4 data shards and 2 parity").hasSize(6);
            final java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofAuto();
            final long[] arrivals = {1_000, -1, 3_000, 4_000, 9_000}; // data 0, 1 lost, 2, 3, parity 4 at 9 us
            for (int i = 0; i < arrivals.length; i++)
            {
                if (arrivals[i] >= 0)
                {
                    final byte[] shard = h.wire.get(i);
                    h.decoder.onShard(arena.allocateFrom(java.lang.foreign.ValueLayout.JAVA_BYTE, shard), 0,
                        shard.length, arrivals[i]);
                }
            }
            assertThat(h.decoder.counters().recovered()).isEqualTo(1);
            assertThat(h.decoder.counters().recoveryNanos())
                .as("frame 1 was due about when shard 2 came (3 us), rebuilt when the parity came (9 us)")
                .isEqualTo(6_000);
            assertThat(h.deliveries.keySet()).containsExactlyInAnyOrder(0, 1, 2, 3);
        }
    }

    @Test
    void shouldFollowBlockIdsAcrossWrapAround()
    {
        final Random random = new Random(SEED);
        try (StreamHarness h = new StreamHarness(4, 2, TableCodingLoop.INSTANCE, random))
        {
            h.encoder.firstBlockId(-3); // 0xfffffffd
            sendFrames(h, random, 200);
            final List<byte[]> survivors = new ArrayList<>(h.wire);
            survivors.remove(0); // lose the first frame of block 0xfffffffd
            survivors.remove(20);
            h.deliver(survivors);
            assertExactlyExpected(h, survivors);
            assertThat(h.decoder.counters().stale()).isZero();
        }
    }

    @Test
    void shouldCountHostileShardsAsMalformedAndKeepWorking()
    {
        final Random random = new Random(SEED);
        try (StreamHarness h = new StreamHarness(10, 4, TableCodingLoop.INSTANCE, random);
             Arena arena = Arena.ofConfined())
        {
            final List<byte[]> hostile = new ArrayList<>();
            hostile.add(new byte[5]); // truncated header
            hostile.add(shard(1, 0, 200, 4, 0, 10)); // huge k
            hostile.add(shard(1, 0, 0, 4, 0, 10)); // k = 0
            hostile.add(shard(1, 0, 10, 0, 0, 10)); // m = 0
            hostile.add(shard(1, 14, 10, 4, 3, 10)); // index beyond k + m
            final byte[] past = shard(1, 0, 10, 4, 0, 10);
            ByteBuffer.wrap(past).putShort(8, (short)5000); // frame length past the end of the shard
            hostile.add(past);
            hostile.add(shard(1, 0, 10, 4, 7, 10)); // data shard claiming a count
            hostile.add(shard(1, 10, 10, 4, 0, 10)); // parity without a count
            hostile.add(shard(1, 10, 10, 4, 11, 10)); // parity count above k
            hostile.add(shard(1, 10, 10, 4, 3, 20_000)); // parity longer than any frame
            for (final byte[] shard : hostile)
            {
                h.decoder.onShard(arena.allocateFrom(java.lang.foreign.ValueLayout.JAVA_BYTE, shard), 0, shard.length);
            }
            assertThat(h.decoder.counters().malformed()).isEqualTo(hostile.size());
            assertThat(h.deliveries).isEmpty();

            // Random garbage: never an exception, every shard accounted for.
            long delivered = 0;
            for (int i = 0; i < 20_000; i++)
            {
                final byte[] garbage = new byte[random.nextInt(200)];
                random.nextBytes(garbage);
                final MemorySegment s = arena.allocateFrom(java.lang.foreign.ValueLayout.JAVA_BYTE, garbage);
                h.decoder.onShard(s, 0, garbage.length);
            }
            delivered = h.deliveries.size();
            assertThat(delivered).as("garbage that happened to parse as a frame").isLessThan(5);

            // A proper stream still gets through afterwards.
            final StreamHarness fresh = new StreamHarness(10, 4, TableCodingLoop.INSTANCE, random);
            sendFrames(fresh, random, 300);
            fresh.deliver(fresh.wire);
            assertThat(fresh.deliveries).hasSize(300);
            fresh.close();
        }
    }

    private static byte[] shard(final int block, final int index, final int k, final int m, final int count,
        final int bodyLength)
    {
        final ByteBuffer b = ByteBuffer.allocate(8 + bodyLength);
        b.putInt(block).put((byte)index).put((byte)k).put((byte)m).put((byte)count);
        b.putShort((short)(bodyLength - 2));
        return b.array();
    }

    @Test
    void shouldMatchBinomialModelOfResidualLoss()
    {
        // Fixed seed: a statistical check, reproducible. k=10, m=2, 5% loss: model 0.05 · P(Bin(11, 0.05) >= 2).
        final Random random = new Random(20261122L);
        final int frames = 200_000;
        final double loss = 0.05;
        try (StreamHarness h = new StreamHarness(10, 2, TableCodingLoop.INSTANCE, random))
        {
            final List<byte[]> survivors = new ArrayList<>();
            for (int sequence = 0; sequence < frames; sequence++)
            {
                h.send(sequence, 64);
                for (final byte[] shard : h.wire)
                {
                    if (random.nextDouble() >= loss)
                    {
                        survivors.add(shard);
                    }
                }
                h.wire.clear();
            }
            h.deliver(survivors);
            h.decoder.flush();
            final double residual = 1.0 - h.deliveries.size() / (double)frames;
            final double model = AdaptiveParity.residualLoss(10, 2, loss);
            System.out.printf("residual loss measured %.5f, model %.5f%n", residual, model);
            assertThat(residual).isBetween(model * 0.85, model * 1.15);
            // Frames the decoder never heard of (a block's last frames lost with all its parity, or a whole block)
            // cannot be counted by it: the counter is a lower bound, close to the truth.
            final long lost = frames - h.deliveries.size();
            assertThat(h.decoder.counters().unrecoverable()).isBetween((long)(lost * 0.98), lost);
        }
    }

    @Test
    void shouldKeepResidualLossBelowTenthOfPercentWithTenPlusFourAtFivePercent()
    {
        final Random random = new Random(SEED);
        try (StreamHarness h = new StreamHarness(10, 4, TableCodingLoop.INSTANCE, random))
        {
            final int frames = 20_000;
            final List<byte[]> survivors = new ArrayList<>();
            for (int sequence = 0; sequence < frames; sequence++)
            {
                h.send(sequence, 200);
                for (final byte[] shard : h.wire)
                {
                    if (random.nextDouble() >= 0.05)
                    {
                        survivors.add(shard);
                    }
                }
                h.wire.clear();
            }
            h.deliver(survivors);
            h.decoder.flush();
            assertThat(1.0 - h.deliveries.size() / (double)frames).isLessThan(0.001);
        }
    }
}
