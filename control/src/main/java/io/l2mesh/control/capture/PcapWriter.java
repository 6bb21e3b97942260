package io.l2mesh.control.capture;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Writes the classic pcap format with nanosecond timestamps (magic 0xa1b23c4d, version 2.4, LINKTYPE_ETHERNET),
 * which tshark, tcpdump and Wireshark read. Single-threaded.
 */
public final class PcapWriter implements AutoCloseable
{
    public static final int MAGIC_NANOSECONDS = 0xa1b23c4d;
    public static final int LINKTYPE_ETHERNET = 1;

    public static final int FILE_HEADER_BYTES = 24;
    public static final int RECORD_HEADER_BYTES = 16;

    private final OutputStream out;
    private final ByteBuffer header = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);

    /**
     * Writes the file header to {@code out}, which this writer owns from now on.
     */
    public PcapWriter(final OutputStream out, final int snaplen) throws IOException
    {
        this.out = new BufferedOutputStream(out, 1 << 16);
        header.putInt(MAGIC_NANOSECONDS).putShort((short)2).putShort((short)4).putInt(0).putInt(0).putInt(snaplen)
            .putInt(LINKTYPE_ETHERNET);
        this.out.write(header.array(), 0, FILE_HEADER_BYTES);
    }

    public void write(final long epochNs, final byte[] data, final int capturedLength, final int originalLength)
        throws IOException
    {
        header.clear();
        header.putInt((int)(epochNs / 1_000_000_000L)).putInt((int)(epochNs % 1_000_000_000L))
            .putInt(capturedLength).putInt(originalLength);
        out.write(header.array(), 0, 16);
        out.write(data, 0, capturedLength);
    }

    public void flush() throws IOException
    {
        out.flush();
    }

    @Override
    public void close() throws IOException
    {
        out.close();
    }
}
