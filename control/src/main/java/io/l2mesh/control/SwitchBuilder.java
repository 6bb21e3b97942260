package io.l2mesh.control;

import io.l2mesh.control.config.L2meshConfig;
import io.l2mesh.control.config.PortConfig;
import io.l2mesh.control.config.StaticMacConfig;
import io.l2mesh.switching.Switch;

/**
 * Starts a switch as a config describes it. If any port fails, everything started so far is closed again, so a
 * failed start leaves no TAP behind.
 */
public final class SwitchBuilder
{
    private SwitchBuilder()
    {
    }

    public static Switch start(final L2meshConfig config)
    {
        final Switch sw = Switch.start(config.switchContext());
        try
        {
            final PortFactory factory = new PortFactory(sw, config.stateDir());
            for (final PortConfig port : config.ports())
            {
                factory.add(port);
            }
            for (final StaticMacConfig entry : config.staticMacs())
            {
                sw.macTable().addStatic(entry.vlan(), entry.mac(), sw.ports().byName(entry.port()).id());
            }
            return sw;
        }
        catch (final RuntimeException ex)
        {
            sw.close();
            throw ex;
        }
    }
}
