package io.l2mesh.switching.port.unix;

import io.l2mesh.tuntap.Libc;
import io.l2mesh.tuntap.NativeMemory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A single-producer, single-consumer byte ring holding frames already in QEMU's stream framing (a 4-byte
 * big-endian length, then the frame), so the consumer can hand any stretch of it to {@code writev} and a short
 * write simply leaves the rest for later.
 * <p>
 * The producer is one datapath loop; the consumer is the loop that owns the port's connection. {@code tail} only
 * moves by whole records, so {@code [head, tail)} always ends on a frame boundary. Positions grow without bound
 * and are masked into the buffer.
 */
final class StreamRing
{
    static final int PREFIX_LENGTH = 4;
    private static final ValueLayout.OfInt INT_BE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(
        java.nio.ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;

    private final MemorySegment buffer;
    private final long address;
    private final int capacity;
    private final int mask;
    private final MemorySegment prefix;
    private final AtomicLong head = new AtomicLong(); // written by the consumer
    private final AtomicLong tail = new AtomicLong(); // written by the producer

    StreamRing(final Arena arena, final int capacity)
    {
        if (Integer.bitCount(capacity) != 1)
        {
            throw new IllegalArgumentException("ring capacity " + capacity + " is not a power of two");
        }
        this.buffer = arena.allocate(capacity, 64);
        this.address = buffer.address();
        this.capacity = capacity;
        this.mask = capacity - 1;
        this.prefix = arena.allocate(PREFIX_LENGTH);
    }

    /**
     * Producer: appends one frame of {@code length} bytes at absolute address {@code frame}.
     *
     * @return false if the ring has no room for it (nothing is written).
     */
    boolean offer(final long frame, final int length)
    {
        final long position = tail.get();
        if (!hasRoom(position, length))
        {
            return false;
        }
        putPrefix(position, length);
        copyIn(NativeMemory.ALL, frame, position + PREFIX_LENGTH, length);
        tail.setRelease(position + PREFIX_LENGTH + length);
        return true;
    }

    /**
     * Producer: appends one frame gathered from {@code iovCount} {@code struct iovec}s at {@code iovAddress}.
     */
    boolean offerv(final long iovAddress, final int iovCount)
    {
        int length = 0;
        for (int i = 0; i < iovCount; i++)
        {
            length += (int)NativeMemory.ALL.get(LONG, iovAddress + i * 16L + 8);
        }
        final long position = tail.get();
        if (!hasRoom(position, length))
        {
            return false;
        }
        putPrefix(position, length);
        long at = position + PREFIX_LENGTH;
        for (int i = 0; i < iovCount; i++)
        {
            final long base = NativeMemory.ALL.get(LONG, iovAddress + i * 16L);
            final int part = (int)NativeMemory.ALL.get(LONG, iovAddress + i * 16L + 8);
            copyIn(NativeMemory.ALL, base, at, part);
            at += part;
        }
        tail.setRelease(at);
        return true;
    }

    private boolean hasRoom(final long position, final int length)
    {
        return capacity - (position - head.getAcquire()) >= PREFIX_LENGTH + (long)length;
    }

    private void putPrefix(final long position, final int length)
    {
        prefix.set(INT_BE, 0, length);
        copyIn(prefix, 0, position, PREFIX_LENGTH);
    }

    private void copyIn(final MemorySegment source, final long sourceOffset, final long position, final int length)
    {
        final int index = (int)(position & mask);
        final int first = Math.min(length, capacity - index);
        MemorySegment.copy(source, sourceOffset, buffer, index, first);
        if (first < length)
        {
            MemorySegment.copy(source, sourceOffset + first, buffer, 0, length - first);
        }
    }

    /**
     * Consumer: the end of what is published, always a frame boundary.
     */
    long tail()
    {
        return tail.getAcquire();
    }

    long head()
    {
        return head.get();
    }

    /**
     * Consumer: writes bytes {@code [head, end)} to {@code fd} with one {@code writev} and moves {@code head} past
     * what the kernel took.
     *
     * @param iovecs room for two {@code struct iovec}s.
     * @return bytes written (possibly fewer than asked), or {@code -errno}.
     */
    long writeTo(final int fd, final long end, final MemorySegment iovecs, final MemorySegment errno)
    {
        final long position = head.get();
        final int index = (int)(position & mask);
        final long length = end - position;
        final long first = Math.min(length, capacity - index);
        iovecs.set(ValueLayout.JAVA_LONG, 0, address + index);
        iovecs.set(ValueLayout.JAVA_LONG, 8, first);
        int count = 1;
        if (first < length)
        {
            iovecs.set(ValueLayout.JAVA_LONG, 16, address);
            iovecs.set(ValueLayout.JAVA_LONG, 24, length - first);
            count = 2;
        }
        final long written = Libc.writev(errno, fd, iovecs.address(), count);
        if (written > 0)
        {
            head.setRelease(position + written);
        }
        return written;
    }

    /**
     * Consumer: forgets everything published so far (the connection it was meant for is gone).
     */
    void discard()
    {
        head.setRelease(tail.getAcquire());
    }
}
