package io.l2mesh.tuntap.netlink;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * Builds one netlink request: header, a fixed family header, then {@code rtattr}s ({@code len, type, data},
 * each padded to 4 bytes). Control path only.
 */
public final class NetlinkMessageBuilder
{
    private final MemorySegment buffer = Arena.ofAuto().allocate(4096, 8);
    private int position = NetlinkSocket.NLMSG_HDRLEN;

    public NetlinkMessageBuilder(final int type, final int flags)
    {
        buffer.set(JAVA_SHORT, 4, (short)type);
        buffer.set(JAVA_SHORT, 6, (short)(flags | NetlinkSocket.NLM_F_REQUEST));
    }

    /**
     * {@code struct ifinfomsg}: family, pad, type, index, flags, change (16 bytes).
     */
    public NetlinkMessageBuilder ifInfo(final int index, final int flags, final int change)
    {
        buffer.set(JAVA_BYTE, position, (byte)0);
        buffer.set(JAVA_INT, position + 4, index);
        buffer.set(JAVA_INT, position + 8, flags);
        buffer.set(JAVA_INT, position + 12, change);
        position += 16;
        return this;
    }

    public NetlinkMessageBuilder attribute(final int type, final byte[] data)
    {
        final int length = 4 + data.length;
        buffer.set(JAVA_SHORT, position, (short)length);
        buffer.set(JAVA_SHORT, position + 2, (short)type);
        MemorySegment.copy(data, 0, buffer, JAVA_BYTE, position + 4, data.length);
        position += NetlinkSocket.align(length);
        return this;
    }

    public NetlinkMessageBuilder attribute(final int type, final int value)
    {
        final byte[] data = new byte[4];
        MemorySegment.ofArray(data).set(JAVA_INT_UNALIGNED, 0, value);
        return attribute(type, data);
    }

    public NetlinkMessageBuilder attribute(final int type, final String value)
    {
        final byte[] ascii = value.getBytes(StandardCharsets.US_ASCII);
        final byte[] data = new byte[ascii.length + 1];
        System.arraycopy(ascii, 0, data, 0, ascii.length);
        return attribute(type, data);
    }

    MemorySegment finish(final int sequence)
    {
        buffer.set(JAVA_INT, 0, position);
        buffer.set(JAVA_INT, 8, sequence);
        return buffer.asSlice(0, position);
    }
}
