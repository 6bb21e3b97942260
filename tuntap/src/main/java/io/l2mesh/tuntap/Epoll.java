package io.l2mesh.tuntap;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * {@code epoll} constants and the layout of {@code struct epoll_event}, which is packed on x86-64: a 4-byte
 * event mask followed by an 8-byte user value, 12 bytes in all.
 */
public final class Epoll
{
    public static final int EPOLLIN = 0x1;
    public static final int EPOLLOUT = 0x4;
    public static final int EPOLLERR = 0x8;
    public static final int EPOLLHUP = 0x10;
    public static final int EPOLLRDHUP = 0x2000;
    public static final int CTL_ADD = 1;
    public static final int CTL_DEL = 2;
    public static final int CTL_MOD = 3;
    public static final int EPOLL_CLOEXEC = 0x80000;
    public static final int EFD_NONBLOCK = 0x800;
    public static final int EFD_CLOEXEC = 0x80000;
    public static final int EVENT_SIZE = 12;
    private static final ValueLayout.OfLong DATA = ValueLayout.JAVA_LONG_UNALIGNED;

    private Epoll()
    {
    }

    public static void event(final MemorySegment segment, final long offset, final int events, final long data)
    {
        segment.set(ValueLayout.JAVA_INT_UNALIGNED, offset, events);
        segment.set(DATA, offset + 4, data);
    }

    public static int events(final MemorySegment segment, final long offset)
    {
        return segment.get(ValueLayout.JAVA_INT_UNALIGNED, offset);
    }

    public static long data(final MemorySegment segment, final long offset)
    {
        return segment.get(DATA, offset + 4);
    }
}
