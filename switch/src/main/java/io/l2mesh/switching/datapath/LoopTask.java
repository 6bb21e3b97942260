package io.l2mesh.switching.datapath;

import java.lang.foreign.MemorySegment;

/**
 * Work a datapath loop does at its timers besides its ports' (the traffic tester's sender): run on the loop's
 * thread after each burst and when its deadline comes, never per frame of other ports.
 */
public interface LoopTask
{
    /**
     * @return when to run next ({@link System#nanoTime()}), or {@link Long#MAX_VALUE} when done (the loop drops
     * it).
     */
    long run(int loopId, long nowNs, MemorySegment errnoCapture);
}
