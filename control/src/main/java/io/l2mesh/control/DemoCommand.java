package io.l2mesh.control;

import io.l2mesh.control.cli.SwitchReport;
import io.l2mesh.switching.Switch;
import io.l2mesh.switching.SwitchContext;
import io.l2mesh.switching.port.TapPortSpec;
import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

/**
 * {@code l2mesh demo}: the product working in under a minute. Two namespaces, each behind a TAP port of one
 * switch, ping each other; then the MAC table and counters are shown, and everything is removed again.
 * Needs root and iproute2/ping (the namespaces are the demo's hosts; the switch itself uses no external tool).
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = "Bridge two fresh network namespaces, ping across, show the MAC table and counters, clean up.")
final class DemoCommand implements Callable<Integer>
{
    @Override
    public Integer call()
    {
        final String id = Long.toString(ProcessHandle.current().pid());
        final String[] ns = {"l2demo-a-" + id, "l2demo-b-" + id};
        final String[] taps = {"l2da" + id, "l2db" + id};
        final String[] addresses = {"198.18.0.1", "198.18.0.2"};
        step("starting a switch with two TAP ports (" + taps[0] + ", " + taps[1] + ") in VLAN 1");
        final Switch sw = Switch.start(new SwitchContext());
        try
        {
            for (int i = 0; i < 2; i++)
            {
                new PortFactory(sw).tap(TapPortSpec.access(taps[i], 1));
                Shell.check("ip", "netns", "add", ns[i]);
                Shell.check("ip", "link", "set", taps[i], "netns", ns[i]);
                Shell.check("ip", "-n", ns[i], "addr", "add", addresses[i] + "/24", "dev", taps[i]);
                Shell.check("ip", "-n", ns[i], "link", "set", taps[i], "up");
                Shell.check("ip", "-n", ns[i], "link", "set", "lo", "up");
                step("namespace " + ns[i] + " is host " + addresses[i] + " behind port " + taps[i]);
            }
            step("ping " + addresses[1] + " from " + ns[0]);
            final Shell.Result ping = Shell.run(15_000, "ip", "netns", "exec", ns[0], "ping", "-c", "5", "-i",
                "0.2", "-W", "2", addresses[1]);
            System.out.print(ping.output());
            step("MAC table");
            System.out.print(SwitchReport.macTable(sw, System.nanoTime()));
            step("port counters");
            System.out.print(SwitchReport.counters(sw));
            step(ping.exitCode() == 0 ? "the switch bridged the two namespaces; cleaning up" :
                "ping failed; cleaning up");
            return ping.exitCode() == 0 ? Daemon.EXIT_OK : Daemon.EXIT_FAILURE;
        }
        finally
        {
            sw.close(); // removes the TAPs first, wherever they are, then the namespaces go
            for (final String name : ns)
            {
                Shell.run(10_000, "ip", "netns", "del", name);
            }
        }
    }

    private static void step(final String text)
    {
        System.out.println("==> " + text);
        System.out.flush();
    }
}
