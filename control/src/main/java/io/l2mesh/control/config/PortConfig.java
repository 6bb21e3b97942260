package io.l2mesh.control.config;

import io.l2mesh.switching.port.TapPortSpec;
import io.l2mesh.switching.port.unix.UnixPortSpec;

import java.nio.file.Path;

/**
 * One port of the config file. {@code tap} holds the settings every kind shares (name, VLANs, MTU, MAC limit) and
 * the TAP device's own; {@code unix} is set for unix ports only.
 */
public record PortConfig(String type, TapPortSpec tap, Unix unix, boolean enabled)
{
    public static final String TAP = "tap";
    public static final String RAW = "raw";
    public static final String UNIX = "unix";

    /**
     * Where a unix port listens and how QEMU frames on it.
     */
    public record Unix(Path path, UnixPortSpec.Framing framing, int fileMode)
    {
    }

    public PortConfig(final String type, final TapPortSpec tap, final boolean enabled)
    {
        this(type, tap, null, enabled);
    }

    public String name()
    {
        return tap.name();
    }

    /**
     * @return the switch's spec for a unix port.
     */
    public UnixPortSpec unixSpec()
    {
        return new UnixPortSpec(tap.name(), unix.path(), unix.framing(), unix.fileMode(), tap.vlanRules(),
            tap.mtu() == 0 ? UnixPortSpec.DEFAULT_MTU : tap.mtu(), tap.macLimit());
    }
}
