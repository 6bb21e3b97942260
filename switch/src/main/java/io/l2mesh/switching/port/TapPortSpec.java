package io.l2mesh.switching.port;

import io.l2mesh.switching.fdb.MacLimits;
import io.l2mesh.switching.vlan.VlanRules;

/**
 * What a TAP port should be.
 *
 * @param name       interface name; created if absent, attached if present.
 * @param vlanRules  access or trunk rules.
 * @param mtu        MTU to set, or 0 to keep the device's.
 * @param mac        MAC to set on the interface (48 bits), or -1 to keep the kernel's.
 * @param offloads   open with vnet_hdr and TSO/checksum offloads (GSO super-frames pass through).
 * @param persistent keep a device we create after shutdown.
 * @param macLimit   most MACs learned on this port ({@link MacLimits#UNLIMITED} for no limit).
 * @param queues     queue fds to open, at most one per loop; 0 for one per loop.
 */
public record TapPortSpec(
    String name, VlanRules vlanRules, int mtu, long mac, boolean offloads, boolean persistent, int macLimit,
    int queues)
{
    public static final int MIN_MTU = 68;
    public static final int MAX_MTU = 65_521;

    public TapPortSpec
    {
        if (mtu != 0 && (mtu < MIN_MTU || mtu > MAX_MTU))
        {
            throw new IllegalArgumentException("mtu=" + mtu + " out of range " + MIN_MTU + ".." + MAX_MTU);
        }
        if (macLimit < 1)
        {
            throw new IllegalArgumentException("mac-limit=" + macLimit + " must be at least 1");
        }
        if (queues < 0)
        {
            throw new IllegalArgumentException("queues=" + queues + " must not be negative");
        }
    }

    public static TapPortSpec access(final String name, final int vlan)
    {
        return new TapPortSpec(name, VlanRules.access(vlan), 0, -1, true, false, MacLimits.UNLIMITED, 0);
    }

    public TapPortSpec withVlanRules(final VlanRules rules)
    {
        return new TapPortSpec(name, rules, mtu, mac, offloads, persistent, macLimit, queues);
    }

    public TapPortSpec withOffloads(final boolean enabled)
    {
        return new TapPortSpec(name, vlanRules, mtu, mac, enabled, persistent, macLimit, queues);
    }

    public TapPortSpec withMtu(final int value)
    {
        return new TapPortSpec(name, vlanRules, value, mac, offloads, persistent, macLimit, queues);
    }

    public TapPortSpec withMacLimit(final int limit)
    {
        return new TapPortSpec(name, vlanRules, mtu, mac, offloads, persistent, limit, queues);
    }
}
