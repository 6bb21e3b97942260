package io.l2mesh.fec;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Arrays;

/**
 * The coding loop on Intel ISA-L ({@code libisal.so.2}, Debian's {@code libisal2}) through {@code java.lang.foreign}:
 * {@code ec_init_tables} expands the coefficients we pass (the same Backblaze parity rows and decode matrices as
 * every other loop: ISA-L's GF(2^8) is the same field, polynomial 0x11D), {@code ec_encode_data} codes a block,
 * and {@code ec_encode_data_update} folds one shard into every parity (the stream encoder's per-frame step).
 * ISA-L picks its SIMD code for the CPU at run time (AVX2, AVX-512; GFNI in releases after Debian's 2.30).
 * <p>
 * Why not write this in Java: the JDK's Vector API reaches about a seventh of ISA-L's block encode on the same
 * instructions (docs/BENCHMARKS.md), and ISA-L is a well-kept library that distributions ship.
 * <p>
 * ISA-L takes native pointers: native segments are passed as they are; heap segments (tests, the tunnel's heap
 * work buffer) are copied through a per-thread native scratch. Expanded tables are cached per thread by
 * coefficient content in a bounded cache ({@code Scratch}) that holds all of a stream encoder's columns, so a
 * call on the hot path allocates nothing. Thread-safe: all state is per thread.
 */
public final class IsalCodingLoop implements CodingLoop
{
    static final String LIBRARY = "libisal.so.2";
    private static final int TABLE_BYTES_PER_COEFFICIENT = 32;
    private static final int CACHE_ENTRIES = 128; // a power of two
    private static final int CACHE_WAYS = 8;
    private static final int MAX_SHARDS = 256;

    private static final Holder LIBRARY_HANDLES = Holder.load();

    private final ThreadLocal<Scratch> scratch = ThreadLocal.withInitial(Scratch::new);

    private IsalCodingLoop()
    {
    }

    /**
     * @return the ISA-L loop, or null if the library is not installed (then the Java loops serve).
     */
    public static IsalCodingLoop loadOrNull()
    {
        return LIBRARY_HANDLES == null ? null : new IsalCodingLoop();
    }

    /**
     * @return why the library could not be used, or null if it loaded.
     */
    public static String unavailableReason()
    {
        return LIBRARY_HANDLES == null ? Holder.failure : null;
    }

    @Override
    public String name()
    {
        return "isa-l";
    }

    @Override
    public void code(
        final byte[][] rows, final MemorySegment[] inputs, final int inputFrom, final int inputCount,
        final MemorySegment[] outputs, final int outputFrom, final int outputCount, final long offset,
        final int length)
    {
        CodingLoops.checkShards(inputs, inputFrom + inputCount, offset, length);
        CodingLoops.checkShards(outputs, outputFrom + outputCount, offset, length);
        if (length == 0 || outputCount == 0)
        {
            return;
        }
        final Scratch s = scratch.get();
        final int coefficients = inputCount * outputCount;
        s.coefficients(coefficients);
        for (int o = 0; o < outputCount; o++)
        {
            System.arraycopy(rows[o], 0, s.flat, o * inputCount, inputCount);
        }
        final MemorySegment tables = s.tables(inputCount, outputCount, s.flat, coefficients);
        s.reserveCopies((inputCount + outputCount) * (long)length);
        long copyAt = 0;
        for (int i = 0; i < inputCount; i++)
        {
            final MemorySegment in = inputs[inputFrom + i];
            long address;
            if (in.isNative())
            {
                address = in.address() + offset;
            }
            else
            {
                MemorySegment.copy(in, offset, s.copies, copyAt, length);
                address = s.copies.address() + copyAt;
                copyAt += length;
            }
            s.dataPointers.setAtIndex(ValueLayout.JAVA_LONG, i, address);
        }
        final long outputsAt = copyAt;
        for (int o = 0; o < outputCount; o++)
        {
            final MemorySegment out = outputs[outputFrom + o];
            final long address;
            if (out.isNative())
            {
                address = out.address() + offset;
            }
            else
            {
                address = s.copies.address() + copyAt;
                copyAt += length;
            }
            s.codingPointers.setAtIndex(ValueLayout.JAVA_LONG, o, address);
        }
        s.pointedCount = 0; // the fold's pointers are gone
        invoke(LIBRARY_HANDLES.encode, length, inputCount, outputCount, tables, s.dataPointers, s.codingPointers);
        long back = outputsAt;
        for (int o = 0; o < outputCount; o++)
        {
            final MemorySegment out = outputs[outputFrom + o];
            if (!out.isNative())
            {
                MemorySegment.copy(s.copies, back, out, offset, length);
                back += length;
            }
        }
    }

    @Override
    public void multiplyAccumulate(final int coefficient, final MemorySegment in, final long inOffset,
        final MemorySegment out, final long outOffset, final int length)
    {
        final Scratch s = scratch.get();
        s.single[0] = (byte)coefficient;
        multiplyAccumulate(s.single, in, inOffset, out, outOffset, 0, length);
    }

    /**
     * One {@code ec_encode_data_update} call: the shard's column of coefficients as a (1 x m) matrix, so ISA-L
     * folds it into all m parities in one pass over the input.
     */
    @Override
    public void multiplyAccumulate(final byte[] column, final MemorySegment in, final long inOffset,
        final MemorySegment out, final long outOffset, final long outStride, final int length)
    {
        final int m = column.length;
        if (length == 0 || m == 0)
        {
            return;
        }
        final Scratch s = scratch.get();
        final MemorySegment tables = s.columnTables(column);
        final long outputBytes = (m - 1) * outStride + length;
        s.reserveCopies(length + (out.isNative() ? 0 : outputBytes));
        final long data;
        if (in.isNative())
        {
            data = in.address() + inOffset;
        }
        else
        {
            MemorySegment.copy(in, inOffset, s.copies, 0, length);
            data = s.copies.address();
        }
        final long outBase;
        if (out.isNative())
        {
            outBase = out.address() + outOffset;
        }
        else
        {
            MemorySegment.copy(out, outOffset, s.copies, length, outputBytes);
            outBase = s.copies.address() + length;
        }
        if (outBase != s.pointedBase || outStride != s.pointedStride || m > s.pointedCount)
        {
            // A stream encoder folds every frame of a block into the same parities: set their pointers once.
            for (int j = 0; j < m; j++)
            {
                s.codingPointers.setAtIndex(ValueLayout.JAVA_LONG, j, outBase + j * outStride);
            }
            s.pointedBase = outBase;
            s.pointedStride = outStride;
            s.pointedCount = m;
        }
        try
        {
            LIBRARY_HANDLES.update.invokeExact(length, 1, m, 0, tables, data, s.codingPointers);
        }
        catch (final Throwable t)
        {
            throw new IllegalStateException("ec_encode_data_update failed", t);
        }
        if (!out.isNative())
        {
            MemorySegment.copy(s.copies, length, out, outOffset, outputBytes);
        }
    }

    private static void invoke(final MethodHandle handle, final int length, final int k, final int rows,
        final MemorySegment tables, final MemorySegment data, final MemorySegment coding)
    {
        try
        {
            handle.invokeExact(length, k, rows, tables, data, coding);
        }
        catch (final Throwable t)
        {
            throw new IllegalStateException("ec_encode_data failed", t);
        }
    }

    /**
     * One thread's pointer arrays, heap-copy scratch and expanded-table cache.
     * <p>
     * The cache is bounded and, once warm, allocates nothing: {@link #CACHE_ENTRIES} entries, eight-way
     * set-associative on a hash of (shape, coefficients) with the least recently used way replaced, so the stream
     * encoder's k columns (at most {@code FecSpec.MAX_K}) and a few block shapes stay in it at once. A miss reuses
     * the evicted entry's key array and table memory when they are large enough; only a larger shape allocates,
     * each table in an arena of its own so that memory it replaces can be freed. (It was 8 entries replaced in
     * turn: k = 10 columns missed on every frame and leaked a table into the thread's arena each time.)
     */
    private static final class Scratch
    {
        final Arena arena = Arena.ofAuto();
        final MemorySegment dataPointers = arena.allocate(8L * MAX_SHARDS, 8);
        final MemorySegment codingPointers = arena.allocate(8L * MAX_SHARDS, 8);
        final byte[] single = new byte[1];
        byte[] flat = new byte[64];
        MemorySegment copies = Arena.ofAuto().allocate(1 << 16, 64);
        MemorySegment coefficientScratch = Arena.ofAuto().allocate(256);
        final byte[][] keys = new byte[CACHE_ENTRIES][];
        final int[] keyLength = new int[CACHE_ENTRIES];
        final int[] keyShape = new int[CACHE_ENTRIES]; // k << 16 | rows
        final int[] keyHash = new int[CACHE_ENTRIES];
        final long[] lastUse = new long[CACHE_ENTRIES];
        final MemorySegment[] tables = new MemorySegment[CACHE_ENTRIES];
        long uses;
        long misses;
        // What codingPointers hold for the fold: m pointers from pointedBase, pointedStride apart.
        long pointedBase;
        long pointedStride;
        int pointedCount;

        void coefficients(final int count)
        {
            if (flat.length < count)
            {
                flat = new byte[Math.max(count, 2 * flat.length)];
            }
        }

        void reserveCopies(final long bytes)
        {
            if (copies.byteSize() < bytes)
            {
                copies = Arena.ofAuto().allocate(Math.max(bytes, 2 * copies.byteSize()), 64);
            }
        }

        private boolean matches(final int e, final int shape, final int hash, final byte[] coefficients,
            final int count)
        {
            return keys[e] != null && keyHash[e] == hash && keyShape[e] == shape && keyLength[e] == count &&
                Arrays.equals(keys[e], 0, count, coefficients, 0, count);
        }

        /**
         * {@link #tables} for one column of parity coefficients (a 1 x m matrix), looked up in place: the fold's
         * path, once per frame.
         */
        MemorySegment columnTables(final byte[] column)
        {
            return tables(1, column.length, column, column.length);
        }

        private static int hash(final int shape, final byte[] coefficients, final int count)
        {
            int hash = shape;
            for (int i = 0; i < count; i++)
            {
                hash = hash * 31 + coefficients[i];
            }
            return hash ^ hash >>> 15;
        }

        /**
         * @return the expanded tables of the first {@code count} {@code coefficients} (k columns, rows rows), from
         * the cache or made now.
         */
        MemorySegment tables(final int k, final int rows, final byte[] coefficients, final int count)
        {
            final int shape = k << 16 | rows;
            final int hash = hash(shape, coefficients, count);
            final int first = hash & (CACHE_ENTRIES - 1) & -CACHE_WAYS;
            final long use = ++uses;
            int e = first;
            for (int w = first; w < first + CACHE_WAYS; w++)
            {
                if (matches(w, shape, hash, coefficients, count))
                {
                    lastUse[w] = use;
                    return tables[w];
                }
                if (lastUse[w] < lastUse[e])
                {
                    e = w;
                }
            }
            misses++;
            lastUse[e] = use;
            if (keys[e] == null || keys[e].length < count)
            {
                keys[e] = new byte[Math.max(count, 64)];
            }
            System.arraycopy(coefficients, 0, keys[e], 0, count);
            keyLength[e] = count;
            keyShape[e] = shape;
            keyHash[e] = hash;
            final long tableBytes = (long)TABLE_BYTES_PER_COEFFICIENT * count;
            if (tables[e] == null || tables[e].byteSize() < tableBytes)
            {
                tables[e] = Arena.ofAuto().allocate(Math.max(tableBytes, 2048), 64);
            }
            if (coefficientScratch.byteSize() < count)
            {
                coefficientScratch = Arena.ofAuto().allocate(Math.max(count, 2 * coefficientScratch.byteSize()));
            }
            MemorySegment.copy(coefficients, 0, coefficientScratch, ValueLayout.JAVA_BYTE, 0, count);
            try
            {
                LIBRARY_HANDLES.initTables.invokeExact(k, rows, coefficientScratch, tables[e]);
            }
            catch (final Throwable t)
            {
                keys[e] = null; // the entry holds nothing valid
                throw new IllegalStateException("ec_init_tables failed", t);
            }
            return tables[e];
        }
    }

    /**
     * @return this thread's table cache misses so far (a test checks that a warm stream encoder has none).
     */
    long tableMisses()
    {
        return scratch.get().misses;
    }

    /**
     * The library's functions, looked up once.
     */
    private static final class Holder
    {
        static String failure;
        final MethodHandle initTables;
        final MethodHandle encode;
        final MethodHandle update;

        private Holder(final SymbolLookup lookup)
        {
            final Linker linker = Linker.nativeLinker();
            // critical: short calls that never block or call back, so FFM skips the thread-state transitions.
            final Linker.Option critical = Linker.Option.critical(false);
            final ValueLayout.OfInt i = ValueLayout.JAVA_INT;
            final var p = ValueLayout.ADDRESS;
            initTables = linker.downcallHandle(lookup.findOrThrow("ec_init_tables"),
                FunctionDescriptor.ofVoid(i, i, p, p), critical);
            encode = linker.downcallHandle(lookup.findOrThrow("ec_encode_data"),
                FunctionDescriptor.ofVoid(i, i, i, p, p, p), critical);
            update = linker.downcallHandle(lookup.findOrThrow("ec_encode_data_update"),
                FunctionDescriptor.ofVoid(i, i, i, i, p, ValueLayout.JAVA_LONG, p), critical); // data: an address
        }

        static Holder load()
        {
            if (Boolean.getBoolean("l2mesh.fec.noIsal"))
            {
                failure = "switched off (-Dl2mesh.fec.noIsal=true)";
                return null;
            }
            try
            {
                return new Holder(SymbolLookup.libraryLookup(LIBRARY, Arena.global()));
            }
            catch (final IllegalArgumentException | java.util.NoSuchElementException | IllegalCallerException ex)
            {
                failure = LIBRARY + " not loadable (" + ex.getMessage() + "); install Debian's libisal2";
                return null;
            }
        }
    }
}
