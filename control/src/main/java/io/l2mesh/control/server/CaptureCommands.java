package io.l2mesh.control.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.l2mesh.control.protocol.ControlCodec;
import io.l2mesh.control.protocol.ControlException;
import io.l2mesh.control.protocol.ErrorCode;
import io.l2mesh.control.protocol.Request;
import io.l2mesh.control.capture.CaptureLimits;
import io.l2mesh.control.capture.CaptureSession;
import io.l2mesh.tuntap.FileDescriptors;
import io.l2mesh.tuntap.FileStat;
import io.l2mesh.switching.Switch;
import io.l2mesh.switching.port.Port;

import java.util.concurrent.TimeUnit;

/**
 * {@code capture.start|stop|list}: pcap captures of ports, one at a time per port, each written to a descriptor the
 * client passed and bounded by {@link CaptureLimits}. Control loop only, but each capture ends on its own thread,
 * which moves it from {@link #captures} to {@link #finished}.
 */
final class CaptureCommands
{
    static final int MAX_SNAPLEN = 65_535;
    private static final int MAX_LABEL = 4096;
    private static final int MAX_FINISHED = 64;

    private final Switch sw;
    private final ControlServer server;
    private final java.util.concurrent.ConcurrentHashMap<String, CaptureSession> captures =
        new java.util.concurrent.ConcurrentHashMap<>();
    // The last capture that ended on each port, oldest first (guarded by captures' monitor).
    private final java.util.LinkedHashMap<String, CaptureSession> finished = new java.util.LinkedHashMap<>();

    CaptureCommands(final Switch sw, final ControlServer server)
    {
        this.sw = sw;
        this.server = server;
    }

    /**
     * Starts a pcap capture of one port into the file descriptor passed with the request (the client opened the
     * file with its own rights: the daemon never opens a path for a client); with {@code wait} the answer is a
     * progress stream until it ends.
     */
    void captureStart(final Request request, final ControlConnection connection)
    {
        final int fd = connection.takePassedFd();
        boolean handedOver = false;
        try
        {
            handedOver = startWithDescriptor(request, connection, fd);
        }
        finally
        {
            if (fd >= 0 && !handedOver)
            {
                FileDescriptors.close(fd);
            }
        }
    }

    /**
     * @return true once the capture owns {@code fd} (it started, or failed to and closed it).
     */
    private boolean startWithDescriptor(final Request request, final ControlConnection connection, final int fd)
    {
        if (request.args().has("file"))
        {
            throw new ControlException(ErrorCode.BAD_REQUEST, "capture.start takes no args.file: the daemon does not " +
                "open files for clients. Open the file yourself and pass its descriptor with the request " +
                "(SCM_RIGHTS), as 'l2mesh ctl capture start PORT FILE' does");
        }
        if (fd < 0)
        {
            throw new ControlException(ErrorCode.BAD_REQUEST, "capture.start needs the output file's descriptor " +
                "passed with the request (SCM_RIGHTS), as 'l2mesh ctl capture start PORT FILE' does");
        }
        final String name = request.text("port", null);
        if (name == null)
        {
            throw new ControlException(ErrorCode.BAD_REQUEST, "args.port is required");
        }
        final Port port = sw.ports().byName(name);
        if (port == null)
        {
            throw new ControlException(ErrorCode.NOT_FOUND, "no port named '" + name + "'");
        }
        checkOutput(fd);
        final String label = request.text("label", null);
        if (label != null && label.length() > MAX_LABEL)
        {
            throw new ControlException(ErrorCode.BAD_REQUEST, "args.label is longer than " + MAX_LABEL + " characters");
        }
        final CaptureLimits limits;
        try
        {
            limits = new CaptureLimits(request.number("count", 0, 0, Long.MAX_VALUE),
                request.number("max_bytes", CaptureLimits.DEFAULT_MAX_BYTES, 1, CaptureLimits.MAX_MAX_BYTES),
                TimeUnit.SECONDS.toNanos(request.number("duration_s", CaptureLimits.DEFAULT_DURATION_S, 1,
                    CaptureLimits.MAX_DURATION_S)));
        }
        catch (final IllegalArgumentException ex)
        {
            throw new ControlException(ErrorCode.BAD_REQUEST, ex.getMessage());
        }
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
                session = CaptureSession.start(port, fd, label, limits, snaplen, sw.loopCount(),
                    () -> finish(name));
            }
            catch (final java.io.IOException | RuntimeException ex)
            {
                connection.send(ControlCodec.error(ErrorCode.FAILED, "cannot write the capture: " + ex.getMessage()));
                return true; // the session closed fd
            }
            captures.put(name, session);
            finished.remove(name);
        }
        if (!wait)
        {
            connection.send(ControlCodec.result(captureReport(session)));
            return true;
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
        return true;
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

    /**
     * @return the running captures, then the last one that ended on each port (with why it ended).
     */
    JsonNode captureList()
    {
        final ArrayNode result = ControlCodec.JSON.createArrayNode();
        captures.values().forEach(session -> result.add(captureReport(session)));
        synchronized (captures)
        {
            finished.values().forEach(session -> result.add(captureReport(session)));
        }
        return result;
    }

    private void finish(final String name)
    {
        synchronized (captures)
        {
            final CaptureSession session = captures.remove(name);
            if (session != null)
            {
                finished.remove(name);
                finished.put(name, session);
                while (finished.size() > MAX_FINISHED)
                {
                    finished.remove(finished.keySet().iterator().next());
                }
            }
        }
    }

    /**
     * A client's descriptor must be open for writing, on a regular file or a fifo (a pipe into tshark, say).
     */
    private static void checkOutput(final int fd)
    {
        final FileStat stat;
        try
        {
            if (!FileDescriptors.isWritable(fd))
            {
                throw new ControlException(ErrorCode.BAD_REQUEST, "the passed descriptor is not open for writing");
            }
            stat = FileStat.of(fd);
        }
        catch (final io.l2mesh.tuntap.NativeError ex)
        {
            throw new ControlException(ErrorCode.BAD_REQUEST, "the passed descriptor is unusable: " + ex.getMessage());
        }
        if (!stat.isRegular() && !stat.isFifo())
        {
            throw new ControlException(ErrorCode.BAD_REQUEST, "the passed descriptor is a " + stat.typeName() +
                "; a capture goes to a regular file or a fifo");
        }
    }

    private static ObjectNode captureReport(final CaptureSession session)
    {
        final ObjectNode report = ControlCodec.JSON.createObjectNode();
        report.put("port", session.port().name());
        report.put("file", session.label());
        report.put("frames", session.written());
        report.put("bytes", session.bytes());
        report.put("dropped", session.dropped());
        report.put("max_bytes", session.limits().maxBytes());
        report.put("duration_s", TimeUnit.NANOSECONDS.toSeconds(session.limits().durationNs()));
        report.put("done", session.isFinished());
        if (session.stopReason() != null)
        {
            report.put("stopped", session.stopReason().name().toLowerCase(java.util.Locale.ROOT));
            report.put("why", session.stopReason().text());
        }
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
