package io.l2mesh.tunnel.noise;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.security.GeneralSecurityException;

/**
 * XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha), the AEAD of WireGuard's cookie reply: HChaCha20 of the key and
 * the nonce's first 16 bytes gives a subkey, and ChaCha20-Poly1305 (RFC 8439, the JDK's) seals with it under the
 * nonce {@code 0x00000000 || nonce[16..24)}.
 * <p>
 * Why it is built here: the JDK has no XChaCha, and Bouncy Castle's lightweight API in the pinned version has
 * none either; HChaCha20 is 20 ChaCha rounds without the final addition, so only that is written here, the AEAD
 * itself is the JDK's. Tested against the draft's vectors (§2.2.1 and §A.3.1).
 * <p>
 * Allocation: the {@code Cipher} is kept, but its {@code init} and {@code doFinal} make a few objects per message;
 * cookie replies are sent only under load and only for initiations with a valid mac1, and docs/BENCHMARKS.md
 * measures what a flood costs. Single owner: one instance per thread ({@link #hChaCha20} is static and
 * thread-safe).
 */
public final class XChaCha20Poly1305
{
    public static final int KEY_LENGTH = 32;
    public static final int NONCE_LENGTH = 24;
    public static final int TAG_LENGTH = 16;
    private static final int SIGMA0 = 0x61707865;
    private static final int SIGMA1 = 0x3320646e;
    private static final int SIGMA2 = 0x79622d32;
    private static final int SIGMA3 = 0x6b206574;

    private final Cipher cipher;
    private final byte[] subkey = new byte[KEY_LENGTH];
    private final byte[] chachaNonce = new byte[12];

    /**
     * One thread's instance: it keeps its JDK {@code Cipher} and buffers from message to message.
     */
    public XChaCha20Poly1305()
    {
        try
        {
            cipher = Cipher.getInstance("ChaCha20-Poly1305");
        }
        catch (final GeneralSecurityException e)
        {
            throw new IllegalStateException("the JDK has no ChaCha20-Poly1305", e);
        }
    }

    /**
     * HChaCha20: the 32-byte subkey of {@code key} and the 16 bytes of {@code nonce} at {@code nonceAt}, written
     * to {@code out} at {@code outAt}. Allocates nothing.
     */
    public static void hChaCha20(final byte[] key, final byte[] nonce, final int nonceAt, final byte[] out,
        final int outAt)
    {
        int x0 = SIGMA0;
        int x1 = SIGMA1;
        int x2 = SIGMA2;
        int x3 = SIGMA3;
        int x4 = le(key, 0);
        int x5 = le(key, 4);
        int x6 = le(key, 8);
        int x7 = le(key, 12);
        int x8 = le(key, 16);
        int x9 = le(key, 20);
        int x10 = le(key, 24);
        int x11 = le(key, 28);
        int x12 = le(nonce, nonceAt);
        int x13 = le(nonce, nonceAt + 4);
        int x14 = le(nonce, nonceAt + 8);
        int x15 = le(nonce, nonceAt + 12);
        for (int round = 0; round < 10; round++)
        {
            // Column round.
            x0 += x4; x12 = Integer.rotateLeft(x12 ^ x0, 16); x8 += x12; x4 = Integer.rotateLeft(x4 ^ x8, 12);
            x0 += x4; x12 = Integer.rotateLeft(x12 ^ x0, 8); x8 += x12; x4 = Integer.rotateLeft(x4 ^ x8, 7);
            x1 += x5; x13 = Integer.rotateLeft(x13 ^ x1, 16); x9 += x13; x5 = Integer.rotateLeft(x5 ^ x9, 12);
            x1 += x5; x13 = Integer.rotateLeft(x13 ^ x1, 8); x9 += x13; x5 = Integer.rotateLeft(x5 ^ x9, 7);
            x2 += x6; x14 = Integer.rotateLeft(x14 ^ x2, 16); x10 += x14; x6 = Integer.rotateLeft(x6 ^ x10, 12);
            x2 += x6; x14 = Integer.rotateLeft(x14 ^ x2, 8); x10 += x14; x6 = Integer.rotateLeft(x6 ^ x10, 7);
            x3 += x7; x15 = Integer.rotateLeft(x15 ^ x3, 16); x11 += x15; x7 = Integer.rotateLeft(x7 ^ x11, 12);
            x3 += x7; x15 = Integer.rotateLeft(x15 ^ x3, 8); x11 += x15; x7 = Integer.rotateLeft(x7 ^ x11, 7);
            // Diagonal round.
            x0 += x5; x15 = Integer.rotateLeft(x15 ^ x0, 16); x10 += x15; x5 = Integer.rotateLeft(x5 ^ x10, 12);
            x0 += x5; x15 = Integer.rotateLeft(x15 ^ x0, 8); x10 += x15; x5 = Integer.rotateLeft(x5 ^ x10, 7);
            x1 += x6; x12 = Integer.rotateLeft(x12 ^ x1, 16); x11 += x12; x6 = Integer.rotateLeft(x6 ^ x11, 12);
            x1 += x6; x12 = Integer.rotateLeft(x12 ^ x1, 8); x11 += x12; x6 = Integer.rotateLeft(x6 ^ x11, 7);
            x2 += x7; x13 = Integer.rotateLeft(x13 ^ x2, 16); x8 += x13; x7 = Integer.rotateLeft(x7 ^ x8, 12);
            x2 += x7; x13 = Integer.rotateLeft(x13 ^ x2, 8); x8 += x13; x7 = Integer.rotateLeft(x7 ^ x8, 7);
            x3 += x4; x14 = Integer.rotateLeft(x14 ^ x3, 16); x9 += x14; x4 = Integer.rotateLeft(x4 ^ x9, 12);
            x3 += x4; x14 = Integer.rotateLeft(x14 ^ x3, 8); x9 += x14; x4 = Integer.rotateLeft(x4 ^ x9, 7);
        }
        putLe(out, outAt, x0);
        putLe(out, outAt + 4, x1);
        putLe(out, outAt + 8, x2);
        putLe(out, outAt + 12, x3);
        putLe(out, outAt + 16, x12);
        putLe(out, outAt + 20, x13);
        putLe(out, outAt + 24, x14);
        putLe(out, outAt + 28, x15);
    }

    /**
     * Seals {@code plain} with {@code key}, the 24-byte nonce at {@code nonceAt} of {@code nonce} and the
     * associated data {@code ad}; the ciphertext and tag ({@code plain.length + 16} bytes) go to {@code out} at
     * {@code outAt}.
     */
    public void seal(final byte[] key, final byte[] nonce, final int nonceAt, final byte[] plain, final byte[] ad,
        final byte[] out, final int outAt)
    {
        try
        {
            init(Cipher.ENCRYPT_MODE, key, nonce, nonceAt);
            cipher.updateAAD(ad);
            cipher.doFinal(plain, 0, plain.length, out, outAt);
        }
        catch (final GeneralSecurityException e)
        {
            throw new IllegalStateException("ChaCha20-Poly1305 failed to seal", e);
        }
        finally
        {
            java.util.Arrays.fill(subkey, (byte)0);
        }
    }

    /**
     * Opens {@code length} bytes of ciphertext and tag at {@code at} of {@code sealed}.
     *
     * @return the plaintext, or null if the tag does not verify.
     */
    public byte[] open(final byte[] key, final byte[] nonce, final int nonceAt, final byte[] sealed, final int at,
        final int length, final byte[] ad)
    {
        if (length < TAG_LENGTH)
        {
            return null;
        }
        try
        {
            init(Cipher.DECRYPT_MODE, key, nonce, nonceAt);
            cipher.updateAAD(ad);
            return cipher.doFinal(sealed, at, length);
        }
        catch (final AEADBadTagException e)
        {
            return null;
        }
        catch (final GeneralSecurityException e)
        {
            throw new IllegalStateException("ChaCha20-Poly1305 failed to open", e);
        }
        finally
        {
            java.util.Arrays.fill(subkey, (byte)0);
        }
    }

    private void init(final int mode, final byte[] key, final byte[] nonce, final int nonceAt)
        throws GeneralSecurityException
    {
        if (key.length != KEY_LENGTH)
        {
            throw new IllegalArgumentException("XChaCha20-Poly1305 key must be 32 bytes, not " + key.length);
        }
        hChaCha20(key, nonce, nonceAt, subkey, 0);
        System.arraycopy(nonce, nonceAt + 16, chachaNonce, 4, 8);
        cipher.init(mode, new SecretKeySpec(subkey, "ChaCha20"), new IvParameterSpec(chachaNonce));
    }

    private static int le(final byte[] b, final int at)
    {
        return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8 | (b[at + 2] & 0xff) << 16 | (b[at + 3] & 0xff) << 24;
    }

    private static void putLe(final byte[] b, final int at, final int value)
    {
        b[at] = (byte)value;
        b[at + 1] = (byte)(value >>> 8);
        b[at + 2] = (byte)(value >>> 16);
        b[at + 3] = (byte)(value >>> 24);
    }
}
