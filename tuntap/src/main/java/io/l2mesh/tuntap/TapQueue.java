package io.l2mesh.tuntap;

import java.lang.foreign.MemorySegment;

/**
 * One queue fd of a TAP device, opened non-blocking. Reads and writes one frame per call (there is no batch
 * syscall for TAP). Each queue is used by one thread: the datapath loop that owns it.
 */
public final class TapQueue implements FrameChannel
{
    private final TapDevice device;
    private final int index;
    private final int fd;
    private volatile boolean closed;

    TapQueue(final TapDevice device, final int index, final int fd)
    {
        this.device = device;
        this.index = index;
        this.fd = fd;
    }

    public TapDevice device()
    {
        return device;
    }

    public int index()
    {
        return index;
    }

    @Override
    public int fd()
    {
        return fd;
    }

    /**
     * @return the frame length (with the virtio-net header if the device has one), 0 when nothing is ready,
     * or {@code -errno}.
     */
    @Override
    public long read(final MemorySegment errnoCapture, final long address, final long capacity)
    {
        final long n = Libc.read(errnoCapture, fd, address, capacity);
        return n == -Errno.EAGAIN ? 0 : n;
    }

    @Override
    public long write(final MemorySegment errnoCapture, final long address, final long length)
    {
        final long n = Libc.write(errnoCapture, fd, address, length);
        return n == -Errno.EAGAIN ? 0 : n;
    }

    @Override
    public long writev(final MemorySegment errnoCapture, final long iovAddress, final int iovCount)
    {
        final long n = Libc.writev(errnoCapture, fd, iovAddress, iovCount);
        return n == -Errno.EAGAIN ? 0 : n;
    }

    boolean isClosed()
    {
        return closed;
    }

    void close(final MemorySegment errnoCapture)
    {
        if (!closed)
        {
            closed = true;
            Libc.close(errnoCapture, fd);
        }
    }

    @Override
    public String toString()
    {
        return device.name() + "#" + index + "(fd " + fd + ")";
    }
}
