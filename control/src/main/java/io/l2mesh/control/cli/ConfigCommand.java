package io.l2mesh.control.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code l2mesh ctl config}: see {@link CtlCommand}.
 */
@Command(name = "config", mixinStandardHelpOptions = true, description = "The running config.",
    subcommands = {ConfigCommand.Show.class, ConfigCommand.Save.class, ConfigCommand.Reload.class,
        ConfigCommand.Apply.class, ConfigCommand.Confirm.class})
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

    @Command(name = "apply", mixinStandardHelpOptions = true,
        description = "Apply a whole config file (only what differs changes, all or nothing) and save it; root " +
            "only. With --confirm S it rolls back by itself unless confirmed within S seconds.")
    static final class Apply implements Callable<Integer>
    {
        @ParentCommand
        ConfigCommand config;

        @Parameters(index = "0", paramLabel = "FILE", description = "the YAML config to apply")
        Path file;

        @Override
        public Integer call()
        {
            final String yaml;
            try
            {
                yaml = Files.readString(file, StandardCharsets.UTF_8);
            }
            catch (final IOException ex)
            {
                System.err.println("l2mesh ctl: cannot read " + file + ": " + ex.getMessage());
                return CtlCommand.EXIT_REFUSED;
            }
            final ObjectNode args = CtlCommand.args();
            args.put("yaml", yaml);
            return config.ctl.change("config.apply", args);
        }
    }

    @Command(name = "confirm", mixinStandardHelpOptions = true,
        description = "Keep the changes made with --confirm: they no longer roll back.")
    static final class Confirm implements Callable<Integer>
    {
        @ParentCommand
        ConfigCommand config;

        @Override
        public Integer call()
        {
            return config.ctl.query("config.confirm", CtlCommand.args(),
                (result, out) -> out.println("confirmed: the changes stay"));
        }
    }
}
