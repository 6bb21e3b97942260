package io.l2mesh.tuntap;

/**
 * A failed system call: which operation, the errno, and what to do about it.
 * <p>
 * Stackless: the operation name says where it happened, and these are thrown on set-up paths where
 * filling in a stack trace only adds noise.
 */
public final class NativeError extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    private final String operation;
    private final int errno;

    public NativeError(final String operation, final int errno)
    {
        this(operation, errno, null);
    }

    public NativeError(final String operation, final int errno, final String detail)
    {
        this(operation, errno, detail, Errno.hint(errno));
    }

    /**
     * @param hint what to do about it, in place of the errno's general hint.
     */
    public NativeError(final String operation, final int errno, final String detail, final String hint)
    {
        super(format(operation, errno, detail, hint), null, false, false);
        this.operation = operation;
        this.errno = errno;
    }

    public String operation()
    {
        return operation;
    }

    public int errno()
    {
        return errno;
    }

    private static String format(final String operation, final int errno, final String detail, final String hint)
    {
        final StringBuilder sb = new StringBuilder(operation);
        if (detail != null && !detail.isEmpty())
        {
            sb.append(' ').append(detail);
        }
        sb.append(": ").append(Errno.name(errno));
        if (!hint.isEmpty())
        {
            sb.append(": ").append(hint);
        }
        return sb.toString();
    }
}
