package io.l2mesh.control.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.l2mesh.control.config.ControlConfig;
import io.l2mesh.control.protocol.ControlCodec;
import io.l2mesh.control.protocol.ControlException;
import io.l2mesh.tuntap.Errno;
import io.l2mesh.tuntap.NativeError;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Path;

/**
 * {@code l2mesh ctl}: talk to a running daemon over its control socket. Human-readable tables by default,
 * {@code --json} for scripts. Exit codes: 0 done, 1 the daemon refused the request (its error code and message
 * are printed), 2 usage, 3 the daemon cannot be reached or may not be used by this user.
 */
@Command(name = "ctl", mixinStandardHelpOptions = true, description = "Control a running l2mesh daemon.",
    subcommands = {StatusCommand.class, PortCommand.class, FdbCommand.class, VlanCommand.class,
        StatsCommand.class, CaptureCommand.class, ConfigCommand.class, TunnelCommand.Peer.class,
        TunnelCommand.Fec.class, TunnelCommand.Handshake.class, TunnelCommand.Relay.class, TunnelCommand.Impair.class,
        RegistryCommand.class, TestCommand.class, ShutdownCommand.class})
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

    @Option(names = "--confirm", paramLabel = "S", description = "for a command that changes the config: roll " +
        "it back by itself unless 'l2mesh ctl config confirm' comes within S seconds (commit-confirm)",
        scope = picocli.CommandLine.ScopeType.INHERIT)
    Integer confirmSeconds;

    private boolean changing;

    interface Action
    {
        int run(ControlClient client, PrintStream out) throws Exception;
    }

    int call(final Action action)
    {
        final PrintStream out = System.out;
        if (confirmSeconds != null && !changing)
        {
            System.err.println("l2mesh ctl: --confirm is for commands that change the config");
            return picocli.CommandLine.ExitCode.USAGE;
        }
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
     * Renders a command's result for people.
     */
    interface Renderer
    {
        void render(JsonNode result, PrintStream out);
    }

    /**
     * Runs a command and prints its result: the JSON with {@code --json}, else {@code human}'s rendering.
     */
    int query(final String command, final ObjectNode args, final Renderer human)
    {
        return call((client, out) ->
        {
            final JsonNode result = client.call(command, args);
            if (json)
            {
                out.println(pretty(result));
            }
            else
            {
                human.render(result, out);
            }
            return 0;
        });
    }

    /**
     * Runs a command that changes the config and prints what changed.
     */
    int change(final String command, final ObjectNode args)
    {
        changing = true;
        if (confirmSeconds != null)
        {
            args.put("confirm_s", confirmSeconds);
        }
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
            final long confirmWithin = result.path("confirm_within_s").asLong(-1);
            if (confirmWithin >= 0)
            {
                out.println("unconfirmed: rolls back in " + confirmWithin + " s unless 'l2mesh ctl config confirm'");
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

}
