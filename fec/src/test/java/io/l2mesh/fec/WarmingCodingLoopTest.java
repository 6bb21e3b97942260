package io.l2mesh.fec;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class WarmingCodingLoopTest
{
    /**
     * The table loop made slower by a fixed amount of busy work per call, so "faster" is decided by the loops and
     * not by the machine.
     */
    private static final CodingLoop SLOW_TABLE = new CodingLoop()
    {
        @Override
        public void code(
            final byte[][] rows, final MemorySegment[] inputs, final int inputFrom, final int inputCount,
            final MemorySegment[] outputs, final int outputFrom, final int outputCount, final long offset,
            final int length)
        {
            TableCodingLoop.INSTANCE.code(rows, inputs, inputFrom, inputCount, outputs, outputFrom, outputCount,
                offset, length);
            TableCodingLoop.INSTANCE.code(rows, inputs, inputFrom, inputCount, outputs, outputFrom, outputCount,
                offset, length);
            TableCodingLoop.INSTANCE.code(rows, inputs, inputFrom, inputCount, outputs, outputFrom, outputCount,
                offset, length);
        }

        @Override
        public void multiplyAccumulate(
            final int coefficient, final MemorySegment in, final long inOffset, final MemorySegment out,
            final long outOffset, final int length)
        {
            for (int i = 0; i < 3; i++)
            {
                TableCodingLoop.INSTANCE.multiplyAccumulate(coefficient, in, inOffset, out, outOffset, length);
            }
        }

        @Override
        public String name()
        {
            return "slow-table";
        }
    };

    @Test
    void shouldCodeWithThePortableLoopUntilTheFastOneWins()
    {
        final WarmingCodingLoop loop = new WarmingCodingLoop(SLOW_TABLE, TableCodingLoop.INSTANCE,
            TimeUnit.SECONDS.toNanos(60));
        assertThat(loop.current()).isSameAs(SLOW_TABLE);
        assertThat(loop.warmUpOutcome()).isEqualTo("not started");

        loop.warmUp();

        assertThat(loop.current()).isSameAs(TableCodingLoop.INSTANCE);
        assertThat(loop.warmUpOutcome()).startsWith("table after ");
    }

    @Test
    void shouldKeepThePortableLoopWhenTheOtherIsNeverFaster()
    {
        final WarmingCodingLoop loop = new WarmingCodingLoop(TableCodingLoop.INSTANCE, SLOW_TABLE,
            TimeUnit.MILLISECONDS.toNanos(300));

        loop.warmUp();

        assertThat(loop.current()).isSameAs(TableCodingLoop.INSTANCE);
        assertThat(loop.warmUpOutcome()).isEqualTo("kept table: slow-table not faster within 300 ms");
    }

    @Test
    void shouldSwitchToTheSimdLoopInAFreshJvmAndCodeCorrectBytesThroughout() throws Exception
    {
        // A JVM of its own, like a daemon's: once one JVM has run the SIMD loop at several vector sizes (as
        // ReedSolomonTest does), C2 no longer compiles it to vector instructions and it never gets fast.
        final Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        final Process process = new ProcessBuilder(java.toString(), "--add-modules", "jdk.incubator.vector",
            "-cp", System.getProperty("java.class.path"), FreshJvm.class.getName())
            .redirectErrorStream(true).start();
        final boolean exited = process.waitFor(120, TimeUnit.SECONDS);
        if (!exited)
        {
            process.destroyForcibly();
        }
        final String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(exited).as("exited within 120 s: %s", output).isTrue();
        assertThat(process.exitValue()).as(output).isZero();
        assertThat(output).contains("outcome vector256 after ");
    }

    /**
     * Codes through a warming loop while its warm-up runs and after it switched; every result must match the
     * table loop. Prints the outcome; exits non-zero on a wrong byte.
     */
    static final class FreshJvm
    {
        public static void main(final String[] args) throws InterruptedException
        {
            final WarmingCodingLoop loop = new WarmingCodingLoop(TableCodingLoop.INSTANCE, CodingLoops.vector(256));
            final Random random = new Random(7);
            final byte[] coefficients = {3, 7, 11, (byte)200};
            try (Arena arena = Arena.ofConfined())
            {
                final MemorySegment in = arena.allocate(1500);
                final MemorySegment out = arena.allocate(4 * 1500);
                final MemorySegment expected = arena.allocate(4 * 1500);
                final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                int calls = 0;
                while (calls < 20 || (loop.current() != loop.fast() && System.nanoTime() < deadline))
                {
                    final int length = 1 + random.nextInt(1500);
                    for (int b = 0; b < length; b++)
                    {
                        in.set(ValueLayout.JAVA_BYTE, b, (byte)random.nextInt());
                    }
                    TableCodingLoop.INSTANCE.multiplyAccumulate(coefficients, in, 0, expected, 0, 1500, length);
                    loop.multiplyAccumulate(coefficients, in, 0, out, 0, 1500, length);
                    if (out.mismatch(expected) != -1)
                    {
                        System.out.println("wrong bytes at call " + calls + ", " + length + " bytes, " + loop.name());
                        System.exit(1);
                    }
                    if (calls++ == 0 && loop.warmUpOutcome().equals("not started"))
                    {
                        System.out.println("the first call did not start the warm-up");
                        System.exit(1);
                    }
                    Thread.sleep(1);
                }
                System.out.println("calls " + calls + " outcome " + loop.warmUpOutcome());
            }
        }
    }
}
