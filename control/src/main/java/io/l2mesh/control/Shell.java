package io.l2mesh.control;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a host command with a deadline, for the demo's namespace set-up (the datapath itself never shells out).
 */
final class Shell
{
    record Result(int exitCode, String output)
    {
    }

    private Shell()
    {
    }

    static Result run(final long timeoutMs, final String... command)
    {
        try
        {
            final Process process = new ProcessBuilder(List.of(command)).redirectErrorStream(true).start();
            if (!process.waitFor(timeoutMs, TimeUnit.MILLISECONDS))
            {
                process.destroyForcibly();
                return new Result(-1, String.join(" ", command) + ": timed out after " + timeoutMs + " ms");
            }
            return new Result(process.exitValue(),
                new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        }
        catch (final IOException ex)
        {
            return new Result(-1, command[0] + ": " + ex.getMessage());
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return new Result(-1, "interrupted");
        }
    }

    static String check(final String... command)
    {
        final Result result = run(10_000, command);
        if (result.exitCode() != 0)
        {
            throw new IllegalStateException(String.join(" ", command) + " failed: " + result.output().strip());
        }
        return result.output();
    }
}
