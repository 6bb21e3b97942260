package io.l2mesh.tuntap;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteOrder;

/**
 * {@code struct sockaddr_in} / {@code sockaddr_in6} written and read in native memory, so the data path can
 * compare a datagram's source with known peers without building Java objects.
 */
public final class SocketAddresses
{
    public static final int AF_INET = 2;
    public static final int AF_INET6 = 10;
    public static final int IN_LENGTH = 16;
    public static final int IN6_LENGTH = 28;
    /** Room for either. */
    public static final int MAX_LENGTH = IN6_LENGTH;
    private static final ValueLayout.OfShort PORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private SocketAddresses()
    {
    }

    /**
     * Writes {@code address} at {@code offset}, zero-padded.
     *
     * @return its length (16 or 28).
     */
    public static int write(final MemorySegment segment, final long offset, final InetSocketAddress address)
    {
        final InetAddress ip = address.getAddress();
        if (ip == null)
        {
            throw new IllegalArgumentException("unresolved address " + address);
        }
        final byte[] bytes = ip.getAddress();
        if (ip instanceof Inet4Address)
        {
            segment.asSlice(offset, IN_LENGTH).fill((byte)0);
            segment.set(ValueLayout.JAVA_SHORT_UNALIGNED, offset, (short)AF_INET);
            segment.set(PORT, offset + 2, (short)address.getPort());
            MemorySegment.copy(bytes, 0, segment, ValueLayout.JAVA_BYTE, offset + 4, 4);
            return IN_LENGTH;
        }
        segment.asSlice(offset, IN6_LENGTH).fill((byte)0);
        segment.set(ValueLayout.JAVA_SHORT_UNALIGNED, offset, (short)AF_INET6);
        segment.set(PORT, offset + 2, (short)address.getPort());
        MemorySegment.copy(bytes, 0, segment, ValueLayout.JAVA_BYTE, offset + 8, 16);
        segment.set(ValueLayout.JAVA_INT_UNALIGNED, offset + 24, ((Inet6Address)ip).getScopeId());
        return IN6_LENGTH;
    }

    /**
     * Reads a socket address (control path; allocates).
     */
    public static InetSocketAddress read(final MemorySegment segment, final long offset)
    {
        final int family = segment.get(ValueLayout.JAVA_SHORT_UNALIGNED, offset);
        final int port = segment.get(PORT, offset + 2) & 0xffff;
        final byte[] bytes = new byte[family == AF_INET ? 4 : 16];
        MemorySegment.copy(segment, ValueLayout.JAVA_BYTE, offset + (family == AF_INET ? 4 : 8), bytes, 0,
            bytes.length);
        try
        {
            return new InetSocketAddress(InetAddress.getByAddress(bytes), port);
        }
        catch (final UnknownHostException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    /**
     * @return true if the two addresses have the same family and IP (ports are not compared).
     */
    public static boolean sameIp(final MemorySegment a, final long aOffset, final MemorySegment b, final long bOffset)
    {
        final short family = a.get(ValueLayout.JAVA_SHORT_UNALIGNED, aOffset);
        if (family != b.get(ValueLayout.JAVA_SHORT_UNALIGNED, bOffset))
        {
            return false;
        }
        final ValueLayout.OfInt v4 = ValueLayout.JAVA_INT_UNALIGNED;
        if (family == AF_INET)
        {
            return a.get(v4, aOffset + 4) == b.get(v4, bOffset + 4);
        }
        final ValueLayout.OfLong half = ValueLayout.JAVA_LONG_UNALIGNED;
        return a.get(half, aOffset + 8) == b.get(half, bOffset + 8) &&
            a.get(half, aOffset + 16) == b.get(half, bOffset + 16);
    }

    /**
     * For a peer address published to other threads: returns null if {@code known} already holds the
     * {@code length} bytes at {@code from}, else a fresh copy that is never changed afterwards (so a reader sees
     * the whole old address or the whole new one). Allocates only when the address changed.
     */
    public static MemorySegment changedCopy(final MemorySegment known, final MemorySegment from, final int length)
    {
        if (known != null && known.byteSize() == length &&
            MemorySegment.mismatch(known, 0, length, from, 0, length) < 0)
        {
            return null;
        }
        final MemorySegment copy = java.lang.foreign.Arena.ofAuto().allocate(length, 8);
        MemorySegment.copy(from, 0, copy, 0, length);
        return copy;
    }

    public static int family(final InetAddress address)
    {
        return address instanceof Inet4Address ? AF_INET : AF_INET6;
    }
}
