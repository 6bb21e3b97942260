package io.l2mesh.control.config;

import java.nio.file.Path;

/**
 * The control socket: where it is, its file mode, and the groups (besides root) whose members may use it.
 *
 * @param adminGroup   members may run every command ({@code control.group}, also spelt {@code admin-group}), or
 *                     null for root only.
 * @param monitorGroup members may run the read-only commands ({@code control.monitor-group}), or null.
 */
public record ControlConfig(Path socket, int mode, String adminGroup, String monitorGroup)
{
    public static final Path SOCKET_DEFAULT = Path.of("/run/l2mesh/l2mesh.sock");
    public static final int MODE_DEFAULT = 0660;

    public ControlConfig(final Path socket, final int mode, final String adminGroup)
    {
        this(socket, mode, adminGroup, null);
    }

    public static ControlConfig defaults()
    {
        return new ControlConfig(SOCKET_DEFAULT, MODE_DEFAULT, null, null);
    }
}
