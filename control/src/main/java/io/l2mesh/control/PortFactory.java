package io.l2mesh.control;

import io.l2mesh.control.config.PortConfig;
import io.l2mesh.switching.Switch;
import io.l2mesh.switching.port.Port;
import io.l2mesh.switching.port.RawPort;
import io.l2mesh.switching.port.TapPort;
import io.l2mesh.switching.port.TapPortSpec;
import io.l2mesh.switching.port.unix.UnixDatagramPort;
import io.l2mesh.switching.port.unix.UnixPortSpec;
import io.l2mesh.switching.port.unix.UnixStreamPort;
import io.l2mesh.switching.vlan.VlanRules;
import io.l2mesh.tunnel.TunnelPort;
import io.l2mesh.tunnel.TunnelPortSpec;
import io.l2mesh.tunnel.vxlan.VxlanPort;
import io.l2mesh.tunnel.vxlan.VxlanPortSpec;

/**
 * The one place a port is built from its settings, whatever its kind: start-up, {@code port add}, reload and the
 * undo of a failed change all come here. Each kind opens its own device ({@code TapPort.open},
 * {@code RawPort.open}, {@code UnixStreamPort.open}, {@code TunnelPort.open}, ...); {@link Switch#addPort}
 * gives it an id and its MAC limit and attaches it to every loop.
 * <p>
 * Control thread only, like the {@link Switch} methods it calls.
 */
public final class PortFactory
{
    private final Switch sw;
    private final java.nio.file.Path stateDir;

    /**
     * A factory whose tunnel ports keep nothing on disk (tests, the demo).
     */
    public PortFactory(final Switch sw)
    {
        this(sw, null);
    }

    /**
     * @param stateDir the daemon's state directory: tunnel ports keep their peers' newest initiation timestamps
     *                 there (replay protection across restarts).
     */
    public PortFactory(final Switch sw, final java.nio.file.Path stateDir)
    {
        this.sw = sw;
        this.stateDir = stateDir;
    }

    /**
     * Builds and attaches the port {@code config} describes; a disabled one starts administratively down.
     *
     * @throws IllegalArgumentException or {@link IllegalStateException} naming what is wrong; the kernel's refusals
     *                                  as {@link io.l2mesh.tuntap.NativeError}. Nothing is left attached then.
     */
    public Port add(final PortConfig config)
    {
        final Port port = switch (config.type())
        {
            case PortConfig.RAW -> raw(config.name(), config.common().vlanRules(), config.common().macLimit());
            case PortConfig.UNIX -> unix(config.unixSpec());
            case PortConfig.TUNNEL -> tunnel(config.tunnelSpec());
            case PortConfig.VXLAN -> vxlan(config.vxlanSpec());
            case PortConfig.TAP -> tap(config.common());
            default -> throw new IllegalArgumentException("unknown port type '" + config.type() + "'");
        };
        if (!config.enabled())
        {
            sw.setAdminUp(port.name(), false);
        }
        if (!config.storm().isNone())
        {
            sw.setStormLimits(port.name(), config.storm());
        }
        return port;
    }

    public TapPort tap(final TapPortSpec spec)
    {
        return sw.addPort(spec.name(),
            id -> TapPort.open(id, spec, sw.loopCount(), sw.context().burstSize(), sw.rtnl()), spec.macLimit());
    }

    public RawPort raw(final String name, final VlanRules rules, final int macLimit)
    {
        return sw.addPort(name,
            id -> RawPort.open(id, name, rules, sw.loopCount(), sw.context().burstSize(), sw.rtnl()), macLimit);
    }

    /**
     * @throws IllegalArgumentException when another port serves the path already.
     */
    public Port unix(final UnixPortSpec spec)
    {
        for (final Port other : sw.ports().ports())
        {
            if ((other instanceof UnixStreamPort s && s.path().equals(spec.path())) ||
                (other instanceof UnixDatagramPort d && d.path().equals(spec.path())))
            {
                throw new IllegalArgumentException("port " + other.name() + " already serves " + spec.path());
            }
        }
        // Only root's paths can get here with a directory that does not exist: a path from any other client must be
        // directly in control.ports-dir, which exists by then (ClientPaths). The socket itself is bound and later
        // removed through its directory's descriptor (tuntap's SocketFile), never by a path string.
        try
        {
            java.nio.file.Files.createDirectories(spec.path().getParent());
        }
        catch (final java.io.IOException ex)
        {
            throw new IllegalStateException("cannot create " + spec.path().getParent() + ": " + ex.getMessage(), ex);
        }
        final int loops = sw.loopCount();
        final int burst = sw.context().burstSize();
        return sw.addPort(spec.name(), id -> spec.framing() == UnixPortSpec.Framing.DGRAM ?
            UnixDatagramPort.open(id, spec, loops, burst) : UnixStreamPort.open(id, spec, loops, burst),
            spec.macLimit());
    }

    public TunnelPort tunnel(final TunnelPortSpec spec)
    {
        return sw.addPort(spec.name(),
            id -> TunnelPort.open(id, spec, sw.loopCount(), sw.context().burstSize(), stateDir), spec.macLimit());
    }

    public VxlanPort vxlan(final VxlanPortSpec spec)
    {
        return sw.addPort(spec.name(), id -> VxlanPort.open(id, spec, sw.loopCount(), sw.context().burstSize()),
            spec.macLimit());
    }
}
