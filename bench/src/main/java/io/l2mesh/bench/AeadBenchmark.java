package io.l2mesh.bench;

import org.bouncycastle.crypto.engines.AESEngine;
import org.bouncycastle.crypto.modes.ChaCha20Poly1305;
import org.bouncycastle.crypto.modes.GCMModeCipher;
import org.bouncycastle.crypto.modes.GCMBlockCipher;
import org.bouncycastle.crypto.params.AEADParameters;
import org.bouncycastle.crypto.params.KeyParameter;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * The tunnel's AEAD choice: sealing one packet in place, as {@code Session.seal} does (16-byte header as
 * associated data, counter nonce, a new parameter object per message), with the JDK's AES-256-GCM and
 * ChaCha20-Poly1305, OpenSSL's libcrypto through FFM (what the tunnel uses where it loads) and, for scale, Bouncy
 * Castle's pure-Java versions of both. One operation seals one packet;
 * MB/s = ops/s x size.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class AeadBenchmark
{
    @Param({"1420", "64"})
    int size;

    private final byte[] key = new byte[32];
    private final byte[] nonce = new byte[12];
    private byte[] buffer;
    private Cipher aesGcm;
    private Cipher chaCha;
    private SecretKeySpec aesKey;
    private SecretKeySpec chaChaKey;
    private GCMModeCipher bcAesGcm;
    private ChaCha20Poly1305 bcChaCha;
    private long counter;
    private io.l2mesh.tunnel.crypto.TransportAead openSslAesGcm;
    private io.l2mesh.tunnel.crypto.TransportAead openSslChaCha;
    private io.l2mesh.tunnel.crypto.TransportAead transportJdkAesGcm;
    private java.lang.foreign.MemorySegment nativeBuffer;

    @Setup
    public void setUp() throws Exception
    {
        new Random(1).nextBytes(key);
        buffer = new byte[16 + size + 16];
        new Random(2).nextBytes(buffer);
        aesGcm = Cipher.getInstance("AES/GCM/NoPadding");
        chaCha = Cipher.getInstance("ChaCha20-Poly1305");
        aesKey = new SecretKeySpec(key, "AES");
        chaChaKey = new SecretKeySpec(key, "ChaCha20");
        bcAesGcm = GCMBlockCipher.newInstance(AESEngine.newInstance());
        bcChaCha = new ChaCha20Poly1305();
        openSslAesGcm = io.l2mesh.tunnel.crypto.TransportAeads.openSslOrNull(
            io.l2mesh.tunnel.noise.CipherSuite.AESGCM, key, true, 1);
        openSslChaCha = io.l2mesh.tunnel.crypto.TransportAeads.openSslOrNull(
            io.l2mesh.tunnel.noise.CipherSuite.CHACHAPOLY, key, true, 1);
        nativeBuffer = java.lang.foreign.Arena.ofAuto().allocate(buffer.length, 64);
        java.lang.foreign.MemorySegment.copy(buffer, 0, nativeBuffer, java.lang.foreign.ValueLayout.JAVA_BYTE, 0,
            buffer.length);
        transportJdkAesGcm = io.l2mesh.tunnel.crypto.TransportAeads.jdk(io.l2mesh.tunnel.noise.CipherSuite.AESGCM,
            key, true, 1);
    }

    /**
     * What the tunnel uses where libcrypto loads: OpenSSL's AES-256-GCM through FFM, in place on the heap buffer.
     */
    @Benchmark
    public int openSslAesGcm()
    {
        return openSslAesGcm.seal(0, buffer, 0, size, counter++);
    }

    /**
     * What the tunnel does now: the same, in native memory where the message lies (the GSO batch, the GRO buffer).
     */
    @Benchmark
    public int openSslAesGcmInPlace()
    {
        return openSslAesGcm.sealAt(0, nativeBuffer.address(), size, counter++);
    }

    @Benchmark
    public int openSslChaCha20Poly1305InPlace()
    {
        return openSslChaCha.sealAt(0, nativeBuffer.address(), size, counter++);
    }

    @Benchmark
    public int openSslChaCha20Poly1305()
    {
        return openSslChaCha.seal(0, buffer, 0, size, counter++);
    }

    /**
     * The JDK path as the tunnel calls it (TransportAead), to compare with {@link #openSslAesGcm} like for like.
     */
    @Benchmark
    public int transportJdkAesGcm()
    {
        return transportJdkAesGcm.seal(0, buffer, 0, size, counter++);
    }

    private byte[] nextNonce(final ByteOrder order)
    {
        ByteBuffer.wrap(nonce).order(order).putLong(4, counter++);
        return nonce;
    }

    @Benchmark
    public int jdkAesGcm() throws Exception
    {
        aesGcm.init(Cipher.ENCRYPT_MODE, aesKey, new GCMParameterSpec(128, nextNonce(ByteOrder.BIG_ENDIAN)));
        aesGcm.updateAAD(buffer, 0, 16);
        return aesGcm.doFinal(buffer, 16, size, buffer, 16);
    }

    @Benchmark
    public int jdkChaCha20Poly1305() throws Exception
    {
        chaCha.init(Cipher.ENCRYPT_MODE, chaChaKey, new IvParameterSpec(nextNonce(ByteOrder.LITTLE_ENDIAN)));
        chaCha.updateAAD(buffer, 0, 16);
        return chaCha.doFinal(buffer, 16, size, buffer, 16);
    }

    @Benchmark
    public int bouncyCastleAesGcm() throws Exception
    {
        bcAesGcm.init(true, new AEADParameters(new KeyParameter(key), 128, nextNonce(ByteOrder.BIG_ENDIAN).clone()));
        bcAesGcm.processAADBytes(buffer, 0, 16);
        final int n = bcAesGcm.processBytes(buffer, 16, size, buffer, 16);
        return n + bcAesGcm.doFinal(buffer, 16 + n);
    }

    @Benchmark
    public int bouncyCastleChaCha20Poly1305() throws Exception
    {
        bcChaCha.init(true, new AEADParameters(new KeyParameter(key), 128,
            nextNonce(ByteOrder.LITTLE_ENDIAN).clone()));
        bcChaCha.processAADBytes(buffer, 0, 16);
        final int n = bcChaCha.processBytes(buffer, 16, size, buffer, 16);
        return n + bcChaCha.doFinal(buffer, 16 + n);
    }
}
