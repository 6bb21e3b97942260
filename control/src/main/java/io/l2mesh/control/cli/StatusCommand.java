package io.l2mesh.control.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code l2mesh ctl status}: see {@link CtlCommand}.
 */
@Command(name = "status", mixinStandardHelpOptions = true, description = "Daemon version, uptime, ports, MACs.")
final class StatusCommand implements Callable<Integer>
{
    @ParentCommand
    CtlCommand ctl;

    @Override
    public Integer call()
    {
        return ctl.query("status", CtlCommand.args(), (result, out) ->
        {
            final Iterator<Map.Entry<String, JsonNode>> fields = result.fields();
            while (fields.hasNext())
            {
                final Map.Entry<String, JsonNode> field = fields.next();
                out.printf("%-18s %s%n", field.getKey(), field.getValue().asText());
            }
        });
    }
}
