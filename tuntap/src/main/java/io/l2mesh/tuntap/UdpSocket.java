package io.l2mesh.tuntap;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;

/**
 * A non-blocking UDP socket (IPv4 or IPv6) through FFM, optionally in an {@code SO_REUSEPORT} group: each
 * datapath loop binds its own socket to the same address, the kernel spreads incoming datagrams over them by
 * flow, and each loop sends through its own. One reader; sends from its loop.
 */
public final class UdpSocket implements AutoCloseable
{
    static final int SOCK_DGRAM = 2;
    static final int SOCK_NONBLOCK = 0x800;
    static final int SOCK_CLOEXEC = 0x80000;
    static final int SOL_SOCKET = 1;
    static final int SO_REUSEPORT = 15;
    static final int SO_RCVBUF = 8;
    static final int SO_SNDBUF = 7;
    static final int IPPROTO_IPV6 = 41;
    static final int IPV6_V6ONLY = 26;
    public static final int MSG_DONTWAIT = 0x40;
    public static final int SOL_UDP = 17;
    /** cmsg type on SOL_UDP: the size of each datagram in a UDP GSO send (linux/udp.h). */
    public static final int UDP_SEGMENT = 103;
    /** Most datagrams one UDP GSO send may carry (UDP_MAX_SEGMENTS in the kernels we meet). */
    public static final int MAX_SEGMENTS = 64;
    /** Socket option on SOL_UDP: receive same-flow datagrams coalesced, with their size in a cmsg (linux/udp.h). */
    public static final int UDP_GRO = 104;

    private final int fd;
    private final InetSocketAddress local;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment capture = Libc.newErrnoCapture(arena);
    private boolean closed;

    private UdpSocket(final int fd, final InetSocketAddress local)
    {
        this.fd = fd;
        this.local = local;
    }

    /**
     * @param reusePort join the address's {@code SO_REUSEPORT} group (every member must set it).
     * @param bufferBytes SO_RCVBUF and SO_SNDBUF to ask for, or 0 for the system default.
     * @throws NativeError EADDRINUSE when another socket (outside the group) has the address.
     */
    public static UdpSocket bind(final InetSocketAddress local, final boolean reusePort, final int bufferBytes)
    {
        final int family = SocketAddresses.family(local.getAddress());
        try (Arena scratch = Arena.ofConfined())
        {
            final MemorySegment capture = Libc.newErrnoCapture(scratch);
            final int fd = Libc.socket(capture, family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
            if (fd < 0)
            {
                throw new NativeError("socket(UDP)", -fd, local.toString());
            }
            final UdpSocket socket = new UdpSocket(fd, local);
            try
            {
                if (reusePort)
                {
                    socket.setInt(SOL_SOCKET, SO_REUSEPORT, 1, "SO_REUSEPORT");
                }
                if (family == SocketAddresses.AF_INET6)
                {
                    socket.setInt(IPPROTO_IPV6, IPV6_V6ONLY, 1, "IPV6_V6ONLY");
                }
                if (bufferBytes > 0)
                {
                    socket.setInt(SOL_SOCKET, SO_RCVBUF, bufferBytes, "SO_RCVBUF");
                    socket.setInt(SOL_SOCKET, SO_SNDBUF, bufferBytes, "SO_SNDBUF");
                }
                final MemorySegment address = scratch.allocate(SocketAddresses.MAX_LENGTH, 8);
                final int length = SocketAddresses.write(address, 0, local);
                final int rc = Libc.bind(capture, fd, address, length);
                if (rc < 0)
                {
                    throw rc == -Errno.EACCES && local.getPort() < 1024 ?
                        new NativeError("bind(UDP)", -rc, local.toString(), "a port below 1024 needs root or " +
                            "CAP_NET_BIND_SERVICE; pick a higher one") :
                        new NativeError("bind(UDP)", -rc, local.toString());
                }
                return socket;
            }
            catch (final RuntimeException ex)
            {
                socket.close();
                throw ex;
            }
        }
    }

    /**
     * Sets SO_RCVBUF (the kernel doubles it for its bookkeeping): how much a socket queues before the kernel drops.
     * Any thread; it takes effect at the next datagram.
     *
     * @throws NativeError if the kernel refuses.
     */
    public void receiveBuffer(final int bytes)
    {
        setInt(SOL_SOCKET, SO_RCVBUF, bytes, "SO_RCVBUF");
    }

    private void setInt(final int level, final int option, final int value, final String name)
    {
        final int rc = Libc.setsockoptInt(capture, fd, level, option, value);
        if (rc < 0)
        {
            throw new NativeError("setsockopt " + name, -rc, local.toString());
        }
    }

    public int fd()
    {
        return fd;
    }

    /**
     * Asks the kernel to hand this socket same-flow datagrams coalesced (UDP GRO); {@link #receive(MemorySegment,
     * long)} then reports each one's size.
     *
     * @return false if the kernel refuses (older kernels): datagrams then come one by one, which still works.
     */
    public boolean enableGro()
    {
        return Libc.setsockoptInt(capture, fd, SOL_UDP, UDP_GRO, 1) == 0;
    }

    /**
     * Receives with a {@code struct msghdr} (data path): for UDP GRO, whose size comes in a control message.
     *
     * @return bytes received, 0 when nothing is waiting, or {@code -errno}.
     */
    public long receive(final MemorySegment errno, final long message)
    {
        final long n = Libc.recvmsg(errno, fd, message, MSG_DONTWAIT);
        return n == -Errno.EAGAIN ? 0 : n;
    }

    public InetSocketAddress local()
    {
        return local;
    }

    /**
     * Receives one datagram (data path).
     *
     * @param from       address of room for {@link SocketAddresses#MAX_LENGTH} bytes.
     * @param fromLength address of a {@code socklen_t}, set to that room before the call.
     * @return bytes received, 0 when nothing is waiting, or {@code -errno}.
     */
    public long receive(final MemorySegment errno, final long address, final long capacity, final long from,
        final long fromLength)
    {
        final long n = Libc.recvfrom(errno, fd, address, capacity, MSG_DONTWAIT, from, fromLength);
        return n == -Errno.EAGAIN ? 0 : n;
    }

    /**
     * Receives one datagram to the start of {@code buffer}, which may be a heap array's segment.
     *
     * @return bytes received, 0 when nothing is waiting, or {@code -errno}.
     */
    public long receive(final MemorySegment errno, final MemorySegment buffer, final long from,
        final long fromLength)
    {
        final long n = Libc.recvfromHeap(errno, fd, buffer, buffer.byteSize(), MSG_DONTWAIT, from, fromLength);
        return n == -Errno.EAGAIN ? 0 : n;
    }

    /**
     * Sends {@code length} bytes of {@code buffer} (heap or native) as one datagram to {@code to}.
     *
     * @return bytes sent, 0 when the socket buffer is full, or {@code -errno}.
     */
    public long sendTo(final MemorySegment errno, final MemorySegment buffer, final long length, final long to,
        final int toLength)
    {
        final long n = Libc.sendtoHeap(errno, fd, buffer, length, MSG_DONTWAIT, to, toLength);
        return n == -Errno.EAGAIN ? 0 : n;
    }

    /**
     * Sends one datagram described by a {@code struct msghdr} (data path).
     *
     * @return bytes sent, 0 when the socket buffer is full, or {@code -errno}.
     */
    public long send(final MemorySegment errno, final long message)
    {
        final long n = Libc.sendmsg(errno, fd, message, MSG_DONTWAIT);
        return n == -Errno.EAGAIN ? 0 : n;
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
