package io.l2mesh.tuntap;

/**
 * Specification constants of the Linux TUN/TAP driver ({@code linux/if_tun.h}, {@code linux/virtio_net.h}).
 */
public final class Tun
{
    public static final String DEVICE_PATH = "/dev/net/tun";
    public static final int MISC_MAJOR = 10;
    public static final int TUN_MINOR = 200;

    public static final long TUNSETIFF = 0x400454caL;
    public static final long TUNSETPERSIST = 0x400454cbL;
    public static final long TUNGETFEATURES = 0x800454cfL;
    public static final long TUNSETOFFLOAD = 0x400454d0L;
    public static final long TUNGETIFF = 0x800454d2L;
    public static final long TUNSETVNETHDRSZ = 0x400454d8L;

    public static final int IFF_TAP = 0x0002;
    public static final int IFF_MULTI_QUEUE = 0x0100;
    public static final int IFF_NO_PI = 0x1000;
    public static final int IFF_VNET_HDR = 0x4000;

    public static final int TUN_F_CSUM = 0x01;
    public static final int TUN_F_TSO4 = 0x02;
    public static final int TUN_F_TSO6 = 0x04;
    public static final int TUN_F_TSO_ECN = 0x08;

    /** The offloads a switch port can take: checksum and TCP segmentation left to the final receiver. */
    public static final int TCP_OFFLOADS = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN;

    /** {@code struct virtio_net_hdr} without {@code num_buffers}. */
    public static final int VNET_HDR_SIZE = 10;

    /** The kernel's limit on queues per multi-queue TUN/TAP device. */
    public static final int MAX_QUEUES = 256;

    private Tun()
    {
    }
}
