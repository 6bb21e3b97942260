package io.l2mesh.tuntap;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;

/**
 * Plain file descriptors for the control side: opening a file without following a final symbolic link, checking
 * what a descriptor passed by a client may do, and reading and writing through one. Allocates; never used per
 * frame.
 */
public final class FileDescriptors
{
    private static final int CHUNK = 64 * 1024;

    private FileDescriptors()
    {
    }

    /**
     * Opens {@code path} for writing as the calling process: created with {@code mode} (less the umask) if absent,
     * truncated if present; a final symbolic link is refused (ELOOP) rather than followed.
     *
     * @return the descriptor (close-on-exec).
     * @throws NativeError naming the path and why.
     */
    public static int createForWriting(final Path path, final int mode)
    {
        return open(path, Libc.O_WRONLY | Libc.O_CREAT | Libc.O_TRUNC | Libc.O_NOFOLLOW | Libc.O_NOCTTY, mode);
    }

    /**
     * Opens {@code path} read-only without following a final symbolic link and without blocking on a fifo.
     */
    public static int openReadOnly(final Path path)
    {
        return open(path, Libc.O_RDONLY | Libc.O_NOFOLLOW | Libc.O_NOCTTY | Libc.O_NONBLOCK, 0);
    }

    /**
     * Creates {@code path}, which must not exist ({@code O_CREAT|O_EXCL}: never through a link), with
     * {@code mode} less the umask, for writing.
     */
    public static int createNew(final Path path, final int mode)
    {
        return open(path, Libc.O_WRONLY | Libc.O_CREAT | Libc.O_EXCL | Libc.O_NOFOLLOW | Libc.O_NOCTTY, mode);
    }

    private static int open(final Path path, final int flags, final int mode)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final int fd = Libc.openat(Libc.newErrnoCapture(arena), Libc.AT_FDCWD,
                arena.allocateFrom(path.toString()), flags | Libc.O_CLOEXEC, mode);
            if (fd < 0)
            {
                throw new NativeError("open", -fd, path.toString());
            }
            return fd;
        }
    }

    /**
     * @return true if {@code fd} is open for writing ({@code O_WRONLY} or {@code O_RDWR}).
     * @throws NativeError EBADF when it is not open.
     */
    public static boolean isWritable(final int fd)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final int flags = Libc.fcntl(Libc.newErrnoCapture(arena), fd, Libc.F_GETFL);
            if (flags < 0)
            {
                throw new NativeError("fcntl(F_GETFL)", -flags);
            }
            final int access = flags & Libc.O_ACCMODE;
            return access == Libc.O_WRONLY || access == Libc.O_RDWR;
        }
    }

    /**
     * Reads at most {@code max} bytes from the start of {@code fd}'s current position.
     *
     * @throws IOException saying only that the read failed and its errno, never anything read.
     */
    public static byte[] read(final int fd, final int max) throws IOException
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment capture = Libc.newErrnoCapture(arena);
            final MemorySegment buffer = arena.allocate(max);
            long total = 0;
            while (total < max)
            {
                final long n = Libc.read(capture, fd, buffer.address() + total, max - total);
                if (n == -Errno.EINTR)
                {
                    continue;
                }
                if (n < 0)
                {
                    throw new IOException("read failed: " + Errno.describe((int)-n));
                }
                if (n == 0)
                {
                    break;
                }
                total += n;
            }
            final byte[] bytes = buffer.asSlice(0, total).toArray(ValueLayout.JAVA_BYTE);
            buffer.fill((byte)0); // the buffer held a secret
            return bytes;
        }
    }

    public static void close(final int fd)
    {
        try (Arena arena = Arena.ofConfined())
        {
            Libc.close(Libc.newErrnoCapture(arena), fd);
        }
    }

    /**
     * Writes everything to {@code fd} through a native buffer of its own. One thread per instance.
     */
    public static final class Writer implements AutoCloseable
    {
        private static final long STALL_LIMIT_NS = 10_000_000_000L;

        private final int fd;
        private final Arena arena = Arena.ofShared(); // made on the control thread, used on a capture's own
        private final MemorySegment capture = Libc.newErrnoCapture(arena);
        private final MemorySegment buffer = arena.allocate(CHUNK);

        /**
         * @param fd a descriptor this writer owns from now on (closed by {@link #close()}).
         */
        public Writer(final int fd)
        {
            this.fd = fd;
        }

        /**
         * Writes {@code length} bytes; on a non-blocking descriptor whose reader does not read, it waits up to 10 s.
         *
         * @throws IOException with the errno, e.g. EPIPE when a fifo's reader went away, ENOSPC.
         */
        public void write(final byte[] data, final int offset, final int length) throws IOException
        {
            int done = 0;
            while (done < length)
            {
                final int chunk = Math.min(CHUNK, length - done);
                MemorySegment.copy(data, offset + done, buffer, ValueLayout.JAVA_BYTE, 0, chunk);
                int written = 0;
                long stalledSince = 0;
                while (written < chunk)
                {
                    final long n = Libc.write(capture, fd, buffer.address() + written, chunk - written);
                    if (n == -Errno.EINTR)
                    {
                        continue;
                    }
                    if (n == -Errno.EAGAIN)
                    {
                        final long now = System.nanoTime();
                        stalledSince = stalledSince == 0 ? now : stalledSince;
                        if (now - stalledSince > STALL_LIMIT_NS)
                        {
                            throw new IOException("the reader stopped reading for 10 s");
                        }
                        sleep();
                        continue;
                    }
                    if (n < 0)
                    {
                        throw new IOException("write failed: " + Errno.describe((int)-n));
                    }
                    stalledSince = 0;
                    written += (int)n;
                }
                done += chunk;
            }
        }

        /**
         * Sets the file's mode through the descriptor (never by path).
         *
         * @return 0 or {@code -errno}.
         */
        public int chmod(final int mode)
        {
            return Libc.fchmod(capture, fd, mode);
        }

        /**
         * Sets the file's owner and group through the descriptor; -1 keeps one.
         *
         * @return 0 or {@code -errno} (EPERM: only root may give a file away).
         */
        public int chown(final int uid, final int gid)
        {
            return Libc.fchown(capture, fd, uid, gid);
        }

        /**
         * {@code fsync}: what was written is on the disk when this returns.
         */
        public void sync() throws IOException
        {
            final int rc = Libc.fsync(capture, fd);
            if (rc < 0)
            {
                throw new IOException("fsync failed: " + Errno.describe(-rc));
            }
        }

        private static void sleep() throws IOException
        {
            try
            {
                Thread.sleep(1);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", ex);
            }
        }

        @Override
        public void close()
        {
            Libc.close(capture, fd);
            arena.close();
        }
    }
}
