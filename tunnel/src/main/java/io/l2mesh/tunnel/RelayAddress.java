package io.l2mesh.tunnel;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Where a handshake message that came through a relay came from, in the place of its socket address (the
 * handshake inboxes and the agent keep a message's source as sockaddr bytes): a family no socket has, the relay's
 * peer id and the sender's. The answer goes back the way it came: the agent seals it into a
 * {@link TransportHeader#KIND_RELAY_TO} message to that relay ({@code AgentSender.handshakeTo}).
 * <pre>
 *  0           2           8                  16                 24
 *  | 0x4c52 LE |  zero     | relay id LE64    | sender id LE64   |
 * </pre>
 */
final class RelayAddress
{
    static final int LENGTH = 24;
    private static final short FAMILY = 0x4c52;

    private RelayAddress()
    {
    }

    static void write(final MemorySegment to, final long relayId, final long senderId)
    {
        to.set(ValueLayout.JAVA_SHORT_UNALIGNED, 0, FAMILY);
        to.asSlice(2, 6).fill((byte)0);
        to.set(ValueLayout.JAVA_LONG_UNALIGNED, 8, relayId);
        to.set(ValueLayout.JAVA_LONG_UNALIGNED, 16, senderId);
    }

    static boolean is(final MemorySegment address, final int length)
    {
        return length == LENGTH && address.get(ValueLayout.JAVA_SHORT_UNALIGNED, 0) == FAMILY;
    }

    static boolean is(final byte[] address, final int length)
    {
        return length == LENGTH && (address[0] & 0xff | (address[1] & 0xff) << 8) == FAMILY;
    }

    static long relayId(final MemorySegment address)
    {
        return address.get(ValueLayout.JAVA_LONG_UNALIGNED, 8);
    }

    static long senderId(final MemorySegment address)
    {
        return address.get(ValueLayout.JAVA_LONG_UNALIGNED, 16);
    }
}
