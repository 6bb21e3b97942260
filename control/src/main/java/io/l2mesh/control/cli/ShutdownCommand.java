package io.l2mesh.control.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

import java.util.concurrent.Callable;

/**
 * {@code l2mesh ctl shutdown}: see {@link CtlCommand}.
 */
@Command(name = "shutdown", mixinStandardHelpOptions = true,
    description = "Stop the daemon (it removes the TAPs it created).")
final class ShutdownCommand implements Callable<Integer>
{
    @ParentCommand
    CtlCommand ctl;

    @Override
    public Integer call()
    {
        return ctl.query("shutdown", CtlCommand.args(), (result, out) -> out.println("l2mesh: stopping"));
    }
}
