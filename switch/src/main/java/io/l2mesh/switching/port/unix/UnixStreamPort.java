package io.l2mesh.switching.port.unix;

import io.l2mesh.switching.buffer.FrameBatch;
import io.l2mesh.switching.buffer.LoopMemory;
import io.l2mesh.switching.offload.VirtioNetHeader;
import io.l2mesh.switching.port.Port;
import io.l2mesh.switching.stats.DropReason;
import io.l2mesh.switching.stats.PortCounters;
import io.l2mesh.switching.vlan.VlanRules;
import io.l2mesh.tuntap.Epoll;
import io.l2mesh.tuntap.Errno;
import io.l2mesh.tuntap.Libc;
import io.l2mesh.tuntap.NativeError;
import io.l2mesh.tuntap.UnixSocket;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A port for a QEMU {@code -netdev stream} NIC: l2mesh listens on a unix stream socket, one VM connects, and
 * frames travel with a 4-byte big-endian length in front.
 * <p>
 * <b>One writer per connection.</b> A byte stream cannot take two writers (a short write from one would be
 * interleaved with the next frame of the other), so one loop, the <em>home</em> loop, owns the connection: it
 * accepts, reads, and is the only one that writes. Every loop puts the frames it sends into its own
 * {@link StreamRing}, already framed; the home loop drains the rings into the socket. A loop other than home
 * wakes it through an eventfd, once per batch of frames rather than per frame. This hand-off is the one place a
 * frame crosses threads in l2mesh, and it only happens for frames that arrived on another loop.
 * <p>
 * The home loop polls a private epoll set (listening socket, connection, eventfd) that sits itself on the
 * loop's epoll set, so the datapath loop needs no knowledge of connections coming and going.
 * <p>
 * A length of zero or larger than a slot can hold cannot be a frame: the client is out of step, so it is
 * disconnected and counted ({@link DropReason#BROKEN_STREAM}); the port then accepts the next client. A second
 * client while one is connected is refused (closed at once) and counted in {@link #refusedClients}.
 */
public final class UnixStreamPort extends Port
{
    static final int HOME_LOOP = 0;
    /** Largest frame a client may announce: what a slot holds after the virtio-net header. */
    static final int MAX_FRAME = LoopMemory.slotCapacity() - VirtioNetHeader.LENGTH;
    private static final int RING_CAPACITY = 1 << 20;
    private static final long TAG_LISTENER = 1;
    private static final long TAG_WAKE = 2;
    private static final long TAG_CONNECTION = 3;
    private static final int MAX_EVENTS = 4;

    private final UnixSocket listener;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment homeErrno = Libc.newErrnoCapture(arena);
    private final MemorySegment events = arena.allocate((long)Epoll.EVENT_SIZE * MAX_EVENTS);
    private final MemorySegment control = arena.allocate(Epoll.EVENT_SIZE);
    private final MemorySegment iovecs = arena.allocate(32, 8);
    private final MemorySegment counter = arena.allocate(8, 8); // eventfd value read by the home loop
    private final MemorySegment one = arena.allocate(8, 8); // eventfd increment, read-only once set
    private final StreamDeframer rx = new StreamDeframer(arena, MAX_FRAME);
    private final StreamRing[] rings;
    private final AtomicBoolean wakePending = new AtomicBoolean();
    private final int epollFd;
    private final int wakeFd;
    private volatile int connection = -1; // written by the home loop only
    private volatile long connects;
    private volatile long refusedClients;
    // Home loop only:
    private int pendingRing = -1;
    private long pendingEnd;
    private boolean writeArmed;

    public UnixStreamPort(final int id, final String name, final Path path, final int fileMode,
        final VlanRules vlanRules, final int mtu, final int loopCount, final int burstSize)
    {
        super(id, name, vlanRules, mtu, false, loopCount, burstSize);
        one.set(ValueLayout.JAVA_LONG, 0, 1L);
        this.rings = new StreamRing[loopCount];
        for (int i = 0; i < loopCount; i++)
        {
            rings[i] = new StreamRing(arena, RING_CAPACITY);
        }
        int epfd = -1;
        int efd = -1;
        UnixSocket socket = null;
        try
        {
            epfd = check(Libc.epollCreate1(homeErrno, Epoll.EPOLL_CLOEXEC), "epoll_create1", name);
            efd = check(Libc.eventfd(homeErrno, 0, Epoll.EFD_NONBLOCK | Epoll.EFD_CLOEXEC), "eventfd", name);
            socket = UnixSocket.listenStream(path, fileMode, 4);
            control(epfd, Epoll.CTL_ADD, socket.fd(), Epoll.EPOLLIN, TAG_LISTENER);
            control(epfd, Epoll.CTL_ADD, efd, Epoll.EPOLLIN, TAG_WAKE);
        }
        catch (final RuntimeException ex)
        {
            closeQuietly(epfd);
            closeQuietly(efd);
            if (socket != null)
            {
                socket.close();
            }
            arena.close();
            throw ex;
        }
        this.epollFd = epfd;
        this.wakeFd = efd;
        this.listener = socket;
    }

    /**
     * Binds the socket {@code spec} names for a QEMU VM's {@code -netdev stream}.
     */
    public static UnixStreamPort open(
        final int id, final UnixPortSpec spec, final int loopCount, final int burstSize)
    {
        return new UnixStreamPort(id, spec.name(), spec.path(), spec.fileMode(), spec.vlanRules(), spec.mtu(),
            loopCount, burstSize);
    }

    @Override
    public String kind()
    {
        return "unix-stream";
    }

    public Path path()
    {
        return listener.path();
    }

    public boolean connected()
    {
        return connection >= 0;
    }

    /**
     * Clients accepted so far.
     */
    public long connects()
    {
        return connects;
    }

    /**
     * Clients closed at once because another one was connected.
     */
    public long refusedClients()
    {
        return refusedClients;
    }

    @Override
    public String endpoint()
    {
        return path() + (connected() ? " (VM attached)" : " (waiting for a VM)");
    }

    @Override
    public int ingressFd(final int loopId)
    {
        return loopId == HOME_LOOP ? epollFd : -1;
    }

    @Override
    public int receive(final int loopId, final LoopMemory memory, final FrameBatch batch, final MemorySegment errno)
    {
        if (loopId != HOME_LOOP)
        {
            return 0;
        }
        final int ready = Libc.epollWait(homeErrno, epollFd, events.address(), MAX_EVENTS, 0);
        boolean readable = false;
        for (int i = 0; i < ready; i++)
        {
            final long offset = (long)i * Epoll.EVENT_SIZE;
            final long tag = Epoll.data(events, offset);
            final int mask = Epoll.events(events, offset);
            if (tag == TAG_LISTENER)
            {
                accept();
            }
            else if (tag == TAG_WAKE)
            {
                Libc.read(homeErrno, wakeFd, counter.address(), 8);
                wakePending.set(false);
                flush();
            }
            else if (tag == TAG_CONNECTION)
            {
                readable |= (mask & (Epoll.EPOLLIN | Epoll.EPOLLHUP | Epoll.EPOLLERR | Epoll.EPOLLRDHUP)) != 0;
                if ((mask & Epoll.EPOLLOUT) != 0)
                {
                    flush();
                }
            }
        }
        parse(memory, batch);
        if (readable && connection >= 0 && batch.count() < batch.capacity())
        {
            fill();
            parse(memory, batch);
        }
        if (hasWholeFrame())
        {
            // The burst is full and frames are left over: come back for them, even if the socket has no news.
            wake();
        }
        return batch.count();
    }

    private void accept()
    {
        final int client = Libc.accept4(homeErrno, listener.fd(), UnixSocket.SOCK_NONBLOCK | UnixSocket.SOCK_CLOEXEC);
        if (client < 0)
        {
            return; // EAGAIN: the client gave up already
        }
        if (connection >= 0)
        {
            refusedClients++; // before the close: a client that sees its connection closed sees the count
            Libc.close(homeErrno, client);
            return;
        }
        for (final StreamRing ring : rings)
        {
            ring.discard(); // frames queued for an earlier client
        }
        pendingRing = -1;
        writeArmed = false;
        rx.reset();
        Epoll.event(control, 0, Epoll.EPOLLIN | Epoll.EPOLLRDHUP, TAG_CONNECTION);
        if (Libc.epollCtl(homeErrno, epollFd, Epoll.CTL_ADD, client, control.address()) < 0)
        {
            refusedClients++;
            Libc.close(homeErrno, client);
            return;
        }
        connection = client;
        connects++;
    }

    private void fill()
    {
        final long n = Libc.read(homeErrno, connection, rx.fillAddress(), rx.room());
        if (n > 0)
        {
            rx.filled((int)n);
        }
        else if (n == 0 || n != -Errno.EAGAIN)
        {
            disconnect(); // end of stream or a reset: the VM went away
        }
    }

    private void parse(final LoopMemory memory, final FrameBatch batch)
    {
        final MemorySegment slots = memory.segment();
        while (batch.count() < batch.capacity())
        {
            final int length = rx.next();
            if (length == StreamDeframer.BROKEN)
            {
                PortCounters.drop(counters().loopSlots(HOME_LOOP), DropReason.BROKEN_STREAM);
                disconnect();
                return;
            }
            if (length == StreamDeframer.NEED_MORE)
            {
                break;
            }
            final long header = memory.headerOffset(batch.count());
            VirtioNetHeader.clear(slots, header);
            MemorySegment.copy(rx.buffer(), rx.frameOffset(), slots, header + VirtioNetHeader.LENGTH, length);
            batch.add(header, length);
            rx.consume(length);
        }
        rx.compact();
    }

    /**
     * @return true if a whole frame, or a broken length, waits to be parsed.
     */
    private boolean hasWholeFrame()
    {
        return rx.next() != StreamDeframer.NEED_MORE;
    }

    @Override
    public long send(final int loopId, final long address, final int length, final MemorySegment errno)
    {
        if (connection < 0)
        {
            return -Errno.ENOTCONN;
        }
        if (!rings[loopId].offer(address, length))
        {
            return 0;
        }
        afterOffer(loopId, errno);
        return length;
    }

    @Override
    public long sendv(final int loopId, final long iovAddress, final int iovCount, final MemorySegment errno)
    {
        if (connection < 0)
        {
            return -Errno.ENOTCONN;
        }
        final long before = rings[loopId].tail();
        if (!rings[loopId].offerv(iovAddress, iovCount))
        {
            return 0;
        }
        afterOffer(loopId, errno);
        return rings[loopId].tail() - before - StreamRing.PREFIX_LENGTH;
    }

    private void afterOffer(final int loopId, final MemorySegment errno)
    {
        if (loopId == HOME_LOOP)
        {
            flush();
        }
        else if (wakePending.compareAndSet(false, true))
        {
            // Dekker with the home loop, which clears the flag before it reads the rings' tails: either it sees
            // our frame, or we see the flag clear and wake it.
            signal(errno);
        }
    }

    private void wake()
    {
        if (wakePending.compareAndSet(false, true))
        {
            signal(homeErrno);
        }
    }

    private void signal(final MemorySegment errno)
    {
        // Eight bytes holding 1: the eventfd adds them to its counter. The rings' memory is never read here.
        Libc.write(errno, wakeFd, one.address(), 8);
    }

    /**
     * Home loop: writes what the rings hold to the connection until they are empty or the socket is full.
     */
    private void flush()
    {
        if (connection < 0)
        {
            return;
        }
        if (pendingRing >= 0)
        {
            if (!drain(pendingRing, pendingEnd))
            {
                return;
            }
            pendingRing = -1;
        }
        for (int i = 0; i < rings.length; i++)
        {
            final StreamRing ring = rings[i];
            final long end = ring.tail();
            if (end != ring.head() && !drain(i, end))
            {
                return;
            }
        }
        armWrite(false);
    }

    /**
     * @return true if the ring's bytes up to {@code end} are all written; false if the socket is full (the rest
     * waits for EPOLLOUT, and no other ring may write before it, or frames would interleave) or broke.
     */
    private boolean drain(final int ringIndex, final long end)
    {
        final StreamRing ring = rings[ringIndex];
        final long written = ring.writeTo(connection, end, iovecs, homeErrno);
        if (written < 0 && written != -Errno.EAGAIN)
        {
            disconnect();
            return false;
        }
        if (ring.head() != end)
        {
            pendingRing = ringIndex;
            pendingEnd = end;
            armWrite(true);
            return false;
        }
        return true;
    }

    private void armWrite(final boolean armed)
    {
        if (armed != writeArmed && connection >= 0)
        {
            writeArmed = armed;
            control(epollFd, Epoll.CTL_MOD, connection,
                Epoll.EPOLLIN | Epoll.EPOLLRDHUP | (armed ? Epoll.EPOLLOUT : 0), TAG_CONNECTION);
        }
    }

    private void disconnect()
    {
        final int fd = connection;
        if (fd < 0)
        {
            return;
        }
        connection = -1;
        Libc.epollCtl(homeErrno, epollFd, Epoll.CTL_DEL, fd, 0);
        Libc.close(homeErrno, fd);
        rx.reset();
        pendingRing = -1;
        writeArmed = false;
    }

    private void control(final int epfd, final int op, final int fd, final int mask, final long tag)
    {
        Epoll.event(control, 0, mask, tag);
        check(Libc.epollCtl(homeErrno, epfd, op, fd, control.address()), "epoll_ctl", name());
    }

    private static int check(final int rc, final String call, final String port)
    {
        if (rc < 0)
        {
            throw new NativeError(call, -rc, "unix port " + port);
        }
        return rc;
    }

    private void closeQuietly(final int fd)
    {
        if (fd >= 0)
        {
            Libc.close(homeErrno, fd);
        }
    }

    @Override
    public void close()
    {
        disconnect();
        listener.close();
        closeQuietly(epollFd);
        closeQuietly(wakeFd);
        arena.close();
    }
}
