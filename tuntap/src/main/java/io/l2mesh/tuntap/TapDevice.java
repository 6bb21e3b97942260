package io.l2mesh.tuntap;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;

import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * A TAP device and the queue fds this process holds on it.
 * <p>
 * {@link #open} creates the device when no interface of that name exists in this network namespace, and
 * attaches to it otherwise (a persistent device made by {@code ip tuntap add}, say). A device we created
 * without {@code persistent} disappears when {@link #close} closes its last queue; a persistent one, or one
 * we only attached to, stays.
 * <p>
 * Thread safety: open and close on one thread; each {@link TapQueue} is then used by one datapath thread.
 */
public final class TapDevice implements AutoCloseable
{
    private final String name;
    private final TapOptions options;
    private final boolean created;
    private final TapQueue[] queues;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment errnoCapture = Libc.newErrnoCapture(arena);
    private boolean closed;

    private TapDevice(final String name, final TapOptions options, final boolean created, final int[] fds)
    {
        this.name = name;
        this.options = options;
        this.created = created;
        this.queues = new TapQueue[fds.length];
        for (int i = 0; i < fds.length; i++)
        {
            queues[i] = new TapQueue(this, i, fds[i]);
        }
    }

    /**
     * Creates or attaches to a TAP device and opens {@code options.queueCount()} non-blocking queue fds on it.
     *
     * @throws NativeError when the kernel refuses, with the errno and what to do.
     */
    public static TapDevice open(final TapOptions options)
    {
        ensureTunNode();
        final boolean existed = Libc.ifNameToIndex(options.name()) != 0;
        final int[] fds = new int[options.queueCount()];
        int opened = 0;
        String actualName = options.name();
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment capture = Libc.newErrnoCapture(arena);
            final MemorySegment path = arena.allocateFrom(Tun.DEVICE_PATH);
            for (; opened < fds.length; opened++)
            {
                final int fd = Libc.open(capture, path, Libc.O_RDWR | Libc.O_NONBLOCK | Libc.O_CLOEXEC, 0);
                if (fd < 0)
                {
                    throw fd == -Errno.EACCES ? new NativeError("open", -fd, Tun.DEVICE_PATH, "a daemon that is not " +
                        "root needs the device open to it: mode 0666, as udev makes it, or a group of its own") :
                        new NativeError("open", -fd, Tun.DEVICE_PATH);
                }
                fds[opened] = fd;
                final MemorySegment ifr = IfReq.allocate(arena, options.name(), options.flags());
                int rc = Libc.ioctl(capture, fd, Tun.TUNSETIFF, ifr);
                if (rc < 0)
                {
                    throw new NativeError("TUNSETIFF", -rc, tunSetIffDetail(options, existed));
                }
                actualName = IfReq.name(ifr);
                if (options.vnetHdr())
                {
                    final MemorySegment size = arena.allocate(JAVA_INT);
                    size.set(JAVA_INT, 0, Tun.VNET_HDR_SIZE);
                    rc = Libc.ioctl(capture, fd, Tun.TUNSETVNETHDRSZ, size);
                    if (rc < 0)
                    {
                        throw new NativeError("TUNSETVNETHDRSZ", -rc, actualName);
                    }
                    rc = Libc.ioctl(capture, fd, Tun.TUNSETOFFLOAD, Tun.TCP_OFFLOADS);
                    if (rc < 0)
                    {
                        throw new NativeError("TUNSETOFFLOAD", -rc, actualName);
                    }
                }
            }
            if (!existed && options.persistent())
            {
                final int rc = Libc.ioctl(capture, fds[0], Tun.TUNSETPERSIST, 1L);
                if (rc < 0)
                {
                    throw new NativeError("TUNSETPERSIST", -rc, actualName);
                }
            }
        }
        catch (final RuntimeException ex)
        {
            try (Arena arena = Arena.ofConfined())
            {
                final MemorySegment capture = Libc.newErrnoCapture(arena);
                for (int i = 0; i < opened; i++)
                {
                    Libc.close(capture, fds[i]);
                }
            }
            throw ex;
        }
        return new TapDevice(actualName, options, !existed, fds);
    }

    private static String tunSetIffDetail(final TapOptions options, final boolean existed)
    {
        final String what = existed ? "attaching to existing " : "creating ";
        final String flags = (options.multiQueue() ? " multi_queue" : "") + (options.vnetHdr() ? " vnet_hdr" : "");
        return what + "tap '" + options.name() + "'" + (flags.isEmpty() ? "" : " with" + flags) +
            (existed ? " (an existing device must be a TAP made with the same multi_queue/vnet_hdr flags)" : "");
    }

    /**
     * Recreates {@code /dev/net/tun} (character device 10,200) when it is missing, as in minimal containers.
     */
    public static void ensureTunNode()
    {
        ensureTunNode(Path.of(Tun.DEVICE_PATH));
    }

    /**
     * Creates the TUN character device node at {@code node} (and its directory) if it does not exist.
     */
    public static void ensureTunNode(final Path node)
    {
        if (Files.exists(node))
        {
            return;
        }
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment capture = Libc.newErrnoCapture(arena);
            final int mk = Libc.mkdir(capture, arena.allocateFrom(node.getParent().toString()), 0755);
            if (mk < 0 && -mk != Errno.EEXIST)
            {
                throw new NativeError("mkdir", -mk, node.getParent().toString());
            }
            final int rc = Libc.mknod(capture, arena.allocateFrom(node.toString()), Libc.S_IFCHR | 0666,
                Libc.makedev(Tun.MISC_MAJOR, Tun.TUN_MINOR));
            if (rc < 0 && -rc != Errno.EEXIST)
            {
                throw new NativeError("mknod", -rc, node + " (char 10,200)");
            }
        }
        try
        {
            // mknod's mode passes through the umask; the node is world read-write like the one udev makes.
            Files.setPosixFilePermissions(node, java.nio.file.attribute.PosixFilePermissions.fromString("rw-rw-rw-"));
        }
        catch (final java.io.IOException ex)
        {
            throw new IllegalStateException("chmod 0666 " + node + ": " + ex.getMessage(), ex);
        }
    }

    public String name()
    {
        return name;
    }

    public TapOptions options()
    {
        return options;
    }

    /**
     * @return true when this process created the device (so closing it removes it unless persistent).
     */
    public boolean created()
    {
        return created;
    }

    public boolean vnetHdr()
    {
        return options.vnetHdr();
    }

    public int queueCount()
    {
        return queues.length;
    }

    public TapQueue queue(final int index)
    {
        return queues[index];
    }

    /**
     * Closes every queue. A non-persistent device we created is removed by the kernel with its last queue.
     */
    @Override
    public synchronized void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        for (final TapQueue queue : queues)
        {
            queue.close(errnoCapture);
        }
        arena.close();
    }

    @Override
    public String toString()
    {
        return "tap " + name + " (" + queues.length + " queue" + (queues.length == 1 ? "" : "s") +
            (options.vnetHdr() ? ", vnet_hdr" : "") + ")";
    }
}
