package io.l2mesh.switching.offload;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Flyweight over {@code struct virtio_net_hdr} (10 bytes, little-endian), which a TAP opened with
 * {@code IFF_VNET_HDR} puts before every frame.
 * <pre>
 *  0       1          2         4          6            8             10
 *  +-------+----------+---------+----------+------------+-------------+
 *  | flags | gso_type | hdr_len | gso_size | csum_start | csum_offset |
 *  +-------+----------+---------+----------+------------+-------------+
 * </pre>
 * {@code csum_start} counts from the first byte of the Ethernet frame; with {@link #F_NEEDS_CSUM} the field at
 * {@code csum_start + csum_offset} holds the pseudo-header sum and the rest is left to the receiver.
 */
public final class VirtioNetHeader
{
    public static final int LENGTH = 10;
    public static final int F_NEEDS_CSUM = 1;
    public static final int F_DATA_VALID = 2;
    public static final int GSO_NONE = 0;
    public static final int GSO_TCPV4 = 1;
    public static final int GSO_UDP = 3;
    public static final int GSO_TCPV6 = 4;
    public static final int GSO_ECN = 0x80;

    private static final ValueLayout.OfShort SHORT_LE = ValueLayout.JAVA_SHORT_UNALIGNED;

    private VirtioNetHeader()
    {
    }

    public static int flags(final MemorySegment s, final long h)
    {
        return s.get(ValueLayout.JAVA_BYTE, h) & 0xff;
    }

    /**
     * @return the GSO type without the ECN bit.
     */
    public static int gsoType(final MemorySegment s, final long h)
    {
        return s.get(ValueLayout.JAVA_BYTE, h + 1) & 0x7f;
    }

    public static int hdrLen(final MemorySegment s, final long h)
    {
        return s.get(SHORT_LE, h + 2) & 0xffff;
    }

    public static int gsoSize(final MemorySegment s, final long h)
    {
        return s.get(SHORT_LE, h + 4) & 0xffff;
    }

    public static int csumStart(final MemorySegment s, final long h)
    {
        return s.get(SHORT_LE, h + 6) & 0xffff;
    }

    public static int csumOffset(final MemorySegment s, final long h)
    {
        return s.get(SHORT_LE, h + 8) & 0xffff;
    }

    public static void hdrLen(final MemorySegment s, final long h, final int value)
    {
        s.set(SHORT_LE, h + 2, (short)value);
    }

    public static void csumStart(final MemorySegment s, final long h, final int value)
    {
        s.set(SHORT_LE, h + 6, (short)value);
    }

    /**
     * Makes the header describe a TCP super-frame whose checksum field holds the pseudo-header sum.
     */
    public static void gso(final MemorySegment s, final long h, final int gsoType, final int hdrLen,
        final int gsoSize, final int csumStart, final int csumOffset)
    {
        s.set(ValueLayout.JAVA_BYTE, h, (byte)F_NEEDS_CSUM);
        s.set(ValueLayout.JAVA_BYTE, h + 1, (byte)gsoType);
        s.set(SHORT_LE, h + 2, (short)hdrLen);
        s.set(SHORT_LE, h + 4, (short)gsoSize);
        s.set(SHORT_LE, h + 6, (short)csumStart);
        s.set(SHORT_LE, h + 8, (short)csumOffset);
    }

    public static void clear(final MemorySegment s, final long h)
    {
        s.set(ValueLayout.JAVA_LONG_UNALIGNED, h, 0L);
        s.set(SHORT_LE, h + 8, (short)0);
    }

    /**
     * Shifts the offsets after a tag of {@code delta} bytes was inserted (+4) or removed (-4) before L3.
     */
    public static void shift(final MemorySegment s, final long h, final int delta)
    {
        if ((flags(s, h) & F_NEEDS_CSUM) != 0)
        {
            csumStart(s, h, csumStart(s, h) + delta);
        }
        final int hdrLen = hdrLen(s, h);
        if (hdrLen != 0)
        {
            hdrLen(s, h, Math.max(0, hdrLen + delta));
        }
    }
}
