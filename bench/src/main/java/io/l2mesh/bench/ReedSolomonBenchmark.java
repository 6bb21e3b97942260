package io.l2mesh.bench;

import io.l2mesh.fec.CodingLoop;
import io.l2mesh.fec.CodingLoops;
import io.l2mesh.fec.ReedSolomon;
import io.l2mesh.fec.TableCodingLoop;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Encode and reconstruct throughput of the Reed-Solomon codec on off-heap shards. One operation codes one
 * block; MB/s of data = ops/s × k × shardSize (bench/jmh.sh prints it). Baseline next to the candidates: the
 * portable table loop.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class ReedSolomonBenchmark
{
    @Param({"10+4", "20+10", "4+2"})
    public String shape;

    @Param({"table", "vector128", "vector256", "vector512", "isal"})
    public String loop;

    @Param({"1400"})
    public int shardSize;

    private Arena arena;
    private ReedSolomon codec;
    private MemorySegment[] shards;
    private boolean[] oneLost;
    private boolean[] twoLost;

    @Setup
    public void setUp()
    {
        final String[] km = shape.split("\\+");
        final int k = Integer.parseInt(km[0]);
        final int m = Integer.parseInt(km[1]);
        final CodingLoop codingLoop = switch (loop)
        {
            case "table" -> TableCodingLoop.INSTANCE;
            case "vector128" -> CodingLoops.vector(128);
            case "vector256" -> CodingLoops.vector(256);
            case "vector512" -> CodingLoops.vector(512);
            case "isal" -> java.util.Objects.requireNonNull(io.l2mesh.fec.IsalCodingLoop.loadOrNull(),
                "ISA-L is not installed (Debian: libisal2)");
            default -> throw new IllegalArgumentException(loop);
        };
        codec = new ReedSolomon(k, m, codingLoop);
        arena = Arena.ofConfined();
        shards = new MemorySegment[k + m];
        final Random random = new Random(42);
        for (int i = 0; i < k + m; i++)
        {
            shards[i] = arena.allocate(shardSize, 64);
            for (int j = 0; j < shardSize; j++)
            {
                shards[i].set(ValueLayout.JAVA_BYTE, j, (byte)random.nextInt());
            }
        }
        codec.encodeParity(shards, 0, shardSize);
        oneLost = new boolean[k + m];
        Arrays.fill(oneLost, true);
        oneLost[0] = false;
        twoLost = oneLost.clone();
        twoLost[k / 2] = false;
    }

    @TearDown
    public void tearDown()
    {
        arena.close();
    }

    @Benchmark
    public MemorySegment encode()
    {
        codec.encodeParity(shards, 0, shardSize);
        return shards[shards.length - 1];
    }

    @Benchmark
    public MemorySegment reconstructOneDataShard()
    {
        codec.reconstructData(shards, oneLost, 0, shardSize);
        return shards[0];
    }

    @Benchmark
    public MemorySegment reconstructTwoDataShards()
    {
        codec.reconstructData(shards, twoLost, 0, shardSize);
        return shards[0];
    }
}
