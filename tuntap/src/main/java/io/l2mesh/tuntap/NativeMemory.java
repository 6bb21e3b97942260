package io.l2mesh.tuntap;

import java.lang.foreign.MemorySegment;

/**
 * The whole address space as one segment, so data given as raw addresses (frames, iovecs, rings) is read and
 * copied with {@link MemorySegment} methods without creating a segment per frame.
 */
public final class NativeMemory
{
    public static final MemorySegment ALL = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

    private NativeMemory()
    {
    }
}
