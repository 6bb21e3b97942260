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
        final int ipSum = finish(sum(f, 14, 20, 0));
        f[24] = (byte)(ipSum >> 8);
        f[25] = (byte)ipSum;
        final long pseudo = sum(f, 26, 8, 6 + 20 + payloadLength);
        final int partial = fold(pseudo);
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
        final int partial = fold(sum(f, 22, 32, 6 + 20 + payloadLength));
        f[14 + 40 + 16] = (byte)(partial >> 8);
        f[14 + 40 + 17] = (byte)partial;
        return f;
    }

    public static long sum(final byte[] data, final int offset, final int length, final long initial)
    {
        long sum = initial;
        for (int i = 0; i + 1 < length; i += 2)
        {
            sum += ((data[offset + i] & 0xff) << 8) | (data[offset + i + 1] & 0xff);
        }
        if ((length & 1) != 0)
        {
            sum += (data[offset + length - 1] & 0xff) << 8;
        }
        return sum;
    }

    public static int fold(final long sum)
    {
        long s = sum;
        while ((s >>> 16) != 0)
        {
            s = (s & 0xffff) + (s >>> 16);
        }
        return (int)s;
    }

    public static int finish(final long sum)
    {
        return ~fold(sum) & 0xffff;
    }

    /**
     * @return true if the IPv4 header at {@code ip} and the TCP segment after it carry correct checksums.
     */
    public static boolean ipv4TcpChecksumsValid(final byte[] f, final int ip)
    {
        final int ihl = (f[ip] & 0xf) * 4;
        if (fold(sum(f, ip, ihl, 0)) != 0xffff)
        {
            return false;
        }
        final int total = ((f[ip + 2] & 0xff) << 8) | (f[ip + 3] & 0xff);
        final int tcpLength = total - ihl;
        final long pseudo = sum(f, ip + 12, 8, 6 + tcpLength);
        return fold(sum(f, ip + ihl, tcpLength, pseudo)) == 0xffff;
    }

    public static boolean ipv6TcpChecksumValid(final byte[] f, final int ip)
    {
        final int tcpLength = ((f[ip + 4] & 0xff) << 8) | (f[ip + 5] & 0xff);
        final long pseudo = sum(f, ip + 8, 32, 6 + tcpLength);
        return fold(sum(f, ip + 40, tcpLength, pseudo)) == 0xffff;
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
