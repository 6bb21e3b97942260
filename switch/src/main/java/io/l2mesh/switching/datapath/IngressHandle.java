package io.l2mesh.switching.datapath;

import io.l2mesh.switching.port.Port;
import io.netty.channel.IoEvent;
import io.netty.channel.IoRegistration;
import io.netty.channel.epoll.EpollIoHandle;
import io.netty.channel.unix.FileDescriptor;

/**
 * Puts one port's fd for one loop on that loop's epoll set (Netty's {@code IoHandle} for foreign fds), so TAP
 * queues, packet sockets, unix sockets and UDP sockets are served by the same thread. Level-triggered EPOLLIN:
 * each wake-up reads one bounded burst, and epoll reports the fd again if more is waiting, so no port can starve
 * the others.
 */
final class IngressHandle implements EpollIoHandle
{
    private final DatapathLoop loop;
    private final Port port;
    private final FileDescriptor fd;
    private IoRegistration registration;

    IngressHandle(final DatapathLoop loop, final Port port, final int fd)
    {
        this.loop = loop;
        this.port = port;
        this.fd = new FileDescriptor(fd);
    }

    Port port()
    {
        return port;
    }

    void registration(final IoRegistration registration)
    {
        this.registration = registration;
    }

    IoRegistration registration()
    {
        return registration;
    }

    @Override
    public FileDescriptor fd()
    {
        return fd;
    }

    @Override
    public void handle(final IoRegistration registration, final IoEvent event)
    {
        loop.onReadable(this);
    }

    @Override
    public void close()
    {
        // The fd belongs to the port's device, which closes it once every loop has let go of it.
    }
}
