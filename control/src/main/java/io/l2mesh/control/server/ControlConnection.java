package io.l2mesh.control.server;

import io.l2mesh.control.PeerCred;
import io.l2mesh.control.SeqpacketSocket;
import io.l2mesh.control.protocol.ControlCodec;
import io.l2mesh.control.protocol.ControlException;
import io.l2mesh.control.protocol.ErrorCode;
import io.l2mesh.control.protocol.ProtocolVersion;
import io.l2mesh.control.protocol.Request;
import io.l2mesh.tuntap.Errno;
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
    private final ControlServer server;
    private final SeqpacketSocket socket;
    private final PeerCred peer;
    private final Arena arena = Arena.ofShared();
    // One byte more than the limit: recv with MSG_TRUNC reports the real size of a longer message.
    private final MemorySegment receiveBuffer = arena.allocate(ProtocolVersion.MAX_MESSAGE_BYTES + 1L);
    private final byte[] request = new byte[ProtocolVersion.MAX_MESSAGE_BYTES];
    private ScheduledFuture<?> stream;
    private boolean closed;

    ControlConnection(final ControlServer server, final SeqpacketSocket socket, final PeerCred peer)
    {
        super(socket.fd());
        this.server = server;
        this.socket = socket;
        this.peer = peer;
    }

    PeerCred peer()
    {
        return peer;
    }

    boolean isClosed()
    {
        return closed;
    }

    void refuse(final String why)
    {
        send(ControlCodec.error(ErrorCode.PERMISSION_DENIED, why));
        close();
    }

    @Override
    public void handle(final IoRegistration registration, final IoEvent event)
    {
        while (!closed)
        {
            final long n = socket.receive(receiveBuffer);
            if (n == -Errno.EAGAIN)
            {
                return;
            }
            if (n <= 0)
            {
                close(); // end-of-file (or an empty message, which reads the same) or a socket error
                return;
            }
            server.onRequest();
            if (n > ProtocolVersion.MAX_MESSAGE_BYTES)
            {
                send(ControlCodec.error(ErrorCode.MESSAGE_TOO_LARGE, "request of " + n + " bytes exceeds the limit " +
                    "of " + ProtocolVersion.MAX_MESSAGE_BYTES));
                continue;
            }
            MemorySegment.copy(receiveBuffer, ValueLayout.JAVA_BYTE, 0, request, 0, (int)n);
            try
            {
                final Request decoded = ControlCodec.decodeRequest(request, (int)n);
                server.commands().execute(decoded, this);
            }
            catch (final ControlException ex)
            {
                send(ControlCodec.error(ex.code(), ex.getMessage()));
            }
            catch (final RuntimeException ex)
            {
                send(ControlCodec.error(ErrorCode.FAILED, ex.getMessage() == null ? ex.toString() : ex.getMessage()));
            }
        }
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
