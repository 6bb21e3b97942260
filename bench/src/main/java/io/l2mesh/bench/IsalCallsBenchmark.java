package io.l2mesh.bench;

import io.l2mesh.fec.CodingLoop;
import io.l2mesh.fec.CodingLoops;
import io.l2mesh.fec.IsalCodingLoop;
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
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * The two ISA-L calls the codec makes, from Java through FFM, on the shapes of bench/reference/isal-ec.c (which
 * makes the same calls in C; bench/isal.sh runs both and prints the ratio): a block encode of (k, m) shards, and
 * the stream encoder's per-frame fold of one shard into every parity. Native shards, as the datapath's are. The
 * {@code loop} parameter runs the same two operations on the Java loops for comparison.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class IsalCallsBenchmark
{
    @Param({"isal", "vector512", "vector256", "table"})
    public String loop;

    @Param({"10"})
    public int k;

    @Param({"4"})
    public int m;

    @Param({"1400"})
    public int shardSize;

    private Arena arena;
    private CodingLoop codingLoop;
    private byte[][] rows;
    private byte[] column;
    private MemorySegment[] data;
    private MemorySegment[] parity;
    private MemorySegment parityBlock;
    private int parityStride;
    private int next;
    private java.lang.invoke.MethodHandle rawUpdate;
    private MemorySegment rawTables;
    private MemorySegment rawCoding;

    @Setup
    public void setUp()
    {
        codingLoop = switch (loop)
        {
            case "isal" -> Objects.requireNonNull(IsalCodingLoop.loadOrNull(), "ISA-L is not installed");
            case "table" -> TableCodingLoop.INSTANCE;
            default -> CodingLoops.vector(Integer.parseInt(loop.substring("vector".length())));
        };
        arena = Arena.ofConfined();
        final Random random = new Random(42);
        rows = new byte[m][k];
        column = new byte[m];
        for (int o = 0; o < m; o++)
        {
            for (int i = 0; i < k; i++)
            {
                rows[o][i] = (byte)(1 + random.nextInt(255));
            }
            column[o] = rows[o][0];
        }
        data = new MemorySegment[k];
        for (int i = 0; i < k; i++)
        {
            data[i] = arena.allocate(shardSize, 64);
            for (int j = 0; j < shardSize; j++)
            {
                data[i].set(ValueLayout.JAVA_BYTE, j, (byte)random.nextInt());
            }
        }
        parity = new MemorySegment[m];
        for (int o = 0; o < m; o++)
        {
            parity[o] = arena.allocate(shardSize, 64);
        }
        parityStride = (shardSize + 63) & ~63; // 64-byte aligned parities, as FecEncoder and the C program
        parityBlock = arena.allocate((long)m * parityStride, 64);
        if ("isal".equals(loop))
        {
            final java.lang.foreign.Linker linker = java.lang.foreign.Linker.nativeLinker();
            final java.lang.foreign.SymbolLookup isal = java.lang.foreign.SymbolLookup.libraryLookup("libisal.so.2",
                arena);
            rawUpdate = linker.downcallHandle(isal.findOrThrow("ec_encode_data_update"),
                java.lang.foreign.FunctionDescriptor.ofVoid(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                    ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG,
                    ValueLayout.ADDRESS), java.lang.foreign.Linker.Option.critical(false));
            final java.lang.invoke.MethodHandle init = linker.downcallHandle(isal.findOrThrow("ec_init_tables"),
                java.lang.foreign.FunctionDescriptor.ofVoid(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                    ValueLayout.ADDRESS, ValueLayout.ADDRESS));
            rawTables = arena.allocate(32L * m, 64);
            final MemorySegment coefficients = arena.allocate(m);
            MemorySegment.copy(column, 0, coefficients, ValueLayout.JAVA_BYTE, 0, m);
            try
            {
                init.invokeExact(1, m, coefficients, rawTables);
            }
            catch (final Throwable t)
            {
                throw new IllegalStateException(t);
            }
            rawCoding = arena.allocate(8L * m, 8);
            for (int o = 0; o < m; o++)
            {
                rawCoding.setAtIndex(ValueLayout.JAVA_LONG, o, parityBlock.address() + (long)o * parityStride);
            }
        }
    }

    /**
     * The fold as one bare downcall (tables and pointers made once): the floor FFM itself sets, to tell the
     * codec's own per-call work from the call's.
     */
    @Benchmark
    public MemorySegment foldBareDowncall() throws Throwable
    {
        if (rawUpdate == null)
        {
            return parityBlock;
        }
        final MemorySegment shard = data[next];
        next = next + 1 == k ? 0 : next + 1;
        rawUpdate.invokeExact(shardSize, 1, m, 0, rawTables, shard.address(), rawCoding);
        return parityBlock;
    }

    @TearDown
    public void tearDown()
    {
        arena.close();
    }

    /**
     * {@code ec_encode_data(len, k, m, tables, data, coding)}: one block's parity.
     */
    @Benchmark
    public MemorySegment blockEncode()
    {
        codingLoop.code(rows, data, 0, k, parity, 0, m, 0, shardSize);
        return parity[m - 1];
    }

    /**
     * {@code ec_encode_data_update(len, 1, m, 0, tables, shard, coding)}: one frame folded into every parity.
     */
    @Benchmark
    public MemorySegment fold()
    {
        final MemorySegment shard = data[next];
        next = next + 1 == k ? 0 : next + 1;
        codingLoop.multiplyAccumulate(column, shard, 0, parityBlock, 0, parityStride, shardSize);
        return parityBlock;
    }
}
