package io.l2mesh.control.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.l2mesh.control.config.ControlConfig;
import io.l2mesh.control.config.PortConfig;
import io.l2mesh.control.protocol.ControlException;
import io.l2mesh.control.protocol.ErrorCode;
import io.l2mesh.tuntap.Directory;
import io.l2mesh.tuntap.PeerCred;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

/**
 * Where the files that a client names in a request may be. The daemon acts on them with its own rights (binds a
 * unix port's socket and later removes it, reads a key file), so a client other than root may name only:
 * <ul>
 * <li>a unix port's socket directly in {@code control.ports-dir} (default {@code /run/l2mesh/ports}, made 0711 by
 *     the daemon: a VM's user outside the control groups can reach a socket whose own mode lets it);</li>
 * <li>key files directly in {@code control.keys-dir} (default {@code /etc/l2mesh/keys});</li>
 * <li>or a path the running config has already (from the file root wrote), unchanged, as {@code port set} on a
 *     configured port repeats it.</li>
 * </ul>
 * Checked on the request's JSON before anything is parsed, so a refused path is never opened, not even to look.
 */
final class ClientPaths
{
    private static final int PORTS_DIR_MODE = 0711;

    private final ControlConfig control;

    ClientPaths(final ControlConfig control)
    {
        this.control = control;
    }

    /**
     * @param port     the port as requested (a full port object, as parsed next).
     * @param previous the port it replaces, or null for a new one.
     * @throws ControlException PERMISSION_DENIED naming the path and the directory it must be in.
     */
    void check(final PeerCred client, final JsonNode port, final PortConfig previous)
    {
        final String type = port.path("type").asText(PortConfig.TAP);
        if (PortConfig.UNIX.equals(type) && port.path("path").isTextual())
        {
            final Path path = Path.of(port.path("path").textValue());
            final boolean kept = previous != null && previous.unixSpec() != null &&
                previous.unixSpec().path().equals(path);
            if (!kept && directlyIn(path, control.portsDir()))
            {
                Directory.ensure(control.portsDir(), PORTS_DIR_MODE, -1);
            }
            else if (!kept && client.uid() != 0)
            {
                throw refused("the socket of a unix port", path, control.portsDir(), "ports-dir");
            }
        }
        if (!PortConfig.TUNNEL.equals(type) || client.uid() == 0)
        {
            return;
        }
        final Set<Path> known = new HashSet<>();
        if (previous != null && previous.tunnel() != null)
        {
            known.add(previous.tunnel().privateKeyFile());
            previous.tunnel().peers().stream().map(PortConfig.TunnelPeer::presharedKeyFile)
                .filter(java.util.Objects::nonNull).forEach(known::add);
        }
        checkKey(port.path("private-key-file"), known);
        for (final JsonNode peer : port.path("peers"))
        {
            checkKey(peer.path("preshared-key-file"), known);
        }
    }

    private void checkKey(final JsonNode value, final Set<Path> known)
    {
        if (!value.isTextual())
        {
            return;
        }
        final Path path = Path.of(value.textValue());
        if (!known.contains(path) && !directlyIn(path, control.keysDir()))
        {
            throw refused("a key file", path, control.keysDir(), "keys-dir");
        }
    }

    private static boolean directlyIn(final Path path, final Path dir)
    {
        return path.isAbsolute() && path.normalize().equals(path) && dir.equals(path.getParent());
    }

    private static ControlException refused(final String what, final Path path, final Path dir, final String key)
    {
        return new ControlException(ErrorCode.PERMISSION_DENIED, what + " named at run time must be directly in " +
            dir + " (control." + key + "), not " + path + "; other paths only from the config file or from root");
    }
}
