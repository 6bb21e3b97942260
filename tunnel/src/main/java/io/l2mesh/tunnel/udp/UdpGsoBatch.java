package io.l2mesh.tunnel.udp;

import io.l2mesh.tuntap.UdpSocket;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * One loop's sealed transport messages to one peer, gathered so that a burst (typically the segments of one TCP
 * super-frame) leaves in a single {@code sendmsg} with a {@code UDP_SEGMENT} control message: the kernel cuts
 * the buffer into datagrams of the segment size. All messages but the last must be of that size, so a message
 * of another size, another destination, a full buffer or the end of the burst sends what is gathered.
 * Single owner: the loop.
 */
public final class UdpGsoBatch
{
    private static final int CAPACITY = 65_000;
    private static final int MSGHDR = 56;
    private static final int CMSG_SPACE = 24; // CMSG_SPACE(sizeof(uint16_t)) on x86-64

    private final MemorySegment buffer;
    private final MemorySegment message;
    private final MemorySegment iovec;
    private final MemorySegment control;
    private MemorySegment destination;
    private int length;
    private int segmentSize;
    private int count;

    public UdpGsoBatch(final Arena arena)
    {
        buffer = arena.allocate(CAPACITY, 64);
        message = arena.allocate(MSGHDR, 8);
        iovec = arena.allocate(16, 8);
        control = arena.allocate(CMSG_SPACE, 8);
        control.set(ValueLayout.JAVA_LONG, 0, 18); // cmsg_len = CMSG_LEN(2)
        control.set(ValueLayout.JAVA_INT, 8, UdpSocket.SOL_UDP);
        control.set(ValueLayout.JAVA_INT, 12, UdpSocket.UDP_SEGMENT);
        iovec.set(ValueLayout.JAVA_LONG, 0, buffer.address());
        message.set(ValueLayout.JAVA_LONG, 16, iovec.address());
        message.set(ValueLayout.JAVA_LONG, 24, 1);
    }

    /**
     * @return true if a message of {@code size} bytes to {@code to} can join the batch as it is.
     */
    public boolean fits(final MemorySegment to, final int size)
    {
        return count == 0 || (to == destination && size <= segmentSize && length + size <= CAPACITY &&
            count < UdpSocket.MAX_SEGMENTS && (length % segmentSize) == 0);
    }

    /**
     * Appends {@code size} bytes of {@code source} from {@code offset} (call {@link #fits} first).
     */
    public void add(final MemorySegment source, final long offset, final int size, final MemorySegment to)
    {
        if (count == 0)
        {
            destination = to;
            segmentSize = size;
        }
        MemorySegment.copy(source, offset, buffer, length, size);
        length += size;
        count++;
    }

    /**
     * Starts a message of {@code size} bytes whose pieces follow with {@link #put} (call {@link #fits} first).
     */
    public void begin(final MemorySegment to, final int size)
    {
        if (count == 0)
        {
            destination = to;
            segmentSize = size;
        }
        count++;
    }

    /**
     * Appends a piece of the message begun last.
     */
    public void put(final MemorySegment source, final long offset, final int size)
    {
        MemorySegment.copy(source, offset, buffer, length, size);
        length += size;
    }

    /**
     * Sends what is gathered, in one call; if the kernel refuses the GSO send (a segment larger than the path's
     * MTU gives EINVAL), datagram by datagram instead, which the kernel may fragment.
     *
     * @return datagrams that could not be sent (socket full or an error).
     */
    public int send(final UdpSocket socket, final MemorySegment errno)
    {
        if (count == 0)
        {
            return 0;
        }
        final int messages = count;
        long sent = sendOnce(socket, errno);
        int failed = sent > 0 ? 0 : messages;
        if (sent < 0 && messages > 1)
        {
            failed = 0;
            for (int offset = 0; offset < length; offset += segmentSize)
            {
                final int size = Math.min(segmentSize, length - offset);
                message.set(ValueLayout.JAVA_LONG, 32, 0L);
                message.set(ValueLayout.JAVA_LONG, 40, 0L);
                iovec.set(ValueLayout.JAVA_LONG, 0, buffer.address() + offset);
                iovec.set(ValueLayout.JAVA_LONG, 8, size);
                failed += socket.send(errno, message.address()) > 0 ? 0 : 1;
            }
            iovec.set(ValueLayout.JAVA_LONG, 0, buffer.address());
        }
        count = 0;
        length = 0;
        destination = null;
        return failed;
    }

    private long sendOnce(final UdpSocket socket, final MemorySegment errno)
    {
        message.set(ValueLayout.JAVA_LONG, 0, destination.address());
        message.set(ValueLayout.JAVA_INT, 8, (int)destination.byteSize());
        iovec.set(ValueLayout.JAVA_LONG, 8, length);
        if (count > 1)
        {
            control.set(ValueLayout.JAVA_SHORT, 16, (short)segmentSize);
            message.set(ValueLayout.JAVA_LONG, 32, control.address());
            message.set(ValueLayout.JAVA_LONG, 40, CMSG_SPACE);
        }
        else
        {
            message.set(ValueLayout.JAVA_LONG, 32, 0L);
            message.set(ValueLayout.JAVA_LONG, 40, 0L);
        }
        return socket.send(errno, message.address());
    }
}
