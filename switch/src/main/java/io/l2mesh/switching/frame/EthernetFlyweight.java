package io.l2mesh.switching.frame;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Reads and writes Ethernet and 802.1Q header fields in place (no copy, no allocation).
 * <pre>
 *  0                 6                 12        14        16        18
 *  +-----------------+-----------------+---------+---------+---------+
 *  | destination MAC | source MAC      | TPID or | TCI     | inner   |
 *  |                 |                 | type    | (tagged)| type    |
 *  +-----------------+-----------------+---------+---------+---------+
 *  TCI = PCP(3) | DEI(1) | VID(12)
 * </pre>
 * A MAC is a {@code long} holding the 48 bits in network order (first byte most significant).
 */
public final class EthernetFlyweight
{
    public static final int HEADER_LENGTH = 14;
    public static final int MAC_PAIR_LENGTH = 12;
    public static final int VLAN_TAG_LENGTH = 4;
    public static final int TYPE_OFFSET = 12;
    public static final int TCI_OFFSET = 14;
    public static final int TPID_8021Q = 0x8100;
    public static final int TPID_8021AD = 0x88a8;
    public static final int TYPE_IPV4 = 0x0800;
    public static final int TYPE_IPV6 = 0x86dd;
    public static final int TYPE_ARP = 0x0806;
    public static final int VID_MASK = 0x0fff;

    public static final ValueLayout.OfShort SHORT_BE =
        ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    public static final ValueLayout.OfInt INT_BE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private EthernetFlyweight()
    {
    }

    public static long destination(final MemorySegment segment, final long frameOffset)
    {
        return readMac(segment, frameOffset);
    }

    public static long source(final MemorySegment segment, final long frameOffset)
    {
        return readMac(segment, frameOffset + 6);
    }

    public static int type(final MemorySegment segment, final long frameOffset)
    {
        return segment.get(SHORT_BE, frameOffset + TYPE_OFFSET) & 0xffff;
    }

    public static int tci(final MemorySegment segment, final long frameOffset)
    {
        return segment.get(SHORT_BE, frameOffset + TCI_OFFSET) & 0xffff;
    }

    public static long readMac(final MemorySegment segment, final long offset)
    {
        return ((segment.get(SHORT_BE, offset) & 0xffffL) << 32) | (segment.get(INT_BE, offset + 2) & 0xffffffffL);
    }

    public static void writeMac(final MemorySegment segment, final long offset, final long mac)
    {
        segment.set(SHORT_BE, offset, (short)(mac >>> 32));
        segment.set(INT_BE, offset + 2, (int)mac);
    }

    /**
     * Group bit (I/G) of the first octet: broadcast and multicast.
     */
    public static boolean isMulticast(final long mac)
    {
        return (mac & 0x0100_0000_0000L) != 0;
    }
}
