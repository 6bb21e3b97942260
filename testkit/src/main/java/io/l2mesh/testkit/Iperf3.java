package io.l2mesh.testkit;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs iperf3 between two namespaces, bounded in time, and reads the received rate from its JSON.
 */
public final class Iperf3
{
    private static final Pattern RECEIVED = Pattern.compile(
        "\"sum_received\"\\s*:\\s*\\{[^}]*?\"bits_per_second\"\\s*:\\s*([0-9.eE+]+)", Pattern.DOTALL);

    private Iperf3()
    {
    }

    /**
     * One TCP run of {@code seconds} from {@code client} to a one-off server in {@code server}.
     *
     * @return the received rate in bit/s.
     */
    public static double tcp(final Netns server, final Netns client, final String serverAddress, final int seconds)
    {
        server.exec("iperf3", "-s", "-1", "-D", "-B", serverAddress);
        Cmd.Result result = null;
        for (int attempt = 0; attempt < 20; attempt++) // the daemon needs a moment to listen
        {
            result = client.run(seconds * 1000L + 15_000, "iperf3", "-c", serverAddress, "-t",
                Integer.toString(seconds), "-J", "--connect-timeout", "3000");
            if (result.exitCode() == 0 || !result.output().contains("Connection refused"))
            {
                break;
            }
            sleep(100);
        }
        result.check();
        final Matcher m = RECEIVED.matcher(result.output());
        if (!m.find())
        {
            throw new AssertionError("no received rate in iperf3 output:\n" + result.output());
        }
        return Double.parseDouble(m.group(1));
    }

    private static void sleep(final long ms)
    {
        try
        {
            Thread.sleep(ms);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }
}
