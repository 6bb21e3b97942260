package io.l2mesh.tunnel;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Flyweight over the 16-byte header of a transport message (WireGuard's type 4 with its three reserved bytes
 * put to use), in the heap buffer the AEAD works on or, where it works in place, in native memory. The header
 * is the AEAD's associated data, so every byte of it is authenticated.
 * <pre>
 *  0        1        2          3        4                      8                                    16
 *  +--------+--------+----------+--------+----------------------+------------------------------------+
 *  | type 4 | kind   | stream   | 0      | receiver index LE32  | counter LE64 (the nonce)           |
 *  +--------+--------+----------+--------+----------------------+------------------------------------+
 *  | sealed payload (kind below) ...                                         | tag (16 bytes)        |
 * </pre>
 * {@code kind}: {@link #KIND_FRAME} an Ethernet frame; {@link #KIND_SHARD} an FEC shard (its shard header first,
 * {@code fec.stream.ShardHeaderFlyweight}), {@code stream} naming the sender's FEC stream (one per sending
 * loop); {@link #KIND_REPORT} a loss report (u32 LE parts per million); {@link #KIND_CONTROL} an in-session
 * control message, a TLV list ({@link ControlMessage}); {@link #KIND_RELAY_TO} and {@link #KIND_RELAY_FROM} a
 * datagram passed through a relay (docs/nat.md). A payload of zero bytes is a keepalive. A receiver drops a kind
 * it does not know as malformed, which is why new messages go into control TLVs, not new kinds (the relay's two
 * carry whole datagrams, more than a TLV holds; only nodes that relay or are relayed for see them).
 */
final class TransportHeader
{
    static final int LENGTH = 16;
    static final byte TYPE = 4;
    static final int KIND_FRAME = 0;
    static final int KIND_SHARD = 1;
    static final int KIND_REPORT = 2;
    static final int KIND_CONTROL = 3;
    /** A datagram for the relay to pass on: u64 LE the destination's peer id, then the datagram (docs/nat.md). */
    static final int KIND_RELAY_TO = 4;
    /** A datagram a relay passes on to us: u64 LE the source's peer id, then the datagram. */
    static final int KIND_RELAY_FROM = 5;
    private static final int KIND_OFFSET = 1;
    private static final int STREAM_OFFSET = 2;
    private static final int ZERO_OFFSET = 3;
    private static final int RECEIVER_OFFSET = 4;
    private static final int COUNTER_OFFSET = 8;
    private static final VarHandle INT_LE = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LONG_LE =
        MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private static final ValueLayout.OfInt INT_LE_SEGMENT =
        ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LONG_LE_SEGMENT =
        ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private TransportHeader()
    {
    }

    static void write(final byte[] buffer, final int at, final int receiverIndex, final long counter,
        final int kind, final int stream)
    {
        buffer[at] = TYPE;
        buffer[at + KIND_OFFSET] = (byte)kind;
        buffer[at + STREAM_OFFSET] = (byte)stream;
        buffer[at + ZERO_OFFSET] = 0;
        INT_LE.set(buffer, at + RECEIVER_OFFSET, receiverIndex);
        LONG_LE.set(buffer, at + COUNTER_OFFSET, counter);
    }

    /**
     * {@link #write(byte[], int, int, long, int, int)} into native memory at {@code at} of {@code segment}.
     */
    static void write(final MemorySegment segment, final long at, final int receiverIndex, final long counter,
        final int kind, final int stream)
    {
        segment.set(INT_LE_SEGMENT, at, (TYPE & 0xff) | (kind & 0xff) << 8 | (stream & 0xff) << 16);
        segment.set(INT_LE_SEGMENT, at + RECEIVER_OFFSET, receiverIndex);
        segment.set(LONG_LE_SEGMENT, at + COUNTER_OFFSET, counter);
    }

    static int kind(final MemorySegment segment, final long at)
    {
        return segment.get(ValueLayout.JAVA_BYTE, at + KIND_OFFSET);
    }

    static int receiverIndex(final MemorySegment segment, final long at)
    {
        return segment.get(INT_LE_SEGMENT, at + RECEIVER_OFFSET);
    }

    static long counter(final MemorySegment segment, final long at)
    {
        return segment.get(LONG_LE_SEGMENT, at + COUNTER_OFFSET);
    }

    /**
     * @return true if the message at {@code at} of {@code segment} has a known kind and the zero byte.
     */
    static boolean validPrefix(final MemorySegment segment, final long at)
    {
        final int kind = kind(segment, at);
        return kind >= KIND_FRAME && kind <= KIND_RELAY_FROM &&
            segment.get(ValueLayout.JAVA_BYTE, at + ZERO_OFFSET) == 0;
    }

    static int kind(final byte[] buffer)
    {
        return buffer[KIND_OFFSET];
    }

    static int stream(final byte[] buffer)
    {
        return buffer[STREAM_OFFSET] & 0xff;
    }

    static int receiverIndex(final byte[] buffer)
    {
        return (int)INT_LE.get(buffer, RECEIVER_OFFSET);
    }

    static long counter(final byte[] buffer)
    {
        return (long)LONG_LE.get(buffer, COUNTER_OFFSET);
    }

    /**
     * @return true if the message at the start of {@code buffer} has a known kind and the zero byte.
     */
    static boolean validPrefix(final byte[] buffer)
    {
        return buffer[KIND_OFFSET] >= KIND_FRAME && buffer[KIND_OFFSET] <= KIND_RELAY_FROM && buffer[ZERO_OFFSET] == 0;
    }

    static long u64(final byte[] buffer, final int at)
    {
        return (long)LONG_LE.get(buffer, at);
    }

    static void u64(final byte[] buffer, final int at, final long value)
    {
        LONG_LE.set(buffer, at, value);
    }

    static int u32(final byte[] buffer, final int at)
    {
        return (int)INT_LE.get(buffer, at);
    }

    static void u32(final byte[] buffer, final int at, final int value)
    {
        INT_LE.set(buffer, at, value);
    }
}
