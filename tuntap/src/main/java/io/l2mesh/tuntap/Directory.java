package io.l2mesh.tuntap;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

/**
 * An opened directory: every later look-up, removal or mode change of a name in it goes through its descriptor
 * ({@code statx}, {@code unlinkat}, {@code fchmodat} relative to it, never following a symbolic link), so that
 * nobody can redirect them by renaming a directory or planting a link once it is open. Control-side only.
 */
public final class Directory implements AutoCloseable
{
    private static final String PROC_FD = "/proc/self/fd/";

    private final Path path;
    private final int fd;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment capture = Libc.newErrnoCapture(arena);
    private boolean closed;

    private Directory(final Path path, final int fd)
    {
        this.path = path;
        this.fd = fd;
    }

    /**
     * Opens {@code dir} for look-ups ({@code O_PATH}); its last component must not be a symbolic link.
     *
     * @throws NativeError ENOENT when it does not exist, ENOTDIR when it is not a directory (or is a link).
     */
    public static Directory open(final Path dir)
    {
        try (Arena local = Arena.ofConfined())
        {
            final int fd = Libc.openat(Libc.newErrnoCapture(local), Libc.AT_FDCWD, local.allocateFrom(dir.toString()),
                Libc.O_PATH | Libc.O_DIRECTORY | Libc.O_NOFOLLOW | Libc.O_CLOEXEC, 0);
            if (fd < 0)
            {
                throw new NativeError("open", -fd, dir + " (a directory, not a symbolic link)");
            }
            return new Directory(dir, fd);
        }
    }

    /**
     * Makes sure {@code dir} exists as a directory others cannot write to. A new one gets {@code mode} and group
     * {@code gid} exactly (whatever the umask); an existing one is kept as it is (systemd's
     * {@code RuntimeDirectory=} and {@code StateDirectory=} make them) unless others may write to it, which is
     * refused, since they could then swap the files in it.
     *
     * @param gid group for a new directory, or -1 for ours.
     * @return true if it was created.
     * @throws IllegalStateException saying what is wrong.
     */
    public static boolean ensure(final Path dir, final int mode, final int gid)
    {
        try (Arena local = Arena.ofConfined())
        {
            final MemorySegment capture = Libc.newErrnoCapture(local);
            final MemorySegment cPath = local.allocateFrom(dir.toString());
            final int made = Libc.mkdir(capture, cPath, 0700);
            if (made < 0 && made != -Errno.EEXIST)
            {
                throw new IllegalStateException("cannot create directory " + dir + ": " + Errno.describe(-made));
            }
            final int fd = Libc.openat(capture, Libc.AT_FDCWD, cPath,
                Libc.O_RDONLY | Libc.O_DIRECTORY | Libc.O_NOFOLLOW | Libc.O_CLOEXEC, 0);
            if (fd < 0)
            {
                throw new IllegalStateException(dir + " is not a directory (or is a symbolic link): " +
                    Errno.describe(-fd));
            }
            try
            {
                if (made == 0)
                {
                    int rc = Libc.fchmod(capture, fd, mode);
                    if (rc == 0 && gid >= 0)
                    {
                        rc = Libc.fchown(capture, fd, -1, gid);
                    }
                    if (rc < 0)
                    {
                        throw new IllegalStateException("cannot set mode " + Integer.toOctalString(mode) + (gid >= 0 ?
                            " and group " + gid : "") + " on new directory " + dir + ": " + Errno.describe(-rc));
                    }
                    return true;
                }
                final FileStat stat = FileStat.of(fd);
                if ((stat.permissions() & 0002) != 0 && (stat.permissions() & 01000) == 0)
                {
                    throw new IllegalStateException(dir + " is writable by every user (mode " +
                        Integer.toOctalString(stat.permissions()) + "); make it 0750 or 0755");
                }
                return false;
            }
            finally
            {
                Libc.close(capture, fd);
            }
        }
    }

    public Path path()
    {
        return path;
    }

    /**
     * @return what {@code name} is (a link is described, not followed), or null if there is nothing of that name.
     */
    public FileStat stat(final String name)
    {
        return FileStat.atNoFollow(fd, name);
    }

    /**
     * Removes {@code name} (not a directory).
     *
     * @return 0 or {@code -errno}.
     */
    public int unlink(final String name)
    {
        try (Arena local = Arena.ofConfined())
        {
            return Libc.unlinkat(capture, fd, local.allocateFrom(name), 0);
        }
    }

    /**
     * Sets the mode of {@code name}, refusing a symbolic link (EOPNOTSUPP) instead of following it.
     *
     * @return 0 or {@code -errno}.
     */
    public int chmod(final String name, final int mode)
    {
        try (Arena local = Arena.ofConfined())
        {
            return Libc.fchmodat(capture, fd, local.allocateFrom(name), mode, Libc.AT_SYMLINK_NOFOLLOW);
        }
    }

    /**
     * Sets the group of {@code name}, not following a symbolic link.
     *
     * @return 0 or {@code -errno}.
     */
    public int chgrp(final String name, final int gid)
    {
        try (Arena local = Arena.ofConfined())
        {
            return Libc.fchownat(capture, fd, local.allocateFrom(name), -1, gid, Libc.AT_SYMLINK_NOFOLLOW);
        }
    }

    /**
     * @return a path to {@code name} that goes through this open directory ({@code /proc/self/fd/N/name}), for the
     * calls that take no directory descriptor ({@code bind}, {@code connect} of an {@code AF_UNIX} socket).
     */
    public Path anchored(final String name)
    {
        return Path.of(PROC_FD + fd, name);
    }

    @Override
    public synchronized void close()
    {
        if (!closed)
        {
            closed = true;
            Libc.close(capture, fd);
            arena.close();
        }
    }
}
