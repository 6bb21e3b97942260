package io.l2mesh.testkit;

import java.nio.ByteBuffer;

/**
 * The least a host must do to be pinged: answer ARP requests for its IPv4 address and ICMP echo requests sent to
 * it. Tests put it behind a port that has no kernel (a QEMU-framing client) so a namespace can ping it.
 */
public final class TinyHost
{
    private static final int ETH_ARP = 0x0806;
    private static final int ETH_IPV4 = 0x0800;
    private final byte[] mac;
    private final byte[] ip;
    private int echoesAnswered;

    /**
     * @param mac 6 bytes.
     * @param ip  4 bytes.
     */
    public TinyHost(final byte[] mac, final byte[] ip)
    {
        this.mac = mac.clone();
        this.ip = ip.clone();
    }

    public int echoesAnswered()
    {
        return echoesAnswered;
    }

    /**
     * @return a gratuitous ARP (a broadcast request for our own address), what a host sends when its link
     * comes up.
     */
    public byte[] announce()
    {
        final ByteBuffer out = ByteBuffer.allocate(60);
        out.put(new byte[] {-1, -1, -1, -1, -1, -1}).put(mac).putShort((short)ETH_ARP);
        out.putShort((short)1).putShort((short)ETH_IPV4).put((byte)6).put((byte)4).putShort((short)1);
        out.put(mac).put(ip).put(new byte[6]).put(ip);
        return out.array();
    }

    /**
     * @return the frame to send back, or null if {@code frame} needs no answer.
     */
    public byte[] answer(final byte[] frame)
    {
        if (frame.length < 42)
        {
            return null;
        }
        final ByteBuffer in = ByteBuffer.wrap(frame);
        final int type = in.getShort(12) & 0xffff;
        if (type == ETH_ARP && in.getShort(20) == 1 && sameIp(frame, 38))
        {
            final ByteBuffer out = ByteBuffer.allocate(60);
            out.put(frame, 6, 6).put(mac).putShort((short)ETH_ARP);
            out.putShort((short)1).putShort((short)ETH_IPV4).put((byte)6).put((byte)4).putShort((short)2);
            out.put(mac).put(ip).put(frame, 22, 6).put(frame, 28, 4);
            return out.array();
        }
        final int ihl = (frame[14] & 0x0f) * 4;
        if (type == ETH_IPV4 && frame[23] == 1 && sameIp(frame, 30) && frame.length >= 14 + ihl + 8 &&
            frame[14 + ihl] == 8)
        {
            final int total = in.getShort(16) & 0xffff;
            final byte[] reply = new byte[Math.max(frame.length, 14 + total)];
            System.arraycopy(frame, 0, reply, 0, frame.length);
            System.arraycopy(frame, 6, reply, 0, 6);
            System.arraycopy(mac, 0, reply, 6, 6);
            System.arraycopy(frame, 30, reply, 26, 4); // source <- our address
            System.arraycopy(frame, 26, reply, 30, 4); // destination <- the asker
            reply[22] = 64;
            putChecksum(reply, 14, ihl, 24);
            reply[14 + ihl] = 0; // echo reply
            putChecksum(reply, 14 + ihl, total - ihl, 14 + ihl + 2);
            echoesAnswered++;
            return reply;
        }
        return null;
    }

    private boolean sameIp(final byte[] frame, final int offset)
    {
        for (int i = 0; i < 4; i++)
        {
            if (frame[offset + i] != ip[i])
            {
                return false;
            }
        }
        return true;
    }

    private static void putChecksum(final byte[] data, final int start, final int length, final int at)
    {
        data[at] = 0;
        data[at + 1] = 0;
        long sum = 0;
        for (int i = 0; i < length; i += 2)
        {
            sum += ((data[start + i] & 0xff) << 8) | (i + 1 < length ? data[start + i + 1] & 0xff : 0);
        }
        while ((sum >> 16) != 0)
        {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        final int checksum = (int)~sum & 0xffff;
        data[at] = (byte)(checksum >> 8);
        data[at + 1] = (byte)checksum;
    }
}
