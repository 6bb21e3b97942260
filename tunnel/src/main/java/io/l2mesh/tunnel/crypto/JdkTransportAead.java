package io.l2mesh.tunnel.crypto;

import io.l2mesh.tunnel.noise.CipherSuite;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;
import java.security.GeneralSecurityException;

/**
 * The transport AEAD through the JDK's intrinsified {@link Cipher}: one {@code Cipher} per thread. The JDK wants
 * a fresh parameter object and {@code init} per message: that, the cipher's own buffers, and an exception per
 * forged message are the garbage this path makes (about 1 KB per message; docs/BENCHMARKS.md). Used where
 * OpenSSL's libcrypto is not available ({@link TransportAeads}).
 */
final class JdkTransportAead implements TransportAead
{
    private final CipherSuite suite;
    private final SecretKeySpec key;
    private final int mode;
    private final Cipher[] ciphers;
    private final byte[][] nonces;

    JdkTransportAead(final CipherSuite suite, final byte[] key, final boolean seal, final int threads)
    {
        this.suite = suite;
        this.key = suite.key(key);
        this.mode = seal ? Cipher.ENCRYPT_MODE : Cipher.DECRYPT_MODE;
        this.ciphers = new Cipher[threads];
        this.nonces = new byte[threads][CipherSuite.NONCE_LENGTH];
    }

    @Override
    public String implementation()
    {
        return "jdk";
    }

    @Override
    public int seal(final int thread, final byte[] buffer, final int at, final int plainLength, final long counter)
    {
        try
        {
            final Cipher cipher = init(thread, counter);
            cipher.updateAAD(buffer, at, HEADER_LENGTH);
            final int payload = at + HEADER_LENGTH;
            return cipher.doFinal(buffer, payload, plainLength, buffer, payload);
        }
        catch (final GeneralSecurityException ex)
        {
            throw new IllegalStateException("sealing failed", ex);
        }
    }

    @Override
    public int open(final int thread, final byte[] buffer, final int length, final long counter)
    {
        try
        {
            final Cipher cipher = init(thread, counter);
            cipher.updateAAD(buffer, 0, HEADER_LENGTH);
            return cipher.doFinal(buffer, HEADER_LENGTH, length - HEADER_LENGTH, buffer, HEADER_LENGTH);
        }
        catch (final AEADBadTagException ex)
        {
            return -1;
        }
        catch (final GeneralSecurityException ex)
        {
            return -1;
        }
    }

    private Cipher init(final int thread, final long counter) throws GeneralSecurityException
    {
        Cipher cipher = ciphers[thread];
        if (cipher == null)
        {
            cipher = suite.newCipher(); // once per thread and session
            ciphers[thread] = cipher;
        }
        suite.init(cipher, mode, key, counter, nonces[thread]);
        return cipher;
    }
}
