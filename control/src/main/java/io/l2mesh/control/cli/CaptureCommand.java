package io.l2mesh.control.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.l2mesh.control.capture.CaptureLimits;
import io.l2mesh.control.protocol.ControlCodec;
import io.l2mesh.tuntap.Errno;
import io.l2mesh.tuntap.FileDescriptors;
import io.l2mesh.tuntap.NativeError;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code l2mesh ctl capture}: see {@link CtlCommand}.
 */
@Command(name = "capture", mixinStandardHelpOptions = true,
    description = "Capture a port's frames to a pcap file (nanosecond timestamps, Ethernet).",
    subcommands = {CaptureCommand.Start.class, CaptureCommand.Stop.class, CaptureCommand.ListCaptures.class})
final class CaptureCommand
{
    @ParentCommand
    CtlCommand ctl;

    /** A capture file holds network traffic: only its owner and group may read it (less the umask). */
    static final int FILE_MODE = 0640;

    static String describe(final JsonNode c)
    {
        return c.path("port").asText() + " -> " + c.path("file").asText("(descriptor)") + ": " +
            c.path("frames").asLong() + " frames, " + HumanUnits.bytes(c.path("bytes").asLong()) + ", " +
            c.path("dropped").asLong() + " dropped" +
            (c.has("why") ? ", ended: " + c.path("why").asText() : c.path("done").asBoolean() ? ", done" : "") +
            (c.has("error") ? ", error: " + c.path("error").asText() : "");
    }

    @Command(name = "start", mixinStandardHelpOptions = true, description = "Start capturing a port.")
    static final class Start implements Callable<Integer>
    {
        @ParentCommand
        CaptureCommand capture;

        @picocli.CommandLine.Parameters(index = "0", paramLabel = "PORT")
        String port;

        @picocli.CommandLine.Parameters(index = "1", paramLabel = "FILE.pcap")
        Path file;

        @Option(names = "--count", paramLabel = "N", description = "stop after N frames (default: no frame limit)")
        long count;

        @Option(names = "--duration", paramLabel = "S", description = "stop after S seconds (default: 600)")
        long duration = CaptureLimits.DEFAULT_DURATION_S;

        @Option(names = "--max-bytes", paramLabel = "SIZE", converter = HumanUnits.SizeConverter.class,
            description = "stop before the file grows past SIZE bytes (K, M, G: powers of 1024; default: 100M)")
        long maxBytes = CaptureLimits.DEFAULT_MAX_BYTES;

        @Option(names = "--snaplen", paramLabel = "BYTES", description = "bytes kept per frame (default 9216)")
        Integer snaplen;

        @Option(names = "--wait", description = "show progress until the capture ends")
        boolean waitForEnd;

        @Override
        public Integer call()
        {
            final CtlCommand ctl = capture.ctl;
            return ctl.call((client, out) ->
            {
                // Opened here, as the user who runs this: the daemon only ever gets the descriptor.
                final int fd;
                try
                {
                    fd = FileDescriptors.createForWriting(file.toAbsolutePath(), FILE_MODE);
                }
                catch (final NativeError ex)
                {
                    throw new IllegalArgumentException("cannot write " + file + ": " + Errno.describe(ex.errno()));
                }
                try
                {
                    return start(client, out, fd);
                }
                finally
                {
                    FileDescriptors.close(fd);
                }
            });
        }

        private int start(final ControlClient client, final java.io.PrintStream out, final int fd)
        {
            final CtlCommand ctl = capture.ctl;
            {
                final ObjectNode args = CtlCommand.args();
                args.put("port", port);
                args.put("label", file.toAbsolutePath().toString());
                args.put("count", count);
                args.put("duration_s", duration);
                args.put("max_bytes", maxBytes);
                if (snaplen != null)
                {
                    args.put("snaplen", snaplen);
                }
                if (!waitForEnd)
                {
                    final JsonNode result = client.call("capture.start", args, fd);
                    out.println(ctl.json ? result.toPrettyString() : "capturing " + describe(result));
                    return 0;
                }
                args.put("wait", true);
                client.stream("capture.start", args, fd, progress ->
                {
                    try
                    {
                        out.println(ctl.json ? ControlCodec.JSON.writeValueAsString(progress) : describe(progress));
                    }
                    catch (final JsonProcessingException ex)
                    {
                        return false;
                    }
                    out.flush();
                    return !out.checkError();
                });
                return 0;
            }
        }
    }

    @Command(name = "stop", mixinStandardHelpOptions = true, description = "Stop a capture; the file is complete.")
    static final class Stop implements Callable<Integer>
    {
        @ParentCommand
        CaptureCommand capture;

        @picocli.CommandLine.Parameters(paramLabel = "PORT")
        String port;

        @Override
        public Integer call()
        {
            final ObjectNode args = CtlCommand.args();
            args.put("port", port);
            return capture.ctl.query("capture.stop", args, (result, out) -> out.println(describe(result)));
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
        description = "Running captures, and the last one that ended on each port with why it ended.")
    static final class ListCaptures implements Callable<Integer>
    {
        @ParentCommand
        CaptureCommand capture;

        @Override
        public Integer call()
        {
            return capture.ctl.query("capture.list", CtlCommand.args(), (result, out) ->
            {
                for (final JsonNode c : result)
                {
                    out.println(describe(c));
                }
            });
        }
    }
}
