package io.l2mesh.tunnel.udp;

import io.l2mesh.tuntap.SocketAddresses;
import io.l2mesh.tuntap.UdpSocket;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * One loop's receive with UDP GRO: a single {@code recvmsg} returns up to 64 KiB of one flow's datagrams laid
 * end to end, and a control message gives their size (the last may be shorter). Native buffers throughout, as
 * {@code recvmsg} needs. Single owner: the loop.
 */
public final class UdpGroReceive
{
    public static final int CAPACITY = 65_536;
    private static final int MSGHDR = 56;
    private static final int CONTROL = 64;

    public final MemorySegment buffer;
    public final MemorySegment from;
    private final MemorySegment message;
    private final MemorySegment iovec;
    private final MemorySegment control;
    private int received;
    private int segmentSize;
    /** Where the next datagram of the last read starts (== received when all were handled). */
    public int next;

    public UdpGroReceive(final Arena arena)
    {
        buffer = arena.allocate(CAPACITY, 64);
        from = arena.allocate(SocketAddresses.MAX_LENGTH, 8);
        message = arena.allocate(MSGHDR, 8);
        iovec = arena.allocate(16, 8);
        control = arena.allocate(CONTROL, 8);
        iovec.set(ValueLayout.JAVA_LONG, 0, buffer.address());
        iovec.set(ValueLayout.JAVA_LONG, 8, CAPACITY);
        message.set(ValueLayout.JAVA_LONG, 0, from.address());
        message.set(ValueLayout.JAVA_LONG, 16, iovec.address());
        message.set(ValueLayout.JAVA_LONG, 24, 1);
        message.set(ValueLayout.JAVA_LONG, 32, control.address());
    }

    /**
     * @return bytes received (0: nothing waiting), or {@code -errno}.
     */
    public long receive(final UdpSocket socket, final MemorySegment errno)
    {
        message.set(ValueLayout.JAVA_INT, 8, SocketAddresses.MAX_LENGTH);
        message.set(ValueLayout.JAVA_LONG, 40, CONTROL);
        message.set(ValueLayout.JAVA_INT, 48, 0);
        final long n = socket.receive(errno, message.address());
        received = (int)Math.max(0, n);
        next = 0;
        segmentSize = received;
        if (n > 0 && message.get(ValueLayout.JAVA_LONG, 40) >= 20 &&
            control.get(ValueLayout.JAVA_INT, 8) == UdpSocket.SOL_UDP &&
            control.get(ValueLayout.JAVA_INT, 12) == UdpSocket.UDP_GRO)
        {
            final int size = control.get(ValueLayout.JAVA_INT, 16); // the cmsg's data: int gso_size
            if (size > 0 && size < received)
            {
                segmentSize = size;
            }
        }
        return n;
    }

    public int received()
    {
        return received;
    }

    /**
     * @return true if datagrams of the last read are still to be handled (the burst was full).
     */
    public boolean pending()
    {
        return next < received;
    }

    public int segmentSize()
    {
        return segmentSize;
    }

    public int fromLength()
    {
        return message.get(ValueLayout.JAVA_INT, 8);
    }
}
