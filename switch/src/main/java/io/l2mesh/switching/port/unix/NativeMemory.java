package io.l2mesh.switching.port.unix;

import java.lang.foreign.MemorySegment;

/**
 * The whole address space as one segment, so frames given to a port as raw addresses can be copied with
 * {@link MemorySegment#copy} without creating a segment per frame.
 */
final class NativeMemory
{
    static final MemorySegment ALL = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

    private NativeMemory()
    {
    }
}
