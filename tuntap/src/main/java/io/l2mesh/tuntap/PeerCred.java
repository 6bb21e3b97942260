package io.l2mesh.tuntap;

/**
 * The credentials of the process at the other end of a unix socket, from {@code SO_PEERCRED}.
 */
public record PeerCred(int pid, int uid, int gid)
{
}
