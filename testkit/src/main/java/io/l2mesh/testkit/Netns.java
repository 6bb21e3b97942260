package io.l2mesh.testkit;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A network namespace made for one test, with a name unique to this test run; {@link #close()} kills what
 * runs in it and deletes it, also after a failure. Addresses used in it come from 198.18.0.0/15.
 */
public final class Netns implements AutoCloseable
{
    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static final String RUN_ID = Long.toString(ProcessHandle.current().pid() % 100_000);

    private final String name;

    private Netns(final String name)
    {
        this.name = name;
    }

    public static Netns create(final String role)
    {
        final String name = "l2t-" + RUN_ID + "-" + COUNTER.incrementAndGet() + "-" + role;
        Cmd.check("ip", "netns", "add", name);
        final Netns ns = new Netns(name);
        ns.exec("ip", "link", "set", "lo", "up");
        // No IPv6 autoconfiguration chatter: tests count frames exactly.
        ns.exec("sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1");
        return ns;
    }

    /**
     * @return an interface name unique to this run, at most 15 characters.
     */
    public static String uniqueLinkName(final String role)
    {
        return ("l2" + role + RUN_ID + "x" + COUNTER.incrementAndGet());
    }

    public String name()
    {
        return name;
    }

    public Cmd.Result run(final long timeoutMs, final String... command)
    {
        final List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", name));
        full.addAll(List.of(command));
        return Cmd.run(timeoutMs, full);
    }

    public String exec(final String... command)
    {
        return run(30_000, command).check().output();
    }

    /**
     * Moves a link of the root namespace in here and gives it an address, up.
     */
    public void adopt(final String link, final String cidr)
    {
        Cmd.check("ip", "link", "set", link, "netns", name);
        exec("ip", "link", "set", link, "up");
        if (cidr != null)
        {
            exec("ip", "addr", "add", cidr, "dev", link);
        }
    }

    /**
     * Pins {@code address} to {@code mac} on {@code link} (a permanent neighbour entry): the namespace then sends
     * no ARP for it, neither to resolve it nor to re-probe it seconds later, so a test that counts frames or MAC
     * table entries sees only the traffic it made.
     */
    public void staticNeighbour(final String address, final String mac, final String link)
    {
        exec("ip", "neigh", "replace", address, "lladdr", mac, "dev", link, "nud", "permanent");
    }

    /**
     * Adds an 802.1Q subinterface {@code link.vid} with an address.
     */
    public String vlanSubinterface(final String link, final int vid, final String cidr)
    {
        final String sub = "v" + vid;
        exec("ip", "link", "add", "link", link, "name", sub, "type", "vlan", "id", Integer.toString(vid));
        exec("ip", "addr", "add", cidr, "dev", sub);
        exec("ip", "link", "set", sub, "up");
        return sub;
    }

    /**
     * @return true if {@code count} pings to {@code address} all came back within the deadline.
     */
    public boolean ping(final String address, final int count)
    {
        return run(5_000L + count * 1_000L, "ping", "-c", Integer.toString(count), "-i", "0.2", "-W", "1",
            address).exitCode() == 0;
    }

    public Cmd.Result pingResult(final String address, final int count)
    {
        return run(5_000L + count * 1_000L, "ping", "-c", Integer.toString(count), "-i", "0.2", "-W", "1", address);
    }

    public String mac(final String link)
    {
        final String out = exec("cat", "/sys/class/net/" + link + "/address");
        return out.strip();
    }

    @Override
    public void close()
    {
        final Cmd.Result pids = Cmd.run(5_000, "ip", "netns", "pids", name);
        for (final String pid : pids.output().split("\\s+"))
        {
            if (!pid.isBlank() && pid.chars().allMatch(Character::isDigit))
            {
                Cmd.run(5_000, "kill", "-9", pid);
            }
        }
        Cmd.run(10_000, "ip", "netns", "del", name);
    }
}
