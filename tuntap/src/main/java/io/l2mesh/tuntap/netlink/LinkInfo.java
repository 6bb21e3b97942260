package io.l2mesh.tuntap.netlink;

/**
 * A link as rtnetlink reports it.
 */
public record LinkInfo(String name, int index, boolean up, int mtu, byte[] mac)
{
}
