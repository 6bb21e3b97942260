package io.l2mesh.tuntap.netlink;

import io.l2mesh.tuntap.Errno;

/**
 * A request the kernel refused: the operation, the errno, and the kernel's own extended-ack message if it sent one.
 */
public final class NetlinkError extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    private final int errno;

    public NetlinkError(final String operation, final int errno, final String kernelMessage)
    {
        super(operation + ": " + Errno.name(errno) +
            (kernelMessage == null || kernelMessage.isEmpty() ? "" : " (kernel: " + kernelMessage + ")") +
            (Errno.hint(errno).isEmpty() ? "" : ": " + Errno.hint(errno)), null, false, false);
        this.errno = errno;
    }

    public int errno()
    {
        return errno;
    }
}
