package io.l2mesh.control;

import io.l2mesh.testkit.Cmd;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code bin/l2mesh run -c CONFIG} in a process of its own, as users run it: its output is collected by a
 * virtual thread (so the pipe never fills), and {@link #start} returns once it printed "l2mesh: ready".
 */
final class DaemonProcess
{
    static final String LAUNCHER = Path.of("..", "bin", "l2mesh").toAbsolutePath().normalize().toString();
    private static final long READY_TIMEOUT_S = 60;

    private final Process process;
    private final StringBuffer output = new StringBuffer();
    private final CountDownLatch ready = new CountDownLatch(1);

    private DaemonProcess(final Process process)
    {
        this.process = process;
        Thread.ofVirtual().start(this::collect);
    }

    static DaemonProcess start(final Path config, final Map<String, String> environment) throws Exception
    {
        return start(java.util.List.of(LAUNCHER, "run", "-c", config.toString()), environment);
    }

    /**
     * @param command the whole command line, e.g. {@code setpriv ... bin/l2mesh run -c FILE}.
     */
    static DaemonProcess start(final java.util.List<String> command, final Map<String, String> environment)
        throws Exception
    {
        final ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(environment);
        final DaemonProcess daemon = new DaemonProcess(builder.start());
        if (!daemon.ready.await(READY_TIMEOUT_S, TimeUnit.SECONDS))
        {
            daemon.process.destroyForcibly();
            throw new AssertionError("daemon not ready within " + READY_TIMEOUT_S + " s:\n" + daemon.output());
        }
        return daemon;
    }

    private void collect()
    {
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
            StandardCharsets.UTF_8)))
        {
            String line;
            while ((line = out.readLine()) != null)
            {
                output.append(line).append('\n');
                if (line.contains("l2mesh: ready"))
                {
                    ready.countDown();
                }
            }
        }
        catch (final IOException ignored)
        {
            // the process is gone
        }
        finally
        {
            ready.countDown(); // an exited daemon is not ready; start() then sees no "ready" in the output
        }
    }

    /**
     * Stops the daemon as systemd would: SIGTERM, then SIGKILL if it has not gone within 20 s.
     */
    void stop() throws InterruptedException
    {
        if (process.isAlive())
        {
            Cmd.run(5_000, "kill", "-TERM", Long.toString(process.pid()));
            if (!process.waitFor(20, TimeUnit.SECONDS))
            {
                process.destroyForcibly();
            }
        }
    }

    Process process()
    {
        return process;
    }

    long pid()
    {
        return process.pid();
    }

    /**
     * @return everything the daemon printed so far.
     */
    String output()
    {
        return output.toString();
    }
}
