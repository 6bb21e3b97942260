package io.l2mesh.control.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.l2mesh.control.protocol.ControlCodec;
import io.l2mesh.control.protocol.ControlException;
import io.l2mesh.control.protocol.ErrorCode;
import io.l2mesh.control.protocol.Request;
import io.l2mesh.control.capture.CaptureSession;
import io.l2mesh.switching.Switch;
import io.l2mesh.switching.port.Port;

import java.util.concurrent.TimeUnit;

/**
 * {@code capture.start|stop|list}: pcap captures of ports, one at a time per port. Control loop only, but each
 * capture ends on its own thread, which removes it from {@link #captures}.
 */
final class CaptureCommands
{
    static final int MAX_SNAPLEN = 65_535;

    private final Switch sw;
    private final ControlServer server;
    private final java.util.concurrent.ConcurrentHashMap<String, CaptureSession> captures =
        new java.util.concurrent.ConcurrentHashMap<>();

    CaptureCommands(final Switch sw, final ControlServer server)
    {
        this.sw = sw;
        this.server = server;
    }

    /**
     * Starts a pcap capture of one port; with {@code wait} the answer is a progress stream until it ends.
     */
    void captureStart(final Request request, final ControlConnection connection)
    {
        final String name = request.text("port", null);
        final String file = request.text("file", null);
        if (name == null || file == null)
        {
            throw new ControlException(ErrorCode.BAD_REQUEST, "args.port and args.file are required");
        }
        final Port port = sw.ports().byName(name);
        if (port == null)
        {
            throw new ControlException(ErrorCode.NOT_FOUND, "no port named '" + name + "'");
        }
        final java.nio.file.Path path = java.nio.file.Path.of(file);
        if (!path.isAbsolute())
        {
            throw new ControlException(ErrorCode.BAD_REQUEST, "args.file must be an absolute path, got '" + file + "'");
        }
        final long count = request.number("count", 0, 0, Long.MAX_VALUE);
        final long durationS = request.number("duration_s", 0, 0, 86_400 * 7);
        final int snaplen = (int)request.number("snaplen", 9216, 64, MAX_SNAPLEN);
        final boolean wait = request.args().path("wait").asBoolean(false);
        final CaptureSession session;
        synchronized (captures)
        {
            if (captures.containsKey(name))
            {
                throw new ControlException(ErrorCode.BAD_REQUEST, "port '" + name + "' is being captured already");
            }
            try
            {
                session = CaptureSession.start(port, path, count, TimeUnit.SECONDS.toNanos(durationS), snaplen,
                    sw.loopCount(), () -> captures.remove(name));
            }
            catch (final java.io.IOException ex)
            {
                throw new ControlException(ErrorCode.FAILED, "cannot write " + path + ": " + ex.getMessage());
            }
            captures.put(name, session);
        }
        if (!wait)
        {
            connection.send(ControlCodec.result(captureReport(session)));
            return;
        }
        connection.stream(server.loop().scheduleAtFixedRate(() ->
        {
            final boolean done = session.isFinished();
            if (!connection.send(ControlCodec.streamItem(captureReport(session))))
            {
                connection.endStream(); // the client left; the capture goes on until its limit or a stop
                return;
            }
            if (done)
            {
                connection.send(ControlCodec.streamEnd());
                connection.endStream();
            }
        }, 200, 500, TimeUnit.MILLISECONDS));
    }

    JsonNode captureStop(final Request request)
    {
        final String name = request.text("port", null);
        final CaptureSession session = name == null ? null : captures.get(name);
        if (session == null)
        {
            throw new ControlException(ErrorCode.NOT_FOUND, "no capture running on port '" + name + "'");
        }
        session.stop();
        try
        {
            session.awaitFinished(5_000);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        return captureReport(session);
    }

    JsonNode captureList()
    {
        final ArrayNode result = ControlCodec.JSON.createArrayNode();
        captures.values().forEach(session -> result.add(captureReport(session)));
        return result;
    }

    private static ObjectNode captureReport(final CaptureSession session)
    {
        final ObjectNode report = ControlCodec.JSON.createObjectNode();
        report.put("port", session.port().name());
        report.put("file", session.file().toString());
        report.put("frames", session.written());
        report.put("dropped", session.dropped());
        report.put("done", session.isFinished());
        if (session.error() != null)
        {
            report.put("error", session.error());
        }
        return report;
    }

    /**
     * Stops every capture and waits for its file to be complete (daemon shutdown).
     */
    void stopAll()
    {
        for (final CaptureSession session : captures.values())
        {
            session.stop();
            try
            {
                session.awaitFinished(3_000);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }
    }
}
