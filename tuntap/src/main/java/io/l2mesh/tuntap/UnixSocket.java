package io.l2mesh.tuntap;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;

/**
 * An {@code AF_UNIX} socket bound to a filesystem path: a {@code SOCK_DGRAM} socket, or a listening
 * {@code SOCK_STREAM} one. Non-blocking unless asked otherwise. Closing it removes the socket file (only while it is
 * still the one it bound: see {@link SocketFile}), so a restarted daemon or VM finds the path free. The directory
 * must exist: nothing here creates one.
 */
public final class UnixSocket implements AutoCloseable
{
    public static final int SOCK_STREAM = 1;
    public static final int SOCK_DGRAM = 2;
    public static final int SOCK_NONBLOCK = 0x800;
    public static final int SOCK_CLOEXEC = 0x80000;
    public static final int MSG_DONTWAIT = 0x40;
    public static final int MSG_NOSIGNAL = 0x4000;

    private final int fd;
    private final SocketFile file;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment capture = Libc.newErrnoCapture(arena);
    private boolean closed;

    private UnixSocket(final int fd, final SocketFile file)
    {
        this.fd = fd;
        this.file = file;
    }

    /**
     * A datagram socket bound to {@code path} (QEMU {@code -netdev dgram}: one frame per datagram).
     *
     * @param mode file mode of the socket file, e.g. 0660.
     */
    public static UnixSocket bindDatagram(final Path path, final int mode, final boolean blocking)
    {
        return bind(path, SOCK_DGRAM, mode, blocking, -1);
    }

    /**
     * A stream socket listening on {@code path} (QEMU {@code -netdev stream}).
     */
    public static UnixSocket listenStream(final Path path, final int mode, final int backlog)
    {
        return bind(path, SOCK_STREAM, mode, false, backlog);
    }

    private static UnixSocket bind(final Path path, final int type, final int mode, final boolean blocking,
        final int backlog)
    {
        final SocketFile file = SocketFile.claim(path, type);
        try (Arena local = Arena.ofConfined())
        {
            final MemorySegment capture = Libc.newErrnoCapture(local);
            final int fd = Libc.socket(capture, UnixAddress.AF_UNIX,
                type | SOCK_CLOEXEC | (blocking ? 0 : SOCK_NONBLOCK), 0);
            if (fd < 0)
            {
                file.close();
                throw new NativeError("socket(AF_UNIX)", -fd, path.toString());
            }
            final UnixSocket socket = new UnixSocket(fd, file);
            try
            {
                file.bind(capture, fd, mode, -1);
                if (backlog >= 0)
                {
                    final int rc = Libc.listen(capture, fd, backlog);
                    if (rc < 0)
                    {
                        throw new NativeError("listen", -rc, path.toString());
                    }
                }
            }
            catch (final RuntimeException ex)
            {
                socket.close();
                throw ex;
            }
            return socket;
        }
    }

    public int fd()
    {
        return fd;
    }

    public Path path()
    {
        return file.path();
    }

    /**
     * Sends one datagram to the socket bound at {@code to} (control and test code; allocates).
     *
     * @return bytes sent, or {@code -errno}.
     */
    public long sendTo(final byte[] datagram, final Path to)
    {
        try (Arena local = Arena.ofConfined())
        {
            final MemorySegment buffer = local.allocate(Math.max(1, datagram.length));
            MemorySegment.copy(datagram, 0, buffer, ValueLayout.JAVA_BYTE, 0, datagram.length);
            return Libc.sendto(capture, fd, buffer, datagram.length, MSG_NOSIGNAL, UnixAddress.of(local, to),
                UnixAddress.LENGTH);
        }
    }

    /**
     * Receives one datagram (control and test code; allocates).
     *
     * @return the datagram, or null if none is waiting on a non-blocking socket.
     * @throws NativeError on any other failure.
     */
    public byte[] receive(final int maxLength)
    {
        try (Arena local = Arena.ofConfined())
        {
            final MemorySegment buffer = local.allocate(maxLength);
            final long n = Libc.recv(capture, fd, buffer, maxLength, 0);
            if (n == -Errno.EAGAIN)
            {
                return null;
            }
            if (n < 0)
            {
                throw new NativeError("recv", (int)-n, file.path().toString());
            }
            return buffer.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE);
        }
    }

    @Override
    public synchronized void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        Libc.close(capture, fd);
        arena.close();
        file.close(); // removes the socket file only if it is still ours
    }
}
