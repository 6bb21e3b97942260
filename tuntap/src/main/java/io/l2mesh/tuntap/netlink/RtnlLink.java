package io.l2mesh.tuntap.netlink;

import io.l2mesh.tuntap.Errno;
import io.l2mesh.tuntap.Libc;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * Link state through rtnetlink: up/down, MTU, MAC, and reading them back. Replaces {@code ip link set}.
 * Control path only; thread-safe through the socket.
 */
public final class RtnlLink implements AutoCloseable
{
    static final int RTM_NEWLINK = 16;
    static final int RTM_GETLINK = 18;
    static final int RTM_SETLINK = 19;
    static final int IFLA_ADDRESS = 1;
    static final int IFLA_IFNAME = 3;
    static final int IFLA_MTU = 4;
    static final int IFF_UP = 0x1;
    static final int IFINFOMSG_SIZE = 16;

    private final NetlinkSocket socket = new NetlinkSocket();

    /**
     * @return the interface index in this network namespace.
     * @throws NetlinkError with ENODEV when there is no such interface.
     */
    public static int indexOf(final String name)
    {
        final int index = Libc.ifNameToIndex(name);
        if (index == 0)
        {
            throw new NetlinkError("if_nametoindex " + name, Errno.ENODEV, null);
        }
        return index;
    }

    public void setUp(final String name, final boolean up)
    {
        final int index = indexOf(name);
        socket.request("RTM_SETLINK " + (up ? "up" : "down") + " on " + name,
            new NetlinkMessageBuilder(RTM_SETLINK, NetlinkSocket.NLM_F_ACK).ifInfo(index, up ? IFF_UP : 0, IFF_UP));
    }

    public void setMtu(final String name, final int mtu)
    {
        final int index = indexOf(name);
        socket.request("RTM_SETLINK mtu=" + mtu + " on " + name,
            new NetlinkMessageBuilder(RTM_SETLINK, NetlinkSocket.NLM_F_ACK).ifInfo(index, 0, 0)
                .attribute(IFLA_MTU, mtu));
    }

    public void setMac(final String name, final byte[] mac)
    {
        if (mac.length != 6)
        {
            throw new IllegalArgumentException("MAC must be 6 bytes, got " + mac.length);
        }
        final int index = indexOf(name);
        socket.request("RTM_SETLINK address on " + name,
            new NetlinkMessageBuilder(RTM_SETLINK, NetlinkSocket.NLM_F_ACK).ifInfo(index, 0, 0)
                .attribute(IFLA_ADDRESS, mac));
    }

    /**
     * Reads a link's state with {@code RTM_GETLINK}.
     */
    public LinkInfo get(final String name)
    {
        final MemorySegment reply = socket.request("RTM_GETLINK " + name,
            new NetlinkMessageBuilder(RTM_GETLINK, NetlinkSocket.NLM_F_ACK).ifInfo(0, 0, 0)
                .attribute(IFLA_IFNAME, name));
        if (reply == null || (reply.get(JAVA_SHORT, 4) & 0xffff) != RTM_NEWLINK)
        {
            throw new NetlinkError("RTM_GETLINK " + name, Errno.ENODEV, "no link in reply");
        }
        final int length = reply.get(JAVA_INT, 0);
        final long info = NetlinkSocket.NLMSG_HDRLEN;
        final int index = reply.get(JAVA_INT, info + 4);
        final int flags = reply.get(JAVA_INT, info + 8);
        int mtu = 0;
        byte[] mac = new byte[0];
        String ifName = name;
        long attr = info + IFINFOMSG_SIZE;
        while (attr + 4 <= length)
        {
            final int attrLength = reply.get(JAVA_SHORT, attr) & 0xffff;
            final int attrType = reply.get(JAVA_SHORT, attr + 2) & 0x3fff;
            if (attrLength < 4 || attr + attrLength > length)
            {
                break;
            }
            final MemorySegment data = reply.asSlice(attr + 4, attrLength - 4);
            switch (attrType)
            {
                case IFLA_MTU -> mtu = data.get(JAVA_INT, 0);
                case IFLA_ADDRESS -> mac = data.toArray(JAVA_BYTE);
                case IFLA_IFNAME -> ifName = data.getString(0, StandardCharsets.US_ASCII);
                default ->
                {
                }
            }
            attr += NetlinkSocket.align(attrLength);
        }
        return new LinkInfo(ifName, index, (flags & IFF_UP) != 0, mtu, mac);
    }

    @Override
    public void close()
    {
        socket.close();
    }
}
