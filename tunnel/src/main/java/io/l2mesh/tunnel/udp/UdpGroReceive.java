package io.l2mesh.tunnel.udp;

import io.l2mesh.tuntap.MsgHdr;
import io.l2mesh.tuntap.SocketAddresses;
import io.l2mesh.tuntap.UdpSocket;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * One loop's receive with UDP GRO: a single {@code recvmsg} returns up to 64 KiB of one flow's datagrams laid
 * end to end, and a {@code UDP_GRO} control message gives their size (the last may be shorter). The datagrams
 * are then taken one by one with {@link #next()}; what a full burst leaves waits for the next call
 * ({@link #pending()}). Native buffers throughout, as {@code recvmsg} needs. Single owner: the loop; allocates
 * nothing.
 */
public final class UdpGroReceive
{
    public static final int CAPACITY = 65_536;
    private static final int CONTROL = 64;

    private final MemorySegment buffer;
    private final MemorySegment from;
    private final MemorySegment iovec;
    private final MemorySegment control;
    private final MsgHdr message = new MsgHdr();
    private final MsgHdr.CmsgVisitor onCmsg = this::onCmsg;
    private int received;
    private int segmentSize;
    private int next;
    private int length;

    public UdpGroReceive(final Arena arena)
    {
        buffer = arena.allocate(CAPACITY, 64);
        from = arena.allocate(SocketAddresses.MAX_LENGTH, 8);
        iovec = arena.allocate(MsgHdr.IOVEC_SIZE, 8);
        control = arena.allocate(CONTROL, 8);
        MsgHdr.iovec(iovec, 0, buffer.address(), CAPACITY);
        message.wrap(arena.allocate(MsgHdr.SIZE, 8)).iov(iovec, 1);
    }

    /**
     * Reads the next train of datagrams.
     *
     * @return bytes received (0: nothing waiting), or {@code -errno}.
     */
    public long receive(final UdpSocket socket, final MemorySegment errno)
    {
        message.name(from, SocketAddresses.MAX_LENGTH).control(control, CONTROL).clearFlags();
        final long n = socket.receive(errno, message.address());
        received = (int)Math.max(0, n);
        next = 0;
        segmentSize = received;
        if (n > 0)
        {
            MsgHdr.forEachCmsg(control, message.controlLength(), onCmsg);
        }
        return n;
    }

    private void onCmsg(final int level, final int type, final MemorySegment data, final long offset, final int size)
    {
        if (level == UdpSocket.SOL_UDP && type == UdpSocket.UDP_GRO && size >= 4)
        {
            final int gsoSize = data.get(java.lang.foreign.ValueLayout.JAVA_INT, offset); // int gso_size
            if (gsoSize > 0 && gsoSize < received)
            {
                segmentSize = gsoSize;
            }
        }
    }

    /**
     * @return true if datagrams of the last read are still to be taken.
     */
    public boolean pending()
    {
        return next < received;
    }

    /**
     * Takes the next datagram of the last read (call only while {@link #pending()}).
     *
     * @return its offset in {@link #buffer()}; its length is {@link #length()}.
     */
    public int next()
    {
        final int at = next;
        length = Math.min(segmentSize, received - at);
        next += length;
        return at;
    }

    /**
     * @return the length of the datagram {@link #next()} returned last.
     */
    public int length()
    {
        return length;
    }

    public MemorySegment buffer()
    {
        return buffer;
    }

    /**
     * @return the sender's address (valid for every datagram of the last read: one train is one flow).
     */
    public MemorySegment from()
    {
        return from;
    }

    public int fromLength()
    {
        return message.nameLength();
    }
}
