package io.l2mesh.tuntap;

import java.util.Arrays;

/**
 * The credentials of the process at the other end of a unix socket as the kernel saw them when it connected:
 * {@code SO_PEERCRED} (pid, uid, gid) and {@code SO_PEERGROUPS} (its supplementary groups, whichever way they
 * were granted: /etc/group, LDAP or any other NSS source).
 *
 * @param groups supplementary group ids, sorted.
 */
public record PeerCred(int pid, int uid, int gid, int[] groups)
{
    public PeerCred
    {
        groups = groups.clone();
        Arrays.sort(groups);
    }

    public PeerCred(final int pid, final int uid, final int gid)
    {
        this(pid, uid, gid, new int[0]);
    }

    /**
     * @return true if {@code groupId} is the peer's primary group or one of its supplementary ones.
     */
    public boolean inGroup(final int groupId)
    {
        return groupId >= 0 && (gid == groupId || Arrays.binarySearch(groups, groupId) >= 0);
    }

    @Override
    public int[] groups()
    {
        return groups.clone();
    }

    @Override
    public boolean equals(final Object o)
    {
        return o instanceof PeerCred other && pid == other.pid && uid == other.uid && gid == other.gid &&
            Arrays.equals(groups, other.groups);
    }

    @Override
    public int hashCode()
    {
        return 31 * (31 * (31 * pid + uid) + gid) + Arrays.hashCode(groups);
    }

    @Override
    public String toString()
    {
        return "uid " + uid + " gid " + gid + " groups " + Arrays.toString(groups) + " pid " + pid;
    }
}
