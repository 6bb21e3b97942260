package io.l2mesh.switching.port;

import io.l2mesh.switching.fdb.MacLimits;
import io.l2mesh.switching.vlan.VlanRules;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * An immutable snapshot of the ports and, per VLAN, the ports that carry it (the flood group). The control
 * thread builds a new snapshot for every change and publishes it with one volatile store; a loop reads it once
 * per burst, so a burst sees one consistent set of ports.
 */
public final class PortTable
{
    public static final PortTable EMPTY = new PortTable(List.of());
    private static final Port[] NO_PORTS = new Port[0];

    private final Port[] byId = new Port[MacLimits.MAX_PORTS];
    private final Port[][] floodGroups = new Port[VlanRules.MAX_VID + 1][];
    private final List<Port> ports;
    private final boolean anyAcceptsOffloads;

    private PortTable(final List<Port> ports)
    {
        this.ports = Collections.unmodifiableList(new ArrayList<>(ports));
        boolean offloads = false;
        for (final Port port : ports)
        {
            byId[port.id()] = port;
            offloads |= port.acceptsOffloads() && !port.cutsSuperFrames(); // a tunnel would cut them again
        }
        this.anyAcceptsOffloads = offloads;
        for (int vlan = VlanRules.MIN_VID; vlan <= VlanRules.MAX_VID; vlan++)
        {
            final List<Port> group = new ArrayList<>();
            for (final Port port : ports)
            {
                if (port.adminUp() && port.vlanRules().carries(vlan))
                {
                    group.add(port);
                }
            }
            floodGroups[vlan] = group.isEmpty() ? NO_PORTS : group.toArray(NO_PORTS);
        }
    }

    public static PortTable of(final List<Port> ports)
    {
        return new PortTable(ports);
    }

    /**
     * @return true if some port takes GSO super-frames whole to its wire (only then is coalescing received
     * segments worth it; a port that {@link Port#cutsSuperFrames cuts them} does not count).
     */
    public boolean anyAcceptsOffloads()
    {
        return anyAcceptsOffloads;
    }

    /**
     * @return the port with this id, or null.
     */
    public Port port(final int portId)
    {
        return portId >= 0 && portId < byId.length ? byId[portId] : null;
    }

    /**
     * @return every port that is up and carries {@code vlan} (1..4094), ingress included; never null.
     */
    public Port[] floodGroup(final int vlan)
    {
        return floodGroups[vlan];
    }

    public List<Port> ports()
    {
        return ports;
    }

    public Port byName(final String name)
    {
        for (final Port port : ports)
        {
            if (port.name().equals(name))
            {
                return port;
            }
        }
        return null;
    }

    public PortTable with(final Port port)
    {
        final List<Port> next = new ArrayList<>(ports);
        next.add(port);
        return new PortTable(next);
    }

    public PortTable without(final Port port)
    {
        final List<Port> next = new ArrayList<>(ports);
        next.remove(port);
        return new PortTable(next);
    }

    /**
     * Rebuilds the flood groups after a port's VLAN rules changed.
     */
    public PortTable rebuilt()
    {
        return new PortTable(ports);
    }

    public int freeId()
    {
        for (int id = 0; id < byId.length; id++)
        {
            if (byId[id] == null)
            {
                return id;
            }
        }
        throw new IllegalStateException("no free port id: limit=" + byId.length + " ports");
    }
}
