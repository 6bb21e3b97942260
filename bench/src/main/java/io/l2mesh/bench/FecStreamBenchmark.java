package io.l2mesh.bench;

import io.l2mesh.fec.CodingLoop;
import io.l2mesh.fec.CodingLoops;
import io.l2mesh.fec.ReedSolomon;
import io.l2mesh.fec.TableCodingLoop;
import io.l2mesh.fec.stream.FecDecoder;
import io.l2mesh.fec.stream.FecEncoder;
import io.l2mesh.fec.stream.ShardHeaderFlyweight;
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
import org.openjdk.jmh.infra.Blackhole;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;

/**
 * Per-frame cost of the packet-stream FEC for 1400-byte frames with (k, m) = (10, 4): the encoder alone, the
 * encoder feeding the decoder (no loss), and, as the baseline, the codec work the encoder does per frame (m
 * multiply-accumulates of one body), so that stream overhead = encoder − baseline.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class FecStreamBenchmark
{
    private static final int K = 10;
    private static final int M = 4;
    private static final int FRAME = 1400;

    @Param({"table", "vector256", "vector512", "isal"})
    public String loop;

    private Arena arena;
    private MemorySegment buffer;
    private MemorySegment parity;
    private FecEncoder encoderOnly;
    private FecEncoder encoderToDecoder;
    private FecDecoder decoder;
    private ReedSolomon codec;
    private CodingLoop codingLoop;
    private long nowNs;
    private Blackhole blackhole;

    @Setup
    public void setUp(final Blackhole bh)
    {
        blackhole = bh;
        codingLoop = "table".equals(loop) ? TableCodingLoop.INSTANCE : "isal".equals(loop) ?
            java.util.Objects.requireNonNull(io.l2mesh.fec.IsalCodingLoop.loadOrNull(), "ISA-L is not installed") :
            CodingLoops.vector(Integer.parseInt(loop.substring("vector".length())));
        arena = Arena.ofConfined();
        buffer = arena.allocate(16 + FRAME, 64);
        parity = arena.allocate((long)M * 2048, 64);
        codec = new ReedSolomon(K, M, codingLoop);
        encoderOnly = new FecEncoder(K, M, FecEncoder.BLOCK_TIMEOUT_NS_DEFAULT, 9000, codingLoop,
            (segment, offset, length) -> blackhole.consume(length));
        decoder = new FecDecoder(FecDecoder.WINDOW_BLOCKS_DEFAULT, 64, 32, 9000, codingLoop,
            (segment, offset, length, recovered) -> blackhole.consume(length));
        encoderToDecoder = new FecEncoder(K, M, FecEncoder.BLOCK_TIMEOUT_NS_DEFAULT, 9000, codingLoop,
            decoder::onShard);
    }

    @TearDown
    public void tearDown()
    {
        encoderOnly.close();
        encoderToDecoder.close();
        decoder.close();
        arena.close();
    }

    @Benchmark
    public boolean encoder()
    {
        return encoderOnly.onFrame(buffer, 16, FRAME, nowNs++);
    }

    @Benchmark
    public boolean encoderAndDecoder()
    {
        return encoderToDecoder.onFrame(buffer, 16, FRAME, nowNs++);
    }

    @Benchmark
    public MemorySegment codecBaseline()
    {
        codingLoop.multiplyAccumulate(codec.parityColumn(3), buffer, 16 - ShardHeaderFlyweight.FRAME_LENGTH_FIELD,
            parity, 0, 2048L, FRAME + 2);
        return parity;
    }

    /**
     * The same codec work one parity at a time (one pass over the frame per parity), against which the fused
     * pass of {@link #codecBaseline} is measured.
     */
    @Benchmark
    public MemorySegment codecPerParity()
    {
        for (int j = 0; j < M; j++)
        {
            codingLoop.multiplyAccumulate(codec.parityCoefficient(j, 3), buffer,
                16 - ShardHeaderFlyweight.FRAME_LENGTH_FIELD, parity, j * 2048L, FRAME + 2);
        }
        return parity;
    }
}
