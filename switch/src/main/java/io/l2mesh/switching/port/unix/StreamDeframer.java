package io.l2mesh.switching.port.unix;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The receive side of QEMU's stream framing (a 4-byte big-endian length, then the frame): bytes read from the
 * connection accumulate in a buffer that holds two of the largest records, whole records are handed out, and a
 * length no frame can have ({@code <= 0} or beyond the maximum) makes the stream broken (the port disconnects
 * and counts {@code broken_stream}). A partial record is moved to the front once the buffer is half used, so
 * there is always room for a whole one after it. Single owner: the port's home loop. Allocates nothing after
 * construction.
 */
final class StreamDeframer
{
    /** What {@link #next} returns when no whole record is buffered yet. */
    static final int NEED_MORE = 0;
    /** What {@link #next} returns for a length no frame can have. */
    static final int BROKEN = -1;
    private static final ValueLayout.OfInt INT_BE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(
        java.nio.ByteOrder.BIG_ENDIAN);

    private final MemorySegment rx;
    private final int capacity;
    private final int maxFrame;
    private int start;
    private int end;

    StreamDeframer(final Arena arena, final int maxFrame)
    {
        this.maxFrame = maxFrame;
        this.capacity = 2 * (StreamRing.PREFIX_LENGTH + maxFrame);
        this.rx = arena.allocate(capacity, 64);
    }

    /**
     * @return the native address to read more bytes to ({@link #room} of them).
     */
    long fillAddress()
    {
        return rx.address() + end;
    }

    int room()
    {
        return capacity - end;
    }

    /**
     * {@code n} bytes were read to {@link #fillAddress}.
     */
    void filled(final int n)
    {
        end += n;
    }

    /**
     * @return the length of the next whole frame (its bytes at {@link #frameOffset}), {@link #NEED_MORE} or
     * {@link #BROKEN}. Take it with {@link #consume}.
     */
    int next()
    {
        if (end - start < StreamRing.PREFIX_LENGTH)
        {
            return NEED_MORE;
        }
        final int length = rx.get(INT_BE, start);
        if (length <= 0 || length > maxFrame)
        {
            return BROKEN;
        }
        return end - start - StreamRing.PREFIX_LENGTH < length ? NEED_MORE : length;
    }

    MemorySegment buffer()
    {
        return rx;
    }

    long frameOffset()
    {
        return start + StreamRing.PREFIX_LENGTH;
    }

    /**
     * Drops the record {@link #next} returned ({@code length} bytes of frame).
     */
    void consume(final int length)
    {
        start += StreamRing.PREFIX_LENGTH + length;
    }

    /**
     * After a round of {@link #next}: frees the buffer if it is empty, or moves a partial record to the front
     * once the buffer is half used.
     */
    void compact()
    {
        if (start == end)
        {
            start = 0;
            end = 0;
        }
        else if (start > 0 && end > capacity / 2)
        {
            MemorySegment.copy(rx, start, rx, 0, end - start);
            end -= start;
            start = 0;
        }
    }

    /**
     * A new connection, or none: whatever was buffered is forgotten.
     */
    void reset()
    {
        start = 0;
        end = 0;
    }

    /**
     * @return bytes buffered and not yet handed out.
     */
    int buffered()
    {
        return end - start;
    }
}
