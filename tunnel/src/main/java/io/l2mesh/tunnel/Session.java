package io.l2mesh.tunnel;

import io.l2mesh.tunnel.noise.CipherSuite;
import io.l2mesh.tunnel.noise.Handshake;
import io.l2mesh.tunnel.noise.ReplayWindow;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;
import java.security.GeneralSecurityException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Transport keys from one handshake with one peer: a send key with a shared 64-bit counter (the nonce, never
 * reused: every thread takes the next value atomically), a receive key with its replay window, and a
 * {@link Cipher} per thread (a {@code Cipher} is not thread-safe; threads are the datapath loops plus the
 * handshake agent, which sends keepalives). Messages are sealed and opened in place in the caller's byte
 * array, the 16-byte transport header authenticated as associated data.
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
    private final CipherSuite suite;
    private final SecretKeySpec sendKey;
    private final SecretKeySpec receiveKey;
    private final AtomicLong sendCounter = new AtomicLong();
    private final ReplayWindow replay = new ReplayWindow();
    private final Cipher[] sealers;
    private final Cipher[] openers;
    private final byte[][] nonces;
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
        this.suite = suite;
        this.sendKey = new SecretKeySpec(keys.sendKey(), suite == CipherSuite.AESGCM ? "AES" : "ChaCha20");
        this.receiveKey = new SecretKeySpec(keys.receiveKey(), suite == CipherSuite.AESGCM ? "AES" : "ChaCha20");
        this.sealers = new Cipher[threads];
        this.openers = new Cipher[threads];
        this.nonces = new byte[threads][12];
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
        try
        {
            final Cipher cipher = cipher(sealers, thread);
            suiteInit(cipher, Cipher.ENCRYPT_MODE, sendKey, counter, thread);
            cipher.updateAAD(buffer, at, TransportHeader.LENGTH);
            final int payload = at + TransportHeader.LENGTH;
            return TransportHeader.LENGTH + cipher.doFinal(buffer, payload, plainLength, buffer, payload);
        }
        catch (final GeneralSecurityException ex)
        {
            throw new IllegalStateException("sealing failed", ex);
        }
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
        final int plain;
        try
        {
            final Cipher cipher = cipher(openers, thread);
            suiteInit(cipher, Cipher.DECRYPT_MODE, receiveKey, counter, thread);
            cipher.updateAAD(buffer, 0, TransportHeader.LENGTH);
            plain = cipher.doFinal(buffer, TransportHeader.LENGTH, length - TransportHeader.LENGTH, buffer,
                TransportHeader.LENGTH);
        }
        catch (final AEADBadTagException ex)
        {
            return FORGED;
        }
        catch (final GeneralSecurityException ex)
        {
            return FORGED;
        }
        // Only an authenticated counter may move the window, and the window is the one lock on this path:
        // uncontended, as the kernel's SO_REUSEPORT hash keeps one peer's packets on one loop.
        return acceptCounter(counter) ? plain : REPLAYED;
    }

    static final int FORGED = -1;
    static final int REPLAYED = -2;

    private synchronized boolean acceptCounter(final long counter)
    {
        return replay.accept(counter);
    }

    private Cipher cipher(final Cipher[] ciphers, final int thread)
    {
        Cipher cipher = ciphers[thread];
        if (cipher == null)
        {
            cipher = suite.newCipher(); // once per thread and session
            ciphers[thread] = cipher;
        }
        return cipher;
    }

    private void suiteInit(final Cipher cipher, final int mode, final SecretKeySpec key, final long counter,
        final int thread) throws GeneralSecurityException
    {
        TransportCrypto.init(suite, cipher, mode, key, counter, nonces[thread]);
    }
}
