package io.l2mesh.control.config;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.file.Path;
import java.util.Set;

/**
 * The {@code control:} section: where the control socket listens, its mode, and the groups that may use it:
 * {@code group} (or its clearer name {@code admin-group}) for every command, {@code monitor-group} for the
 * read-only ones; {@code ports-dir} and {@code keys-dir}, where the files clients name at run time must be.
 */
final class ControlSection
{
    static final Set<String> KEYS = Set.of("socket", "mode", "group", "admin-group", "monitor-group", "ports-dir",
        "keys-dir");

    private ControlSection()
    {
    }

    static ControlConfig read(final ConfigReader in, final JsonNode node)
    {
        if (node == null)
        {
            return ControlConfig.defaults();
        }
        final String path = "control";
        in.requireObject(node, path, KEYS);
        final String socket = in.text(node, path, "socket", ControlConfig.SOCKET_DEFAULT.toString());
        if (!socket.startsWith("/") || socket.length() > 107)
        {
            throw in.error("control.socket", "'" + socket + "' must be an absolute path of at most 107 bytes");
        }
        final int mode = in.fileMode(node, path, "mode", "0660");
        final String group = in.text(node, path, "group", "");
        final String adminGroup = in.text(node, path, "admin-group", group);
        if (!group.isEmpty() && !group.equals(adminGroup))
        {
            throw in.error("control.admin-group", "'" + adminGroup + "' differs from control.group '" + group +
                "' (the same setting: give one of them)");
        }
        final String monitorGroup = in.text(node, path, "monitor-group", "");
        if (!monitorGroup.isEmpty() && monitorGroup.equals(adminGroup))
        {
            throw in.error("control.monitor-group", "'" + monitorGroup + "' is the admin group too; the monitor " +
                "group is for read-only users");
        }
        return new ControlConfig(Path.of(socket), mode, adminGroup.isEmpty() ? null : adminGroup,
            monitorGroup.isEmpty() ? null : monitorGroup,
            in.directory(node, path, "ports-dir", ControlConfig.PORTS_DIR_DEFAULT),
            in.directory(node, path, "keys-dir", ControlConfig.KEYS_DIR_DEFAULT));
    }
}
