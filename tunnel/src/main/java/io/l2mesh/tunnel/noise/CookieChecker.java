package io.l2mesh.tunnel.noise;

import org.bouncycastle.crypto.digests.Blake2sDigest;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;

/**
 * The responder's half of WireGuard's DoS defence (whitepaper 5.3, 5.4.7): mac1 of every handshake message is
 * checked before it costs a queue slot or budget, and under load an initiation must also carry a valid mac2, a
 * MAC keyed with a cookie only its real source can know: {@code cookie = MAC(secret, source address)}, with a
 * random secret that changes every {@link #SECRET_LIFETIME_NANOS}. An initiation without one is answered with a
 * cookie reply (the cookie sealed with XChaCha20-Poly1305 under {@code HASH("cookie--" || our public key)}, the
 * initiation's mac1 as associated data) and goes no further.
 * <p>
 * Threading: the checker is shared; each datapath loop works through its own {@link Worker}, whose keyed digests
 * are made once (and again when the secret changes), so checking mac1 allocates nothing. mac2 is keyed with a
 * per-source cookie, which Bouncy Castle's digest takes only at construction: one digest per initiation checked
 * under load, and a cookie reply allocates in the JDK's AEAD (docs/BENCHMARKS.md measures a flood).
 */
public final class CookieChecker
{
    public static final long SECRET_LIFETIME_NANOS = 120_000_000_000L;
    static final byte[] LABEL_COOKIE = "cookie--".getBytes(StandardCharsets.US_ASCII);
    private static final int MAC = Blake2s.MAC_LENGTH;

    private final byte[] mac1Key;
    private final byte[] cookieKey;
    private final SecureRandom random = new SecureRandom();
    private volatile Secret secret;

    private record Secret(byte[] bytes, long createdNanos)
    {
    }

    public CookieChecker(final byte[] localPublic)
    {
        this.mac1Key = Handshake.mac1Key(localPublic);
        this.cookieKey = Blake2s.hash(LABEL_COOKIE, localPublic);
    }

    /**
     * The current secret, replaced by a new random one once it is two minutes old (by whichever thread sees that
     * first; a loop that races another keeps the one it made for this message, which only costs that initiator a
     * second cookie).
     */
    private Secret secret(final long nowNanos)
    {
        final Secret current = secret;
        if (current != null && nowNanos - current.createdNanos < SECRET_LIFETIME_NANOS)
        {
            return current;
        }
        final byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        final Secret next = new Secret(bytes, nowNanos);
        secret = next;
        return next;
    }

    /**
     * A new worker for one thread.
     */
    public Worker worker()
    {
        return new Worker();
    }

    /**
     * One thread's state: keyed digests and buffers, made once.
     */
    public final class Worker
    {
        private final Blake2sDigest mac1 = new Blake2sDigest(mac1Key, MAC, null, null);
        private final byte[] expected = new byte[MAC];
        private final byte[] cookie = new byte[MAC];
        private final byte[] nonce = new byte[XChaCha20Poly1305.NONCE_LENGTH];
        private final byte[] ad = new byte[MAC];
        private final XChaCha20Poly1305 aead = new XChaCha20Poly1305();
        private long nonceCounter;
        private Blake2sDigest cookies;
        private Secret keyedWith;

        private Worker()
        {
            // Nonces: 16 random bytes per worker, then a counter: unique under the fixed cookie key without a
            // random draw per reply (XChaCha needs unique nonces, not unpredictable ones).
            random.nextBytes(nonce);
        }

        /**
         * @return true if the {@code length}-byte handshake message carries a valid mac1 (16 bytes before its
         * last 16). Allocates nothing.
         */
        public boolean mac1Valid(final byte[] message, final int length)
        {
            final int at = length - 2 * MAC;
            if (at < 0)
            {
                return false;
            }
            mac1.update(message, 0, at);
            mac1.doFinal(expected, 0); // resets the digest, keeping its key
            return equalAt(expected, message, at);
        }

        /**
         * @return true if the message's mac2 is the one the cookie of {@code source} (a socket address of
         * {@code sourceLength} bytes) gives.
         */
        public boolean mac2Valid(final byte[] message, final int length, final byte[] source,
            final int sourceLength, final long nowNanos)
        {
            int any = 0;
            for (int i = length - MAC; i < length; i++)
            {
                any |= message[i];
            }
            if (any == 0)
            {
                return false; // no mac2: the initiator holds no cookie, nothing to compute
            }
            cookieFor(source, sourceLength, nowNanos);
            final Blake2sDigest mac2 = new Blake2sDigest(cookie, MAC, null, null);
            mac2.update(message, 0, length - MAC);
            mac2.doFinal(expected, 0);
            return equalAt(expected, message, length - MAC);
        }

        /**
         * Writes the cookie reply to the initiation in {@code message} from {@code source} into {@code out}.
         *
         * @return its length, {@link Handshake#COOKIE_REPLY_LENGTH}.
         */
        public int reply(final byte[] message, final int length, final byte[] source, final int sourceLength,
            final long nowNanos, final byte[] out)
        {
            cookieFor(source, sourceLength, nowNanos);
            nonceCounter++;
            for (int i = 0; i < 8; i++)
            {
                nonce[16 + i] = (byte)(nonceCounter >>> (8 * i));
            }
            System.arraycopy(message, length - 2 * MAC, ad, 0, MAC); // the initiation's mac1
            out[0] = Handshake.TYPE_COOKIE;
            out[1] = 0;
            out[2] = 0;
            out[3] = 0;
            System.arraycopy(message, 4, out, 4, 4); // receiver: the initiation's sender index
            System.arraycopy(nonce, 0, out, 8, nonce.length);
            aead.seal(cookieKey, nonce, 0, cookie, ad, out, 8 + nonce.length);
            return Handshake.COOKIE_REPLY_LENGTH;
        }

        /**
         * Constant time: whether the 16 bytes of {@code mac} equal those of {@code message} at {@code at}.
         */
        private static boolean equalAt(final byte[] mac, final byte[] message, final int at)
        {
            int diff = 0;
            for (int i = 0; i < MAC; i++)
            {
                diff |= mac[i] ^ message[at + i];
            }
            return diff == 0;
        }

        private void cookieFor(final byte[] source, final int sourceLength, final long nowNanos)
        {
            final Secret current = secret(nowNanos);
            if (current != keyedWith)
            {
                cookies = new Blake2sDigest(current.bytes(), MAC, null, null);
                keyedWith = current;
            }
            cookies.update(source, 0, sourceLength);
            cookies.doFinal(cookie, 0);
        }
    }
}
