package io.l2mesh.control.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.util.concurrent.Callable;

/**
 * {@code l2mesh ctl port}: see {@link CtlCommand}.
 */
@Command(name = "port", mixinStandardHelpOptions = true, description = "Ports.",
    subcommands = {PortCommand.ListPorts.class, PortCommand.Add.class, PortCommand.Del.class, PortCommand.Set.class})
final class PortCommand
{
    @ParentCommand
    CtlCommand ctl;

    @Command(name = "add", mixinStandardHelpOptions = true,
        description = "Add a port: a TAP (created, or attached if it exists), an existing interface (--raw) or " +
            "a unix socket for a QEMU VM (--unix) or a VXLAN VTEP (--vxlan); saved to the config file.")
    static final class Add extends CtlCommand.PortOptions implements Callable<Integer>
    {
        @ParentCommand
        PortCommand port;

        @picocli.CommandLine.Parameters(paramLabel = "NAME", description = "interface name")
        String name;

        @Option(names = "--persistent", description = "keep the TAP after the daemon stops")
        boolean persistent;

        @Option(names = "--raw", description = "attach the existing interface NAME through AF_PACKET instead")
        boolean raw;

        @Option(names = "--unix", paramLabel = "PATH",
            description = "serve a QEMU VM on unix socket PATH instead (-netdev stream or dgram)")
        String unixPath;

        @Option(names = "--framing", paramLabel = "stream|dgram",
            description = "with --unix: QEMU's -netdev kind (default: stream)")
        String framing;

        @Option(names = "--vxlan", paramLabel = "LOCAL",
            description = "a VXLAN VTEP instead, bound to LOCAL (IP or IP:port, default port 4789)")
        String vxlanLocal;

        @Option(names = "--vni", description = "with --vxlan: the VXLAN network identifier")
        Integer vni;

        @Option(names = "--remote", paramLabel = "VTEP",
            description = "with --vxlan: a remote VTEP (IP or IP:port); repeat for more")
        java.util.List<String> remotes;

        @Option(names = "--socket-mode", paramLabel = "MODE",
            description = "with --unix: mode of the socket file, e.g. 0666 for VMs of any user (default: 0660)")
        String socketMode;

        @Override
        public Integer call()
        {
            final ObjectNode args = CtlCommand.args();
            args.put("name", name);
            into(args);
            if (persistent)
            {
                args.put("persistent", true);
            }
            if (raw)
            {
                args.put("type", "raw");
            }
            if (unixPath != null)
            {
                args.put("type", "unix");
                args.put("path", java.nio.file.Path.of(unixPath).toAbsolutePath().toString());
            }
            if (vxlanLocal != null)
            {
                args.put("type", "vxlan");
                args.put("local", vxlanLocal);
            }
            if (vni != null)
            {
                args.put("vni", vni);
            }
            if (remotes != null)
            {
                remotes.forEach(args.putArray("remotes")::add);
            }
            if (framing != null)
            {
                args.put("framing", framing);
            }
            if (socketMode != null)
            {
                args.put("socket-mode", socketMode);
            }
            return port.ctl.change("port.add", args);
        }
    }

    @Command(name = "del", mixinStandardHelpOptions = true,
        description = "Remove a port (a TAP l2mesh created goes away); saved to the config file.")
    static final class Del implements Callable<Integer>
    {
        @ParentCommand
        PortCommand port;

        @picocli.CommandLine.Parameters(paramLabel = "NAME")
        String name;

        @Override
        public Integer call()
        {
            final ObjectNode args = CtlCommand.args();
            args.put("name", name);
            return port.ctl.change("port.del", args);
        }
    }

    @Command(name = "set", mixinStandardHelpOptions = true,
        description = "Change a port: up/down, VLANs, MAC limit (in place) or device settings (re-created).")
    static final class Set extends CtlCommand.PortOptions implements Callable<Integer>
    {
        @ParentCommand
        PortCommand port;

        @picocli.CommandLine.Parameters(paramLabel = "NAME")
        String name;

        @Option(names = "--up", description = "take the port up")
        boolean up;

        @Option(names = "--down", description = "take the port down: no frames in or out")
        boolean down;

        @Override
        public Integer call()
        {
            final ObjectNode args = CtlCommand.args();
            args.put("name", name);
            into(args);
            if (up || down)
            {
                args.put("enabled", up);
            }
            return port.ctl.change("port.set", args);
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the ports.")
    static final class ListPorts implements Callable<Integer>
    {
        @ParentCommand
        PortCommand port;

        @Override
        public Integer call()
        {
            return port.ctl.query("port.list", CtlCommand.args(), (result, out) ->
            {
                final TableRenderer table = new TableRenderer("port", "id", "kind", "mtu", "offloads", "macs",
                    "mac_limit", "vlans", "endpoint");
                for (final JsonNode p : result)
                {
                    table.row(p.path("name").asText(), p.path("id").asInt(), p.path("kind").asText(),
                        p.path("mtu").asInt(), p.path("offloads").asBoolean() ? "yes" : "no",
                        p.path("macs").asInt(),
                        p.path("mac_limit").asInt() == 0 ? "-" : p.path("mac_limit").asText(),
                        p.path("vlans").asText(), p.path("endpoint").asText(""));
                }
                out.print(table.render());
            });
        }
    }
}
