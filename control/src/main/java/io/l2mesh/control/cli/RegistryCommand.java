package io.l2mesh.control.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

import java.util.concurrent.Callable;

/**
 * {@code l2mesh ctl registry show}: the mesh registry as this node sees it (docs/registry.md).
 */
@Command(name = "registry", mixinStandardHelpOptions = true, description = "The mesh registry (etcd).",
    subcommands = {RegistryCommand.Show.class})
final class RegistryCommand
{
    @ParentCommand
    CtlCommand ctl;

    @Command(name = "show", mixinStandardHelpOptions = true,
        description = "Connected?, revision, lease, entries accepted and refused (with reasons).")
    static final class Show implements Callable<Integer>
    {
        @ParentCommand
        RegistryCommand registry;

        @Override
        public Integer call()
        {
            return registry.ctl.query("registry.show", CtlCommand.args(), (result, out) ->
            {
                out.printf("node %s in mesh %s, etcd %s%n", result.path("node").asText(), result.path("mesh").asText(),
                    result.path("etcd"));
                out.printf("connected %s%s, revision %d, lease %s (ttl %d s), deny list serial %d%n",
                    result.path("connected").asBoolean() ? "yes" : "no",
                    result.path("connected").asBoolean() ? "" : " (" + result.path("last_error").asText() + ")",
                    result.path("revision").asLong(), result.path("lease").asText("-"),
                    result.path("lease_ttl_s").asInt(), result.path("deny_serial").asLong());
                out.printf("entries: %d accepted (%d shadowed by config peers), refused %s%n",
                    result.path("accepted").asInt(), result.path("shadowed").asInt(), result.path("refused"));
                final TableRenderer table = new TableRenderer("entry", "state", "endpoints");
                for (final JsonNode e : result.path("entries"))
                {
                    table.row(e.path("name").asText(), e.path("state").asText(), e.path("endpoints").asText("-"));
                }
                out.print(table.render());
            });
        }
    }
}
