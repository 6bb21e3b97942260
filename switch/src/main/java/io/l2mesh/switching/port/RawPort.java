package io.l2mesh.switching.port;

import io.l2mesh.switching.vlan.VlanRules;
import io.l2mesh.tuntap.RawSocket;

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
