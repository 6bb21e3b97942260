package io.l2mesh.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs a host command with a deadline and captures its output; tests use it for ip, ping, iperf3, tshark.
 */
public final class Cmd
{
    /**
     * What a command did.
     */
    public record Result(List<String> command, int exitCode, String output)
    {
        public Result check()
        {
            if (exitCode != 0)
            {
                throw new AssertionError(String.join(" ", command) + " exited " + exitCode + ":\n" + output);
            }
            return this;
        }
    }

    private Cmd()
    {
    }

    public static Result run(final long timeoutMs, final String... command)
    {
        return run(timeoutMs, List.of(command));
    }

    public static Result run(final long timeoutMs, final List<String> command)
    {
        try
        {
            final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            // A thread of its own for the output: on the common pool (one thread on 2 cores) a caller that blocks
            // there, e.g. a test waiting on another command, starved the reader and failed a finished command.
            final CompletableFuture<String> output = new CompletableFuture<>();
            Thread.ofVirtual().name("cmd-output").start(() ->
            {
                try
                {
                    output.complete(new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
                }
                catch (final IOException ex)
                {
                    output.complete(ex.toString());
                }
            });
            if (!process.waitFor(timeoutMs, TimeUnit.MILLISECONDS))
            {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
                return new Result(command, -1, "timed out after " + timeoutMs + " ms\n" + output.getNow(""));
            }
            return new Result(command, process.exitValue(), output.get(5, TimeUnit.SECONDS));
        }
        catch (final Exception ex)
        {
            return new Result(command, -1, ex.toString());
        }
    }

    public static String check(final String... command)
    {
        return run(30_000, command).check().output();
    }
}
