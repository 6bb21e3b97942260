package io.l2mesh.tuntap;

/**
 * Linux errno values we meet, with their names and what the operator should do about them.
 * Specification constants (asm-generic/errno-base.h, errno.h), kept apart from our own.
 */
public final class Errno
{
    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int EINTR = 4;
    public static final int EIO = 5;
    public static final int ENXIO = 6;
    public static final int EBADF = 9;
    public static final int EAGAIN = 11;
    public static final int ENOMEM = 12;
    public static final int EACCES = 13;
    public static final int EFAULT = 14;
    public static final int EBUSY = 16;
    public static final int EEXIST = 17;
    public static final int ENODEV = 19;
    public static final int EINVAL = 22;
    public static final int ENFILE = 23;
    public static final int EMFILE = 24;
    public static final int ENOTTY = 25;
    public static final int ENOSPC = 28;
    public static final int ERANGE = 34;
    public static final int EOPNOTSUPP = 95;
    public static final int EADDRINUSE = 98;
    public static final int ENOBUFS = 105;
    public static final int EMSGSIZE = 90;
    /** Not from the kernel here: a port's own verdict on a frame it cannot parse (counted as malformed). */
    public static final int EBADMSG = 74;
    public static final int ECONNREFUSED = 111;
    public static final int ENETDOWN = 100;
    public static final int EPIPE = 32;
    public static final int ECONNRESET = 104;
    public static final int ENOTCONN = 107;
    public static final int ENOTSOCK = 88;
    public static final int ENOTDIR = 20;
    public static final int EISDIR = 21;
    public static final int EROFS = 30;
    public static final int ELOOP = 40;

    private Errno()
    {
    }

    public static String name(final int errno)
    {
        return switch (errno)
        {
            case EPERM -> "EPERM";
            case ENOTCONN -> "ENOTCONN";
            case ENOTSOCK -> "ENOTSOCK";
            case ENOTDIR -> "ENOTDIR";
            case EISDIR -> "EISDIR";
            case EROFS -> "EROFS";
            case ELOOP -> "ELOOP";
            case ENOENT -> "ENOENT";
            case EINTR -> "EINTR";
            case EIO -> "EIO";
            case ENXIO -> "ENXIO";
            case EBADF -> "EBADF";
            case EAGAIN -> "EAGAIN";
            case ENOMEM -> "ENOMEM";
            case EACCES -> "EACCES";
            case EFAULT -> "EFAULT";
            case EBUSY -> "EBUSY";
            case EEXIST -> "EEXIST";
            case ENODEV -> "ENODEV";
            case EINVAL -> "EINVAL";
            case ENFILE -> "ENFILE";
            case EMFILE -> "EMFILE";
            case ENOTTY -> "ENOTTY";
            case ENOSPC -> "ENOSPC";
            case ERANGE -> "ERANGE";
            case EOPNOTSUPP -> "EOPNOTSUPP";
            case EADDRINUSE -> "EADDRINUSE";
            case ENOBUFS -> "ENOBUFS";
            case EMSGSIZE -> "EMSGSIZE";
            case EBADMSG -> "EBADMSG";
            case ECONNREFUSED -> "ECONNREFUSED";
            case ENETDOWN -> "ENETDOWN";
            case EPIPE -> "EPIPE";
            case ECONNRESET -> "ECONNRESET";
            default -> "errno " + errno;
        };
    }

    /**
     * @return the errno's name and what it means for a file operation ("EACCES (permission denied)").
     */
    public static String describe(final int errno)
    {
        final String meaning = switch (errno)
        {
            case EPERM -> "operation not permitted";
            case EACCES -> "permission denied";
            case ENOENT -> "no such file or directory";
            case EEXIST -> "exists already";
            case ENOTDIR -> "not a directory";
            case EISDIR -> "is a directory";
            case ELOOP -> "is a symbolic link";
            case EROFS -> "read-only file system";
            case ENOSPC -> "no space left on the device";
            case EOPNOTSUPP -> "not supported here (a symbolic link?)";
            default -> "";
        };
        return name(errno) + (meaning.isEmpty() ? "" : " (" + meaning + ")");
    }

    /**
     * What to do about an errno returned by an operation, or an empty string when there is nothing useful to say.
     */
    public static String hint(final int errno)
    {
        return switch (errno)
        {
            case EPERM, EACCES -> "needs CAP_NET_ADMIN (run as root or grant the capability)";
            case ENOENT -> "no such file or device";
            case EBUSY -> "the device is in use by another process or with other flags";
            case EEXIST -> "it exists already";
            case ENODEV -> "no such network device";
            case EINVAL -> "the kernel refused the arguments (check the flags, name and sizes)";
            case ENOTTY -> "not a TUN/TAP file descriptor";
            case EMFILE, ENFILE -> "too many open files (raise the limit with ulimit -n)";
            case EIO -> "the device is down or gone";
            case ENOMEM, ENOBUFS -> "the kernel is out of memory or buffers";
            case ERANGE -> "value out of range for this device";
            case EOPNOTSUPP -> "not supported by this kernel or device";
            case ECONNREFUSED -> "nothing is listening there (is the daemon running?)";
            default -> "";
        };
    }
}
