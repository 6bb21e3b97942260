package io.l2mesh.tunnel.noise;

import org.bouncycastle.crypto.digests.Blake2sDigest;
import org.bouncycastle.crypto.macs.HMac;
import org.bouncycastle.crypto.params.KeyParameter;

/**
 * The BLAKE2s functions of the handshake (Bouncy Castle's digest; the JDK has no BLAKE2): HASH, HMAC (Noise's
 * HKDF is built on HMAC-BLAKE2s) and the keyed 16-byte MAC of WireGuard's mac1/mac2. Handshake path only.
 */
final class Blake2s
{
    static final int HASH_LENGTH = 32;
    static final int MAC_LENGTH = 16;

    private Blake2s()
    {
    }

    static byte[] hash(final byte[]... parts)
    {
        final Blake2sDigest digest = new Blake2sDigest(HASH_LENGTH * 8);
        for (final byte[] part : parts)
        {
            digest.update(part, 0, part.length);
        }
        final byte[] out = new byte[HASH_LENGTH];
        digest.doFinal(out, 0);
        return out;
    }

    static byte[] hmac(final byte[] key, final byte[]... parts)
    {
        final HMac mac = new HMac(new Blake2sDigest(HASH_LENGTH * 8));
        mac.init(new KeyParameter(key));
        for (final byte[] part : parts)
        {
            mac.update(part, 0, part.length);
        }
        final byte[] out = new byte[HASH_LENGTH];
        mac.doFinal(out, 0);
        return out;
    }

    /**
     * Keyed BLAKE2s with a 16-byte output over {@code length} bytes of {@code data}.
     */
    static byte[] mac(final byte[] key, final byte[] data, final int offset, final int length)
    {
        final Blake2sDigest digest = new Blake2sDigest(key, MAC_LENGTH, null, null);
        digest.update(data, offset, length);
        final byte[] out = new byte[MAC_LENGTH];
        digest.doFinal(out, 0);
        return out;
    }

    /**
     * Noise's HKDF with HMAC-BLAKE2s: {@code outputs} (1..3) keys of 32 bytes from a chaining key and input.
     */
    static byte[][] kdf(final byte[] chainingKey, final byte[] input, final int outputs)
    {
        final byte[] temp = hmac(chainingKey, input);
        final byte[][] out = new byte[outputs][];
        byte[] previous = new byte[0];
        for (int i = 0; i < outputs; i++)
        {
            previous = hmac(temp, previous, new byte[] {(byte)(i + 1)});
            out[i] = previous;
        }
        return out;
    }
}
