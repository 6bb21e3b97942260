package io.l2mesh.control.config;

/**
 * A static MAC table entry of the config file.
 */
public record StaticMacConfig(long mac, int vlan, String port)
{
}
