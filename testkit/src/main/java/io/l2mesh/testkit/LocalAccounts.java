package io.l2mesh.testkit;

import java.util.ArrayList;
import java.util.List;

/**
 * Local users and groups a test makes for itself (useradd, groupadd), named with a suffix of its own so that runs
 * never collide, and removed by {@link #close()} even when the test failed. Needs root.
 */
public final class LocalAccounts implements AutoCloseable
{
    private final String suffix = Long.toString(ProcessHandle.current().pid() % 100_000);
    private final List<String> users = new ArrayList<>();
    private final List<String> groups = new ArrayList<>();

    /**
     * @return the name a base name gets in this run, e.g. "l2adm" -> "l2adm4711".
     */
    public String name(final String base)
    {
        return base + suffix;
    }

    /**
     * Makes group {@code name(base)}.
     *
     * @return its id.
     */
    public int group(final String base)
    {
        final String name = name(base);
        Cmd.check("groupadd", name);
        groups.add(name);
        return gid(name);
    }

    /**
     * Makes user {@code name(base)}, with a group of its own name and no home directory or login shell, member of
     * the given groups (their full names).
     *
     * @return its id.
     */
    public int user(final String base, final String... memberOf)
    {
        final String name = name(base);
        final List<String> command = new ArrayList<>(List.of("useradd", "--no-create-home", "--user-group",
            "--shell", "/usr/sbin/nologin"));
        if (memberOf.length > 0)
        {
            command.add("--groups");
            command.add(String.join(",", memberOf));
        }
        command.add(name);
        Cmd.run(30_000, command).check();
        users.add(name);
        return Integer.parseInt(Cmd.check("id", "-u", name).strip());
    }

    public static int gid(final String group)
    {
        return Integer.parseInt(Cmd.check("getent", "group", group).split(":")[2]);
    }

    @Override
    public void close()
    {
        for (final String user : users)
        {
            Cmd.run(30_000, "userdel", user); // removes its own group too
        }
        for (final String group : groups)
        {
            Cmd.run(30_000, "groupdel", group);
        }
    }
}
