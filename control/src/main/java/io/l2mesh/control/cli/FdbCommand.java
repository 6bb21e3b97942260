package io.l2mesh.control.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.util.concurrent.Callable;

/**
 * {@code l2mesh ctl fdb}: see {@link CtlCommand}.
 */
@Command(name = "fdb", mixinStandardHelpOptions = true, description = "The MAC table.",
    subcommands = {FdbCommand.Show.class, FdbCommand.Flush.class, FdbCommand.Add.class, FdbCommand.Del.class})
final class FdbCommand
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
        final ObjectNode args = CtlCommand.args();
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
        FdbCommand fdb;

        @Override
        public Integer call()
        {
            return fdb.ctl.query("fdb.show", fdb.filter(), (result, out) ->
            {
                final TableRenderer table = new TableRenderer("port", "vlan", "mac", "age");
                for (final JsonNode e : result)
                {
                    table.row(e.path("port").asText(), e.path("vlan").asInt(), e.path("mac").asText(),
                        e.path("static").asBoolean() ? "static" : e.path("age_s").asText());
                }
                out.print(table.render());
            });
        }
    }

    @Command(name = "add", mixinStandardHelpOptions = true,
        description = "Add a static entry (never aged or moved); saved to the config file.")
    static final class Add implements Callable<Integer>
    {
        @ParentCommand
        FdbCommand fdb;

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
        FdbCommand fdb;

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
        FdbCommand fdb;

        @Override
        public Integer call()
        {
            return fdb.ctl.query("fdb.flush", fdb.filter(),
                (result, out) -> out.println("removed " + result.path("removed").asLong() + " entries"));
        }
    }
}
