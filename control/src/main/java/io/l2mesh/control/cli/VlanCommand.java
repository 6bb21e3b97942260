package io.l2mesh.control.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

import java.util.concurrent.Callable;

/**
 * {@code l2mesh ctl vlan}: see {@link CtlCommand}.
 */
@Command(name = "vlan", mixinStandardHelpOptions = true, description = "VLANs and the ports that carry them.")
final class VlanCommand implements Callable<Integer>
{
    @ParentCommand
    CtlCommand ctl;

    @Override
    public Integer call()
    {
        return ctl.query("vlan.show", CtlCommand.args(), (result, out) ->
        {
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
        });
    }
}
