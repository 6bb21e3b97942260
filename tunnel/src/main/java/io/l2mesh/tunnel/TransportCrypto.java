package io.l2mesh.tunnel;

import io.l2mesh.tunnel.noise.CipherSuite;

import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.security.GeneralSecurityException;

/**
 * Per-message cipher set-up with Noise's counter nonces (32 zero bits, then the counter: big-endian for AES-GCM,
 * little-endian for ChaCha20-Poly1305). The JDK wants a fresh parameter object per message; that and the
 * cipher's own buffers are the garbage the AEAD makes (docs/BENCHMARKS.md).
 */
final class TransportCrypto
{
    private static final VarHandle LONG_BE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle LONG_LE =
        MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private TransportCrypto()
    {
    }

    static void init(final CipherSuite suite, final Cipher cipher, final int mode, final SecretKeySpec key,
        final long counter, final byte[] nonce) throws GeneralSecurityException
    {
        nonce[0] = 0;
        nonce[1] = 0;
        nonce[2] = 0;
        nonce[3] = 0;
        if (suite == CipherSuite.AESGCM)
        {
            LONG_BE.set(nonce, 4, counter);
            cipher.init(mode, key, new GCMParameterSpec(CipherSuite.TAG_LENGTH * 8, nonce));
        }
        else
        {
            LONG_LE.set(nonce, 4, counter);
            cipher.init(mode, key, new IvParameterSpec(nonce));
        }
    }
}
