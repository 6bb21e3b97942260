package io.l2mesh.tuntap;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A flyweight over a {@code struct msghdr} and its control messages ({@code struct cmsghdr}) in native memory,
 * for {@code sendmsg}/{@code recvmsg}. It wraps memory the caller owns and allocates nothing itself.
 * <pre>
 * struct msghdr (x86-64, 56 bytes)            struct cmsghdr (16 bytes, then data; CMSG_ALIGN = 8)
 *  0: void   *msg_name                         0: size_t cmsg_len     (header + data, unaligned)
 *  8: u32     msg_namelen   (4 bytes padding)  8: int    cmsg_level   (SOL_SOCKET, SOL_UDP, ...)
 * 16: iovec  *msg_iov                         12: int    cmsg_type    (SCM_RIGHTS, UDP_SEGMENT, ...)
 * 24: size_t  msg_iovlen                      16: data
 * 32: void   *msg_control
 * 40: size_t  msg_controllen
 * 48: int     msg_flags     (4 bytes padding)
 * struct iovec: 0: void *iov_base, 8: size_t iov_len (16 bytes)
 * </pre>
 */
public final class MsgHdr
{
    public static final int SIZE = 56;
    public static final int IOVEC_SIZE = 16;
    public static final int CMSG_HEADER = 16;
    public static final int SOL_SOCKET = 1;
    public static final int SCM_RIGHTS = 1;
    public static final int MSG_CTRUNC = 0x8;
    public static final int MSG_TRUNC = 0x20;
    public static final int MSG_CMSG_CLOEXEC = 0x40000000;

    private static final long NAME = 0;
    private static final long NAME_LENGTH = 8;
    private static final long IOV = 16;
    private static final long IOV_LENGTH = 24;
    private static final long CONTROL = 32;
    private static final long CONTROL_LENGTH = 40;
    private static final long FLAGS = 48;

    private MemorySegment header;

    /**
     * @return the bytes a control message with {@code dataLength} bytes of data takes ({@code CMSG_SPACE}).
     */
    public static int cmsgSpace(final int dataLength)
    {
        return CMSG_HEADER + align(dataLength);
    }

    private static int align(final int length)
    {
        return (length + 7) & ~7;
    }

    /**
     * Points this flyweight at {@code header} ({@link #SIZE} bytes, 8-aligned) and clears it.
     */
    public MsgHdr wrap(final MemorySegment header)
    {
        this.header = header;
        header.asSlice(0, SIZE).fill((byte)0);
        return this;
    }

    public long address()
    {
        return header.address();
    }

    public MsgHdr name(final MemorySegment name, final int length)
    {
        header.set(ValueLayout.JAVA_LONG, NAME, name == null ? 0 : name.address());
        header.set(ValueLayout.JAVA_INT, NAME_LENGTH, length);
        return this;
    }

    /**
     * @return {@code msg_namelen}: after {@code recvmsg}, the length of the sender's address.
     */
    public int nameLength()
    {
        return header.get(ValueLayout.JAVA_INT, NAME_LENGTH);
    }

    /**
     * Clears {@code msg_flags} before a {@code recvmsg} reuses the header.
     */
    public MsgHdr clearFlags()
    {
        header.set(ValueLayout.JAVA_INT, FLAGS, 0);
        return this;
    }

    /**
     * @param iovecs {@code count} {@code struct iovec}s.
     */
    public MsgHdr iov(final MemorySegment iovecs, final int count)
    {
        header.set(ValueLayout.JAVA_LONG, IOV, iovecs.address());
        header.set(ValueLayout.JAVA_LONG, IOV_LENGTH, count);
        return this;
    }

    /**
     * Writes one {@code struct iovec} at index {@code index} of {@code iovecs}.
     */
    public static void iovec(final MemorySegment iovecs, final int index, final long base, final long length)
    {
        iovecs.set(ValueLayout.JAVA_LONG, (long)index * IOVEC_SIZE, base);
        iovecs.set(ValueLayout.JAVA_LONG, (long)index * IOVEC_SIZE + 8, length);
    }

    public MsgHdr control(final MemorySegment control, final long length)
    {
        header.set(ValueLayout.JAVA_LONG, CONTROL, control == null ? 0 : control.address());
        header.set(ValueLayout.JAVA_LONG, CONTROL_LENGTH, length);
        return this;
    }

    /**
     * @return {@code msg_controllen}: after {@code recvmsg}, how many control bytes arrived.
     */
    public long controlLength()
    {
        return header.get(ValueLayout.JAVA_LONG, CONTROL_LENGTH);
    }

    public int flags()
    {
        return header.get(ValueLayout.JAVA_INT, FLAGS);
    }

    /**
     * Writes a control message header at {@code offset} of {@code control}.
     *
     * @return the offset of its data.
     */
    public static long putCmsg(final MemorySegment control, final long offset, final int level, final int type,
        final int dataLength)
    {
        control.set(ValueLayout.JAVA_LONG, offset, CMSG_HEADER + dataLength);
        control.set(ValueLayout.JAVA_INT, offset + 8, level);
        control.set(ValueLayout.JAVA_INT, offset + 12, type);
        return offset + CMSG_HEADER;
    }

    /**
     * Visits the control messages that {@code recvmsg} left in {@code control} ({@code length} bytes).
     */
    public static void forEachCmsg(final MemorySegment control, final long length, final CmsgVisitor visitor)
    {
        long offset = 0;
        while (offset + CMSG_HEADER <= length)
        {
            final long cmsgLength = control.get(ValueLayout.JAVA_LONG, offset);
            if (cmsgLength < CMSG_HEADER || offset + cmsgLength > length)
            {
                return;
            }
            visitor.visit(control.get(ValueLayout.JAVA_INT, offset + 8), control.get(ValueLayout.JAVA_INT, offset + 12),
                control, offset + CMSG_HEADER, (int)(cmsgLength - CMSG_HEADER));
            offset += align((int)cmsgLength);
        }
    }

    /**
     * One control message: its level, type, and where its data is.
     */
    @FunctionalInterface
    public interface CmsgVisitor
    {
        void visit(int level, int type, MemorySegment control, long dataOffset, int dataLength);
    }
}
