package io.l2mesh.control.config;

import java.nio.file.Path;

/**
 * The control socket: where it is, its file mode, and the group (besides root) allowed to use it.
 *
 * @param group allowed group name, or null for root only.
 */
public record ControlConfig(Path socket, int mode, String group)
{
    public static final Path SOCKET_DEFAULT = Path.of("/run/l2mesh/l2mesh.sock");
    public static final int MODE_DEFAULT = 0660;

    public static ControlConfig defaults()
    {
        return new ControlConfig(SOCKET_DEFAULT, MODE_DEFAULT, null);
    }
}
