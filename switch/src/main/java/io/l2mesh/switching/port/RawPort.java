package io.l2mesh.switching.port;

import io.l2mesh.switching.vlan.VlanMode;
import io.l2mesh.switching.vlan.VlanRules;
import io.l2mesh.tuntap.RawSocket;
import io.l2mesh.tuntap.netlink.RtnlLink;

/**
 * A port on an existing interface through {@code AF_PACKET}: one socket per datapath loop ({@link FdPort}),
 * joined in a fanout group. Frames carry a virtio-net header ({@code PACKET_VNET_HDR}), so GSO super-frames
 * pass whole. The kernel moves 802.1Q tags into packet metadata before an {@code AF_PACKET} socket sees a
 * frame, so a raw port is an access port (trunks need {@code PACKET_AUXDATA}; not done yet).
 */
public final class RawPort extends FdPort
{
    private final RawSocket[] sockets;

    public RawPort(final int id, final RawSocket[] sockets, final VlanRules vlanRules, final int mtu,
        final int loopCount, final int burstSize)
    {
        super(id, sockets[0].interfaceName(), sockets, true, vlanRules, mtu, loopCount, burstSize);
        this.sockets = sockets;
    }

    /**
     * Attaches the existing interface {@code name}: sets it up, then opens one socket per loop in a fanout group.
     *
     * @throws IllegalArgumentException for a trunk (the kernel strips 802.1Q tags before AF_PACKET sees them).
     * @throws io.l2mesh.tuntap.NativeError ENODEV for no such interface, EPERM without CAP_NET_RAW.
     */
    public static RawPort open(final int id, final String name, final VlanRules rules, final int loopCount,
        final int burstSize, final RtnlLink rtnl)
    {
        if (rules.mode() != VlanMode.ACCESS)
        {
            throw new IllegalArgumentException("raw port '" + name + "' must be an access port: the kernel hands " +
                "AF_PACKET sockets frames with their 802.1Q tags already removed");
        }
        final RawSocket[] sockets = new RawSocket[loopCount];
        try
        {
            rtnl.setUp(name, true); // before the sockets exist, so none starts with a stale ENETDOWN
            sockets[0] = RawSocket.open(name, loopCount > 1 ? RawSocket.NEW_FANOUT_GROUP : RawSocket.NO_FANOUT);
            for (int i = 1; i < loopCount; i++)
            {
                sockets[i] = RawSocket.open(name, sockets[0].fanoutGroup());
            }
            return new RawPort(id, sockets, rules, rtnl.get(name).mtu(), loopCount, burstSize);
        }
        catch (final RuntimeException ex)
        {
            for (final RawSocket socket : sockets)
            {
                if (socket != null)
                {
                    socket.close();
                }
            }
            throw ex;
        }
    }

    @Override
    public String kind()
    {
        return "raw";
    }

    @Override
    public void close()
    {
        for (final RawSocket socket : sockets)
        {
            socket.close();
        }
    }
}
