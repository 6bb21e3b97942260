package io.l2mesh.tuntap;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The file an {@code AF_UNIX} socket is bound to, handled so that no one who can write to its directory can turn
 * the daemon's rights against another file:
 * <ul>
 * <li>the directory is opened once ({@link Directory}, not through a final symbolic link) and every later step
 *     goes through that descriptor: the stale-socket check, the bind ({@code /proc/self/fd/N/name}), the mode,
 *     and the removal;</li>
 * <li>only a socket file nobody answers on is removed before bind; any other file is refused, never deleted;</li>
 * <li>the socket gets its mode before bind ({@code fchmod} of the socket: the kernel creates the file with it,
 *     less the umask) and exactly after it with {@code fchmodat(AT_SYMLINK_NOFOLLOW)}: there is no moment when
 *     it is more open than asked, and no chmod by path;</li>
 * <li>the inode made by bind is remembered, and {@link #close()} removes the name only while it is still that
 *     inode ({@code statx} then {@code unlinkat} in the opened directory).</li>
 * </ul>
 * No directory is created here. Control-side only.
 */
final class SocketFile implements AutoCloseable
{
    private final Path path;
    private final Directory directory;
    private final String name;
    private FileStat bound;

    private SocketFile(final Path path, final Directory directory, final String name)
    {
        this.path = path;
        this.directory = directory;
        this.name = name;
    }

    /**
     * Opens {@code path}'s directory and makes the name free: nothing there, or a socket file nobody serves any
     * more (left by a killed process), which is removed.
     *
     * @param socketType {@code SOCK_STREAM}, {@code SOCK_DGRAM} or {@code SOCK_SEQPACKET}: how to probe.
     * @throws IllegalStateException if the name is a file that is not a socket, or someone serves it.
     * @throws IllegalArgumentException for a path that is not absolute or too long.
     */
    static SocketFile claim(final Path path, final int socketType)
    {
        UnixAddress.check(path);
        final Path parent = path.getParent();
        final String name = path.getFileName().toString();
        final Directory directory;
        try
        {
            directory = Directory.open(parent);
        }
        catch (final NativeError ex)
        {
            throw new IllegalStateException("cannot use directory " + parent + " for socket " + path + ": " +
                Errno.describe(ex.errno()), ex);
        }
        final SocketFile file = new SocketFile(path, directory, name);
        try
        {
            final int length = directory.anchored(name).toString().getBytes(StandardCharsets.UTF_8).length;
            if (length >= UnixAddress.SUN_PATH_MAX)
            {
                throw new IllegalArgumentException("socket file name '" + name + "' is too long (" +
                    name.getBytes(StandardCharsets.UTF_8).length + " bytes; at most " +
                    (UnixAddress.SUN_PATH_MAX - 1 - (length - name.getBytes(StandardCharsets.UTF_8).length)) + ")");
            }
            final FileStat existing = directory.stat(name);
            if (existing == null)
            {
                return file;
            }
            if (!existing.isSocket())
            {
                throw new IllegalStateException(path + " exists and is a " + existing.typeName() + ", not a " +
                    "socket; it is left alone: remove it or pick another path");
            }
            if (file.answers(socketType))
            {
                throw new IllegalStateException("another process serves " + path);
            }
            final int rc = directory.unlink(name);
            if (rc < 0 && rc != -Errno.ENOENT)
            {
                throw new IllegalStateException("cannot remove stale socket " + path + ": " + Errno.describe(-rc));
            }
            return file;
        }
        catch (final RuntimeException ex)
        {
            directory.close();
            throw ex;
        }
    }

    private boolean answers(final int socketType)
    {
        try (Arena local = Arena.ofConfined())
        {
            final MemorySegment capture = Libc.newErrnoCapture(local);
            final int fd = Libc.socket(capture, UnixAddress.AF_UNIX, socketType | UnixSocket.SOCK_CLOEXEC, 0);
            if (fd < 0)
            {
                throw new NativeError("socket(AF_UNIX)", -fd);
            }
            final int rc = Libc.connect(capture, fd, UnixAddress.of(local, directory.anchored(name)),
                UnixAddress.LENGTH);
            Libc.close(capture, fd);
            // ECONNREFUSED: a socket file with nobody bound to it. EPROTOTYPE: someone serves another type.
            return rc != -Errno.ECONNREFUSED;
        }
    }

    /**
     * Binds {@code fd} to the name with file mode {@code mode} and, if {@code gid >= 0}, that group.
     */
    void bind(final MemorySegment capture, final int fd, final int mode, final int gid)
    {
        int rc = Libc.fchmod(capture, fd, mode);
        if (rc < 0)
        {
            throw new NativeError("fchmod", -rc, "socket for " + path);
        }
        try (Arena local = Arena.ofConfined())
        {
            rc = Libc.bind(capture, fd, UnixAddress.of(local, directory.anchored(name)), UnixAddress.LENGTH);
        }
        if (rc < 0)
        {
            throw new NativeError("bind", -rc, path.toString());
        }
        bound = directory.stat(name);
        if (bound == null || !bound.isSocket())
        {
            throw new IllegalStateException(path + " changed while it was being bound");
        }
        rc = directory.chmod(name, mode);
        if (rc < 0)
        {
            throw new NativeError("chmod", -rc, path.toString());
        }
        if (gid >= 0)
        {
            rc = directory.chgrp(name, gid);
            if (rc < 0)
            {
                throw new IllegalStateException("cannot give " + path + " group " + gid + ": " + Errno.describe(-rc) +
                    (rc == -Errno.EPERM ? "; a daemon that is not root must be a member of that group" : ""));
            }
        }
    }

    Path path()
    {
        return path;
    }

    /**
     * Removes the socket file if it is still the one bound here, and closes the directory.
     */
    @Override
    public void close()
    {
        try
        {
            if (bound != null && bound.sameFile(directory.stat(name)))
            {
                directory.unlink(name);
            }
        }
        catch (final NativeError ignored)
        {
            // The directory is gone or unreadable: nothing of ours is left to remove.
        }
        finally
        {
            bound = null;
            directory.close();
        }
    }
}
