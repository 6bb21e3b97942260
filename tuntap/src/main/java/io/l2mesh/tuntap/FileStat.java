package io.l2mesh.tuntap;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * What {@code statx} says about a file: which inode it is, its type and mode bits, its owner, its size. Read
 * through a descriptor or relative to an opened directory, never by a path string that can be redirected.
 * Control-side only (allocates).
 * <p>
 * {@code struct statx} (include/uapi/linux/stat.h), the fields used:
 * <pre>
 *  0: stx_mask u32         4: stx_blksize u32     8: stx_attributes u64
 * 16: stx_nlink u32       20: stx_uid u32        24: stx_gid u32     28: stx_mode u16
 * 32: stx_ino u64         40: stx_size u64
 * 136: stx_dev_major u32  140: stx_dev_minor u32     (256 bytes in all)
 * </pre>
 */
public record FileStat(long device, long inode, int mode, int uid, int gid, long size)
{
    public static final int S_IFMT = 0170000;
    public static final int S_IFSOCK = 0140000;
    public static final int S_IFLNK = 0120000;
    public static final int S_IFREG = 0100000;
    public static final int S_IFDIR = 0040000;
    public static final int S_IFIFO = 0010000;
    private static final int STATX_BASIC_STATS = 0x7ff;
    private static final int STATX_SIZE = 256;

    /**
     * @return what {@code fd} refers to.
     * @throws NativeError when it cannot be read (EBADF for a closed descriptor).
     */
    public static FileStat of(final int fd)
    {
        return at(fd, "", Libc.AT_EMPTY_PATH);
    }

    /**
     * @param dirfd an open directory, or {@link Libc#AT_FDCWD}.
     * @param name  a name in it; a symbolic link is described itself, not followed.
     * @return the file, or null if there is none of that name.
     * @throws NativeError for any other failure.
     */
    public static FileStat atNoFollow(final int dirfd, final String name)
    {
        try
        {
            return at(dirfd, name, Libc.AT_SYMLINK_NOFOLLOW);
        }
        catch (final NativeError ex)
        {
            if (ex.errno() == Errno.ENOENT)
            {
                return null;
            }
            throw ex;
        }
    }

    private static FileStat at(final int dirfd, final String name, final int flags)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment buffer = arena.allocate(STATX_SIZE, 8);
            final int rc = Libc.statx(Libc.newErrnoCapture(arena), dirfd, arena.allocateFrom(name), flags,
                STATX_BASIC_STATS, buffer);
            if (rc < 0)
            {
                throw new NativeError("statx", -rc, name.isEmpty() ? "fd " + dirfd : name);
            }
            final long device = ((long)buffer.get(ValueLayout.JAVA_INT, 136) << 32) |
                (buffer.get(ValueLayout.JAVA_INT, 140) & 0xffffffffL);
            return new FileStat(device, buffer.get(ValueLayout.JAVA_LONG, 32),
                Short.toUnsignedInt(buffer.get(ValueLayout.JAVA_SHORT, 28)), buffer.get(ValueLayout.JAVA_INT, 20),
                buffer.get(ValueLayout.JAVA_INT, 24), buffer.get(ValueLayout.JAVA_LONG, 40));
        }
    }

    public int type()
    {
        return mode & S_IFMT;
    }

    public boolean isSocket()
    {
        return type() == S_IFSOCK;
    }

    public boolean isRegular()
    {
        return type() == S_IFREG;
    }

    public boolean isDirectory()
    {
        return type() == S_IFDIR;
    }

    public boolean isSymlink()
    {
        return type() == S_IFLNK;
    }

    public boolean isFifo()
    {
        return type() == S_IFIFO;
    }

    /**
     * @return the permission bits (and setuid, setgid, sticky).
     */
    public int permissions()
    {
        return mode & 07777;
    }

    /**
     * @return true if this is the same inode as {@code other}.
     */
    public boolean sameFile(final FileStat other)
    {
        return other != null && device == other.device && inode == other.inode;
    }

    /**
     * @return "regular file", "socket", ...: for error messages.
     */
    public String typeName()
    {
        return switch (type())
        {
            case S_IFSOCK -> "socket";
            case S_IFLNK -> "symbolic link";
            case S_IFREG -> "regular file";
            case S_IFDIR -> "directory";
            case S_IFIFO -> "fifo";
            default -> "device or special file";
        };
    }
}
