package io.l2mesh.tunnel;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * The 16-byte header of a transport message (WireGuard's type 4): type, payload kind (0 frame, 1 FEC shard), the
 * sender's FEC stream, a zero byte, the receiver's session index (LE u32), the 64-bit counter (LE), then the
 * sealed payload and its 16-byte tag. The header is the AEAD's associated data. A payload of zero bytes is a
 * keepalive.
 */
final class TransportHeader
{
    static final int LENGTH = 16;
    static final byte TYPE = 4;
    static final int KIND_FRAME = 0;
    static final int KIND_SHARD = 1;
    /** A loss report: u32 LE parts per million of our frames lost on the way to the reporter, before FEC. */
    static final int KIND_REPORT = 2;
    private static final VarHandle INT_LE = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LONG_LE =
        MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private TransportHeader()
    {
    }

    static void write(final byte[] buffer, final int at, final int receiverIndex, final long counter,
        final int kind, final int stream)
    {
        buffer[at] = TYPE;
        buffer[at + 1] = (byte)kind;
        buffer[at + 2] = (byte)stream;
        buffer[at + 3] = 0;
        INT_LE.set(buffer, at + 4, receiverIndex);
        LONG_LE.set(buffer, at + 8, counter);
    }

    static int kind(final byte[] buffer)
    {
        return buffer[1];
    }

    static int stream(final byte[] buffer)
    {
        return buffer[2] & 0xff;
    }

    static int receiverIndex(final byte[] buffer)
    {
        return (int)INT_LE.get(buffer, 4);
    }

    static long counter(final byte[] buffer)
    {
        return (long)LONG_LE.get(buffer, 8);
    }

    static boolean validPrefix(final byte[] buffer)
    {
        return buffer[1] >= KIND_FRAME && buffer[1] <= KIND_REPORT && buffer[3] == 0;
    }
}
