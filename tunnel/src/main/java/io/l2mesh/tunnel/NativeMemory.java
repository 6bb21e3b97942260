package io.l2mesh.tunnel;

import java.lang.foreign.MemorySegment;

/**
 * The whole address space as one segment, so frames given as raw addresses are copied without a segment per
 * frame.
 */
final class NativeMemory
{
    static final MemorySegment ALL = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

    private NativeMemory()
    {
    }
}
