package io.l2mesh.control.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

import java.util.concurrent.Callable;

/**
 * {@code l2mesh ctl config}: see {@link CtlCommand}.
 */
@Command(name = "config", mixinStandardHelpOptions = true, description = "The running config.",
    subcommands = {ConfigCommand.Show.class, ConfigCommand.Save.class, ConfigCommand.Reload.class})
final class ConfigCommand
{
    @ParentCommand
    CtlCommand ctl;

    @Command(name = "show", mixinStandardHelpOptions = true, description = "Print the running config as YAML.")
    static final class Show implements Callable<Integer>
    {
        @ParentCommand
        ConfigCommand config;

        @Override
        public Integer call()
        {
            return config.ctl.call((client, out) ->
            {
                final JsonNode result = client.call("config.show", CtlCommand.args());
                out.print(config.ctl.json ? CtlCommand.pretty(result) + "\n" : result.path("yaml").asText());
                return 0;
            });
        }
    }

    @Command(name = "save", mixinStandardHelpOptions = true,
        description = "Write the running config to the config file (atomically).")
    static final class Save implements Callable<Integer>
    {
        @ParentCommand
        ConfigCommand config;

        @Override
        public Integer call()
        {
            return config.ctl.query("config.save", CtlCommand.args(),
                (result, out) -> out.println("saved " + result.path("saved").asText()));
        }
    }

    @Command(name = "reload", mixinStandardHelpOptions = true,
        description = "Re-read the config file and apply only what changed; a broken file changes nothing.")
    static final class Reload implements Callable<Integer>
    {
        @ParentCommand
        ConfigCommand config;

        @Override
        public Integer call()
        {
            return config.ctl.change("config.reload", CtlCommand.args());
        }
    }
}
