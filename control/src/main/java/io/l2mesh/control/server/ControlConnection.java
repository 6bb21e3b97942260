package io.l2mesh.control.server;

import io.l2mesh.tuntap.PeerCred;
import io.l2mesh.tuntap.SeqpacketSocket;
import io.l2mesh.control.protocol.ControlCodec;
import io.l2mesh.control.protocol.ControlException;
import io.l2mesh.control.protocol.ErrorCode;
import io.l2mesh.control.protocol.ProtocolVersion;
import io.l2mesh.control.protocol.Request;
import io.l2mesh.tuntap.Errno;
import io.l2mesh.tuntap.FileDescriptors;
import io.netty.channel.IoEvent;
import io.netty.channel.IoRegistration;
import io.netty.util.concurrent.ScheduledFuture;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * One control client. Reads every waiting request when its socket is readable and answers each with one message
 * (or a stream of them). Runs only on the control loop.
 */
final class ControlConnection extends ControlServer.RegisteredHandle
{
    private static final int MAX_READ_BEFORE_REFUSAL = 16;

    private final ControlServer server;
    private final SeqpacketSocket socket;
    private final PeerCred peer;
    private final Role role;
    private final Arena arena = Arena.ofShared();
    // One byte more than the limit: recv with MSG_TRUNC reports the real size of a longer message.
    private final MemorySegment receiveBuffer = arena.allocate(ProtocolVersion.MAX_MESSAGE_BYTES + 1L);
    private final byte[] request = new byte[ProtocolVersion.MAX_MESSAGE_BYTES];
    // Descriptors that came with the request being executed (SCM_RIGHTS); whatever the command does not take is
    // closed when it returns, so a client cannot make the daemon hold descriptors open.
    private final int[] passed = new int[SeqpacketSocket.MAX_FDS];
    private ScheduledFuture<?> stream;
    private String refusal;
    private boolean closed;

    ControlConnection(final ControlServer server, final SeqpacketSocket socket, final PeerCred peer, final Role role)
    {
        super(socket.fd());
        this.server = server;
        this.socket = socket;
        this.peer = peer;
        this.role = role;
    }

    PeerCred peer()
    {
        return peer;
    }

    /**
     * @return what this client may do, from its credentials at accept.
     */
    Role role()
    {
        return role;
    }

    boolean isClosed()
    {
        return closed;
    }

    /**
     * Answers this client's first request with {@code PERMISSION_DENIED} and hangs up. The answer waits for the
     * request: closing a unix socket with a message still unread resets the peer, which then reads ECONNRESET
     * instead of the refusal (and a client that has not sent yet would see EPIPE).
     */
    void refuse(final String why)
    {
        refusal = why;
    }

    boolean isRefused()
    {
        return refusal != null;
    }

    @Override
    public void handle(final IoRegistration registration, final IoEvent event)
    {
        if (refusal != null)
        {
            answerRefused();
            return;
        }
        while (!closed)
        {
            final long n = socket.receive(receiveBuffer, passed);
            if (n == -Errno.EAGAIN)
            {
                return;
            }
            if (n <= 0)
            {
                closePassed();
                close(); // end-of-file (or an empty message, which reads the same) or a socket error
                return;
            }
            server.onRequest();
            if (n > ProtocolVersion.MAX_MESSAGE_BYTES)
            {
                closePassed();
                server.requestCounters().failed(role, ErrorCode.MESSAGE_TOO_LARGE);
                send(ControlCodec.error(ErrorCode.MESSAGE_TOO_LARGE, "request of " + n + " bytes exceeds the limit " +
                    "of " + ProtocolVersion.MAX_MESSAGE_BYTES));
                continue;
            }
            MemorySegment.copy(receiveBuffer, ValueLayout.JAVA_BYTE, 0, request, 0, (int)n);
            try
            {
                final Request decoded = ControlCodec.decodeRequest(request, (int)n);
                server.commands().execute(decoded, this);
                server.requestCounters().ok(role);
            }
            catch (final ControlException ex)
            {
                server.requestCounters().failed(role, ex.code());
                send(ControlCodec.error(ex.code(), ex.getMessage()));
            }
            catch (final RuntimeException ex)
            {
                server.requestCounters().failed(role, ErrorCode.FAILED);
                send(ControlCodec.error(ErrorCode.FAILED, ex.getMessage() == null ? ex.toString() : ex.getMessage()));
            }
            finally
            {
                closePassed();
            }
        }
    }

    /**
     * Takes the file descriptor that came with the request being executed: the caller owns it from now on.
     *
     * @return the descriptor, or -1 if the client sent none.
     */
    int takePassedFd()
    {
        final int fd = passed[0];
        passed[0] = -1;
        return fd;
    }

    private void closePassed()
    {
        for (int i = 0; i < passed.length; i++)
        {
            if (passed[i] >= 0)
            {
                FileDescriptors.close(passed[i]);
                passed[i] = -1;
            }
        }
    }

    private void answerRefused()
    {
        // Read what the client sent (one request from a well-behaved client; a bounded number from any other),
        // so the close that follows leaves nothing unread.
        for (int i = 0; i < MAX_READ_BEFORE_REFUSAL; i++)
        {
            final long n = socket.receive(receiveBuffer);
            if (n == -Errno.EAGAIN)
            {
                break;
            }
            if (n <= 0)
            {
                close(); // the client hung up first: nobody to answer
                return;
            }
        }
        server.requestCounters().failed(role, ErrorCode.PERMISSION_DENIED);
        send(ControlCodec.error(ErrorCode.PERMISSION_DENIED, refusal));
        close();
    }

    /**
     * Sends one message; a client that does not read (socket buffer full) is dropped rather than waited for.
     *
     * @return true if sent.
     */
    boolean send(final byte[] message)
    {
        if (closed)
        {
            return false;
        }
        final long sent;
        try (Arena local = Arena.ofConfined())
        {
            sent = socket.send(local.allocateFrom(ValueLayout.JAVA_BYTE, message));
        }
        if (sent < 0)
        {
            server.onDropped(this, sent == -Errno.EAGAIN ? "not reading its answers" : Errno.name((int)-sent));
            return false;
        }
        return true;
    }

    void stream(final ScheduledFuture<?> future)
    {
        if (stream != null)
        {
            stream.cancel(false);
        }
        stream = future;
    }

    void endStream()
    {
        if (stream != null)
        {
            stream.cancel(false);
            stream = null;
        }
    }

    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        endStream();
        cancel();
        server.forget(this);
        socket.close();
        arena.close();
    }
}
