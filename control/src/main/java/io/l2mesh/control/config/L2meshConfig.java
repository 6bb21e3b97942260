package io.l2mesh.control.config;

import io.l2mesh.switching.SwitchContext;

import java.util.List;

/**
 * A checked config: the switch settings, its ports and static MACs.
 */
public record L2meshConfig(String source, SwitchContext switchContext, List<PortConfig> ports,
    List<StaticMacConfig> staticMacs, ControlConfig control)
{
}
