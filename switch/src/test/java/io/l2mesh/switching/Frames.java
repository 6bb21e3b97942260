package io.l2mesh.switching;

import java.nio.ByteBuffer;

/**
 * Builds test frames as byte arrays, and checks checksums independently of the code under test (a plain
 * 16-bit word loop over a byte array, as RFC 1071 describes it).
 */
public final class Frames
{
    public static final long BROADCAST = 0xffff_ffff_ffffL;

    private Frames()
    {
    }

    public static byte[] ethernet(final long dst, final long src, final int type, final int payloadLength)
    {
        final ByteBuffer b = ByteBuffer.allocate(14 + payloadLength);
        putMac(b, dst);
        putMac(b, src);
        b.putShort((short)type);
        for (int i = 0; i < payloadLength; i++)
        {
            b.put((byte)i);
        }
        return b.array();
    }

    public static byte[] tagged(final long dst, final long src, final int vid, final int type, final int payloadLength)
    {
        final ByteBuffer b = ByteBuffer.allocate(18 + payloadLength);
        putMac(b, dst);
        putMac(b, src);
        b.putShort((short)0x8100);
        b.putShort((short)vid);
        b.putShort((short)type);
        for (int i = 0; i < payloadLength; i++)
        {
            b.put((byte)i);
        }
        return b.array();
    }

    /**
     * A virtio-net header followed by the frame.
     */
    public static byte[] withVnetHeader(final byte[] header, final byte[] frame)
    {
        final byte[] out = new byte[10 + frame.length];
        System.arraycopy(header, 0, out, 0, 10);
        System.arraycopy(frame, 0, out, 10, frame.length);
        return out;
    }

    public static byte[] vnetHeader(final int flags, final int gsoType, final int hdrLen, final int gsoSize,
        final int csumStart, final int csumOffset)
    {
        final ByteBuffer b = ByteBuffer.allocate(10).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.put((byte)flags).put((byte)gsoType).putShort((short)hdrLen).putShort((short)gsoSize)
            .putShort((short)csumStart).putShort((short)csumOffset);
        return b.array();
    }

    /**
     * An Ethernet + IPv4 + TCP frame (TCP header 20 bytes, flags ACK|PSH|FIN) with a partial checksum: the TCP
     * checksum field holds the pseudo-header sum, as the kernel leaves it for CHECKSUM_PARTIAL.
     */
    public static byte[] tcp4(final long dst, final long src, final int payloadLength, final int seq)
    {
        final int ipLength = 20 + 20 + payloadLength;
        final ByteBuffer b = ByteBuffer.allocate(14 + ipLength);
        putMac(b, dst);
        putMac(b, src);
        b.putShort((short)0x0800);
        b.put((byte)0x45).put((byte)0).putShort((short)ipLength).putShort((short)0x1234).putShort((short)0x4000)
            .put((byte)64).put((byte)6).putShort((short)0).putInt(0xc6120001).putInt(0xc6120002);
        b.putShort((short)40000).putShort((short)5201).putInt(seq).putInt(777).put((byte)0x50)
            .put((byte)(0x10 | 0x08 | 0x01)).putShort((short)1000).putShort((short)0).putShort((short)0);
        for (int i = 0; i < payloadLength; i++)
        {
            b.put((byte)(i * 7));
        }
        final byte[] f = b.array();
        final int ipSum = ~onesComplementSum(java.util.Arrays.copyOfRange(f, 14, 34)) & 0xffff;
        f[24] = (byte)(ipSum >> 8);
        f[25] = (byte)ipSum;
        final int partial = pseudoHeaderSum(f, 26, 8, 20 + payloadLength);
        f[14 + 20 + 16] = (byte)(partial >> 8);
        f[14 + 20 + 17] = (byte)partial;
        return f;
    }

    public static byte[] tcp6(final long dst, final long src, final int payloadLength, final int seq)
    {
        final ByteBuffer b = ByteBuffer.allocate(14 + 40 + 20 + payloadLength);
        putMac(b, dst);
        putMac(b, src);
        b.putShort((short)0x86dd);
        b.putInt(0x60000000).putShort((short)(20 + payloadLength)).put((byte)6).put((byte)64);
        for (int i = 0; i < 32; i++)
        {
            b.put((byte)(i < 16 ? (i == 15 ? 1 : 0x20) : (i == 31 ? 2 : 0x20)));
        }
        b.putShort((short)40000).putShort((short)5201).putInt(seq).putInt(777).put((byte)0x50)
            .put((byte)(0x10 | 0x08)).putShort((short)1000).putShort((short)0).putShort((short)0);
        for (int i = 0; i < payloadLength; i++)
        {
            b.put((byte)(i * 3));
        }
        final byte[] f = b.array();
        final int partial = pseudoHeaderSum(f, 22, 32, 20 + payloadLength);
        f[14 + 40 + 16] = (byte)(partial >> 8);
        f[14 + 40 + 17] = (byte)partial;
        return f;
    }

    /**
     * The Internet checksum of {@code bytes} as RFC 1071 2(B) defines it, written to share nothing with
     * {@code Checksums} in the product (so that it can catch that code's faults): the bytes at even and at odd
     * offsets are summed separately, the two sums are combined as the high and low byte of 16-bit words, and the
     * carry is folded back after each addition.
     */
    static int onesComplementSum(final byte[] bytes)
    {
        long even = 0;
        long odd = 0;
        for (int i = 0; i < bytes.length; i++)
        {
            if ((i & 1) == 0)
            {
                even += bytes[i] & 0xff;
            }
            else
            {
                odd += bytes[i] & 0xff;
            }
        }
        int sum = 0;
        for (final long part : new long[] {even << 8, odd})
        {
            long value = part;
            while (value != 0)
            {
                sum += (int)(value & 0xffff);
                sum = (sum & 0xffff) + (sum >>> 16);
                value >>>= 16;
            }
        }
        return sum;
    }

    private static byte[] concat(final byte[]... parts)
    {
        final ByteBuffer all = ByteBuffer.allocate(java.util.Arrays.stream(parts).mapToInt(p -> p.length).sum());
        for (final byte[] part : parts)
        {
            all.put(part);
        }
        return all.array();
    }

    private static byte[] pseudoHeader(final byte[] f, final int addresses, final int addressBytes, final int length)
    {
        final ByteBuffer header = ByteBuffer.allocate(addressBytes + (addressBytes == 8 ? 4 : 8));
        header.put(f, addresses, addressBytes);
        if (addressBytes == 8)
        {
            header.put((byte)0).put((byte)6).putShort((short)length); // RFC 793
        }
        else
        {
            header.putInt(length).put(new byte[3]).put((byte)6); // RFC 8200 8.1
        }
        return header.array();
    }

    /**
     * @return the partial checksum a sender leaves for CHECKSUM_PARTIAL: the pseudo-header's sum, not inverted.
     */
    private static int pseudoHeaderSum(final byte[] f, final int addresses, final int addressBytes, final int length)
    {
        return onesComplementSum(pseudoHeader(f, addresses, addressBytes, length));
    }

    /**
     * @return true if the IPv4 header at {@code ip} and the TCP segment after it carry correct checksums.
     */
    public static boolean ipv4TcpChecksumsValid(final byte[] f, final int ip)
    {
        final int ihl = (f[ip] & 0xf) * 4;
        if (onesComplementSum(java.util.Arrays.copyOfRange(f, ip, ip + ihl)) != 0xffff)
        {
            return false;
        }
        final int tcpLength = u16(f, ip + 2) - ihl;
        return onesComplementSum(concat(pseudoHeader(f, ip + 12, 8, tcpLength),
            java.util.Arrays.copyOfRange(f, ip + ihl, ip + ihl + tcpLength))) == 0xffff;
    }

    public static boolean ipv6TcpChecksumValid(final byte[] f, final int ip)
    {
        final int tcpLength = u16(f, ip + 4);
        return onesComplementSum(concat(pseudoHeader(f, ip + 8, 32, tcpLength),
            java.util.Arrays.copyOfRange(f, ip + 40, ip + 40 + tcpLength))) == 0xffff;
    }

    public static int u16(final byte[] f, final int offset)
    {
        return ((f[offset] & 0xff) << 8) | (f[offset + 1] & 0xff);
    }

    public static int u32(final byte[] f, final int offset)
    {
        return (u16(f, offset) << 16) | u16(f, offset + 2);
    }

    private static void putMac(final ByteBuffer b, final long mac)
    {
        b.putShort((short)(mac >>> 32));
        b.putInt((int)mac);
    }
}
