package io.l2mesh.tuntap;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * An {@code AF_PACKET}/{@code SOCK_RAW} socket on an existing interface (a veth end, a NIC), for a raw switch
 * port: promiscuous, with a virtio-net header before every frame ({@code PACKET_VNET_HDR}, so GSO super-frames
 * pass whole, as with a vnet_hdr TAP), and optionally in a {@code PACKET_FANOUT} hash group so several sockets
 * (one per datapath loop) share the interface's frames by flow. Non-blocking; one reader thread, writes from any
 * thread.
 * <p>
 * It never sees frames leaving the interface, neither its own nor those of the other sockets of its port nor the
 * host's: a switch port's ingress is what arrives from the wire. A lone socket says so with
 * {@code PACKET_IGNORE_OUTGOING}; in a fanout group the group's own hook decides, so the group is made with
 * {@code PACKET_FANOUT_FLAG_IGNORE_OUTGOING} as well. (Without it, a loop's socket received what another loop's
 * socket of the same port sent whenever the two were not in one group, and learned the senders' MACs on this
 * port.)
 */
public final class RawSocket implements FrameChannel, AutoCloseable
{
    static final int AF_PACKET = 17;
    static final int SOCK_RAW = 3;
    static final int SOCK_NONBLOCK = 0x800;
    static final int SOCK_CLOEXEC = 0x80000;
    static final int ETH_P_ALL_BE = 0x0300; // htons(ETH_P_ALL = 3)
    static final int SOL_PACKET = 263;
    static final int PACKET_ADD_MEMBERSHIP = 1;
    static final int PACKET_MR_PROMISC = 1;
    static final int PACKET_VNET_HDR = 15;
    static final int PACKET_FANOUT = 18;
    static final int PACKET_FANOUT_HASH = 0;
    static final int PACKET_IGNORE_OUTGOING = 23;
    static final int PACKET_FANOUT_FLAG_UNIQUEID = 0x2000;
    static final int PACKET_FANOUT_FLAG_IGNORE_OUTGOING = 0x4000; // Linux 5.1 and later
    /**
     * As {@code fanoutGroup}: create a group whose id the kernel picks; read it back with {@link #fanoutGroup}.
     * Not 0: the kernel's first unique id after boot (and after every wrap of its 16-bit counter) is 0, and that
     * is a group to join like any other.
     */
    public static final int NEW_FANOUT_GROUP = -2;
    /** Pass as {@code fanoutGroup} for a socket in no group. */
    public static final int NO_FANOUT = -1;
    // Measurement switch only (bench/raw-rx.sh): a TPACKET_V3 receive ring of this many 1 MiB blocks instead of
    // one read() per frame. It measured worse on throughput and far worse on latency (docs/BENCHMARKS.md).
    private static final int RING_BLOCKS = Integer.getInteger("l2mesh.raw.ringBlocks", 0);
    private static final int RING_BLOCK_SIZE = 1 << 20;
    private static final int RING_RETIRE_MS = Integer.getInteger("l2mesh.raw.ringRetireMs", 1);

    private final String interfaceName;
    private final int fd;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment capture = Libc.newErrnoCapture(arena);
    private PacketRing ring; // null: one read() per frame
    private boolean closed;

    private RawSocket(final String interfaceName, final int fd)
    {
        this.interfaceName = interfaceName;
        this.fd = fd;
    }

    /**
     * @param fanoutGroup {@link #NO_FANOUT}, {@link #NEW_FANOUT_GROUP} (the kernel picks an id no one else uses),
     *                    or the id (0..65535) of a group another socket of the same port created.
     * @throws NativeError ENODEV when there is no such interface, EPERM without CAP_NET_RAW.
     */
    public static RawSocket open(final String interfaceName, final int fanoutGroup)
    {
        final int ifIndex = Libc.ifNameToIndex(interfaceName);
        if (ifIndex == 0)
        {
            throw new NativeError("AF_PACKET on " + interfaceName, Errno.ENODEV,
                "(a raw port attaches to an existing interface)");
        }
        try (Arena local = Arena.ofConfined())
        {
            final MemorySegment capture = Libc.newErrnoCapture(local);
            final int fd = Libc.socket(capture, AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, ETH_P_ALL_BE);
            if (fd < 0)
            {
                throw new NativeError("socket(AF_PACKET)", -fd, interfaceName);
            }
            final RawSocket socket = new RawSocket(interfaceName, fd);
            try
            {
                socket.setInt(PACKET_VNET_HDR, 1, "PACKET_VNET_HDR");
                final MemorySegment address = local.allocate(20, 4); // struct sockaddr_ll
                address.set(ValueLayout.JAVA_SHORT, 0, (short)AF_PACKET);
                address.set(ValueLayout.JAVA_SHORT, 2, (short)ETH_P_ALL_BE);
                address.set(ValueLayout.JAVA_INT, 4, ifIndex);
                int rc = Libc.bind(capture, fd, address, 20);
                if (rc < 0)
                {
                    throw new NativeError("bind(AF_PACKET)", -rc, interfaceName);
                }
                final MemorySegment membership = local.allocate(16, 4); // struct packet_mreq
                membership.set(ValueLayout.JAVA_INT, 0, ifIndex);
                membership.set(ValueLayout.JAVA_SHORT, 4, (short)PACKET_MR_PROMISC);
                rc = Libc.setsockopt(capture, fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, membership);
                if (rc < 0)
                {
                    throw new NativeError("PACKET_ADD_MEMBERSHIP promiscuous", -rc, interfaceName);
                }
                socket.setInt(PACKET_IGNORE_OUTGOING, 1, "PACKET_IGNORE_OUTGOING");
                if (RING_BLOCKS > 0)
                {
                    socket.ring = PacketRing.map(fd, RING_BLOCK_SIZE, RING_BLOCKS, RING_RETIRE_MS, interfaceName);
                }
                if (fanoutGroup == NEW_FANOUT_GROUP)
                {
                    // A unique id: a fixed one could be joined by another process on this host and steal frames.
                    socket.setInt(PACKET_FANOUT, (PACKET_FANOUT_HASH | PACKET_FANOUT_FLAG_UNIQUEID |
                        PACKET_FANOUT_FLAG_IGNORE_OUTGOING) << 16, "PACKET_FANOUT (new group)");
                }
                else if (fanoutGroup >= 0 && fanoutGroup <= 0xffff)
                {
                    // The same type and flags as the group's creator, or the kernel refuses to add us (EINVAL).
                    socket.setInt(PACKET_FANOUT, fanoutGroup |
                        ((PACKET_FANOUT_HASH | PACKET_FANOUT_FLAG_IGNORE_OUTGOING) << 16), "PACKET_FANOUT");
                }
                else if (fanoutGroup != NO_FANOUT)
                {
                    throw new IllegalArgumentException("fanout group " + fanoutGroup + " is not 0..65535");
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

    private void setInt(final int option, final int value, final String name)
    {
        final int rc = Libc.setsockoptInt(capture, fd, SOL_PACKET, option, value);
        if (rc < 0)
        {
            throw new NativeError(name, -rc, interfaceName);
        }
    }

    /**
     * @return the id of the fanout group this socket is in.
     */
    public int fanoutGroup()
    {
        try (Arena local = Arena.ofConfined())
        {
            final MemorySegment value = local.allocate(ValueLayout.JAVA_INT);
            final MemorySegment length = local.allocate(ValueLayout.JAVA_INT);
            length.set(ValueLayout.JAVA_INT, 0, 4);
            final int rc = Libc.getsockopt(capture, fd, SOL_PACKET, PACKET_FANOUT, value, length);
            if (rc < 0)
            {
                throw new NativeError("getsockopt(PACKET_FANOUT)", -rc, interfaceName);
            }
            return value.get(ValueLayout.JAVA_INT, 0) & 0xffff;
        }
    }

    public String interfaceName()
    {
        return interfaceName;
    }

    @Override
    public int fd()
    {
        return fd;
    }

    /**
     * @return bytes read (virtio-net header and frame), 0 when nothing is waiting, or {@code -errno}.
     * {@code ENETDOWN} counts as nothing waiting: the socket reports it once after its interface was down,
     * then works again.
     */
    @Override
    public long read(final MemorySegment errnoCapture, final long address, final long capacity)
    {
        if (ring != null)
        {
            long n;
            do
            {
                n = ring.next(address, capacity);
            }
            while (n < 0); // a frame larger than a slot: skipped (GSO frames are at most 64 KiB + headers)
            return n;
        }
        final long n = Libc.read(errnoCapture, fd, address, capacity);
        return n == -Errno.EAGAIN || n == -Errno.ENETDOWN ? 0 : n;
    }

    @Override
    public long write(final MemorySegment errnoCapture, final long address, final long length)
    {
        final long n = Libc.write(errnoCapture, fd, address, length);
        return n == -Errno.EAGAIN ? 0 : n;
    }

    @Override
    public long writev(final MemorySegment errnoCapture, final long iovAddress, final int iovCount)
    {
        final long n = Libc.writev(errnoCapture, fd, iovAddress, iovCount);
        return n == -Errno.EAGAIN ? 0 : n;
    }

    @Override
    public synchronized void close()
    {
        if (!closed)
        {
            closed = true;
            if (ring != null)
            {
                ring.unmap();
            }
            Libc.close(capture, fd);
            arena.close();
        }
    }
}
