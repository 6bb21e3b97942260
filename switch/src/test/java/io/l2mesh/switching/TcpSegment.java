package io.l2mesh.switching;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Builds one TCP segment as a host's stack puts it on the wire (complete IP and TCP checksums), for coalescing
 * tests. Payload bytes are a function of their sequence number, so consecutive segments carry one byte stream.
 */
public final class TcpSegment
{
    public static final int ACK = 0x10;
    public static final int PSH = 0x08;
    public static final int SYN = 0x02;
    public static final int FIN = 0x01;

    private long dst = 0x0200_0000_000bL;
    private long src = 0x0200_0000_000aL;
    private int vlan = -1;
    private boolean v6;
    private int seq = 0x7fff_f000;
    private int ack = 777;
    private int flags = ACK;
    private int window = 1000;
    private byte[] options = new byte[0];
    private int id = 0x1234;
    private int tos;
    private int ttl = 64;
    private int flowLabel;
    private int srcPort = 40000;
    private int payload = 1000;
    private boolean badChecksum;

    public static TcpSegment v4()
    {
        return new TcpSegment();
    }

    public static TcpSegment v6()
    {
        final TcpSegment s = new TcpSegment();
        s.v6 = true;
        return s;
    }

    public TcpSegment copy()
    {
        final TcpSegment s = new TcpSegment();
        s.dst = dst;
        s.src = src;
        s.vlan = vlan;
        s.v6 = v6;
        s.seq = seq;
        s.ack = ack;
        s.flags = flags;
        s.window = window;
        s.options = options.clone();
        s.id = id;
        s.tos = tos;
        s.ttl = ttl;
        s.flowLabel = flowLabel;
        s.srcPort = srcPort;
        s.payload = payload;
        s.badChecksum = badChecksum;
        return s;
    }

    /**
     * The segment after this one of the same flow: sequence and IPv4 id moved on.
     */
    public TcpSegment next()
    {
        final TcpSegment s = copy();
        s.seq = seq + payload;
        s.id = (id + 1) & 0xffff;
        return s;
    }

    public TcpSegment seq(final int value)
    {
        seq = value;
        return this;
    }

    public TcpSegment ack(final int value)
    {
        ack = value;
        return this;
    }

    public TcpSegment flags(final int value)
    {
        flags = value;
        return this;
    }

    public TcpSegment window(final int value)
    {
        window = value;
        return this;
    }

    public TcpSegment options(final byte... value)
    {
        options = value;
        return this;
    }

    public TcpSegment id(final int value)
    {
        id = value;
        return this;
    }

    public TcpSegment tos(final int value)
    {
        tos = value;
        return this;
    }

    public TcpSegment ttl(final int value)
    {
        ttl = value;
        return this;
    }

    public TcpSegment flowLabel(final int value)
    {
        flowLabel = value;
        return this;
    }

    public TcpSegment srcPort(final int value)
    {
        srcPort = value;
        return this;
    }

    public TcpSegment vlan(final int value)
    {
        vlan = value;
        return this;
    }

    public TcpSegment payload(final int value)
    {
        payload = value;
        return this;
    }

    public TcpSegment badChecksum()
    {
        badChecksum = true;
        return this;
    }

    public int seqValue()
    {
        return seq;
    }

    public int payloadValue()
    {
        return payload;
    }

    public static byte streamByte(final int seq)
    {
        return (byte)(seq * 7 + (seq >>> 8) * 3);
    }

    public byte[] build()
    {
        final int tcpHeader = 20 + options.length;
        final int ipHeader = v6 ? 40 : 20;
        final int l3 = 14 + (vlan >= 0 ? 4 : 0);
        final ByteBuffer b = ByteBuffer.allocate(l3 + ipHeader + tcpHeader + payload);
        b.putShort((short)(dst >>> 32)).putInt((int)dst).putShort((short)(src >>> 32)).putInt((int)src);
        if (vlan >= 0)
        {
            b.putShort((short)0x8100).putShort((short)vlan);
        }
        if (v6)
        {
            b.putShort((short)0x86dd);
            b.putInt(0x6000_0000 | (tos << 20) | flowLabel).putShort((short)(tcpHeader + payload)).put((byte)6)
                .put((byte)ttl);
            for (int i = 0; i < 32; i++)
            {
                b.put((byte)(i < 16 ? (i == 15 ? 1 : 0x20) : (i == 31 ? 2 : 0x20)));
            }
        }
        else
        {
            b.putShort((short)0x0800);
            b.put((byte)0x45).put((byte)tos).putShort((short)(ipHeader + tcpHeader + payload)).putShort((short)id)
                .putShort((short)0x4000).put((byte)ttl).put((byte)6).putShort((short)0).putInt(0xc6120001)
                .putInt(0xc6120002);
        }
        final int tcp = b.position();
        b.putShort((short)srcPort).putShort((short)5201).putInt(seq).putInt(ack).put((byte)((tcpHeader / 4) << 4))
            .put((byte)flags).putShort((short)window).putShort((short)0).putShort((short)0).put(options);
        for (int i = 0; i < payload; i++)
        {
            b.put(streamByte(seq + i));
        }
        final byte[] f = b.array();
        if (!v6)
        {
            put16(f, l3 + 10, ~Frames.onesComplementSum(Arrays.copyOfRange(f, l3, l3 + 20)) & 0xffff);
        }
        final ByteBuffer pseudo = ByteBuffer.allocate(v6 ? 40 : 12);
        final int tcpLength = tcpHeader + payload;
        if (v6)
        {
            pseudo.put(f, l3 + 8, 32).putInt(tcpLength).put(new byte[3]).put((byte)6);
        }
        else
        {
            pseudo.put(f, l3 + 12, 8).put((byte)0).put((byte)6).putShort((short)tcpLength);
        }
        final byte[] sumOver = new byte[pseudo.capacity() + tcpLength];
        System.arraycopy(pseudo.array(), 0, sumOver, 0, pseudo.capacity());
        System.arraycopy(f, tcp, sumOver, pseudo.capacity(), tcpLength);
        put16(f, tcp + 16, (~Frames.onesComplementSum(sumOver) & 0xffff) ^ (badChecksum ? 0x0100 : 0));
        return f;
    }

    private static void put16(final byte[] f, final int at, final int value)
    {
        f[at] = (byte)(value >> 8);
        f[at + 1] = (byte)value;
    }
}
