package io.l2mesh.switching.offload;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static io.l2mesh.switching.frame.EthernetFlyweight.INT_BE;
import static io.l2mesh.switching.frame.EthernetFlyweight.SHORT_BE;

/**
 * The Internet checksum (RFC 1071) over memory. Sums big-endian 32-bit words into a 64-bit accumulator (no carry
 * can be lost below 2^32 words) and folds at the end: the ones'-complement sum of 32-bit words folds to the same
 * value as the sum of 16-bit words.
 */
public final class Checksums
{
    private static final ValueLayout.OfLong LONG_LE =
        ValueLayout.JAVA_LONG_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);

    private static final int UDP_CHECKSUM_OFFSET = 6;

    private Checksums()
    {
    }

    /**
     * @return {@code initial} plus the unfolded sum of {@code length} bytes at {@code offset}.
     */
    public static long sum(final MemorySegment s, final long offset, final int length, final long initial)
    {
        // Bulk: 16 bytes per step as little-endian longs, each split into its 32-bit halves. The ones'-complement
        // sum does not depend on byte order except for a final byte swap (RFC 1071, 2(B)), so the little-endian
        // sum, folded and swapped, is the big-endian one. Two accumulators let the adds overlap.
        long p = offset;
        final long end = offset + length;
        long a = 0;
        long b = 0;
        while (p + 16 <= end)
        {
            final long v = s.get(LONG_LE, p);
            final long w = s.get(LONG_LE, p + 8);
            a += (v & 0xffffffffL) + (v >>> 32);
            b += (w & 0xffffffffL) + (w >>> 32);
            p += 16;
        }
        final int swapped = fold(a + b);
        long sum = initial + (((swapped & 0xff) << 8) | (swapped >>> 8));
        while (p + 4 <= end)
        {
            sum += s.get(INT_BE, p) & 0xffffffffL;
            p += 4;
        }
        if (p + 2 <= end)
        {
            sum += s.get(SHORT_BE, p) & 0xffff;
            p += 2;
        }
        if (p < end)
        {
            sum += (s.get(ValueLayout.JAVA_BYTE, p) & 0xff) << 8;
        }
        return sum;
    }

    /**
     * Folds a sum to 16 bits (with end-around carry), not complemented.
     */
    public static int fold(final long sum)
    {
        long s = sum;
        while ((s >>> 16) != 0)
        {
            s = (s & 0xffff) + (s >>> 16);
        }
        return (int)s;
    }

    /**
     * @return the checksum field value for data whose sum is {@code sum}.
     */
    public static int finish(final long sum)
    {
        return ~fold(sum) & 0xffff;
    }

    /**
     * Completes a partial checksum ({@code VIRTIO_NET_HDR_F_NEEDS_CSUM}) as the kernel does: the sum from
     * {@code start} to the end of the frame, the partial sum the sender left in the field included; for UDP
     * ({@code offset} 6) a computed zero is sent as all ones, since zero means "no checksum".
     *
     * @param start  {@code csum_start}, from the first byte of the frame at {@code frame}.
     * @param offset {@code csum_offset}, from {@code start}.
     * @return the value for the field at {@code start + offset}, or -1 if the field does not lie in the frame
     * after its Ethernet header (malformed).
     */
    public static int completePartial(final MemorySegment s, final long frame, final int length, final int start,
        final int offset)
    {
        if (start < io.l2mesh.switching.frame.EthernetFlyweight.HEADER_LENGTH || start + offset + 2 > length)
        {
            return -1;
        }
        final int value = finish(sum(s, frame + start, length - start, 0));
        return value == 0 && offset == UDP_CHECKSUM_OFFSET ? 0xffff : value;
    }
}
