package io.l2mesh.fec.stream;

import java.lang.foreign.MemorySegment;

/**
 * Receives each frame the decoder delivers, once; must be done with the bytes before it returns.
 *
 * @see FecDecoder
 */
@FunctionalInterface
public interface FrameSink
{
    /**
     * @param recovered true if the frame was rebuilt from parity rather than received.
     */
    void onFrame(MemorySegment segment, long offset, int length, boolean recovered);
}
