package io.l2mesh.control.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.l2mesh.control.protocol.ControlCodec;
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

    static String describe(final JsonNode c)
    {
        return c.path("port").asText() + " -> " + c.path("file").asText() + ": " + c.path("frames").asLong() +
            " frames, " + c.path("dropped").asLong() + " dropped" + (c.path("done").asBoolean() ? ", done" : "") +
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

        @Option(names = "--count", paramLabel = "N", description = "stop after N frames")
        long count;

        @Option(names = "--duration", paramLabel = "S", description = "stop after S seconds")
        long duration;

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
                final ObjectNode args = CtlCommand.args();
                args.put("port", port);
                args.put("file", file.toAbsolutePath().toString());
                args.put("count", count);
                args.put("duration_s", duration);
                if (snaplen != null)
                {
                    args.put("snaplen", snaplen);
                }
                if (!waitForEnd)
                {
                    final JsonNode result = client.call("capture.start", args);
                    out.println(ctl.json ? CtlCommand.pretty(result) : "capturing " + describe(result));
                    return 0;
                }
                args.put("wait", true);
                client.stream("capture.start", args, progress ->
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
            });
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

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Running captures.")
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
