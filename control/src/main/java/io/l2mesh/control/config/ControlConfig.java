package io.l2mesh.control.config;

import java.nio.file.Path;

/**
 * The control socket: where it is, its file mode, the groups (besides root) whose members may use it, and where
 * the files that clients may name at run time must be.
 *
 * @param adminGroup   members may run every command ({@code control.group}, also spelt {@code admin-group}), or
 *                     null for root only.
 * @param monitorGroup members may run the read-only commands ({@code control.monitor-group}), or null.
 * @param portsDir     where the socket of a unix port added at run time by a client other than root must be
 *                     ({@code control.ports-dir}); the daemon makes it (0711) when a port first needs it.
 * @param keysDir      where a key file named at run time by a client other than root must be
 *                     ({@code control.keys-dir}).
 */
public record ControlConfig(Path socket, int mode, String adminGroup, String monitorGroup, Path portsDir,
    Path keysDir)
{
    public static final Path SOCKET_DEFAULT = Path.of("/run/l2mesh/l2mesh.sock");
    public static final Path PORTS_DIR_DEFAULT = Path.of("/run/l2mesh/ports");
    public static final Path KEYS_DIR_DEFAULT = Path.of("/etc/l2mesh/keys");
    public static final int MODE_DEFAULT = 0660;

    public ControlConfig(final Path socket, final int mode, final String adminGroup, final String monitorGroup)
    {
        this(socket, mode, adminGroup, monitorGroup, PORTS_DIR_DEFAULT, KEYS_DIR_DEFAULT);
    }

    public ControlConfig(final Path socket, final int mode, final String adminGroup)
    {
        this(socket, mode, adminGroup, null);
    }

    public static ControlConfig defaults()
    {
        return new ControlConfig(SOCKET_DEFAULT, MODE_DEFAULT, null, null);
    }
}
