package io.l2mesh.tunnel;

import io.l2mesh.tunnel.crypto.TransportAead;
import io.l2mesh.tunnel.crypto.TransportAeads;
import io.l2mesh.tunnel.noise.CipherSuite;
import io.l2mesh.tunnel.noise.Handshake;
import io.l2mesh.tunnel.noise.ReplayWindow;
import io.l2mesh.tuntap.NativeMemory;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Transport keys from one handshake with one peer: a send key with a shared 64-bit counter (the nonce, never
 * reused: every thread takes the next value atomically), a receive key with its replay window, and an AEAD per
 * direction with state per thread ({@link TransportAead}: OpenSSL's where libcrypto loads, else the JDK's;
 * threads are the datapath loops plus the agent, which sends keepalives). Messages are sealed and opened in
 * place in the caller's byte array, the 16-byte transport header authenticated as associated data.
 */
final class Session
{
    /** After this many messages a session is replaced (AES-GCM's limit per key is far above). */
    static final long REKEY_AFTER_MESSAGES = 1L << 48;
    static final long REJECT_AFTER_MESSAGES = (1L << 48) + (1L << 20);

    final Peer peer;
    final int localIndex;
    final int remoteIndex;
    final boolean initiator;
    final long createdNanos;
    private final AtomicLong sendCounter = new AtomicLong();
    private final ReplayWindow replay = new ReplayWindow();
    private long acceptedMessages; // under the window's lock
    private final TransportAead sealer;
    private final TransportAead opener;
    /** Set once a message arrived on this session (or, for the initiator, at once): the peer holds its keys. */
    private volatile boolean confirmed;
    /** Agent only: our {@link ControlMessage#VERSION} went out on this session. */
    boolean versionAnnounced;

    Session(final Peer peer, final Handshake.Result keys, final CipherSuite suite, final int threads,
        final long nowNanos)
    {
        this.peer = peer;
        this.localIndex = keys.localIndex();
        this.remoteIndex = keys.remoteIndex();
        this.initiator = keys.initiator();
        this.createdNanos = nowNanos;
        this.sealer = TransportAeads.create(suite, keys.sendKey(), true, threads);
        this.opener = TransportAeads.create(suite, keys.receiveKey(), false, threads);
    }

    /**
     * Marks the session as known to the peer (a loop, on every message: written only the first time).
     */
    void confirm()
    {
        if (!confirmed)
        {
            confirmed = true;
        }
    }

    boolean confirmed()
    {
        return confirmed;
    }

    long messagesSent()
    {
        return sendCounter.get();
    }

    boolean usable(final long nowNanos, final long rejectAfterNanos)
    {
        return nowNanos - createdNanos < rejectAfterNanos && sendCounter.get() < REJECT_AFTER_MESSAGES;
    }

    /**
     * Seals {@code plainLength} bytes at {@link TransportHeader#LENGTH} of {@code buffer}, writing the header first.
     *
     * @return the message's length (header, ciphertext, tag), or -1 if this session may not send any more.
     */
    int seal(final int thread, final byte[] buffer, final int plainLength)
    {
        return seal(thread, buffer, 0, TransportHeader.KIND_FRAME, 0, plainLength);
    }

    /**
     * Seals {@code plainLength} bytes at {@code at + }{@link TransportHeader#LENGTH}, the header written at
     * {@code at}.
     *
     * @param kind   what the payload is ({@link TransportHeader#KIND_FRAME} or {@link TransportHeader#KIND_SHARD}).
     * @param stream the sender's FEC stream (its loop), for shards.
     * @return the message's length, or -1 if this session may not send any more.
     */
    int seal(final int thread, final byte[] buffer, final int at, final int kind, final int stream,
        final int plainLength)
    {
        final long counter = sendCounter.getAndIncrement();
        if (counter >= REJECT_AFTER_MESSAGES)
        {
            return -1;
        }
        TransportHeader.write(buffer, at, remoteIndex, counter, kind, stream);
        return TransportHeader.LENGTH + sealer.seal(thread, buffer, at, plainLength, counter);
    }

    /**
     * @return true if this session seals and opens in native memory ({@link #sealAt}, {@link #openAt}).
     */
    boolean worksInPlace()
    {
        return sealer.worksInPlace();
    }

    /**
     * {@link #seal(int, byte[], int, int, int, int)} for a message at the native address {@code address}.
     */
    int sealAt(final int thread, final long address, final int kind, final int stream, final int plainLength)
    {
        final long counter = sendCounter.getAndIncrement();
        if (counter >= REJECT_AFTER_MESSAGES)
        {
            return -1;
        }
        TransportHeader.write(NativeMemory.ALL, address, remoteIndex, counter, kind, stream);
        return TransportHeader.LENGTH + sealer.sealAt(thread, address, plainLength, counter);
    }

    /**
     * {@link #open(int, byte[], int)} for the message at the native address {@code address}.
     */
    int openAt(final int thread, final long address, final int length)
    {
        final long counter = TransportHeader.counter(NativeMemory.ALL, address);
        if (opener.openAt(thread, address, length, counter) < 0)
        {
            return FORGED;
        }
        return acceptCounter(counter) ? length - TransportHeader.LENGTH - CipherSuite.TAG_LENGTH : REPLAYED;
    }

    /**
     * Opens the message of {@code length} bytes at the start of {@code buffer} in place and checks its counter.
     *
     * @return the plaintext's length (at {@link TransportHeader#LENGTH}), {@link #FORGED} if the tag fails, or
     * {@link #REPLAYED} if the counter was seen or is too old.
     */
    int open(final int thread, final byte[] buffer, final int length)
    {
        final long counter = TransportHeader.counter(buffer);
        final int plain = opener.open(thread, buffer, length, counter);
        if (plain < 0)
        {
            return FORGED;
        }
        // Only an authenticated counter may move the window, and the window is the one lock on this path:
        // uncontended, as the kernel's SO_REUSEPORT hash keeps one peer's packets on one loop.
        return acceptCounter(counter) ? plain : REPLAYED;
    }

    static final int FORGED = -1;
    static final int REPLAYED = -2;

    /**
     * A counter at or beyond {@link #REJECT_AFTER_MESSAGES} is refused as the sender would never send it.
     */
    private synchronized boolean acceptCounter(final long counter)
    {
        final boolean fresh = counter >= 0 && counter < REJECT_AFTER_MESSAGES && replay.accept(counter);
        if (fresh)
        {
            acceptedMessages++;
        }
        return fresh;
    }

    /**
     * Control thread: what the link did to the peer's messages on this session, from its counters. Every message
     * the peer sends takes the next counter, so the counters up to the newest that arrived are the messages it
     * sent so far, and those that did not arrive (yet: a late one still may) were lost on the way.
     *
     * @return {messages sent as far as we know (newest counter + 1), messages that arrived}; takes the window's
     * lock once.
     */
    synchronized long[] linkCounts()
    {
        return new long[] {replay.newest() + 1, acceptedMessages};
    }
}
