package io.l2mesh.tuntap;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The libc calls l2mesh makes, as FFM downcalls.
 * <p>
 * Every call captures errno and returns {@code -errno} on failure instead of throwing, so the data path
 * can treat {@code EAGAIN} as a value. Calls used per frame ({@link #read}, {@link #write}, {@link #writev})
 * take raw addresses as {@code long} and a caller-owned errno capture segment: no {@link MemorySegment} is
 * created per call, so nothing is allocated.
 */
public final class Libc
{
    public static final int O_RDONLY = 0;
    public static final int O_WRONLY = 1;
    public static final int O_RDWR = 2;
    public static final int O_ACCMODE = 3;
    public static final int O_CREAT = 0x40;
    public static final int O_EXCL = 0x80;
    public static final int O_NOCTTY = 0x100;
    public static final int O_TRUNC = 0x200;
    public static final int O_NONBLOCK = 0x800;
    public static final int O_DIRECTORY = 0x10000;  // x86-64 value (asm-generic has 0x4000)
    public static final int O_NOFOLLOW = 0x20000;   // x86-64 value (asm-generic has 0x8000)
    public static final int O_CLOEXEC = 0x80000;
    public static final int O_PATH = 0x200000;
    public static final int AT_FDCWD = -100;
    public static final int AT_SYMLINK_NOFOLLOW = 0x100;
    public static final int AT_EMPTY_PATH = 0x1000;
    public static final int F_GETFL = 3;
    public static final int S_IFCHR = 0x2000;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final StructLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE_LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

    private static final MethodHandle OPEN = downcall("open",
        FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle OPENAT = downcall("openat",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), Linker.Option.firstVariadicArg(3));
    private static final MethodHandle CLOSE = downcall("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle STATX = downcall("statx",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle UNLINKAT = downcall("unlinkat",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle FCHMOD = downcall("fchmod", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle FCHOWN = downcall("fchown",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle FCHOWNAT = downcall("fchownat",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle FCHMODAT = downcall("fchmodat",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    private static final MethodHandle FCNTL = downcall("fcntl",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle FSYNC = downcall("fsync", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle GETEUID = downcall("geteuid", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle READ = downcall("read",
        FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle WRITE = downcall("write",
        FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle WRITEV = downcall("writev",
        FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT));
    private static final MethodHandle IOCTL_PTR = downcall("ioctl",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle IOCTL_LONG = downcall("ioctl",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle MKNOD = downcall("mknod",
        FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG));
    private static final MethodHandle MKDIR = downcall("mkdir", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle SOCKET = downcall("socket",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle BIND = downcall("bind",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle SEND = downcall("send",
        FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle RECV = downcall("recv",
        FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle SETSOCKOPT = downcall("setsockopt",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle IF_NAMETOINDEX = downcall("if_nametoindex",
        FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle SENDTO = downcall("sendto",
        FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle LISTEN = downcall("listen", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle ACCEPT4 = downcall("accept4",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
    private static final MethodHandle CONNECT = downcall("connect",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle GETSOCKOPT = downcall("getsockopt",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle CHMOD = downcall("chmod", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle CHOWN = downcall("chown",
        FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    private static final MethodHandle RECVFROM_RAW = downcall("recvfrom",
        FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle SENDTO_RAW = downcall("sendto",
        FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT));
    private static final MethodHandle EPOLL_CREATE1 = downcall("epoll_create1",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle EPOLL_CTL = downcall("epoll_ctl",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
    private static final MethodHandle EPOLL_WAIT = downcall("epoll_wait",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_INT));
    // Heap variants: the buffer may be a byte[]-backed segment (Linker.Option.critical lets the call read and
    // write the array in place: no copy to native memory; the calls never block, as critical calls must not).
    private static final MethodHandle RECVFROM_HEAP = downcall("recvfrom",
        FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG),
        Linker.Option.critical(true));
    private static final MethodHandle SENDTO_HEAP = downcall("sendto",
        FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT),
        Linker.Option.critical(true));
    private static final MethodHandle RECVMSG = downcall("recvmsg",
        FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT));
    private static final MethodHandle SENDMSG = downcall("sendmsg",
        FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT));
    private static final MethodHandle MMAP = downcall("mmap",
        FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
    private static final MethodHandle MUNMAP = downcall("munmap",
        FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle EVENTFD = downcall("eventfd",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));

    private Libc()
    {
    }

    /**
     * A segment to receive errno from calls on one thread; allocate one per thread and reuse it.
     */
    public static MemorySegment newErrnoCapture(final Arena arena)
    {
        return arena.allocate(CAPTURE_LAYOUT);
    }

    public static int open(final MemorySegment capture, final MemorySegment path, final int flags, final int mode)
    {
        try
        {
            return check(capture, (int)OPEN.invokeExact(capture, path, flags, mode));
        }
        catch (final Throwable t)
        {
            throw rethrow(t);
        }
    }

    /**
     * {@code openat(dirfd, path, flags, mode)}; {@link #AT_FDCWD} for a path relative to the working directory.
     *
     * @return the new fd, or {@code -errno}.
     */
    public static int openat(final MemorySegment capture, final int dirfd, final MemorySegment path, final int flags,
        final int mode)
    {
        try
        {
            return check(capture, (int)OPENAT.invokeExact(capture, dirfd, path, flags, mode));
        }
        catch (final Throwable t)
        {
            throw rethrow(t);
        }
    }

    /**
     * {@code statx(dirfd, path, flags, mask, buffer)}: the same layout on every architecture, unlike
     * {@code struct stat}; see {@link FileStat}.
     */
    public static int statx(final MemorySegment capture, final int dirfd, final MemorySegment path, final int flags,
        final int mask, final MemorySegment buffer)
    {
        try
        {
            return check(capture, (int)STATX.invokeExact(capture, dirfd, path, flags, mask, buffer));
        }
        catch (final Throwable t)
        {
            throw rethrow(t);
        }
    }

    public static int unlinkat(final MemorySegment capture, final int dirfd, final MemorySegment name,
        final int flags)
    {
        try
        {
            return check(capture, (int)UNLINKAT.invokeExact(capture, dirfd, name, flags));
        }
        catch (final Throwable t)
        {
            throw rethrow(t);
        }
    }

    public static int fchmod(final MemorySegment capture, final int fd, final int mode)
    {
        try
        {
            return check(capture, (int)FCHMOD.invokeExact(capture, fd, mode));
        }
        catch (final Throwable t)
        {
            throw rethrow(t);
        }
    }

    public static int fchown(final MemorySegment capture, final int fd, final int uid, final int gid)
    {
        try
        {
            return check(capture, (int)FCHOWN.invokeExact(capture, fd, uid, gid));
        }
        catch (final Throwable t)
        {
            throw rethrow(t);
        }
    }

    public static int fchownat(final MemorySegment capture, final int dirfd, final MemorySegment name, final int uid,
        final int gid, final int flags)
    {
        try
        {
            return check(capture, (int)FCHOWNAT.invokeExact(capture, dirfd, name, uid, gid, flags));
        }
        catch (final Throwable t)
        {
            throw rethrow(t);
        }
    }

    /**
     * {@code fchmodat}; with {@link #AT_SYMLINK_NOFOLLOW} the C library refuses a symbolic link (EOPNOTSUPP)
     * rather than changing what it points to.
     */
    public static int fchmodat(final MemorySegment capture, final int dirfd, final MemorySegment name, final int mode,
        final int flags)
    {
        try
        {
            return check(capture, (int)FCHMODAT.invokeExact(capture, dirfd, name, mode, flags));
        }
        catch (final Throwable t)
        {
            throw rethrow(t);
        }
    }

    /**
     * {@code fcntl(fd, cmd)} for the commands without an argument ({@link #F_GETFL}).
     */
    public static int fcntl(final MemorySegment capture, final int fd, final int command)
    {
        try
        {
            return check(capture, (int)FCNTL.invokeExact(capture, fd, command));
        }
        catch (final Throwable t)
        {
            throw rethrow(t);
        }
    }

    public static int fsync(final MemorySegment capture, final int fd)
    {
        try
        {
            return check(capture, (int)FSYNC.invokeExact(capture, fd));
        }
        catch (final Throwable t)
        {
            throw rethrow(t);
        }
    }

    /**
     * @return this process's effective user id.
     */
    public static int geteuid()
    {
        try (Arena arena = Arena.ofConfined())
        {
            return (int)GETEUID.invokeExact(newErrnoCapture(arena));
        }
        catch (final Throwable t)
        {
            throw rethrow(t);
        }
    }

    public static int close(final MemorySegment capture, final int fd)
    {
        try
        {
            return check(capture, (int)CLOSE.invokeExact(capture, fd));
        }
        catch (final Throwable t)
        {
            throw rethrow(t);
        }
    }

    /**
     * @return bytes read, or {@code -errno} ({@code -EAGAIN} when nothing is ready on a non-blocking fd).
     */
    public static long read(final MemorySegment capture, final int fd, final long address, final long length)
    {
        try
        {
            return check(capture, (long)READ.invokeExact(capture, fd, address, length));
        }
        catch (final Throwable t)
        {
            throw rethrow(t);
        }
    }

    public static long write(final MemorySegment capture, final int fd, final long address, final long length)
    {
        try
        {
            return check(capture, (long)WRITE.invokeExact(capture, fd, address, length));
        }
        catch (final Throwable t)
        {
            throw rethrow(t);
        }
    }

    /**
     * @param iovAddress address of {@code iovCount} {@code struct iovec} (base, length: two 8-byte words each).
     */
    public static long writev(final MemorySegment capture, final int fd, final long iovAddress, final int iovCount)
    {
        try
        {
            return check(capture, (long)WRITEV.invokeExact(capture, fd, iovAddress, iovCount));
        }
        catch (final Throwable t)
        {
            throw rethrow(t);
        }
    }

    public static int ioctl(final MemorySegment capture, final int fd, final long request, final MemorySegment arg)
    {
        try
        {
            return check(capture, (int)IOCTL_PTR.invokeExact(capture, fd, request, arg));
        }
        catch (final Throwable t)
        {
            throw rethrow(t);
        }
    }

    public static int ioctl(final MemorySegment capture, final int fd, final long request, final long arg)
    {
        try
        {
            return check(capture, (int)IOCTL_LONG.invokeExact(capture, fd, request, arg));
        }
        catch (final Throwable t)
        {
            throw rethrow(t);
        }
    }

    public static int mknod(final MemorySegment capture, final MemorySegment path, final int mode, final long dev)
    {
        try
        {
            return check(capture, (int)MKNOD.invokeExact(capture, path, mode, dev));
        }
        catch (final Throwable t)
        {
            throw rethrow(t);
        }
    }

    public static int mkdir(final MemorySegment capture, final MemorySegment path, final int mode)
    {
        try
        {
            return check(capture, (int)MKDIR.invokeExact(capture, path, mode));
        }
        catch (final Throwable t)
        {
            throw rethrow(t);
        }
    }

    public static int socket(final MemorySegment capture, final int domain, final int type, final int protocol)
    {
        try
        {
            return check(capture, (int)SOCKET.invokeExact(capture, domain, type, protocol));
        }
        catch (final Throwable t)
        {
            throw rethrow(t);
        }
    }

    public static int bind(final MemorySegment capture, final int fd, final MemorySegment address, final int length)
    {
        try
        {
            return check(capture, (int)BIND.invokeExact(capture, fd, address, length));
        }
        catch (final Throwable t)
        {
            throw rethrow(t);
        }
    }

    public static long send(
        final MemorySegment capture, final int fd, final MemorySegment buffer, final long length, final int flags)
    {
        try
        {
            return check(capture, (long)SEND.invokeExact(capture, fd, buffer, length, flags));
        }
        catch (final Throwable t)
        {
            throw rethrow(t);
        }
    }

    public static long recv(
        final MemorySegment capture, final int fd, final MemorySegment buffer, final long length, final int flags)
    {
        try
        {
            return check(capture, (long)RECV.invokeExact(capture, fd, buffer, length, flags));
        }
        catch (final Throwable t)
        {
            throw rethrow(t);
        }
    }

    /**
     * {@code setsockopt} of an {@code int} option (control path: allocates its argument).
     *
     * @return 0, or {@code -errno}.
     */
    public static int setsockoptInt(final MemorySegment capture, final int fd, final int level, final int name,
        final int value)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment v = arena.allocate(JAVA_INT);
            v.set(JAVA_INT, 0, value);
            return setsockopt(capture, fd, level, name, v);
        }
    }

    public static int setsockopt(
        final MemorySegment capture, final int fd, final int level, final int name, final MemorySegment value)
    {
        try
        {
            return check(capture, (int)SETSOCKOPT.invokeExact(capture, fd, level, name, value, (int)value.byteSize()));
        }
        catch (final Throwable t)
        {
            throw rethrow(t);
        }
    }

    public static long sendto(final MemorySegment capture, final int fd, final MemorySegment buffer,
        final long length, final int flags, final MemorySegment address, final int addressLength)
    {
        try
        {
            return check(capture, (long)SENDTO.invokeExact(capture, fd, buffer, length, flags, address, addressLength));
        }
        catch (final Throwable t)
        {
            throw rethrow(t);
        }
    }

    public static int listen(final MemorySegment capture, final int fd, final int backlog)
    {
        try
        {
            return check(capture, (int)LISTEN.invokeExact(capture, fd, backlog));
        }
        catch (final Throwable t)
        {
            throw rethrow(t);
        }
    }

    public static int accept4(final MemorySegment capture, final int fd, final int flags)
    {
        try
        {
            return check(capture, (int)ACCEPT4.invokeExact(capture, fd, MemorySegment.NULL, MemorySegment.NULL, flags));
        }
        catch (final Throwable t)
        {
            throw rethrow(t);
        }
    }

    public static int connect(final MemorySegment capture, final int fd, final MemorySegment address, final int length)
    {
        try
        {
            return check(capture, (int)CONNECT.invokeExact(capture, fd, address, length));
        }
        catch (final Throwable t)
        {
            throw rethrow(t);
        }
    }

    /**
     * @param length in: size of {@code value}; out: bytes written (a 4-byte int segment).
     */
    public static int getsockopt(final MemorySegment capture, final int fd, final int level, final int name,
        final MemorySegment value, final MemorySegment length)
    {
        try
        {
            return check(capture, (int)GETSOCKOPT.invokeExact(capture, fd, level, name, value, length));
        }
        catch (final Throwable t)
        {
            throw rethrow(t);
        }
    }

    public static int chmod(final MemorySegment capture, final MemorySegment path, final int mode)
    {
        try
        {
            return check(capture, (int)CHMOD.invokeExact(capture, path, mode));
        }
        catch (final Throwable t)
        {
            throw rethrow(t);
        }
    }

    public static int chown(final MemorySegment capture, final MemorySegment path, final int uid, final int gid)
    {
        try
        {
            return check(capture, (int)CHOWN.invokeExact(capture, path, uid, gid));
        }
        catch (final Throwable t)
        {
            throw rethrow(t);
        }
    }

    /**
     * {@code recvfrom} on raw addresses, for the data path.
     *
     * @param from       address of a {@code struct sockaddr} buffer, or 0.
     * @param fromLength address of its {@code socklen_t} (in: buffer size, out: address length), or 0.
     * @return bytes received, or {@code -errno}.
     */
    public static long recvfrom(final MemorySegment capture, final int fd, final long address, final long length,
        final int flags, final long from, final long fromLength)
    {
        try
        {
            return check(capture, (long)RECVFROM_RAW.invokeExact(capture, fd, address, length, flags, from,
                fromLength));
        }
        catch (final Throwable t)
        {
            throw rethrow(t);
        }
    }

    /**
     * {@code sendto} on raw addresses, for the data path.
     *
     * @return bytes sent, or {@code -errno}.
     */
    public static long sendto(final MemorySegment capture, final int fd, final long address, final long length,
        final int flags, final long to, final int toLength)
    {
        try
        {
            return check(capture, (long)SENDTO_RAW.invokeExact(capture, fd, address, length, flags, to, toLength));
        }
        catch (final Throwable t)
        {
            throw rethrow(t);
        }
    }

    public static int epollCreate1(final MemorySegment capture, final int flags)
    {
        try
        {
            return check(capture, (int)EPOLL_CREATE1.invokeExact(capture, flags));
        }
        catch (final Throwable t)
        {
            throw rethrow(t);
        }
    }

    /**
     * @param event address of a {@code struct epoll_event} (12 bytes, packed on x86-64), or 0 for DEL.
     */
    public static int epollCtl(final MemorySegment capture, final int epfd, final int op, final int fd,
        final long event)
    {
        try
        {
            return check(capture, (int)EPOLL_CTL.invokeExact(capture, epfd, op, fd, event));
        }
        catch (final Throwable t)
        {
            throw rethrow(t);
        }
    }

    /**
     * @return ready events written at {@code events}, or {@code -errno}.
     */
    public static int epollWait(final MemorySegment capture, final int epfd, final long events, final int max,
        final int timeoutMillis)
    {
        try
        {
            return check(capture, (int)EPOLL_WAIT.invokeExact(capture, epfd, events, max, timeoutMillis));
        }
        catch (final Throwable t)
        {
            throw rethrow(t);
        }
    }

    /**
     * Non-blocking {@code recvfrom} into {@code buffer} at {@code offset}, which may be on the Java heap.
     *
     * @param from       address of a native {@code struct sockaddr} buffer.
     * @param fromLength address of its native {@code socklen_t}.
     * @return bytes received, or {@code -errno}.
     */
    public static long recvfromHeap(final MemorySegment capture, final int fd, final MemorySegment buffer,
        final long length, final int flags, final long from, final long fromLength)
    {
        try
        {
            return check(capture, (long)RECVFROM_HEAP.invokeExact(capture, fd, buffer, length, flags, from,
                fromLength));
        }
        catch (final Throwable t)
        {
            throw rethrow(t);
        }
    }

    /**
     * Non-blocking {@code sendto} from {@code buffer}, which may be on the Java heap.
     *
     * @return bytes sent, or {@code -errno}.
     */
    public static long sendtoHeap(final MemorySegment capture, final int fd, final MemorySegment buffer,
        final long length, final int flags, final long to, final int toLength)
    {
        try
        {
            return check(capture, (long)SENDTO_HEAP.invokeExact(capture, fd, buffer, length, flags, to, toLength));
        }
        catch (final Throwable t)
        {
            throw rethrow(t);
        }
    }

    /**
     * {@code recvmsg} on a raw {@code struct msghdr} address, for the data path.
     *
     * @return bytes received, or {@code -errno}.
     */
    public static long recvmsg(final MemorySegment capture, final int fd, final long message, final int flags)
    {
        try
        {
            return check(capture, (long)RECVMSG.invokeExact(capture, fd, message, flags));
        }
        catch (final Throwable t)
        {
            throw rethrow(t);
        }
    }

    /**
     * {@code sendmsg} on a raw {@code struct msghdr} address, for the data path.
     *
     * @return bytes sent, or {@code -errno}.
     */
    public static long sendmsg(final MemorySegment capture, final int fd, final long message, final int flags)
    {
        try
        {
            return check(capture, (long)SENDMSG.invokeExact(capture, fd, message, flags));
        }
        catch (final Throwable t)
        {
            throw rethrow(t);
        }
    }

    /**
     * @return the mapping's address, or {@code -errno}.
     */
    public static long mmap(final MemorySegment capture, final long length, final int prot, final int flags,
        final int fd, final long offset)
    {
        try
        {
            final long address = (long)MMAP.invokeExact(capture, 0L, length, prot, flags, fd, offset);
            return address == -1 ? -(int)ERRNO.get(capture, 0L) : address;
        }
        catch (final Throwable t)
        {
            throw rethrow(t);
        }
    }

    public static int munmap(final MemorySegment capture, final long address, final long length)
    {
        try
        {
            return check(capture, (int)MUNMAP.invokeExact(capture, address, length));
        }
        catch (final Throwable t)
        {
            throw rethrow(t);
        }
    }

    public static int eventfd(final MemorySegment capture, final int initial, final int flags)
    {
        try
        {
            return check(capture, (int)EVENTFD.invokeExact(capture, initial, flags));
        }
        catch (final Throwable t)
        {
            throw rethrow(t);
        }
    }

    /**
     * @return the interface index, or 0 when there is no such interface in this network namespace.
     */
    public static int ifNameToIndex(final String name)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment capture = newErrnoCapture(arena);
            final int index = (int)IF_NAMETOINDEX.invokeExact(capture, arena.allocateFrom(name));
            return Math.max(index, 0);
        }
        catch (final Throwable t)
        {
            throw rethrow(t);
        }
    }

    /**
     * Linux {@code makedev(major, minor)}.
     */
    public static long makedev(final int major, final int minor)
    {
        return ((long)(major & 0xfffff000) << 32) | ((major & 0xfffL) << 8) |
            ((long)(minor & 0xffffff00) << 12) | (minor & 0xffL);
    }

    private static int check(final MemorySegment capture, final int result)
    {
        return result == -1 ? -(int)ERRNO.get(capture, 0L) : result;
    }

    private static long check(final MemorySegment capture, final long result)
    {
        return result == -1 ? -(int)ERRNO.get(capture, 0L) : result;
    }

    private static MethodHandle downcall(final String name, final FunctionDescriptor descriptor,
        final Linker.Option... extra)
    {
        final Linker.Option[] options = new Linker.Option[extra.length + 1];
        options[0] = CAPTURE_ERRNO;
        System.arraycopy(extra, 0, options, 1, extra.length);
        final MemorySegment symbol = LIBC.find(name)
            .orElseThrow(() -> new UnsatisfiedLinkError("libc has no symbol " + name));
        return LINKER.downcallHandle(symbol, descriptor, options);
    }

    private static RuntimeException rethrow(final Throwable t)
    {
        if (t instanceof RuntimeException re)
        {
            return re;
        }
        if (t instanceof Error e)
        {
            throw e;
        }
        return new IllegalStateException(t);
    }
}
