package io.l2mesh.control;

import io.l2mesh.testkit.Cmd;
import io.l2mesh.testkit.Netns;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * An underlay with NATs, in network namespaces: an "internet" namespace with a bridge (198.18.200.0/24, itself
 * at .254), hosts on it with public addresses, and sites: a router namespace whose WAN is on the bridge and which
 * masquerades (nftables) its LAN, with one host behind it. The routers drop what comes to themselves unasked
 * (input policy drop, established and related accepted), as a home router does. {@link #close()} removes every
 * namespace and hosts file it made, also after a failure. Needs root, {@code nft} and {@code conntrack}.
 */
final class NatLab implements AutoCloseable
{
    static final String INTERNET_PREFIX = "198.18.200.";
    static final String INTERNET_GATEWAY = INTERNET_PREFIX + "254";

    /**
     * How a router maps its LAN's flows.
     */
    enum Nat
    {
        /** Linux masquerade keeps the source port where it can: one mapping for every destination (cone-like). */
        CONE("masquerade"),
        /** A new random port for every flow: each destination sees another mapping (symmetric). */
        SYMMETRIC("masquerade random,fully-random"),
        /** As a restarted router: other ports than before, for every flow (cone-like from then on). */
        CONE_RENUMBERED("meta l4proto udp masquerade to :40000-49999");

        final String rule;

        Nat(final String rule)
        {
            this.rule = rule;
        }
    }

    /**
     * One site: its router and the host behind it.
     */
    record Site(Netns router, String wanLink, Netns host, String address)
    {
    }

    private final Netns internet;
    private final String bridge = "br0";
    private final List<Netns> namespaces = new ArrayList<>();
    private final List<Path> hostsDirs = new ArrayList<>();
    private int nextSite = 201;

    NatLab()
    {
        internet = track(Netns.create("inet"));
        internet.exec("ip", "link", "add", bridge, "type", "bridge");
        internet.exec("ip", "addr", "add", INTERNET_GATEWAY + "/24", "dev", bridge);
        internet.exec("ip", "link", "set", bridge, "up");
    }

    private Netns track(final Netns ns)
    {
        namespaces.add(ns);
        return ns;
    }

    Netns internet()
    {
        return internet;
    }

    /**
     * @return a new namespace on the internet at {@code 198.18.200.<last>}, its default route the gateway.
     */
    Netns publicHost(final String role, final int last)
    {
        final Netns ns = track(Netns.create(role));
        final String link = plug(ns);
        ns.exec("ip", "addr", "add", INTERNET_PREFIX + last + "/24", "dev", link);
        ns.exec("ip", "route", "add", "default", "via", INTERNET_GATEWAY);
        return ns;
    }

    /**
     * A veth from {@code ns} to the internet's bridge.
     *
     * @return its name in {@code ns}.
     */
    private String plug(final Netns ns)
    {
        final String inside = Netns.uniqueLinkName("w");
        final String outside = Netns.uniqueLinkName("b");
        Cmd.check("ip", "link", "add", inside, "type", "veth", "peer", "name", outside);
        Cmd.check("ip", "link", "set", outside, "netns", internet.name());
        internet.exec("ip", "link", "set", outside, "master", bridge, "up");
        ns.adopt(inside, null);
        return inside;
    }

    /**
     * A site: a router at {@code 198.18.200.<wanLast>} doing {@code nat} for its LAN {@code 198.18.<n>.0/24}
     * (the router .1), and a host behind it at .2.
     */
    Site site(final String role, final int wanLast, final Nat nat)
    {
        final int lan = nextSite++;
        final Netns router = track(Netns.create(role + "r"));
        final String wan = plug(router);
        router.exec("ip", "addr", "add", INTERNET_PREFIX + wanLast + "/24", "dev", wan);
        router.exec("ip", "route", "add", "default", "via", INTERNET_GATEWAY);
        router.exec("sysctl", "-q", "-w", "net.ipv4.ip_forward=1");
        final Netns host = track(Netns.create(role));
        final String inside = Netns.uniqueLinkName("l");
        final String outside = Netns.uniqueLinkName("h");
        Cmd.check("ip", "link", "add", inside, "type", "veth", "peer", "name", outside);
        router.adopt(inside, "198.18." + lan + ".1/24");
        host.adopt(outside, "198.18." + lan + ".2/24");
        host.exec("ip", "route", "add", "default", "via", "198.18." + lan + ".1");
        final Site site = new Site(router, wan, host, "198.18." + lan + ".2");
        nat(site, nat);
        return site;
    }

    /**
     * Sets the site's NAT (replacing the one it had; existing mappings stay until {@link #flush}).
     */
    void nat(final Site site, final Nat nat)
    {
        site.router().run(5_000, "nft", "delete", "table", "ip", "l2lab");
        final Path rules = writeTemp("""
            table ip l2lab {
              chain post {
                type nat hook postrouting priority srcnat; policy accept;
                oifname "%s" %s
                oifname "%s" masquerade
              }
              chain input {
                type filter hook input priority 0; policy drop;
                ct state established,related accept
                iifname "lo" accept
                iifname != "%s" accept
              }
            }
            """.formatted(site.wanLink(), nat.rule, site.wanLink(), site.wanLink()));
        try
        {
            site.router().exec("nft", "-f", rules.toString());
        }
        finally
        {
            Cmd.run(5_000, "rm", "-f", rules.toString());
        }
    }

    /**
     * Forgets every mapping the site's router holds (its conntrack table), as a router that restarted.
     */
    void flush(final Site site)
    {
        site.router().run(10_000, "conntrack", "-F");
    }

    /**
     * @return the UDP mappings the site's router holds now ({@code conntrack -L -p udp}), for failure messages.
     */
    String mappings(final Site site)
    {
        return site.router().run(10_000, "conntrack", "-L", "-p", "udp").output();
    }

    /**
     * Sets what {@code /etc/hosts} says inside {@code ns} (for processes started with {@code ip netns exec}, which
     * bind-mounts {@code /etc/netns/NAME/hosts} over it). Rewritten in place, so a running process sees the change.
     */
    void hosts(final Netns ns, final String lines) throws java.io.IOException
    {
        final Path dir = Path.of("/etc/netns", ns.name());
        if (!hostsDirs.contains(dir))
        {
            Files.createDirectories(dir);
            hostsDirs.add(dir);
        }
        Files.writeString(dir.resolve("hosts"), "127.0.0.1 localhost\n" + lines);
    }

    private static Path writeTemp(final String text)
    {
        try
        {
            final Path file = Files.createTempFile("l2mesh-nft", ".conf");
            Files.writeString(file, text);
            return file;
        }
        catch (final java.io.IOException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    @Override
    public void close()
    {
        for (int i = namespaces.size() - 1; i >= 0; i--)
        {
            namespaces.get(i).close();
        }
        for (final Path dir : hostsDirs)
        {
            Cmd.run(10_000, "rm", "-rf", dir.toString());
        }
    }
}
