package io.l2mesh.control.config;

import io.l2mesh.switching.SwitchContext;

import java.nio.file.Path;
import java.util.List;

/**
 * A checked config: the switch settings, its ports and static MACs, the control socket, and the state directory
 * ({@code state-dir}: everything the daemon keeps besides its config), the mesh registry ({@code registry:},
 * or null), and the Prometheus exporter ({@code metrics:}, or null: off).
 */
public record L2meshConfig(String source, SwitchContext switchContext, int loopsSetting, List<PortConfig> ports,
    List<StaticMacConfig> staticMacs, ControlConfig control, Path stateDir, RegistryConfig registry,
    MetricsConfig metrics)
{
    public static final Path STATE_DIR_DEFAULT = Path.of("/var/lib/l2mesh");
    public static final int STATE_DIR_MODE = 0750;

    public PortConfig port(final String name)
    {
        for (final PortConfig port : ports)
        {
            if (port.name().equals(name))
            {
                return port;
            }
        }
        return null;
    }

    /**
     * @return the tunnel port that publishes this node in the registry, or null.
     */
    public PortConfig registryPort()
    {
        return ports.stream().filter(p -> p.tunnel() != null && p.tunnel().registry()).findFirst().orElse(null);
    }

    /**
     * @return true if some tunnel port or peer codes FEC (fixed or adaptive) from the start.
     */
    public boolean usesFec()
    {
        return ports.stream().map(PortConfig::tunnel).filter(java.util.Objects::nonNull).anyMatch(t ->
            t.fec().on() || t.peers().stream().anyMatch(p -> p.spec().fec() != null && p.spec().fec().on()));
    }

    public L2meshConfig withPorts(final List<PortConfig> newPorts)
    {
        return new L2meshConfig(source, switchContext, loopsSetting, List.copyOf(newPorts), staticMacs, control,
            stateDir, registry, metrics);
    }

    public L2meshConfig withStaticMacs(final List<StaticMacConfig> newStaticMacs)
    {
        return new L2meshConfig(source, switchContext, loopsSetting, ports, List.copyOf(newStaticMacs), control,
            stateDir, registry, metrics);
    }
}
