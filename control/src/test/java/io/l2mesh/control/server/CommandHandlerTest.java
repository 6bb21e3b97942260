package io.l2mesh.control.server;

import io.l2mesh.tuntap.PeerCred;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The commands and the roles they need, against docs/control-protocol.md, and who gets which role.
 */
class CommandHandlerTest
{
    private static final Path PROTOCOL = Path.of("..", "docs", "control-protocol.md");

    /**
     * @return the Commands table of the protocol document: command to role.
     */
    private static Map<String, Role> documented() throws Exception
    {
        final List<String> lines = Files.readAllLines(PROTOCOL);
        final Map<String, Role> commands = new LinkedHashMap<>();
        boolean inTable = false;
        for (final String line : lines)
        {
            if (line.startsWith("## "))
            {
                inTable = line.equals("## Commands");
                continue;
            }
            if (inTable && line.startsWith("| `"))
            {
                final String[] cells = line.split("\\|");
                commands.put(cells[1].trim().replace("`", ""), Role.valueOf(cells[2].trim().toUpperCase()));
            }
        }
        return commands;
    }

    @Test
    void shouldDocumentEveryCommandWithTheRoleItNeeds() throws Exception
    {
        assertThat(documented()).as(PROTOCOL + " lists every command, with its role")
            .containsExactlyInAnyOrderEntriesOf(CommandHandler.COMMANDS);
    }

    @Test
    void shouldLetMonitorsReadAndOnlyAdminsChange()
    {
        assertThat(CommandHandler.COMMANDS).containsEntry("stats.watch", Role.MONITOR)
            .containsEntry("config.show", Role.MONITOR).containsEntry("port.add", Role.ADMIN)
            .containsEntry("capture.start", Role.ADMIN).containsEntry("shutdown", Role.ADMIN)
            .containsEntry("fec.set", Role.ADMIN).containsEntry("peer.add", Role.ADMIN);
    }

    @Test
    void shouldGiveRolesFromPrimaryAndSupplementaryGroups()
    {
        final Authorizer authorizer = new Authorizer("l2admin", 900, "l2mon", 901);
        assertThat(authorizer.role(new PeerCred(1, 0, 0))).isEqualTo(Role.ADMIN);
        assertThat(authorizer.role(new PeerCred(1, 1000, 900))).isEqualTo(Role.ADMIN);
        assertThat(authorizer.role(new PeerCred(1, 1000, 1000, new int[] {5, 900}))).isEqualTo(Role.ADMIN);
        assertThat(authorizer.role(new PeerCred(1, 1000, 1000, new int[] {901}))).isEqualTo(Role.MONITOR);
        assertThat(authorizer.role(new PeerCred(1, 1000, 1000, new int[] {900, 901}))).isEqualTo(Role.ADMIN);
        assertThat(authorizer.role(new PeerCred(1, 1000, 1000, new int[] {4, 27}))).isEqualTo(Role.NONE);
        assertThat(new Authorizer(null, -1, null, -1).role(new PeerCred(1, 1000, 1000, new int[] {-1})))
            .as("no groups configured: root only").isEqualTo(Role.NONE);
        assertThat(authorizer.socketGid()).isEqualTo(901);
        assertThat(authorizer.denial(new PeerCred(1, 1000, 1000, new int[] {901}), Role.MONITOR, "port.add",
            Role.ADMIN)).isEqualTo("'port.add' needs the admin role; uid 1000 has the monitor role (admin: root or " +
            "group 'l2admin')");
    }
}
