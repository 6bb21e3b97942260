package io.l2mesh.control;

import io.l2mesh.tuntap.Libc;
import io.l2mesh.tuntap.SeqpacketSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

/**
 * {@code sd_notify} without libsystemd: when systemd starts us with {@code Type=notify} it sets
 * {@code NOTIFY_SOCKET} to a unix datagram socket (a path, or an abstract name starting with '@'), and we send
 * it {@code READY=1}, {@code STATUS=...} and {@code STOPPING=1}. Without the variable every call does nothing.
 */
public final class SystemdNotifier
{
    private static final Logger LOG = LoggerFactory.getLogger(SystemdNotifier.class);
    private static final int SOCK_DGRAM = 2;

    private final String socket;

    public SystemdNotifier(final String notifySocket)
    {
        this.socket = notifySocket == null || notifySocket.isEmpty() ? null : notifySocket;
    }

    public static SystemdNotifier fromEnvironment()
    {
        return new SystemdNotifier(System.getenv("NOTIFY_SOCKET"));
    }

    public boolean enabled()
    {
        return socket != null;
    }

    /**
     * Sends {@code state} (lines like {@code READY=1}); failures are logged, never thrown: the service runs on.
     */
    public void notify(final String state)
    {
        if (socket == null)
        {
            return;
        }
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment capture = Libc.newErrnoCapture(arena);
            final byte[] path = socket.getBytes(StandardCharsets.UTF_8);
            if (path.length >= SeqpacketSocket.SUN_PATH_MAX)
            {
                LOG.warn("NOTIFY_SOCKET {} is too long", socket);
                return;
            }
            final MemorySegment address = arena.allocate(2 + SeqpacketSocket.SUN_PATH_MAX);
            address.set(ValueLayout.JAVA_SHORT, 0, (short)SeqpacketSocket.AF_UNIX);
            MemorySegment.copy(path, 0, address, ValueLayout.JAVA_BYTE, 2, path.length);
            if (path[0] == '@')
            {
                address.set(ValueLayout.JAVA_BYTE, 2, (byte)0); // abstract namespace
            }
            final int fd = Libc.socket(capture, SeqpacketSocket.AF_UNIX, SOCK_DGRAM | SeqpacketSocket.SOCK_CLOEXEC, 0);
            if (fd < 0)
            {
                LOG.warn("sd_notify: socket failed ({})", -fd);
                return;
            }
            try
            {
                final byte[] message = state.getBytes(StandardCharsets.UTF_8);
                final long sent = Libc.sendto(capture, fd, arena.allocateFrom(ValueLayout.JAVA_BYTE, message),
                    message.length, 0, address, 2 + path.length);
                if (sent < 0)
                {
                    LOG.warn("sd_notify to {} failed: {}", socket, io.l2mesh.tuntap.Errno.name((int)-sent));
                }
            }
            finally
            {
                Libc.close(capture, fd);
            }
        }
    }
}
