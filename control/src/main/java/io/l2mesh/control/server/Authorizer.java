package io.l2mesh.control.server;

import io.l2mesh.tuntap.Groups;
import io.l2mesh.tuntap.PeerCred;

/**
 * Gives a control client its {@link Role} from the credentials the kernel recorded when it connected
 * ({@code SO_PEERCRED} and {@code SO_PEERGROUPS}, so every NSS group source counts): root and members of the
 * admin group are {@link Role#ADMIN}, members of the monitor group {@link Role#MONITOR}, everyone else
 * {@link Role#NONE}. Group names are looked up once, at start, through {@code getgrnam_r}.
 */
public final class Authorizer
{
    private final String adminGroup;
    private final String monitorGroup;
    private final int adminGid;
    private final int monitorGid;

    /**
     * @param adminGroup   group whose members are admins besides root, or null.
     * @param adminGid     its id.
     * @param monitorGroup group whose members may use the read-only commands, or null.
     * @param monitorGid   its id.
     */
    Authorizer(final String adminGroup, final int adminGid, final String monitorGroup, final int monitorGid)
    {
        this.adminGroup = adminGroup;
        this.monitorGroup = monitorGroup;
        this.adminGid = adminGroup == null ? -1 : adminGid;
        this.monitorGid = monitorGroup == null ? -1 : monitorGid;
    }

    /**
     * @throws IllegalArgumentException naming a group that does not exist.
     */
    public static Authorizer system(final String adminGroup, final String monitorGroup)
    {
        return new Authorizer(adminGroup, lookup(adminGroup, "control.group"), monitorGroup,
            lookup(monitorGroup, "control.monitor-group"));
    }

    private static int lookup(final String group, final String key)
    {
        if (group == null)
        {
            return -1;
        }
        final int gid = Groups.gidOf(group);
        if (gid < 0)
        {
            throw new IllegalArgumentException(key + ": group '" + group + "' does not exist");
        }
        return gid;
    }

    /**
     * @return the group to give the socket file: the monitor group if there is one (the wider circle: admins not in
     * it connect when the socket's mode lets others), else the admin group; -1 for root's own.
     */
    public int socketGid()
    {
        return monitorGid >= 0 ? monitorGid : adminGid;
    }

    public Role role(final PeerCred peer)
    {
        if (peer.uid() == 0 || peer.inGroup(adminGid))
        {
            return Role.ADMIN;
        }
        return peer.inGroup(monitorGid) ? Role.MONITOR : Role.NONE;
    }

    /**
     * @return why a client with no role is refused.
     */
    public String refusal(final PeerCred peer)
    {
        final StringBuilder why = new StringBuilder("uid " + peer.uid() + " may not use the control socket: it " +
            "needs root");
        if (adminGroup != null)
        {
            why.append(", or membership of group '").append(adminGroup).append("' (admin)");
        }
        if (monitorGroup != null)
        {
            why.append(", or of group '").append(monitorGroup).append("' (monitor, read-only)");
        }
        return why.toString();
    }

    /**
     * @return why {@code peer}, whose role is {@code has}, may not run {@code command}.
     */
    public String denial(final PeerCred peer, final Role has, final String command, final Role needs)
    {
        return "'" + command + "' needs the " + needs.label() + " role; uid " + peer.uid() + " has the " +
            has.label() + " role" + (adminGroup == null ? " (only root is admin)" : " (admin: root or group '" +
            adminGroup + "')");
    }
}
