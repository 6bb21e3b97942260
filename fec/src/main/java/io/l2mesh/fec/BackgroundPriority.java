package io.l2mesh.fec;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Gives the calling thread the lowest CPU priority (nice 19), so that background work such as the coding-loop
 * warm-up only takes CPU the datapath loops leave. Java's thread priorities do nothing on Linux; {@code
 * setpriority(PRIO_PROCESS, tid, 19)} does, per thread, and any process may lower its own threads' priority. On a
 * 2-core machine a warm-up at nice 0 took a whole core for up to 30 s and starved two daemons' loops until
 * iperf3 saw 30-40 % loss through an FEC link that had repaired every shard.
 * <p>
 * fec stands alone (no tuntap), so the two libc calls are bound here.
 */
final class BackgroundPriority
{
    private static final int PRIO_PROCESS = 0;
    static final int LOWEST = 19;

    private BackgroundPriority()
    {
    }

    /**
     * @return true if the calling thread now runs at nice {@link #LOWEST}; false where the system refused or has
     * no such call (the work then runs at normal priority).
     */
    static boolean lowerCurrentThread()
    {
        try
        {
            final Linker linker = Linker.nativeLinker();
            final MethodHandle gettid = linker.downcallHandle(linker.defaultLookup().findOrThrow("gettid"),
                FunctionDescriptor.of(ValueLayout.JAVA_INT));
            final MethodHandle setpriority = linker.downcallHandle(linker.defaultLookup().findOrThrow("setpriority"),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                    ValueLayout.JAVA_INT));
            final int tid = (int)gettid.invokeExact();
            return (int)setpriority.invokeExact(PRIO_PROCESS, tid, LOWEST) == 0;
        }
        catch (final Throwable t)
        {
            return false;
        }
    }
}
