package io.l2mesh.tuntap;


import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;

/**
 * An {@code AF_UNIX}/{@code SOCK_SEQPACKET} socket through FFM (Netty has no SEQPACKET): record boundaries are
 * kept, so one message is one request or one response. A zero-length record reads like end-of-file, so no side
 * ever sends an empty message.
 * <p>
 * Server sockets and accepted ones are non-blocking (the control loop polls them); client sockets block.
 * One thread at a time per socket.
 */
public final class SeqpacketSocket implements AutoCloseable
{
    public static final int AF_UNIX = 1;
    static final int SOCK_SEQPACKET = 5;
    static final int SOCK_NONBLOCK = 0x800;
    public static final int SOCK_CLOEXEC = 0x80000;
    static final int SOL_SOCKET = 1;
    static final int SO_PEERCRED = 17;
    static final int SO_PEERGROUPS = 59;
    private static final int MAX_GROUPS = 65_536; // NGROUPS_MAX
    static final int MSG_TRUNC = 0x20;
    static final int MSG_DONTWAIT = 0x40;
    static final int MSG_NOSIGNAL = 0x4000;
    public static final int SUN_PATH_MAX = 108;
    /** File descriptors accepted with one message; more are closed on arrival. */
    public static final int MAX_FDS = 4;

    private final int fd;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment capture = Libc.newErrnoCapture(arena);
    private SocketFile file; // a listening socket's: removed on close
    private boolean closed;

    private SeqpacketSocket(final int fd)
    {
        this.fd = fd;
    }

    /**
     * Binds and listens on {@code path}, replacing a stale socket file but refusing to take over a live one or any
     * file that is not a socket (see {@link SocketFile}). The directory must exist.
     *
     * @param mode file mode of the socket (e.g. 0660).
     * @param gid  group to give the socket file, or -1 to keep ours.
     */
    public static SeqpacketSocket listen(final Path path, final int mode, final int gid, final int backlog)
    {
        final SocketFile file;
        try
        {
            file = SocketFile.claim(path, SOCK_SEQPACKET);
        }
        catch (final IllegalStateException ex)
        {
            if (ex.getMessage().startsWith("another process serves"))
            {
                throw new IllegalStateException("another daemon is listening on " + path + livePid(path), ex);
            }
            throw ex;
        }
        final SeqpacketSocket socket;
        try
        {
            socket = open(SOCK_NONBLOCK);
        }
        catch (final RuntimeException ex)
        {
            file.close();
            throw ex;
        }
        socket.file = file;
        try
        {
            file.bind(socket.capture, socket.fd, mode, gid);
            final int rc = Libc.listen(socket.capture, socket.fd, backlog);
            if (rc < 0)
            {
                throw new NativeError("listen", -rc, path.toString());
            }
            return socket;
        }
        catch (final RuntimeException ex)
        {
            socket.close();
            throw ex;
        }
    }

    private static String livePid(final Path path)
    {
        try (SeqpacketSocket probe = connect(path))
        {
            return " (pid " + probe.peerCred().pid() + ")";
        }
        catch (final RuntimeException ex)
        {
            return "";
        }
    }

    /**
     * Connects a blocking client socket.
     *
     * @throws NativeError ENOENT/ECONNREFUSED when no daemon listens, EACCES when the socket's mode refuses us.
     */
    public static SeqpacketSocket connect(final Path path)
    {
        final SeqpacketSocket socket = open(0);
        try (Arena local = Arena.ofConfined())
        {
            final MemorySegment address = address(local, path);
            final int rc = Libc.connect(socket.capture, socket.fd, address, (int)address.byteSize());
            if (rc < 0)
            {
                throw new NativeError("connect", -rc, path.toString());
            }
            return socket;
        }
        catch (final RuntimeException ex)
        {
            socket.close();
            throw ex;
        }
    }

    private static SeqpacketSocket open(final int flags)
    {
        try (Arena local = Arena.ofConfined())
        {
            final int fd = Libc.socket(Libc.newErrnoCapture(local), AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | flags, 0);
            if (fd < 0)
            {
                throw new NativeError("socket(AF_UNIX, SOCK_SEQPACKET)", -fd);
            }
            return new SeqpacketSocket(fd);
        }
    }

    private static MemorySegment address(final Arena arena, final Path path)
    {
        return UnixAddress.of(arena, path);
    }

    public int fd()
    {
        return fd;
    }

    /**
     * @return the next pending connection (non-blocking), or null if there is none.
     */
    public SeqpacketSocket accept()
    {
        final int client = Libc.accept4(capture, fd, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (client == -Errno.EAGAIN)
        {
            return null;
        }
        if (client < 0)
        {
            throw new NativeError("accept4", -client);
        }
        return new SeqpacketSocket(client);
    }

    /**
     * @return the peer's credentials from when it connected: {@code SO_PEERCRED} and {@code SO_PEERGROUPS}.
     */
    public PeerCred peerCred()
    {
        try (Arena local = Arena.ofConfined())
        {
            final MemorySegment cred = local.allocate(12);
            final MemorySegment length = local.allocate(ValueLayout.JAVA_INT);
            length.set(ValueLayout.JAVA_INT, 0, 12);
            final int rc = Libc.getsockopt(capture, fd, SOL_SOCKET, SO_PEERCRED, cred, length);
            if (rc < 0)
            {
                throw new NativeError("getsockopt(SO_PEERCRED)", -rc);
            }
            return new PeerCred(cred.get(ValueLayout.JAVA_INT, 0), cred.get(ValueLayout.JAVA_INT, 4),
                cred.get(ValueLayout.JAVA_INT, 8), peerGroups(local, length));
        }
    }

    private int[] peerGroups(final Arena local, final MemorySegment length)
    {
        int capacity = 64;
        while (true)
        {
            final MemorySegment groups = local.allocate(4L * capacity, 4);
            length.set(ValueLayout.JAVA_INT, 0, 4 * capacity);
            final int rc = Libc.getsockopt(capture, fd, SOL_SOCKET, SO_PEERGROUPS, groups, length);
            if (rc == -Errno.ERANGE && capacity < MAX_GROUPS)
            {
                capacity = Math.min(MAX_GROUPS, Math.max(capacity * 2, length.get(ValueLayout.JAVA_INT, 0) / 4));
                continue;
            }
            if (rc < 0)
            {
                throw new NativeError("getsockopt(SO_PEERGROUPS)", -rc);
            }
            return groups.asSlice(0, length.get(ValueLayout.JAVA_INT, 0)).toArray(ValueLayout.JAVA_INT);
        }
    }

    /**
     * Receives one message into {@code buffer}.
     *
     * @return the message's full length (larger than the buffer if it was truncated), 0 at end-of-file, or
     * {@code -errno} ({@code -EAGAIN} when nothing is waiting on a non-blocking socket).
     */
    public long receive(final MemorySegment buffer)
    {
        return Libc.recv(capture, fd, buffer, buffer.byteSize(), MSG_TRUNC);
    }

    /**
     * Receives one message into {@code buffer} together with the file descriptors sent with it
     * ({@code SCM_RIGHTS}); they arrive close-on-exec. Up to {@code fds.length} are stored there (the rest of
     * {@code fds} is set to -1); any further ones are closed at once.
     *
     * @return as {@link #receive(MemorySegment)}.
     */
    public long receive(final MemorySegment buffer, final int[] fds)
    {
        java.util.Arrays.fill(fds, -1);
        try (Arena local = Arena.ofConfined())
        {
            final MemorySegment iov = local.allocate(MsgHdr.IOVEC_SIZE, 8);
            MsgHdr.iovec(iov, 0, buffer.address(), buffer.byteSize());
            final int controlSpace = MsgHdr.cmsgSpace(4 * MAX_FDS);
            final MemorySegment control = local.allocate(controlSpace, 8);
            final MsgHdr header = new MsgHdr().wrap(local.allocate(MsgHdr.SIZE, 8)).iov(iov, 1)
                .control(control, controlSpace);
            final long n = Libc.recvmsg(capture, fd, header.address(), MSG_TRUNC | MsgHdr.MSG_CMSG_CLOEXEC);
            if (n < 0)
            {
                return n;
            }
            final int[] stored = {0};
            MsgHdr.forEachCmsg(control, header.controlLength(), (level, type, data, offset, length) ->
            {
                if (level != MsgHdr.SOL_SOCKET || type != MsgHdr.SCM_RIGHTS)
                {
                    return;
                }
                for (int i = 0; i + 4 <= length; i += 4)
                {
                    final int received = data.get(ValueLayout.JAVA_INT, offset + i);
                    if (stored[0] < fds.length)
                    {
                        fds[stored[0]++] = received;
                    }
                    else
                    {
                        Libc.close(capture, received);
                    }
                }
            });
            return n;
        }
    }

    /**
     * Sends one message with file descriptor {@code passed} attached ({@code SCM_RIGHTS}), waiting for room if
     * needed (client side). The receiver gets its own descriptor for the same open file; ours stays open.
     */
    public long sendBlocking(final MemorySegment message, final int passed)
    {
        if (message.byteSize() == 0)
        {
            throw new IllegalArgumentException("a SEQPACKET message must not be empty (it reads as end-of-file)");
        }
        try (Arena local = Arena.ofConfined())
        {
            final MemorySegment iov = local.allocate(MsgHdr.IOVEC_SIZE, 8);
            MsgHdr.iovec(iov, 0, message.address(), message.byteSize());
            final int controlSpace = MsgHdr.cmsgSpace(4);
            final MemorySegment control = local.allocate(controlSpace, 8);
            final long data = MsgHdr.putCmsg(control, 0, MsgHdr.SOL_SOCKET, MsgHdr.SCM_RIGHTS, 4);
            control.set(ValueLayout.JAVA_INT, data, passed);
            final MsgHdr header = new MsgHdr().wrap(local.allocate(MsgHdr.SIZE, 8)).iov(iov, 1)
                .control(control, controlSpace);
            return Libc.sendmsg(capture, fd, header.address(), MSG_NOSIGNAL);
        }
    }

    /**
     * Sends one message; never blocks on a non-blocking socket and never raises SIGPIPE.
     *
     * @return bytes sent, or {@code -errno} ({@code -EAGAIN}: the peer is not reading).
     */
    public long send(final MemorySegment message)
    {
        if (message.byteSize() == 0)
        {
            throw new IllegalArgumentException("a SEQPACKET message must not be empty (it reads as end-of-file)");
        }
        return Libc.send(capture, fd, message, message.byteSize(), MSG_NOSIGNAL | MSG_DONTWAIT);
    }

    /**
     * Sends one message and waits for room if needed (client side).
     */
    public long sendBlocking(final MemorySegment message)
    {
        if (message.byteSize() == 0)
        {
            throw new IllegalArgumentException("a SEQPACKET message must not be empty (it reads as end-of-file)");
        }
        return Libc.send(capture, fd, message, message.byteSize(), MSG_NOSIGNAL);
    }

    @Override
    public synchronized void close()
    {
        if (!closed)
        {
            closed = true;
            Libc.close(capture, fd);
            arena.close();
            if (file != null)
            {
                file.close();
            }
        }
    }
}
