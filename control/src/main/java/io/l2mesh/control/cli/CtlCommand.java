package io.l2mesh.control.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.l2mesh.control.config.ControlConfig;
import io.l2mesh.control.protocol.ControlCodec;
import io.l2mesh.control.protocol.ControlException;
import io.l2mesh.switching.stats.DropReason;
import io.l2mesh.tuntap.Errno;
import io.l2mesh.tuntap.NativeError;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code l2mesh ctl}: talk to a running daemon over its control socket. Human-readable tables by default,
 * {@code --json} for scripts. Exit codes: 0 done, 1 the daemon refused the request (its error code and message
 * are printed), 2 usage, 3 the daemon cannot be reached or may not be used by this user.
 */
@Command(name = "ctl", mixinStandardHelpOptions = true, description = "Control a running l2mesh daemon.",
    subcommands = {CtlCommand.Status.class, CtlCommand.PortCmd.class, CtlCommand.Fdb.class, CtlCommand.Vlan.class,
        CtlCommand.Stats.class, CtlCommand.Capture.class, CtlCommand.ConfigCmd.class, CtlCommand.Shutdown.class})
public final class CtlCommand
{
    public static final int EXIT_REFUSED = 1;
    public static final int EXIT_UNREACHABLE = 3;

    @Option(names = "--socket", paramLabel = "PATH", description = "control socket (default: ${DEFAULT-VALUE})",
        scope = picocli.CommandLine.ScopeType.INHERIT)
    Path socket = ControlConfig.SOCKET_DEFAULT;

    @Option(names = "--json", description = "print the daemon's JSON result instead of a table",
        scope = picocli.CommandLine.ScopeType.INHERIT)
    boolean json;

    interface Action
    {
        int run(ControlClient client, PrintStream out) throws Exception;
    }

    int call(final Action action)
    {
        final PrintStream out = System.out;
        try (ControlClient client = ControlClient.connect(socket))
        {
            return action.run(client, out);
        }
        catch (final NativeError ex)
        {
            final String why = switch (ex.errno())
            {
                case Errno.EACCES -> "permission denied: the socket admits root and its group only";
                case Errno.ENOENT, Errno.ECONNREFUSED -> "no daemon is listening there (is l2mesh running?)";
                default -> ex.getMessage();
            };
            System.err.println("l2mesh ctl: cannot use " + socket + ": " + why);
            return EXIT_UNREACHABLE;
        }
        catch (final ControlException ex)
        {
            System.err.println("l2mesh ctl: " + ex.code() + ": " + ex.getMessage());
            return ex.code() == io.l2mesh.control.protocol.ErrorCode.PERMISSION_DENIED ? EXIT_UNREACHABLE :
                EXIT_REFUSED;
        }
        catch (final Exception ex)
        {
            System.err.println("l2mesh ctl: " + ex.getMessage());
            return EXIT_REFUSED;
        }
    }

    static String pretty(final JsonNode node) throws JsonProcessingException
    {
        return ControlCodec.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(node);
    }

    static ObjectNode args()
    {
        return ControlCodec.JSON.createObjectNode();
    }

    /**
     * Runs a command that changes the config and prints what changed.
     */
    int change(final String command, final ObjectNode args)
    {
        return call((client, out) ->
        {
            final JsonNode result = client.call(command, args);
            if (json)
            {
                out.println(pretty(result));
                return 0;
            }
            for (final JsonNode change : result.path("changes"))
            {
                out.println(change.asText());
            }
            if (result.path("changes").isEmpty())
            {
                out.println("no change");
            }
            for (final JsonNode note : result.path("notes"))
            {
                out.println("note: " + note.asText());
            }
            if (!result.path("saved").isNull() && !result.path("saved").isMissingNode())
            {
                out.println("saved " + result.path("saved").asText());
            }
            return 0;
        });
    }

    /**
     * Port settings shared by {@code port add} and {@code port set}; only the options given are sent.
     */
    static class PortOptions
    {
        @Option(names = "--vlan", paramLabel = "VID", description = "access port in this VLAN")
        Integer vlan;

        @Option(names = "--trunk", paramLabel = "VIDS", description = "trunk carrying these VLANs, e.g. 10,20,30-39")
        String trunk;

        @Option(names = "--native", paramLabel = "VID", description = "native (untagged) VLAN of a trunk")
        Integer nativeVlan;

        @Option(names = "--mtu", paramLabel = "BYTES", description = "MTU")
        Integer mtu;

        @Option(names = "--mac", paramLabel = "MAC", description = "interface MAC")
        String mac;

        @Option(names = "--offloads", paramLabel = "BOOL", description = "vnet_hdr offloads (true/false)")
        Boolean offloads;

        @Option(names = "--mac-limit", paramLabel = "N", description = "most MACs learned on the port")
        Integer macLimit;

        void into(final ObjectNode args)
        {
            if (vlan != null)
            {
                args.put("mode", "access");
                args.put("vlan", vlan);
            }
            if (trunk != null)
            {
                args.put("mode", "trunk");
                args.put("allowed-vlans", trunk);
            }
            if (nativeVlan != null)
            {
                args.put("native-vlan", nativeVlan);
            }
            if (mtu != null)
            {
                args.put("mtu", mtu);
            }
            if (mac != null)
            {
                args.put("mac", mac);
            }
            if (offloads != null)
            {
                args.put("offloads", offloads);
            }
            if (macLimit != null)
            {
                args.put("mac-limit", macLimit);
            }
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true, description = "Daemon version, uptime, ports, MACs.")
    static final class Status implements Callable<Integer>
    {
        @ParentCommand
        CtlCommand ctl;

        @Override
        public Integer call()
        {
            return ctl.call((client, out) ->
            {
                final JsonNode result = client.call("status", args());
                if (ctl.json)
                {
                    out.println(pretty(result));
                    return 0;
                }
                final Iterator<Map.Entry<String, JsonNode>> fields = result.fields();
                while (fields.hasNext())
                {
                    final Map.Entry<String, JsonNode> field = fields.next();
                    out.printf("%-18s %s%n", field.getKey(), field.getValue().asText());
                }
                return 0;
            });
        }
    }

    @Command(name = "port", mixinStandardHelpOptions = true, description = "Ports.",
        subcommands = {PortCmd.ListPorts.class, PortCmd.Add.class, PortCmd.Del.class, PortCmd.Set.class})
    static final class PortCmd
    {
        @ParentCommand
        CtlCommand ctl;

        @Command(name = "add", mixinStandardHelpOptions = true,
            description = "Add a TAP port (created, or attached if it exists); saved to the config file.")
        static final class Add extends PortOptions implements Callable<Integer>
        {
            @ParentCommand
            PortCmd port;

            @picocli.CommandLine.Parameters(paramLabel = "NAME", description = "interface name")
            String name;

            @Option(names = "--persistent", description = "keep the TAP after the daemon stops")
            boolean persistent;

            @Override
            public Integer call()
            {
                final ObjectNode args = args();
                args.put("name", name);
                into(args);
                if (persistent)
                {
                    args.put("persistent", true);
                }
                return port.ctl.change("port.add", args);
            }
        }

        @Command(name = "del", mixinStandardHelpOptions = true,
            description = "Remove a port (a TAP l2mesh created goes away); saved to the config file.")
        static final class Del implements Callable<Integer>
        {
            @ParentCommand
            PortCmd port;

            @picocli.CommandLine.Parameters(paramLabel = "NAME")
            String name;

            @Override
            public Integer call()
            {
                final ObjectNode args = args();
                args.put("name", name);
                return port.ctl.change("port.del", args);
            }
        }

        @Command(name = "set", mixinStandardHelpOptions = true,
            description = "Change a port: up/down, VLANs, MAC limit (in place) or device settings (re-created).")
        static final class Set extends PortOptions implements Callable<Integer>
        {
            @ParentCommand
            PortCmd port;

            @picocli.CommandLine.Parameters(paramLabel = "NAME")
            String name;

            @Option(names = "--up", description = "take the port up")
            boolean up;

            @Option(names = "--down", description = "take the port down: no frames in or out")
            boolean down;

            @Override
            public Integer call()
            {
                final ObjectNode args = args();
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
            PortCmd port;

            @Override
            public Integer call()
            {
                final CtlCommand ctl = port.ctl;
                return ctl.call((client, out) ->
                {
                    final JsonNode result = client.call("port.list", args());
                    if (ctl.json)
                    {
                        out.println(pretty(result));
                        return 0;
                    }
                    final TableRenderer table = new TableRenderer("port", "id", "kind", "mtu", "offloads", "macs",
                        "mac_limit", "vlans");
                    for (final JsonNode p : result)
                    {
                        table.row(p.path("name").asText(), p.path("id").asInt(), p.path("kind").asText(),
                            p.path("mtu").asInt(), p.path("offloads").asBoolean() ? "yes" : "no",
                            p.path("macs").asInt(),
                            p.path("mac_limit").asInt() == 0 ? "-" : p.path("mac_limit").asText(),
                            p.path("vlans").asText());
                    }
                    out.print(table.render());
                    return 0;
                });
            }
        }
    }

    @Command(name = "fdb", mixinStandardHelpOptions = true, description = "The MAC table.",
        subcommands = {Fdb.Show.class, Fdb.Flush.class, Fdb.Add.class, Fdb.Del.class})
    static final class Fdb
    {
        @ParentCommand
        CtlCommand ctl;

        @Option(names = "--port", paramLabel = "NAME", description = "only this port",
            scope = picocli.CommandLine.ScopeType.INHERIT)
        String port;

        @Option(names = "--vlan", paramLabel = "VID", description = "only this VLAN",
            scope = picocli.CommandLine.ScopeType.INHERIT)
        Integer vlan;

        ObjectNode filter()
        {
            final ObjectNode args = args();
            if (port != null)
            {
                args.put("port", port);
            }
            if (vlan != null)
            {
                args.put("vlan", vlan);
            }
            return args;
        }

        @Command(name = "show", mixinStandardHelpOptions = true, description = "Show learned and static MACs.")
        static final class Show implements Callable<Integer>
        {
            @ParentCommand
            Fdb fdb;

            @Override
            public Integer call()
            {
                final CtlCommand ctl = fdb.ctl;
                return ctl.call((client, out) ->
                {
                    final JsonNode result = client.call("fdb.show", fdb.filter());
                    if (ctl.json)
                    {
                        out.println(pretty(result));
                        return 0;
                    }
                    final TableRenderer table = new TableRenderer("port", "vlan", "mac", "age");
                    for (final JsonNode e : result)
                    {
                        table.row(e.path("port").asText(), e.path("vlan").asInt(), e.path("mac").asText(),
                            e.path("static").asBoolean() ? "static" : e.path("age_s").asText());
                    }
                    out.print(table.render());
                    return 0;
                });
            }
        }

        @Command(name = "add", mixinStandardHelpOptions = true,
            description = "Add a static entry (never aged or moved); saved to the config file.")
        static final class Add implements Callable<Integer>
        {
            @ParentCommand
            Fdb fdb;

            @picocli.CommandLine.Parameters(paramLabel = "MAC")
            String mac;

            @Override
            public Integer call()
            {
                final ObjectNode args = fdb.filter();
                args.put("mac", mac);
                return fdb.ctl.change("fdb.add", args);
            }
        }

        @Command(name = "del", mixinStandardHelpOptions = true,
            description = "Remove an entry (a static one is removed from the config file too).")
        static final class Del implements Callable<Integer>
        {
            @ParentCommand
            Fdb fdb;

            @picocli.CommandLine.Parameters(paramLabel = "MAC")
            String mac;

            @Override
            public Integer call()
            {
                final ObjectNode args = fdb.filter();
                args.put("mac", mac);
                return fdb.ctl.change("fdb.del", args);
            }
        }

        @Command(name = "flush", mixinStandardHelpOptions = true, description = "Forget learned MACs.")
        static final class Flush implements Callable<Integer>
        {
            @ParentCommand
            Fdb fdb;

            @Override
            public Integer call()
            {
                final CtlCommand ctl = fdb.ctl;
                return ctl.call((client, out) ->
                {
                    final JsonNode result = client.call("fdb.flush", fdb.filter());
                    out.println(ctl.json ? pretty(result) : "removed " + result.path("removed").asLong() + " entries");
                    return 0;
                });
            }
        }
    }

    @Command(name = "vlan", mixinStandardHelpOptions = true, description = "VLANs and the ports that carry them.")
    static final class Vlan implements Callable<Integer>
    {
        @ParentCommand
        CtlCommand ctl;

        @Override
        public Integer call()
        {
            return ctl.call((client, out) ->
            {
                final JsonNode result = client.call("vlan.show", args());
                if (ctl.json)
                {
                    out.println(pretty(result));
                    return 0;
                }
                final TableRenderer table = new TableRenderer("vlan", "port", "egress", "state");
                for (final JsonNode v : result)
                {
                    for (final JsonNode p : v.path("ports"))
                    {
                        table.row(v.path("vlan").asInt(), p.path("port").asText(),
                            p.path("tagged").asBoolean() ? "tagged" : "untagged",
                            p.path("up").asBoolean() ? "up" : "down");
                    }
                }
                out.print(table.render());
                return 0;
            });
        }
    }

    @Command(name = "capture", mixinStandardHelpOptions = true,
        description = "Capture a port's frames to a pcap file (nanosecond timestamps, Ethernet).",
        subcommands = {Capture.Start.class, Capture.Stop.class, Capture.ListCaptures.class})
    static final class Capture
    {
        @ParentCommand
        CtlCommand ctl;

        static String describe(final JsonNode c)
        {
            return c.path("port").asText() + " -> " + c.path("file").asText() + ": " + c.path("frames").asLong() +
                " frames, " + c.path("dropped").asLong() + " dropped" + (c.path("done").asBoolean() ? ", done" : "") +
                (c.has("error") ? ", error: " + c.path("error").asText() : "");
        }

        @Command(name = "start", mixinStandardHelpOptions = true, description = "Start capturing a port.")
        static final class Start implements Callable<Integer>
        {
            @ParentCommand
            Capture capture;

            @picocli.CommandLine.Parameters(index = "0", paramLabel = "PORT")
            String port;

            @picocli.CommandLine.Parameters(index = "1", paramLabel = "FILE.pcap")
            Path file;

            @Option(names = "--count", paramLabel = "N", description = "stop after N frames")
            long count;

            @Option(names = "--duration", paramLabel = "S", description = "stop after S seconds")
            long duration;

            @Option(names = "--snaplen", paramLabel = "BYTES", description = "bytes kept per frame (default 9216)")
            Integer snaplen;

            @Option(names = "--wait", description = "show progress until the capture ends")
            boolean waitForEnd;

            @Override
            public Integer call()
            {
                final CtlCommand ctl = capture.ctl;
                return ctl.call((client, out) ->
                {
                    final ObjectNode args = args();
                    args.put("port", port);
                    args.put("file", file.toAbsolutePath().toString());
                    args.put("count", count);
                    args.put("duration_s", duration);
                    if (snaplen != null)
                    {
                        args.put("snaplen", snaplen);
                    }
                    if (!waitForEnd)
                    {
                        final JsonNode result = client.call("capture.start", args);
                        out.println(ctl.json ? pretty(result) : "capturing " + describe(result));
                        return 0;
                    }
                    args.put("wait", true);
                    client.stream("capture.start", args, progress ->
                    {
                        try
                        {
                            out.println(ctl.json ? ControlCodec.JSON.writeValueAsString(progress) : describe(progress));
                        }
                        catch (final JsonProcessingException ex)
                        {
                            return false;
                        }
                        out.flush();
                        return !out.checkError();
                    });
                    return 0;
                });
            }
        }

        @Command(name = "stop", mixinStandardHelpOptions = true, description = "Stop a capture; the file is complete.")
        static final class Stop implements Callable<Integer>
        {
            @ParentCommand
            Capture capture;

            @picocli.CommandLine.Parameters(paramLabel = "PORT")
            String port;

            @Override
            public Integer call()
            {
                final CtlCommand ctl = capture.ctl;
                return ctl.call((client, out) ->
                {
                    final ObjectNode args = args();
                    args.put("port", port);
                    final JsonNode result = client.call("capture.stop", args);
                    out.println(ctl.json ? pretty(result) : describe(result));
                    return 0;
                });
            }
        }

        @Command(name = "list", mixinStandardHelpOptions = true, description = "Running captures.")
        static final class ListCaptures implements Callable<Integer>
        {
            @ParentCommand
            Capture capture;

            @Override
            public Integer call()
            {
                final CtlCommand ctl = capture.ctl;
                return ctl.call((client, out) ->
                {
                    final JsonNode result = client.call("capture.list", args());
                    if (ctl.json)
                    {
                        out.println(pretty(result));
                        return 0;
                    }
                    for (final JsonNode c : result)
                    {
                        out.println(describe(c));
                    }
                    return 0;
                });
            }
        }
    }

    @Command(name = "config", mixinStandardHelpOptions = true, description = "The running config.",
        subcommands = {ConfigCmd.Show.class, ConfigCmd.Save.class, ConfigCmd.Reload.class})
    static final class ConfigCmd
    {
        @ParentCommand
        CtlCommand ctl;

        @Command(name = "show", mixinStandardHelpOptions = true, description = "Print the running config as YAML.")
        static final class Show implements Callable<Integer>
        {
            @ParentCommand
            ConfigCmd config;

            @Override
            public Integer call()
            {
                return config.ctl.call((client, out) ->
                {
                    final JsonNode result = client.call("config.show", args());
                    out.print(config.ctl.json ? pretty(result) + "\n" : result.path("yaml").asText());
                    return 0;
                });
            }
        }

        @Command(name = "save", mixinStandardHelpOptions = true,
            description = "Write the running config to the config file (atomically).")
        static final class Save implements Callable<Integer>
        {
            @ParentCommand
            ConfigCmd config;

            @Override
            public Integer call()
            {
                return config.ctl.call((client, out) ->
                {
                    final JsonNode result = client.call("config.save", args());
                    out.println(config.ctl.json ? pretty(result) : "saved " + result.path("saved").asText());
                    return 0;
                });
            }
        }

        @Command(name = "reload", mixinStandardHelpOptions = true,
            description = "Re-read the config file and apply only what changed; a broken file changes nothing.")
        static final class Reload implements Callable<Integer>
        {
            @ParentCommand
            ConfigCmd config;

            @Override
            public Integer call()
            {
                return config.ctl.change("config.reload", args());
            }
        }
    }

    @Command(name = "stats", mixinStandardHelpOptions = true,
        description = "Per-port counters; --watch streams them with rates.")
    static final class Stats implements Callable<Integer>
    {
        @ParentCommand
        CtlCommand ctl;

        @Option(names = "--port", paramLabel = "NAME", description = "only this port")
        String port;

        @Option(names = "--watch", description = "print a sample every --interval")
        boolean watch;

        @Option(names = "--interval", paramLabel = "MS", description = "watch interval in ms (default: 1000)")
        long intervalMs = 1000;

        @Option(names = "--count", paramLabel = "N", description = "watch samples, 0 for no end (default: 0)")
        long count;

        @Override
        public Integer call()
        {
            return ctl.call((client, out) ->
            {
                final ObjectNode args = args();
                if (port != null)
                {
                    args.put("port", port);
                }
                if (!watch)
                {
                    final JsonNode result = client.call("stats", args);
                    out.print(ctl.json ? pretty(result) + "\n" : table(result, false));
                    return 0;
                }
                args.put("interval_ms", intervalMs);
                args.put("count", count);
                client.stream("stats.watch", args, sample ->
                {
                    try
                    {
                        out.print(ctl.json ? ControlCodec.JSON.writeValueAsString(sample) + "\n" :
                            table(sample.path("ports"), true) + "\n");
                        out.flush();
                        return !out.checkError();
                    }
                    catch (final JsonProcessingException ex)
                    {
                        return false;
                    }
                });
                return 0;
            });
        }

        private static String table(final JsonNode ports, final boolean rates)
        {
            final java.util.List<String> headers = new java.util.ArrayList<>(java.util.List.of(
                "port", "rx_packets", "rx_bytes", "tx_packets", "tx_bytes"));
            if (rates)
            {
                headers.addAll(java.util.List.of("rx_pps", "tx_pps", "rx_bps", "tx_bps"));
            }
            for (final DropReason reason : DropReason.values())
            {
                headers.add("drop_" + reason.label());
            }
            final TableRenderer table = new TableRenderer(headers.toArray(new String[0]));
            for (final JsonNode p : ports)
            {
                final java.util.List<Object> row = new java.util.ArrayList<>(java.util.List.of(p.path("port").asText(),
                    p.path("rx_packets").asLong(), p.path("rx_bytes").asLong(), p.path("tx_packets").asLong(),
                    p.path("tx_bytes").asLong()));
                if (rates)
                {
                    row.addAll(java.util.List.of(p.path("rx_pps").asLong(), p.path("tx_pps").asLong(),
                        p.path("rx_bps").asLong(), p.path("tx_bps").asLong()));
                }
                for (final DropReason reason : DropReason.values())
                {
                    row.add(p.path("drops").path(reason.label()).asLong());
                }
                table.row(row.toArray());
            }
            return table.render();
        }
    }

    @Command(name = "shutdown", mixinStandardHelpOptions = true,
        description = "Stop the daemon (it removes the TAPs it created).")
    static final class Shutdown implements Callable<Integer>
    {
        @ParentCommand
        CtlCommand ctl;

        @Override
        public Integer call()
        {
            return ctl.call((client, out) ->
            {
                final JsonNode result = client.call("shutdown", args());
                out.println(ctl.json ? pretty(result) : "l2mesh: stopping");
                return 0;
            });
        }
    }
}
