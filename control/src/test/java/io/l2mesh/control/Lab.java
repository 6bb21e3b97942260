package io.l2mesh.control;

import io.l2mesh.switching.Switch;
import io.l2mesh.switching.SwitchContext;
import io.l2mesh.switching.fdb.MacLimits;
import io.l2mesh.switching.port.Port;
import io.l2mesh.switching.port.TapPortSpec;
import io.l2mesh.switching.stats.ErrorLog;
import io.l2mesh.switching.vlan.VlanRules;
import io.l2mesh.testkit.ErrorLogWatch;
import io.l2mesh.testkit.Netns;

import java.util.ArrayList;
import java.util.List;

/**
 * A switch in this JVM and namespaces behind its TAP ports. {@link #close()} removes the switch (and with it
 * the TAPs) first, then the namespaces, whatever happened in the test.
 */
final class Lab implements AutoCloseable
{
    /**
     * A namespace behind one port.
     */
    record Host(Netns ns, Port port, String link, String address)
    {
    }

    private final Switch sw;
    private final List<Netns> namespaces = new ArrayList<>();

    /**
     * A two-loop switch whose datapath error log {@code errorLog} checks after the test.
     */
    Lab(final ErrorLogWatch errorLog)
    {
        sw = Switch.start(new SwitchContext().loops(2));
        errorLog.watch("switch", this::errors);
    }

    Switch sw()
    {
        return sw;
    }

    Host host(final String role, final VlanRules rules, final String cidr)
    {
        return host(role, new TapPortSpec(Netns.uniqueLinkName(role), rules, 0, -1, true, false,
            MacLimits.UNLIMITED, 0), cidr);
    }

    Host host(final String role, final TapPortSpec spec, final String cidr)
    {
        final Port port = new PortFactory(sw).tap(spec);
        final Netns ns = Netns.create(role);
        namespaces.add(ns);
        ns.adopt(spec.name(), cidr);
        return new Host(ns, port, spec.name(), cidr == null ? null : cidr.substring(0, cidr.indexOf('/')));
    }

    /**
     * A namespace behind a veth pair whose host end is attached to the switch as a raw (AF_PACKET) port.
     */
    Host rawHost(final String role, final VlanRules rules, final String cidr)
    {
        final String hostEnd = Netns.uniqueLinkName(role);
        final String nsEnd = Netns.uniqueLinkName(role);
        io.l2mesh.testkit.Cmd.check("ip", "link", "add", hostEnd, "type", "veth", "peer", "name", nsEnd);
        final Netns ns = Netns.create(role);
        namespaces.add(ns);
        ns.adopt(nsEnd, cidr);
        final Port port = new PortFactory(sw).raw(hostEnd, rules, MacLimits.UNLIMITED);
        return new Host(ns, port, nsEnd, cidr.substring(0, cidr.indexOf('/')));
    }

    /**
     * A namespace without a port, cleaned up with the lab.
     */
    Netns namespace(final String role)
    {
        final Netns ns = Netns.create(role);
        namespaces.add(ns);
        return ns;
    }

    /**
     * @return distinct errors the datapath recorded, as text, for "no unexpected errors" checks.
     */
    List<String> errors()
    {
        return sw.errorLog().entries().stream().map(ErrorLog.Entry::key).toList();
    }

    @Override
    public void close()
    {
        try
        {
            sw.close();
        }
        finally
        {
            for (final Netns ns : namespaces)
            {
                ns.close();
            }
        }
    }
}
