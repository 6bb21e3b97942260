package io.l2mesh.tunnel.vxlan;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The 8-byte VXLAN header (RFC 7348 section 5): flags (only I, 0x08, set), 24 reserved bits, the 24-bit VNI,
 * 8 reserved bits. Receivers must ignore the reserved bits; we check only that I is set.
 */
final class VxlanHeader
{
    static final int LENGTH = 8;
    static final int FLAG_VALID_VNI = 0x08;
    private static final ValueLayout.OfInt INT_BE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private VxlanHeader()
    {
    }

    static void write(final MemorySegment segment, final long offset, final int vni)
    {
        segment.set(INT_BE, offset, FLAG_VALID_VNI << 24);
        segment.set(INT_BE, offset + 4, vni << 8);
    }

    static boolean validFlags(final MemorySegment segment, final long offset)
    {
        return (segment.get(ValueLayout.JAVA_BYTE, offset) & FLAG_VALID_VNI) != 0;
    }

    static int vni(final MemorySegment segment, final long offset)
    {
        return segment.get(INT_BE, offset + 4) >>> 8;
    }
}
