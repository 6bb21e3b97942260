package io.l2mesh.fec.stream;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The FEC shard header, in front of every shard inside a tunnel's encrypted payload (big-endian):
 * <pre>
 *  0                   4        5     6     7       8
 *  +-------------------+--------+-----+-----+-------+--------------------------------------+
 *  | block id (u32)    | index  | k   | m   | count | body                                 |
 *  +-------------------+--------+-----+-----+-------+--------------------------------------+
 *  data shard   (index < k):  body = frame length (u16) | frame bytes; count = 0
 *  parity shard (index >= k): body = L bytes of parity; count = data shards the block really holds (1..k)
 * </pre>
 * The code is (k, m) Reed-Solomon over the data bodies ({@code length | frame}) zero-padded to L, the longest
 * body of the block; L is the parity shard's length minus the header. A block closed by its timer with
 * {@code count < k} frames is coded as if data shards {@code count..k-1} were all zeros, which lets the encoder
 * fold each frame into the parity as it passes. See docs/wire-format.md.
 */
public final class ShardHeaderFlyweight
{
    public static final int BLOCK_ID_OFFSET = 0;
    public static final int INDEX_OFFSET = 4;
    public static final int K_OFFSET = 5;
    public static final int M_OFFSET = 6;
    public static final int COUNT_OFFSET = 7;
    public static final int LENGTH = 8;
    /** Data body: the 2-byte frame length comes first. */
    public static final int FRAME_LENGTH_FIELD = 2;
    /** Header plus frame length field: what a data shard adds to a frame. */
    public static final int DATA_OVERHEAD = LENGTH + FRAME_LENGTH_FIELD;

    private static final ValueLayout.OfInt INT_BE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfShort SHORT_BE =
        ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private ShardHeaderFlyweight()
    {
    }

    public static void write(
        final MemorySegment s, final long offset, final int blockId, final int index, final int k, final int m,
        final int count)
    {
        s.set(INT_BE, offset + BLOCK_ID_OFFSET, blockId);
        s.set(ValueLayout.JAVA_BYTE, offset + INDEX_OFFSET, (byte)index);
        s.set(ValueLayout.JAVA_BYTE, offset + K_OFFSET, (byte)k);
        s.set(ValueLayout.JAVA_BYTE, offset + M_OFFSET, (byte)m);
        s.set(ValueLayout.JAVA_BYTE, offset + COUNT_OFFSET, (byte)count);
    }

    public static int blockId(final MemorySegment s, final long offset)
    {
        return s.get(INT_BE, offset + BLOCK_ID_OFFSET);
    }

    public static int index(final MemorySegment s, final long offset)
    {
        return s.get(ValueLayout.JAVA_BYTE, offset + INDEX_OFFSET) & 0xff;
    }

    public static int k(final MemorySegment s, final long offset)
    {
        return s.get(ValueLayout.JAVA_BYTE, offset + K_OFFSET) & 0xff;
    }

    public static int m(final MemorySegment s, final long offset)
    {
        return s.get(ValueLayout.JAVA_BYTE, offset + M_OFFSET) & 0xff;
    }

    public static int count(final MemorySegment s, final long offset)
    {
        return s.get(ValueLayout.JAVA_BYTE, offset + COUNT_OFFSET) & 0xff;
    }

    /**
     * The frame length of a data shard's body (at {@code bodyOffset}).
     */
    public static int frameLength(final MemorySegment s, final long bodyOffset)
    {
        return s.get(SHORT_BE, bodyOffset) & 0xffff;
    }

    public static void frameLength(final MemorySegment s, final long bodyOffset, final int length)
    {
        s.set(SHORT_BE, bodyOffset, (short)length);
    }
}
