package io.l2mesh.fec;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Codes with a portable loop until a faster one is ready, then with the faster one.
 * <p>
 * Why: the SIMD loop is 5-10× faster than the table loop once C2 has compiled it, and far slower before, since
 * the Vector API runs as plain objects until then. A datapath that switches FEC on would fall behind for the first
 * seconds and lose frames (it did, in CI). So the first call starts one background thread that runs the fast loop
 * on scratch buffers, with the frame lengths and calls the codec makes, and compares it with the portable loop
 * (at the lowest CPU priority, {@link BackgroundPriority}, so that it never takes CPU from the datapath);
 * once the fast loop is faster it is published and every later call uses it. Until then, and if it never gets
 * faster (within {@link #WARM_UP_LIMIT_NS}), calls use the portable loop. Daemons that never use FEC never start
 * the thread.
 * <p>
 * Both loops give identical bytes, so switching between an encoder's calls changes only the speed. Thread-safe.
 */
public final class WarmingCodingLoop implements CodingLoop
{
    static final long WARM_UP_LIMIT_NS = TimeUnit.SECONDS.toNanos(30);
    private static final int ROUND_CALLS = 2_000;
    private static final int MAX_LENGTH = 1_500;
    private static final int SHARDS = 14;

    private final CodingLoop portable;
    private final CodingLoop fast;
    private final AtomicBoolean warmUpStarted = new AtomicBoolean();
    private volatile CodingLoop current;
    private volatile String warmUpOutcome = "not started";
    private final long warmUpLimitNs;

    public WarmingCodingLoop(final CodingLoop portable, final CodingLoop fast)
    {
        this(portable, fast, WARM_UP_LIMIT_NS);
    }

    WarmingCodingLoop(final CodingLoop portable, final CodingLoop fast, final long warmUpLimitNs)
    {
        this.warmUpLimitNs = warmUpLimitNs;
        this.portable = portable;
        this.fast = fast;
        this.current = portable;
    }

    @Override
    public void code(
        final byte[][] rows, final MemorySegment[] inputs, final int inputFrom, final int inputCount,
        final MemorySegment[] outputs, final int outputFrom, final int outputCount, final long offset,
        final int length)
    {
        loop().code(rows, inputs, inputFrom, inputCount, outputs, outputFrom, outputCount, offset, length);
    }

    @Override
    public void multiplyAccumulate(
        final int coefficient, final MemorySegment in, final long inOffset, final MemorySegment out,
        final long outOffset, final int length)
    {
        loop().multiplyAccumulate(coefficient, in, inOffset, out, outOffset, length);
    }

    @Override
    public void multiplyAccumulate(
        final byte[] coefficients, final MemorySegment in, final long inOffset, final MemorySegment out,
        final long outOffset, final long outStride, final int length)
    {
        loop().multiplyAccumulate(coefficients, in, inOffset, out, outOffset, outStride, length);
    }

    private CodingLoop loop()
    {
        final CodingLoop loop = current;
        // One volatile read per call; the flag is read only until the warm-up started, the CAS only once.
        if (loop == portable && !warmUpStarted.getPlain() && warmUpStarted.compareAndSet(false, true))
        {
            startWarmUp();
        }
        return loop;
    }

    /**
     * The loop calls go to now.
     */
    public CodingLoop current()
    {
        return current;
    }

    CodingLoop fast()
    {
        return fast;
    }

    /**
     * What the warm-up did: "not started", "warming", or how it ended; for stats and logs.
     */
    public String warmUpOutcome()
    {
        return warmUpOutcome;
    }

    private void startWarmUp()
    {
        warmUpOutcome = "warming";
        final Thread thread = new Thread(this::warmUp, "l2mesh-fec-warmup");
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Runs rounds of the calls the FEC encoder and decoder make (a fold into every parity, single folds, a block
     * decode) with both loops, until the fast one is faster in two rounds running, or the time limit.
     */
    void warmUp()
    {
        final boolean lowered = BackgroundPriority.lowerCurrentThread();
        final long start = System.nanoTime();
        try (Arena arena = Arena.ofConfined())
        {
            final Scratch scratch = new Scratch(arena);
            int fasterRounds = 0;
            int rounds = 0;
            while (System.nanoTime() - start < warmUpLimitNs)
            {
                rounds++;
                final long portableNs = scratch.round(portable);
                final long fastNs = scratch.round(fast);
                fasterRounds = fastNs < portableNs ? fasterRounds + 1 : 0;
                if (fasterRounds == 2)
                {
                    warmUpOutcome = fast.name() + " after " + rounds + " rounds, " +
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) + " ms" +
                        (lowered ? "" : " (at normal priority)");
                    current = fast; // after the outcome: whoever sees the fast loop sees why
                    return;
                }
                Thread.yield();
            }
            warmUpOutcome = "kept " + portable.name() + ": " + fast.name() + " not faster within " +
                TimeUnit.NANOSECONDS.toMillis(warmUpLimitNs) + " ms";
        }
        catch (final RuntimeException | Error e)
        {
            warmUpOutcome = "kept " + portable.name() + ": warm-up failed: " + e;
        }
    }

    @Override
    public String name()
    {
        return current.name();
    }

    /**
     * Scratch shards and the varied lengths of one warm-up round (varied so C2 compiles the tails too).
     */
    private static final class Scratch
    {
        private final MemorySegment[] shards = new MemorySegment[SHARDS];
        private final MemorySegment block;
        private final byte[][] rows;
        private final byte[] column; // one data shard's coefficients in the 4 parities
        private final int[] lengths = new int[ROUND_CALLS];

        Scratch(final Arena arena)
        {
            final SplittableRandom random = new SplittableRandom(42);
            for (int i = 0; i < SHARDS; i++)
            {
                shards[i] = arena.allocate(MAX_LENGTH);
                for (int b = 0; b < MAX_LENGTH; b++)
                {
                    shards[i].set(ValueLayout.JAVA_BYTE, b, (byte)random.nextInt());
                }
            }
            block = arena.allocate((long)MAX_LENGTH * 4);
            // Any non-zero coefficients do: the bytes are thrown away, only the code paths matter.
            rows = new byte[4][10];
            for (final byte[] row : rows)
            {
                for (int i = 0; i < row.length; i++)
                {
                    row[i] = (byte)(2 + random.nextInt(254));
                }
            }
            column = Arrays.copyOf(rows[1], 4);
            for (int i = 0; i < ROUND_CALLS; i++)
            {
                lengths[i] = i % 4 == 0 ? MAX_LENGTH - random.nextInt(8) : 46 + random.nextInt(MAX_LENGTH - 46);
            }
        }

        long round(final CodingLoop loop)
        {
            final long start = System.nanoTime();
            for (int i = 0; i < ROUND_CALLS; i++)
            {
                final int length = lengths[i];
                loop.multiplyAccumulate(column, shards[i % 10], 0, block, 0, MAX_LENGTH, length);
                loop.multiplyAccumulate(rows[0][i & 3] & 0xff, shards[i % 10], 0, shards[10 + (i & 3)], 0, length);
                if ((i & 15) == 0)
                {
                    loop.code(rows, shards, 0, 10, shards, 10, 4, 0, length);
                }
            }
            return System.nanoTime() - start;
        }
    }
}
