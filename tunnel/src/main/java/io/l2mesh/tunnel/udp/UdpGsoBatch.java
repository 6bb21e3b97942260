package io.l2mesh.tunnel.udp;

import io.l2mesh.tuntap.MsgHdr;
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
    public static final int CAPACITY = 65_000;
    private static final int CMSG_SPACE = MsgHdr.cmsgSpace(2); // UDP_SEGMENT's data: a uint16_t

    private final MemorySegment buffer;
    private final MsgHdr message = new MsgHdr();
    private final MemorySegment iovec;
    private final MemorySegment control;
    private final long segmentSizeAt;
    private MemorySegment destination;
    private int length;
    private int segmentSize;
    private int count;

    public UdpGsoBatch(final Arena arena)
    {
        buffer = arena.allocate(CAPACITY, 64);
        iovec = arena.allocate(MsgHdr.IOVEC_SIZE, 8);
        control = arena.allocate(CMSG_SPACE, 8);
        segmentSizeAt = MsgHdr.putCmsg(control, 0, UdpSocket.SOL_UDP, UdpSocket.UDP_SEGMENT, 2);
        MsgHdr.iovec(iovec, 0, buffer.address(), 0);
        message.wrap(arena.allocate(MsgHdr.SIZE, 8)).iov(iovec, 1);
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
        begin(to, size);
        put(source, offset, size);
    }

    /**
     * @return the native address where the next message goes, to be written (and sealed) in place and then
     * {@link #commit committed} (call {@link #fits} with its size first).
     */
    public long reserve()
    {
        return buffer.address() + length;
    }

    /**
     * Adds the {@code size}-byte message written at {@link #reserve} to the batch.
     */
    public void commit(final MemorySegment to, final int size)
    {
        begin(to, size);
        length += size;
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
     * @return true if nothing is gathered.
     */
    public boolean isEmpty()
    {
        return count == 0;
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
        message.name(destination, (int)destination.byteSize());
        long sent;
        if (messages > 1)
        {
            control.set(ValueLayout.JAVA_SHORT, segmentSizeAt, (short)segmentSize);
            message.control(control, CMSG_SPACE);
        }
        else
        {
            message.control(null, 0);
        }
        MsgHdr.iovec(iovec, 0, buffer.address(), length);
        sent = socket.send(errno, message.address());
        int failed = sent > 0 ? 0 : messages;
        if (sent < 0 && messages > 1)
        {
            failed = 0;
            message.control(null, 0);
            for (int offset = 0; offset < length; offset += segmentSize)
            {
                MsgHdr.iovec(iovec, 0, buffer.address() + offset, Math.min(segmentSize, length - offset));
                failed += socket.send(errno, message.address()) > 0 ? 0 : 1;
            }
        }
        count = 0;
        length = 0;
        destination = null;
        return failed;
    }
}
