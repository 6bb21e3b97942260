package io.l2mesh.control;

import com.fasterxml.jackson.databind.JsonNode;
import io.l2mesh.control.config.RollbackCopy;
import io.l2mesh.control.protocol.ControlCodec;
import io.l2mesh.testkit.Cmd;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Commit-confirm as users run it, against a daemon: a change made with {@code --confirm S} is rolled back by
 * itself after S seconds (the switch and the file), one confirmed in time stays, and a daemon killed with -9
 * inside the window of a {@code config apply} comes back with the config from before it. Needs root.
 */
@Timeout(180)
class CommitConfirmIT
{
    private Path dir;
    private Path config;
    private Path state;
    private DaemonProcess daemon;

    @BeforeEach
    void start() throws Exception
    {
        dir = Files.createTempDirectory("l2mesh-confirm");
        config = dir.resolve("l2mesh.yaml");
        state = dir.resolve("state");
        Files.writeString(config, base(""));
        daemon = DaemonProcess.start(config, Map.of());
    }

    @AfterEach
    void stop() throws Exception
    {
        try
        {
            if (daemon != null)
            {
                daemon.stop();
            }
        }
        finally
        {
            Cmd.run(10_000, "rm", "-rf", dir.toString());
        }
    }

    private String base(final String morePorts)
    {
        return """
            switch:
              loops: 1
            state-dir: %s
            control:
              socket: %s
            ports:
              - name: vm0
                type: unix
                path: %s
                framing: dgram
            %s""".formatted(state, dir.resolve("l2mesh.sock"), dir.resolve("vm0.sock"), morePorts);
    }

    private String unixPort(final String name)
    {
        return "  - {name: %s, type: unix, path: %s, framing: dgram, vlan: 4}\n".formatted(name,
            dir.resolve(name + ".sock"));
    }

    private Cmd.Result ctl(final String... args)
    {
        final List<String> command = new ArrayList<>(List.of(DaemonProcess.LAUNCHER, "ctl", "--socket",
            dir.resolve("l2mesh.sock").toString()));
        command.addAll(List.of(args));
        return Cmd.run(30_000, command);
    }

    private Cmd.Result addPort(final String name, final String... more)
    {
        final List<String> args = new ArrayList<>(List.of("port", "add", name, "--unix",
            dir.resolve(name + ".sock").toString(), "--framing", "dgram", "--vlan", "4"));
        args.addAll(List.of(more));
        return ctl(args.toArray(new String[0]));
    }

    private List<String> ports() throws Exception
    {
        final List<String> names = new ArrayList<>();
        ControlCodec.JSON.readTree(ctl("port", "list", "--json").check().output())
            .forEach(p -> names.add(p.path("name").asText()));
        return names;
    }

    @Test
    void shouldRollBackAnUnconfirmedChangeAndKeepAConfirmedOne() throws Exception
    {
        // Windows of several seconds: each CLI call starts a JVM (a second or more on a loaded 2-CPU machine).
        final long madeMs = System.currentTimeMillis();
        assertThat(addPort("vm1", "--confirm", "8").check().output()).contains("add port vm1")
            .contains("unconfirmed: rolls back in 8 s");
        assertThat(RollbackCopy.path(state)).as("the config to go back to, kept in the state dir").exists();
        assertThat(Files.readString(config)).as("the change is saved meanwhile").contains("vm1");
        assertThat(ports()).contains("vm1");

        final Cmd.Result refused = addPort("vm9");
        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(refused.output()).contains("an unconfirmed change rolls back in");

        final long deadline = System.currentTimeMillis() + 20_000;
        while (ports().contains("vm1") && System.currentTimeMillis() < deadline)
        {
            Thread.sleep(100);
        }
        final long rolledBackMs = System.currentTimeMillis() - madeMs;
        System.out.println("CommitConfirmIT: --confirm 8 rolled back " + rolledBackMs + " ms after the CLI started");
        assertThat(rolledBackMs).as("not before its deadline").isGreaterThanOrEqualTo(8_000);
        assertThat(ports()).as("rolled back").doesNotContain("vm1").contains("vm0");
        assertThat(Files.readString(config)).as("and saved").doesNotContain("vm1");
        assertThat(RollbackCopy.path(state)).doesNotExist();
        final JsonNode shown = ControlCodec.JSON.readTree(ctl("config", "show", "--json").check().output());
        assertThat(shown.path("rollbacks").asLong()).isEqualTo(1);
        assertThat(shown.path("confirm_within_s").asLong()).isEqualTo(-1);

        final long secondMs = System.currentTimeMillis();
        assertThat(addPort("vm2", "--confirm", "6").check().output()).contains("add port vm2");
        assertThat(ctl("config", "confirm").check().output()).contains("confirmed");
        Thread.sleep(Math.max(0, secondMs + 8_000 - System.currentTimeMillis())); // past the window's deadline
        assertThat(ports()).as("confirmed in time: stays").contains("vm2");
        assertThat(Files.readString(config)).contains("vm2");
        assertThat(RollbackCopy.path(state)).doesNotExist();
        assertThat(ctl("config", "confirm").exitCode()).as("nothing left to confirm").isEqualTo(1);

        final Cmd.Result readOnly = ctl("port", "list", "--confirm", "5");
        assertThat(readOnly.exitCode()).isEqualTo(2);
        assertThat(readOnly.output()).contains("--confirm is for commands that change the config");
    }

    @Test
    void shouldComeBackWithTheOldConfigWhenKilledInsideTheWindow() throws Exception
    {
        final Path next = dir.resolve("next.yaml");
        Files.writeString(next, base(unixPort("vm3")));
        assertThat(ctl("config", "apply", next.toString(), "--confirm", "60").check().output())
            .contains("add port vm3").contains("unconfirmed: rolls back in 60 s");
        assertThat(ports()).contains("vm3");
        assertThat(Files.readString(config)).contains("vm3");

        daemon.process().destroyForcibly().waitFor(); // kill -9 inside the window
        daemon = DaemonProcess.start(config, Map.of());
        System.out.println("CommitConfirmIT: restarted after kill -9 inside the window:\n" + daemon.output());
        assertThat(daemon.output()).contains("unconfirmed change is rolled back");
        assertThat(ports()).as("the config from before the apply").containsExactly("vm0");
        assertThat(Files.readString(config)).doesNotContain("vm3");
        assertThat(RollbackCopy.path(state)).doesNotExist();

        final Cmd.Result broken = ctl("config", "apply", dir.resolve("missing.yaml").toString());
        assertThat(broken.exitCode()).isEqualTo(1);
        Files.writeString(next, "ports: [{name: vm0, type: unix}]\n");
        final Cmd.Result refused = ctl("config", "apply", next.toString(), "--confirm", "5");
        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(refused.output()).contains("config refused, nothing changed");
        assertThat(RollbackCopy.path(state)).as("a refused change leaves no rollback copy").doesNotExist();
    }
}
