package io.l2mesh.tunnel.vxlan;

import io.l2mesh.switching.fdb.MacLimits;
import io.l2mesh.switching.vlan.VlanRules;

import java.net.InetSocketAddress;
import java.util.List;

/**
 * What a VXLAN port should be (RFC 7348).
 *
 * @param name      port name.
 * @param local     address and UDP port to bind (usually port 4789 on the underlay address).
 * @param vni       VXLAN network identifier, 24 bits.
 * @param remotes   remote VTEPs: frames to unknown or broadcast MACs go to each; only these are accepted.
 * @param vlanRules how the switch sees the port's frames (access: untagged inner frames of one VLAN).
 * @param mtu       largest inner L3 payload; the outer packet adds 50 bytes (IPv4) or 70 (IPv6).
 * @param macLimit  most MACs learned on this port.
 */
public record VxlanPortSpec(
    String name, InetSocketAddress local, int vni, List<InetSocketAddress> remotes, VlanRules vlanRules, int mtu,
    int macLimit)
{
    public static final int DEFAULT_UDP_PORT = 4789;
    public static final int DEFAULT_MTU = 1450;
    public static final int MAX_VNI = 0xff_ffff;
    public static final int MAX_REMOTES = 64;

    public VxlanPortSpec
    {
        remotes = List.copyOf(remotes);
        if (vni < 0 || vni > MAX_VNI)
        {
            throw new IllegalArgumentException("vni " + vni + " out of range 0.." + MAX_VNI);
        }
        if (remotes.isEmpty() || remotes.size() > MAX_REMOTES)
        {
            throw new IllegalArgumentException("a VXLAN port needs 1.." + MAX_REMOTES + " remote VTEPs");
        }
        if (local.getAddress() == null || remotes.stream().anyMatch(r -> r.getAddress() == null))
        {
            throw new IllegalArgumentException("VXLAN addresses must be IP addresses");
        }
        final Class<?> family = local.getAddress().getClass();
        if (remotes.stream().anyMatch(r -> r.getAddress().getClass() != family))
        {
            throw new IllegalArgumentException("remote VTEPs must be of the local address's family (" +
                local.getAddress().getHostAddress() + ")");
        }
        if (mtu < 68 || mtu > 65_000)
        {
            throw new IllegalArgumentException("mtu=" + mtu + " out of range 68..65000");
        }
        if (macLimit < 1)
        {
            throw new IllegalArgumentException("mac-limit=" + macLimit + " must be at least 1");
        }
    }

    public static VxlanPortSpec access(final String name, final InetSocketAddress local, final int vni,
        final List<InetSocketAddress> remotes, final int vlan)
    {
        return new VxlanPortSpec(name, local, vni, remotes, VlanRules.access(vlan), DEFAULT_MTU, MacLimits.UNLIMITED);
    }
}
