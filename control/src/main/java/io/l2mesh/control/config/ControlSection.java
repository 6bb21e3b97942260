package io.l2mesh.control.config;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.file.Path;
import java.util.Set;

/**
 * The {@code control:} section: where the control socket listens, its mode, and the group that may use it.
 */
final class ControlSection
{
    static final Set<String> KEYS = Set.of("socket", "mode", "group");

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
        return new ControlConfig(Path.of(socket), mode, group.isEmpty() ? null : group);
    }
}
