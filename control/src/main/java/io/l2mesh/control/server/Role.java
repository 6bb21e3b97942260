package io.l2mesh.control.server;

/**
 * What a control client may do, decided once at accept from its credentials and checked for every request.
 * Ordered: each role may do everything the ones before it may.
 */
public enum Role
{
    /** Neither root nor in a control group: refused at the first request. */
    NONE,
    /** Members of {@code control.monitor-group}: the read-only commands. */
    MONITOR,
    /** Root and members of {@code control.group} ({@code control.admin-group}): every command. */
    ADMIN;

    public String label()
    {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    public boolean allows(final Role needed)
    {
        return compareTo(needed) >= 0;
    }
}
