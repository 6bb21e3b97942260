package io.l2mesh.tunnel;

import io.l2mesh.tunnel.noise.Handshake;
import io.l2mesh.tuntap.SocketAddresses;
import org.jctools.queues.MpmcArrayQueue;
import org.jctools.queues.MpscArrayQueue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Handshake messages on their way from the loops to the tunnel agent, in preallocated slots (as the capture tap
 * cycles its records): a loop takes a free slot, copies the message and its source in, and queues it; the agent
 * handles it and gives the slot back. Nothing is allocated per message, and a flood of forged initiations costs
 * a loop one copy each, then drops (counted by the caller) once every slot is taken. A port has two: initiations
 * from others, and the responses and cookie replies to our own, so a flood of initiations cannot crowd out the
 * answers a node waits for.
 */
final class HandshakeInbox
{
    static final int CAPACITY = 256;
    static final int REPLY_CAPACITY = 64;

    /**
     * One message and where it came from. Written by one loop, then read by the agent (the queues order it).
     */
    static final class Slot
    {
        private final byte[] initiation = new byte[Handshake.INITIATION_LENGTH];
        private final byte[] response = new byte[Handshake.RESPONSE_LENGTH];
        private final byte[] cookie = new byte[Handshake.COOKIE_REPLY_LENGTH];
        final byte[] source = new byte[SocketAddresses.MAX_LENGTH];
        int sourceLength;
        private byte type;
        /** An initiation whose mac2 was checked under load: its source's token bucket applies. */
        boolean underLoad;

        byte type()
        {
            return type;
        }

        boolean isInitiation()
        {
            return type == Handshake.TYPE_INITIATION;
        }

        /**
         * Takes a copy of a handshake message (type and length checked by the caller) and its source.
         */
        void fill(final byte[] buffer, final int length, final MemorySegment from, final int fromLength,
            final boolean checkedUnderLoad)
        {
            type = buffer[0];
            underLoad = checkedUnderLoad;
            System.arraycopy(buffer, 0, message(), 0, length);
            sourceLength = Math.min(fromLength, source.length);
            MemorySegment.copy(from, ValueLayout.JAVA_BYTE, 0, source, 0, sourceLength);
        }

        /**
         * @return the message, in an array of exactly its length.
         */
        byte[] message()
        {
            return switch (type)
            {
                case Handshake.TYPE_INITIATION -> initiation;
                case Handshake.TYPE_RESPONSE -> response;
                default -> cookie;
            };
        }
    }

    private final MpmcArrayQueue<Slot> free;
    private final MpscArrayQueue<Slot> queued;

    /**
     * @param capacity slots: {@link #CAPACITY} for initiations, fewer for the replies to our own.
     */
    HandshakeInbox(final int capacity)
    {
        this.free = new MpmcArrayQueue<>(capacity);
        this.queued = new MpscArrayQueue<>(capacity);
        for (int i = 0; i < capacity; i++)
        {
            free.offer(new Slot());
        }
    }

    /**
     * @return messages waiting (approximate while loops offer).
     */
    int queued()
    {
        return queued.size();
    }

    /**
     * Loop side: queues a copy of an initiation, response or cookie reply (the caller checked type and length).
     *
     * @return false if every slot is taken.
     */
    boolean offer(final byte[] buffer, final int length, final MemorySegment from, final int fromLength,
        final boolean underLoad)
    {
        final Slot slot = free.poll();
        if (slot == null)
        {
            return false;
        }
        slot.fill(buffer, length, from, fromLength, underLoad);
        queued.offer(slot); // never full: there are only as many slots as it holds
        return true;
    }

    /**
     * Agent side: the next queued message, or null; hand it back with {@link #release}.
     */
    Slot poll()
    {
        return queued.poll();
    }

    void release(final Slot slot)
    {
        free.offer(slot);
    }
}
