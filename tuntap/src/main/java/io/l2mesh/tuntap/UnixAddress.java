package io.l2mesh.tuntap;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * {@code struct sockaddr_un} for a filesystem path, and the rules for taking a path over.
 */
public final class UnixAddress
{
    public static final int AF_UNIX = 1;
    /** Size of {@code sun_path}, including the terminating NUL. */
    public static final int SUN_PATH_MAX = 108;
    /** Size of the whole {@code struct sockaddr_un}. */
    public static final int LENGTH = 2 + SUN_PATH_MAX;
    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;

    private UnixAddress()
    {
    }

    /**
     * Checks a socket path: absolute and short enough for {@code sun_path}.
     *
     * @throws IllegalArgumentException naming the limit.
     */
    public static void check(final Path path)
    {
        final int length = path.toString().getBytes(StandardCharsets.UTF_8).length;
        if (!path.isAbsolute() || length >= SUN_PATH_MAX)
        {
            throw new IllegalArgumentException("socket path '" + path + "' must be absolute and at most " +
                (SUN_PATH_MAX - 1) + " bytes (it is " + length + ")");
        }
    }

    public static MemorySegment of(final Arena arena, final Path path)
    {
        check(path);
        final byte[] bytes = path.toString().getBytes(StandardCharsets.UTF_8);
        final MemorySegment address = arena.allocate(LENGTH);
        address.set(ValueLayout.JAVA_SHORT, 0, (short)AF_UNIX);
        MemorySegment.copy(bytes, 0, address, ValueLayout.JAVA_BYTE, 2, bytes.length);
        return address;
    }

    /**
     * Makes {@code path} ready to bind: creates its directory, and removes a socket file nobody serves any more
     * (left by a killed process). A path someone still serves, or a file that is not a socket, is refused.
     *
     * @param socketType {@code SOCK_STREAM}, {@code SOCK_DGRAM} or {@code SOCK_SEQPACKET}: how to probe.
     */
    public static void claim(final Path path, final int socketType)
    {
        check(path);
        try
        {
            Files.createDirectories(path.getParent());
            if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS))
            {
                return;
            }
            final int mode = (Integer)Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            if ((mode & S_IFMT) != S_IFSOCK)
            {
                throw new IllegalStateException(path + " exists and is not a socket; remove it or pick another path");
            }
            if (answers(path, socketType))
            {
                throw new IllegalStateException("another process serves " + path);
            }
            Files.delete(path);
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException("cannot prepare " + path + ": " + ex.getMessage(), ex);
        }
    }

    private static boolean answers(final Path path, final int socketType)
    {
        try (Arena local = Arena.ofConfined())
        {
            final MemorySegment capture = Libc.newErrnoCapture(local);
            final int fd = Libc.socket(capture, AF_UNIX, socketType | UnixSocket.SOCK_CLOEXEC, 0);
            if (fd < 0)
            {
                throw new NativeError("socket(AF_UNIX)", -fd);
            }
            final MemorySegment address = of(local, path);
            final int rc = Libc.connect(capture, fd, address, LENGTH);
            Libc.close(capture, fd);
            // ECONNREFUSED: a socket file with nobody bound to it. EPROTOTYPE: someone serves another type.
            return rc != -Errno.ECONNREFUSED;
        }
    }
}
