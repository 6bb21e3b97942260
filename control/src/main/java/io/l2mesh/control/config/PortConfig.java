package io.l2mesh.control.config;

import io.l2mesh.switching.port.StormLimits;
import io.l2mesh.switching.port.TapPortSpec;
import io.l2mesh.switching.port.unix.UnixPortSpec;

import io.l2mesh.tunnel.FecSpec;
import io.l2mesh.tunnel.PeerSpec;
import io.l2mesh.tunnel.impair.ImpairmentSpec;
import io.l2mesh.tunnel.TunnelPortSpec;
import io.l2mesh.tunnel.noise.CipherSuite;
import io.l2mesh.tunnel.noise.KeyPair;
import io.l2mesh.tunnel.vxlan.VxlanPortSpec;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;

/**
 * One port of the config file. {@code common} holds the settings every kind shares (name, VLANs, MTU, MAC limit)
 * and, for a TAP port, the device's own (MAC, offloads, persistence, queues); {@code unix}, {@code vxlan} and
 * {@code tunnel} are set for their kind only.
 */
public record PortConfig(String type, TapPortSpec common, Unix unix, Vxlan vxlan, Tunnel tunnel, boolean enabled,
    StormLimits storm)
{
    public static final String TAP = "tap";
    public static final String RAW = "raw";
    public static final String UNIX = "unix";
    public static final String VXLAN = "vxlan";
    public static final String TUNNEL = "tunnel";

    /**
     * Where a unix port listens and how QEMU frames on it.
     */
    public record Unix(Path path, UnixPortSpec.Framing framing, int fileMode)
    {
    }

    /**
     * Where a VXLAN port binds, its VNI and its remote VTEPs.
     */
    public record Vxlan(InetSocketAddress local, int vni, List<InetSocketAddress> remotes)
    {
        public Vxlan
        {
            remotes = List.copyOf(remotes);
        }
    }

    /**
     * An encrypted tunnel port: where it listens, whose identity it uses (the key is read from a file, so a
     * config dump never shows it), and its peers.
     */
    public record Tunnel(InetSocketAddress listen, Path privateKeyFile, KeyPair identity, CipherSuite suite,
        int keepaliveSeconds, int rekeySeconds, List<TunnelPeer> peers, FecSpec fec, ImpairmentSpec impairment,
        boolean registry, List<InetSocketAddress> advertise, io.l2mesh.tunnel.RelaySpec relay)
    {
        /**
         * @param registry  publish this node in the mesh registry through this port, and add its entries as peers.
         * @param advertise the endpoints the registry entry gives (empty: the node's own addresses).
         * @param relay     whether the port relays for its peers (docs/nat.md).
         */
        public Tunnel
        {
            peers = List.copyOf(peers);
            advertise = List.copyOf(advertise);
        }
    }

    /**
     * One peer of a tunnel port; {@code presharedKey} was read from {@code presharedKeyFile}.
     */
    public record TunnelPeer(String name, String publicKey, InetSocketAddress endpoint, Path presharedKeyFile,
        PeerSpec spec)
    {
    }

    public PortConfig(final String type, final TapPortSpec common, final boolean enabled)
    {
        this(type, common, null, null, null, enabled, StormLimits.NONE);
    }

    /**
     * @return the tunnel module's spec for an encrypted tunnel port.
     */
    public TunnelPortSpec tunnelSpec()
    {
        return new TunnelPortSpec(common.name(), tunnel.listen(), tunnel.identity(), tunnel.suite(),
            tunnel.peers().stream().map(TunnelPeer::spec).toList(), common.vlanRules(),
            common.mtu() == 0 ? TunnelPortSpec.DEFAULT_MTU : common.mtu(), common.macLimit(), tunnel.keepaliveSeconds(),
            tunnel.rekeySeconds(), tunnel.fec(), tunnel.impairment(), tunnel.relay());
    }

    public String name()
    {
        return common.name();
    }

    /**
     * @return the tunnel module's spec for a VXLAN port.
     */
    public VxlanPortSpec vxlanSpec()
    {
        return new VxlanPortSpec(common.name(), vxlan.local(), vxlan.vni(), vxlan.remotes(), common.vlanRules(),
            common.mtu() == 0 ? VxlanPortSpec.DEFAULT_MTU : common.mtu(), common.macLimit());
    }

    /**
     * @return the switch's spec for a unix port.
     */
    public UnixPortSpec unixSpec()
    {
        return new UnixPortSpec(common.name(), unix.path(), unix.framing(), unix.fileMode(), common.vlanRules(),
            common.mtu() == 0 ? UnixPortSpec.DEFAULT_MTU : common.mtu(), common.macLimit());
    }
}
