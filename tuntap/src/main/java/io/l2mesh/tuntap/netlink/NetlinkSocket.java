package io.l2mesh.tuntap.netlink;

import io.l2mesh.tuntap.Libc;
import io.l2mesh.tuntap.NativeError;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * A blocking {@code AF_NETLINK}/{@code NETLINK_ROUTE} socket that sends one request and reads its answer.
 * Control-path only: one thread at a time (methods are synchronized), never the datapath.
 * <pre>
 *  nlmsghdr (16 bytes, host order)
 *  0        4      6       8       12      16
 *  +--------+------+-------+-------+-------+
 *  | len    | type | flags | seq   | pid   |
 *  +--------+------+-------+-------+-------+
 * </pre>
 */
public final class NetlinkSocket implements AutoCloseable
{
    static final int AF_NETLINK = 16;
    static final int SOCK_RAW = 3;
    static final int SOCK_CLOEXEC = 0x80000;
    static final int NETLINK_ROUTE = 0;
    static final int SOL_NETLINK = 270;
    static final int NETLINK_EXT_ACK = 11;

    static final int NLMSG_HDRLEN = 16;
    static final int NLMSG_ERROR = 2;
    static final int NLMSG_DONE = 3;
    static final int NLM_F_REQUEST = 0x1;
    static final int NLM_F_ACK = 0x4;
    static final int NLM_F_CAPPED = 0x100;
    static final int NLM_F_ACK_TLVS = 0x200;
    static final int NLMSGERR_ATTR_MSG = 1;

    private static final int RECEIVE_CAPACITY = 32 * 1024;

    private final Arena arena = Arena.ofShared();
    private final MemorySegment capture = Libc.newErrnoCapture(arena);
    private final MemorySegment receiveBuffer = arena.allocate(RECEIVE_CAPACITY, 8);
    private final int fd;
    private int sequence = 1;

    public NetlinkSocket()
    {
        final int s = Libc.socket(capture, AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
        if (s < 0)
        {
            arena.close();
            throw new NativeError("socket(AF_NETLINK)", -s);
        }
        fd = s;
        final MemorySegment one = arena.allocate(JAVA_INT);
        one.set(JAVA_INT, 0, 1);
        Libc.setsockopt(capture, fd, SOL_NETLINK, NETLINK_EXT_ACK, one); // best effort: older kernels lack it
        final MemorySegment address = arena.allocate(12, 4);
        address.set(JAVA_SHORT, 0, (short)AF_NETLINK);
        final int rc = Libc.bind(capture, fd, address, 12);
        if (rc < 0)
        {
            close();
            throw new NativeError("bind(AF_NETLINK)", -rc);
        }
    }

    /**
     * Sends {@code request} (header filled in here) and returns the first non-error reply, or null for a plain ACK.
     *
     * @param operation names the request in errors ("RTM_SETLINK mtu=9000 on tap0").
     */
    public synchronized MemorySegment request(final String operation, final NetlinkMessageBuilder request)
    {
        final int seq = sequence++;
        final MemorySegment message = request.finish(seq);
        final long sent = Libc.send(capture, fd, message, message.byteSize(), 0);
        if (sent < 0)
        {
            throw new NativeError("send(netlink) " + operation, (int)-sent);
        }
        MemorySegment reply = null;
        while (true)
        {
            final long n = Libc.recv(capture, fd, receiveBuffer, RECEIVE_CAPACITY, 0);
            if (n < 0)
            {
                throw new NativeError("recv(netlink) " + operation, (int)-n);
            }
            long offset = 0;
            while (offset + NLMSG_HDRLEN <= n)
            {
                final int length = receiveBuffer.get(JAVA_INT, offset);
                final int type = receiveBuffer.get(JAVA_SHORT, offset + 4) & 0xffff;
                final int flags = receiveBuffer.get(JAVA_SHORT, offset + 6) & 0xffff;
                final int replySeq = receiveBuffer.get(JAVA_INT, offset + 8);
                if (length < NLMSG_HDRLEN || offset + length > n)
                {
                    throw new NetlinkError(operation, io.l2mesh.tuntap.Errno.EINVAL, "truncated netlink reply");
                }
                if (replySeq == seq)
                {
                    if (type == NLMSG_ERROR)
                    {
                        final int error = receiveBuffer.get(JAVA_INT, offset + NLMSG_HDRLEN);
                        if (error != 0)
                        {
                            throw new NetlinkError(operation, -error,
                                extendedAckMessage(offset, length, flags));
                        }
                        return reply;
                    }
                    if (type == NLMSG_DONE)
                    {
                        return reply;
                    }
                    if (reply == null)
                    {
                        reply = Arena.ofAuto().allocate(length, 8);
                        MemorySegment.copy(receiveBuffer, offset, reply, 0, length);
                    }
                }
                offset += align(length);
            }
        }
    }

    private String extendedAckMessage(final long offset, final int length, final int flags)
    {
        if ((flags & NLM_F_ACK_TLVS) == 0)
        {
            return null;
        }
        final long original = offset + NLMSG_HDRLEN + 4;
        final int originalLength = receiveBuffer.get(JAVA_INT, original);
        long attr = original + ((flags & NLM_F_CAPPED) != 0 ? NLMSG_HDRLEN : align(originalLength));
        final long end = offset + length;
        while (attr + 4 <= end)
        {
            final int attrLength = receiveBuffer.get(JAVA_SHORT, attr) & 0xffff;
            final int attrType = receiveBuffer.get(JAVA_SHORT, attr + 2) & 0x3fff;
            if (attrLength < 4 || attr + attrLength > end)
            {
                break;
            }
            if (attrType == NLMSGERR_ATTR_MSG)
            {
                final byte[] bytes = receiveBuffer.asSlice(attr + 4, attrLength - 4).toArray(JAVA_BYTE);
                int len = 0;
                while (len < bytes.length && bytes[len] != 0)
                {
                    len++;
                }
                return new String(bytes, 0, len, java.nio.charset.StandardCharsets.UTF_8);
            }
            attr += align(attrLength);
        }
        return null;
    }

    static int align(final int length)
    {
        return (length + 3) & ~3;
    }

    @Override
    public synchronized void close()
    {
        if (arena.scope().isAlive())
        {
            Libc.close(capture, fd);
            arena.close();
        }
    }
}
