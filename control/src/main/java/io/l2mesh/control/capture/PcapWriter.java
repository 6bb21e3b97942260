package io.l2mesh.control.capture;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes the classic pcap format with nanosecond timestamps (magic 0xa1b23c4d, version 2.4, LINKTYPE_ETHERNET),
 * which tshark, tcpdump and Wireshark read. Single-threaded.
 */
public final class PcapWriter implements AutoCloseable
{
    public static final int MAGIC_NANOSECONDS = 0xa1b23c4d;
    public static final int LINKTYPE_ETHERNET = 1;

    private final OutputStream out;
    private final ByteBuffer header = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);

    public PcapWriter(final Path file, final int snaplen) throws IOException
    {
        out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16);
        header.putInt(MAGIC_NANOSECONDS).putShort((short)2).putShort((short)4).putInt(0).putInt(0).putInt(snaplen)
            .putInt(LINKTYPE_ETHERNET);
        out.write(header.array(), 0, 24);
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
