package io.l2mesh.control.cli;

import io.l2mesh.switching.Switch;
import io.l2mesh.switching.fdb.MacEntry;
import io.l2mesh.switching.frame.MacAddresses;
import io.l2mesh.switching.port.Port;
import io.l2mesh.switching.stats.DropReason;
import io.l2mesh.switching.stats.PortStats;

import java.util.Comparator;
import java.util.List;

/**
 * Human-readable views of a running switch: ports, MAC table, counters.
 */
public final class SwitchReport
{
    private SwitchReport()
    {
    }

    public static String ports(final Switch sw)
    {
        final TableRenderer table = new TableRenderer("port", "id", "kind", "mtu", "offloads", "vlans");
        for (final Port port : sw.ports().ports())
        {
            table.row(port.name(), port.id(), port.kind(), port.mtu(), port.acceptsOffloads() ? "yes" : "no",
                port.vlanRules());
        }
        return table.render();
    }

    public static String macTable(final Switch sw, final long nowNs)
    {
        final TableRenderer table = new TableRenderer("port", "vlan", "mac", "age");
        final List<MacEntry> entries = sw.macTable().snapshot();
        entries.sort(Comparator.comparingInt(MacEntry::vlan).thenComparingLong(MacEntry::mac));
        for (final MacEntry entry : entries)
        {
            final Port port = sw.ports().port(entry.portId());
            table.row(port == null ? "#" + entry.portId() : port.name(), entry.vlan(), MacAddresses.format(entry.mac()),
                entry.isStatic() ? "static" : Long.toString((nowNs - entry.lastSeenNs()) / 1_000_000_000L));
        }
        return table.render();
    }

    public static String counters(final Switch sw)
    {
        final String[] headers = new String[5 + DropReason.count()];
        headers[0] = "port";
        headers[1] = "rx_packets";
        headers[2] = "rx_bytes";
        headers[3] = "tx_packets";
        headers[4] = "tx_bytes";
        for (final DropReason reason : DropReason.values())
        {
            headers[5 + reason.id()] = "drop_" + reason.label();
        }
        final TableRenderer table = new TableRenderer(headers);
        for (final Port port : sw.ports().ports())
        {
            final PortStats s = port.counters().snapshot();
            final Object[] row = new Object[headers.length];
            row[0] = port.name();
            row[1] = s.rxPackets();
            row[2] = s.rxBytes();
            row[3] = s.txPackets();
            row[4] = s.txBytes();
            for (final DropReason reason : DropReason.values())
            {
                row[5 + reason.id()] = s.drops(reason);
            }
            table.row(row);
        }
        return table.render();
    }
}
