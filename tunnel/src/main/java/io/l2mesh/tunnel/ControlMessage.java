package io.l2mesh.tunnel;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * The in-session control message ({@link TransportHeader#KIND_CONTROL}): a list of TLVs, sealed like a frame,
 * so only the peer of the session can send one and nobody on the path can read or change it.
 * <pre>
 *  0             2             4
 *  +-------------+-------------+------------------------+
 *  | type LE16   | length LE16 | value (length bytes)   |   ... the next TLV, to the end of the payload
 *  +-------------+-------------+------------------------+
 * </pre>
 * A receiver skips every TLV whose type it does not know (counted per peer), so nodes of different versions
 * interoperate: a newer node may add TLVs, an older one ignores them. A TLV that runs past the payload ends the
 * list (the rest is counted as malformed). Types:
 * <ul>
 *   <li>{@link #VERSION} (1): u16 protocol version, u16 zero, u32 feature bits. Each side sends it once on every
 *       new session (the first transport message after the handshake).</li>
 *   <li>{@link #RTT_PROBE} (3): u64 the sender's monotonic clock in nanoseconds. Each side sends one every
 *       keepalive interval on its current session, whatever the traffic, through the same send path as frames
 *       (so an impaired link delays and loses it like them).</li>
 *   <li>{@link #RTT_ECHO} (4): the probe's u64, sent back at once by the loop that read the probe; its sender
 *       takes the round trip from its own clock.</li>
 *   <li>{@link #REFLEXIVE} (2): u16 port (big-endian), then the IPv4 (4 bytes) or IPv6 (16 bytes) address the
 *       sender sees our messages come from, when that is none of the endpoints we announced (a NAT's mapping:
 *       our reflexive endpoint). Sent on each new path and again every {@link #REFLEXIVE_REPEAT} keepalive
 *       intervals; the receiver publishes it in its registry entry (docs/nat.md).</li>
 *   <li>5 relay: reserved for the NAT work (docs/wire-format.md).</li>
 * </ul>
 * Static methods over the caller's buffer; allocates nothing.
 */
final class ControlMessage
{
    /** The tunnel protocol version this node speaks (announced in {@link #VERSION}). */
    static final int PROTOCOL_VERSION = 1;
    /** Feature bits this node announces (none defined yet). */
    static final int FEATURES = 0;
    static final int TLV_HEADER = 4;
    static final int VERSION = 1;
    static final int VERSION_LENGTH = 8;
    static final int RTT_PROBE = 3;
    static final int RTT_ECHO = 4;
    static final int RTT_LENGTH = 8;
    static final int REFLEXIVE = 2;
    /** A reflexive endpoint is told again every this many keepalive intervals while it holds. */
    static final int REFLEXIVE_REPEAT = 5;
    /** The most TLV bytes one message carries (it travels in one datagram, well inside the tunnel MTU). */
    static final int MAX_LENGTH = 1024;
    private static final VarHandle SHORT_LE =
        MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INT_LE = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LONG_LE =
        MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    /**
     * Receives the TLVs of a message in order.
     */
    interface Visitor
    {
        void onTlv(int type, byte[] buffer, int valueAt, int length);
    }

    private ControlMessage()
    {
    }

    /**
     * Writes one TLV header at {@code at}; the value follows it.
     *
     * @return the offset of the value.
     */
    static int putHeader(final byte[] buffer, final int at, final int type, final int length)
    {
        SHORT_LE.set(buffer, at, (short)type);
        SHORT_LE.set(buffer, at + 2, (short)length);
        return at + TLV_HEADER;
    }

    /**
     * Writes this node's {@link #VERSION} TLV at {@code at}.
     *
     * @return the offset after it.
     */
    static int putVersion(final byte[] buffer, final int at)
    {
        final int value = putHeader(buffer, at, VERSION, VERSION_LENGTH);
        SHORT_LE.set(buffer, value, (short)PROTOCOL_VERSION);
        SHORT_LE.set(buffer, value + 2, (short)0);
        INT_LE.set(buffer, value + 4, FEATURES);
        return value + VERSION_LENGTH;
    }

    /**
     * Writes an {@link #RTT_PROBE} or {@link #RTT_ECHO} TLV carrying {@code stampNanos} at {@code at}.
     *
     * @return the offset after it.
     */
    static int putRtt(final byte[] buffer, final int at, final int type, final long stampNanos)
    {
        final int value = putHeader(buffer, at, type, RTT_LENGTH);
        LONG_LE.set(buffer, value, stampNanos);
        return value + RTT_LENGTH;
    }

    /**
     * Writes a {@link #REFLEXIVE} TLV carrying {@code seen} at {@code at} (agent thread; a rare message).
     *
     * @return the offset after it.
     */
    static int putReflexive(final byte[] buffer, final int at, final InetSocketAddress seen)
    {
        final byte[] address = seen.getAddress().getAddress();
        final int value = putHeader(buffer, at, REFLEXIVE, 2 + address.length);
        buffer[value] = (byte)(seen.getPort() >>> 8);
        buffer[value + 1] = (byte)seen.getPort();
        System.arraycopy(address, 0, buffer, value + 2, address.length);
        return value + 2 + address.length;
    }

    /**
     * @return the address of a {@link #REFLEXIVE} TLV's value, or null if it is malformed (a length other than 6
     * or 18, port 0). Allocates: a control message, at most once a keepalive interval per peer.
     */
    static InetSocketAddress reflexiveOf(final byte[] buffer, final int valueAt, final int length)
    {
        if (length != 2 + 4 && length != 2 + 16)
        {
            return null;
        }
        final int port = (buffer[valueAt] & 0xff) << 8 | buffer[valueAt + 1] & 0xff;
        try
        {
            final InetAddress address = InetAddress.getByAddress(java.util.Arrays.copyOfRange(buffer, valueAt + 2,
                valueAt + length));
            return port == 0 || address.isAnyLocalAddress() || address.isMulticastAddress() ? null :
                new InetSocketAddress(address, port);
        }
        catch (final UnknownHostException ex)
        {
            return null; // not reached: the length is 4 or 16
        }
    }

    static long stampOf(final byte[] buffer, final int valueAt)
    {
        return (long)LONG_LE.get(buffer, valueAt);
    }

    static int versionOf(final byte[] buffer, final int valueAt)
    {
        return (short)SHORT_LE.get(buffer, valueAt) & 0xffff;
    }

    static int featuresOf(final byte[] buffer, final int valueAt)
    {
        return (int)INT_LE.get(buffer, valueAt + 4);
    }

    /**
     * Visits the TLVs of the {@code length} bytes at {@code at}.
     *
     * @return true if the list was well formed to its end.
     */
    static boolean read(final byte[] buffer, final int at, final int length, final Visitor visitor)
    {
        int p = at;
        final int end = at + length;
        while (p + TLV_HEADER <= end)
        {
            final int type = (short)SHORT_LE.get(buffer, p) & 0xffff;
            final int valueLength = (short)SHORT_LE.get(buffer, p + 2) & 0xffff;
            if (p + TLV_HEADER + valueLength > end)
            {
                return false;
            }
            visitor.onTlv(type, buffer, p + TLV_HEADER, valueLength);
            p += TLV_HEADER + valueLength;
        }
        return p == end;
    }
}
