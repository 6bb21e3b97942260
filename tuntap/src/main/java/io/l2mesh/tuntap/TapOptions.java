package io.l2mesh.tuntap;

/**
 * How to open a TAP device.
 *
 * @param name       interface name (at most 15 characters); created when absent, attached when present.
 * @param queueCount number of queue fds to open; more than one needs {@code multiQueue}.
 * @param multiQueue open with {@code IFF_MULTI_QUEUE}.
 * @param vnetHdr    open with {@code IFF_VNET_HDR}: every frame is preceded by a 10-byte virtio-net header and
 *                   the kernel may pass 64 KiB GSO frames with partial checksums ({@code TUNSETOFFLOAD}).
 * @param persistent keep a device we created after close ({@code TUNSETPERSIST}); otherwise it is removed when
 *                   the last queue closes.
 */
public record TapOptions(String name, int queueCount, boolean multiQueue, boolean vnetHdr, boolean persistent)
{
    public TapOptions
    {
        IfReq.checkName(name);
        if (queueCount < 1 || queueCount > Tun.MAX_QUEUES)
        {
            throw new IllegalArgumentException("queueCount=" + queueCount + " out of range 1.." + Tun.MAX_QUEUES);
        }
        if (queueCount > 1 && !multiQueue)
        {
            throw new IllegalArgumentException("queueCount=" + queueCount + " needs multiQueue");
        }
    }

    public static TapOptions single(final String name)
    {
        return new TapOptions(name, 1, false, false, false);
    }

    int flags()
    {
        return Tun.IFF_TAP | Tun.IFF_NO_PI | (multiQueue ? Tun.IFF_MULTI_QUEUE : 0) | (vnetHdr ? Tun.IFF_VNET_HDR : 0);
    }
}
