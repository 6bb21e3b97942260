package io.l2mesh.control.config;

import io.l2mesh.switching.port.TapPortSpec;

/**
 * One port of the config file.
 */
public record PortConfig(String type, TapPortSpec tap, boolean enabled)
{
    public static final String TAP = "tap";
    public static final String RAW = "raw";

    public String name()
    {
        return tap.name();
    }
}
