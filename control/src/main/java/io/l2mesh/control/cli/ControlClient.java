package io.l2mesh.control.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.l2mesh.tuntap.SeqpacketSocket;
import io.l2mesh.control.protocol.ControlCodec;
import io.l2mesh.control.protocol.ControlException;
import io.l2mesh.control.protocol.ErrorCode;
import io.l2mesh.control.protocol.ProtocolVersion;
import io.l2mesh.tuntap.NativeError;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.function.Predicate;

/**
 * The CLI's side of the control socket: one blocking connection, one request and its answer(s) at a time.
 */
public final class ControlClient implements AutoCloseable
{
    private final SeqpacketSocket socket;
    private final Arena arena = Arena.ofConfined();
    private final MemorySegment buffer = arena.allocate(ProtocolVersion.MAX_MESSAGE_BYTES * 16L);

    private ControlClient(final SeqpacketSocket socket)
    {
        this.socket = socket;
    }

    /**
     * @throws NativeError when the daemon cannot be reached (ENOENT, ECONNREFUSED) or the socket's mode refuses
     * us (EACCES).
     */
    public static ControlClient connect(final Path path)
    {
        return new ControlClient(SeqpacketSocket.connect(path));
    }

    /**
     * @return the result of a single-answer command.
     * @throws ControlException carrying the daemon's error code and message.
     */
    public JsonNode call(final String command, final ObjectNode args)
    {
        send(command, args, -1);
        return result(receive());
    }

    /**
     * As {@link #call(String, ObjectNode)}, passing file descriptor {@code fd} with the request ({@code SCM_RIGHTS}):
     * the daemon gets the file this process opened, with this process's rights. Ours stays open.
     */
    public JsonNode call(final String command, final ObjectNode args, final int fd)
    {
        send(command, args, fd);
        return result(receive());
    }

    /**
     * Sends a streaming command and passes each item's result to {@code onItem} until the end marker, the
     * daemon closing, or {@code onItem} returning false.
     */
    public void stream(final String command, final ObjectNode args, final Predicate<JsonNode> onItem)
    {
        stream(command, args, -1, onItem);
    }

    /**
     * As {@link #stream(String, ObjectNode, Predicate)}, passing {@code fd} (or none for -1) with the request.
     */
    public void stream(final String command, final ObjectNode args, final int fd, final Predicate<JsonNode> onItem)
    {
        send(command, args, fd);
        while (true)
        {
            final JsonNode message = receive();
            if (message == null || message.path("end").asBoolean(false))
            {
                return;
            }
            if (!onItem.test(result(message)))
            {
                return;
            }
        }
    }

    private void send(final String command, final ObjectNode args, final int fd)
    {
        final byte[] request = ControlCodec.request(command, args);
        final MemorySegment message = arena.allocateFrom(ValueLayout.JAVA_BYTE, request);
        final long sent = fd < 0 ? socket.sendBlocking(message) : socket.sendBlocking(message, fd);
        if (sent < 0)
        {
            // The daemon may have answered and closed before reading us (a refusal): report its answer.
            final long pending = socket.receive(buffer);
            final JsonNode answer = pending > 0 ? parse(pending) : null;
            if (answer != null)
            {
                result(answer);
            }
            throw new NativeError("send", (int)-sent, "to the control socket");
        }
    }

    private JsonNode parse(final long length)
    {
        try
        {
            return ControlCodec.JSON.readTree(buffer.asSlice(0, Math.min(length, buffer.byteSize()))
                .toArray(ValueLayout.JAVA_BYTE));
        }
        catch (final IOException ex)
        {
            throw new ControlException(ErrorCode.FAILED, "unreadable answer from the daemon: " + ex.getMessage());
        }
    }

    private JsonNode receive()
    {
        final long n = socket.receive(buffer);
        if (n == 0)
        {
            return null;
        }
        if (n < 0)
        {
            throw new NativeError("recv", (int)-n, "from the control socket");
        }
        return parse(n);
    }

    private static JsonNode result(final JsonNode message)
    {
        if (message == null)
        {
            throw new ControlException(ErrorCode.FAILED, "the daemon closed the connection");
        }
        if (!message.path("ok").asBoolean(false))
        {
            final JsonNode error = message.path("error");
            ErrorCode code;
            try
            {
                code = ErrorCode.valueOf(error.path("code").asText("FAILED"));
            }
            catch (final IllegalArgumentException ex)
            {
                code = ErrorCode.FAILED;
            }
            throw new ControlException(code, error.path("message").asText("error"));
        }
        return message.path("result");
    }

    @Override
    public void close()
    {
        socket.close();
        arena.close();
    }
}
