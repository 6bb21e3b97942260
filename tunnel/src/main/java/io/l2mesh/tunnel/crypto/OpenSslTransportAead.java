package io.l2mesh.tunnel.crypto;

import io.l2mesh.tunnel.noise.CipherSuite;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.ref.Cleaner;

/**
 * The transport AEAD through OpenSSL's libcrypto ({@code libcrypto.so.3}, on every Debian system) with
 * {@code java.lang.foreign}: AES-256-GCM or ChaCha20-Poly1305 in EVP contexts made once per (session, direction,
 * thread), the key expanded once, each message only re-keyed with its nonce. The calls are {@code critical} with
 * heap access, so they work in place on the caller's heap buffer (pinned for the call) with no copy of the
 * payload (the 16-byte tag goes through a scratch array); views of the buffer are made once per offset, so a
 * message allocates nothing.
 * <p>
 * Why not only the JDK's {@code Cipher} (docs/BENCHMARKS.md, {@code AeadBenchmark}): on an AVX-512/VAES machine
 * both suites run as fast through either, but the JDK makes about 1 KB of garbage per message (2.2 KB for
 * ChaCha20-Poly1305) against none here, and every forged message costs it an exception with a stack trace,
 * on the loop, at the rate an attacker chooses; here a forged message is a return value.
 * <p>
 * Contexts are freed by a {@link Cleaner} once the session is unreachable, never while a loop may still hold it.
 */
final class OpenSslTransportAead implements TransportAead
{
    private static final int EVP_CTRL_AEAD_GET_TAG = 0x10;
    private static final int EVP_CTRL_AEAD_SET_TAG = 0x11;
    private static final Cleaner CLEANER = Cleaner.create();

    private final CipherSuite suite;
    private final int encrypt;
    private final long[] contexts; // per thread; 0 until that thread's first message
    private final byte[][] nonces;
    private final MemorySegment[] nonceSegments; // views of nonces[t], made once
    private final MemorySegment[] outLengths;    // an int each, for the calls' out-length
    private final byte[][] tags;                 // per thread: the tag, moved between the call and the buffer
    private final MemorySegment[] tagSegments;
    private final Views[] views;                 // per thread: views of the buffer at the offsets it seals at
    private final MemorySegment key;

    OpenSslTransportAead(final CipherSuite suite, final byte[] key, final boolean seal, final int threads)
    {
        this.suite = suite;
        this.encrypt = seal ? 1 : 0;
        this.contexts = new long[threads];
        this.nonces = new byte[threads][CipherSuite.NONCE_LENGTH];
        this.nonceSegments = new MemorySegment[threads];
        this.outLengths = new MemorySegment[threads];
        for (int t = 0; t < threads; t++)
        {
            nonceSegments[t] = MemorySegment.ofArray(nonces[t]);
            outLengths[t] = MemorySegment.ofArray(new int[1]);
        }
        this.tags = new byte[threads][TAG_LENGTH];
        this.tagSegments = new MemorySegment[threads];
        this.views = new Views[threads];
        for (int t = 0; t < threads; t++)
        {
            tagSegments[t] = MemorySegment.ofArray(tags[t]);
            views[t] = new Views();
        }
        this.key = Arena.ofAuto().allocate(32);
        MemorySegment.copy(key, 0, this.key, ValueLayout.JAVA_BYTE, 0, 32);
        CLEANER.register(this, new Free(contexts, this.key));
    }

    /**
     * @return null if libcrypto is available, else why not.
     */
    static String unavailableReason()
    {
        return Lib.INSTANCE == null ? Lib.failure : null;
    }

    @Override
    public String implementation()
    {
        return "openssl";
    }

    @Override
    public int seal(final int thread, final byte[] buffer, final int at, final int plainLength, final long counter)
    {
        final long context = context(thread);
        final Views view = views[thread].of(buffer, at);
        final MemorySegment outLength = outLengths[thread];
        final MemorySegment tag = tagSegments[thread];
        final Lib lib = Lib.INSTANCE;
        try
        {
            crypt(context, thread, view, plainLength, counter);
            check((int)lib.finish.invokeExact(context, tag, outLength), "EVP_CipherFinal_ex"); // writes no bytes
            check((int)lib.ctrl.invokeExact(context, EVP_CTRL_AEAD_GET_TAG, TAG_LENGTH, tag), "EVP_CTRL_AEAD_GET_TAG");
        }
        catch (final IllegalStateException ex)
        {
            throw ex;
        }
        catch (final Throwable t)
        {
            throw new IllegalStateException("sealing failed", t);
        }
        System.arraycopy(tags[thread], 0, buffer, at + HEADER_LENGTH + plainLength, TAG_LENGTH);
        return plainLength + TAG_LENGTH;
    }

    @Override
    public int open(final int thread, final byte[] buffer, final int length, final long counter)
    {
        final int plainLength = length - HEADER_LENGTH - TAG_LENGTH;
        if (plainLength < 0)
        {
            return -1;
        }
        final long context = context(thread);
        final Views view = views[thread].of(buffer, 0);
        final MemorySegment outLength = outLengths[thread];
        final MemorySegment tag = tagSegments[thread];
        System.arraycopy(buffer, HEADER_LENGTH + plainLength, tags[thread], 0, TAG_LENGTH);
        final Lib lib = Lib.INSTANCE;
        try
        {
            crypt(context, thread, view, plainLength, counter);
            check((int)lib.ctrl.invokeExact(context, EVP_CTRL_AEAD_SET_TAG, TAG_LENGTH, tag), "EVP_CTRL_AEAD_SET_TAG");
            // The tag is checked here: only a return of 1 means the message is authentic.
            return (int)lib.finish.invokeExact(context, tag, outLength) == 1 ? plainLength : -1;
        }
        catch (final IllegalStateException ex)
        {
            throw ex;
        }
        catch (final Throwable t)
        {
            throw new IllegalStateException("opening failed", t);
        }
    }

    @Override
    public boolean worksInPlace()
    {
        return true;
    }

    @Override
    public int sealAt(final int thread, final long address, final int plainLength, final long counter)
    {
        final long context = context(thread);
        final Lib lib = Lib.INSTANCE;
        try
        {
            cryptAt(context, thread, address, plainLength, counter);
            check((int)lib.finish.invokeExact(context, tagSegments[thread], outLengths[thread]), "EVP_CipherFinal_ex");
            check((int)lib.ctrlAt.invokeExact(context, EVP_CTRL_AEAD_GET_TAG, TAG_LENGTH,
                address + HEADER_LENGTH + plainLength), "EVP_CTRL_AEAD_GET_TAG");
        }
        catch (final IllegalStateException ex)
        {
            throw ex;
        }
        catch (final Throwable t)
        {
            throw new IllegalStateException("sealing failed", t);
        }
        return plainLength + TAG_LENGTH;
    }

    @Override
    public int openAt(final int thread, final long address, final int length, final long counter)
    {
        final int plainLength = length - HEADER_LENGTH - TAG_LENGTH;
        if (plainLength < 0)
        {
            return -1;
        }
        final long context = context(thread);
        final Lib lib = Lib.INSTANCE;
        try
        {
            cryptAt(context, thread, address, plainLength, counter);
            check((int)lib.ctrlAt.invokeExact(context, EVP_CTRL_AEAD_SET_TAG, TAG_LENGTH,
                address + HEADER_LENGTH + plainLength), "EVP_CTRL_AEAD_SET_TAG");
            final int verified = (int)lib.finish.invokeExact(context, tagSegments[thread], outLengths[thread]);
            return verified == 1 ? plainLength : -1;
        }
        catch (final IllegalStateException ex)
        {
            throw ex;
        }
        catch (final Throwable t)
        {
            throw new IllegalStateException("opening failed", t);
        }
    }

    /**
     * {@link #crypt} on native memory: the same calls with raw addresses, so no segment is made per message.
     */
    private void cryptAt(final long context, final int thread, final long address, final int plainLength,
        final long counter) throws Throwable
    {
        final Lib lib = Lib.INSTANCE;
        final MemorySegment outLength = outLengths[thread];
        suite.nonce(nonces[thread], counter);
        check((int)lib.init.invokeExact(context, MemorySegment.NULL, MemorySegment.NULL, MemorySegment.NULL,
            nonceSegments[thread], -1), "EVP_CipherInit_ex");
        check((int)lib.updateAt.invokeExact(context, 0L, outLength, address, HEADER_LENGTH),
            "EVP_CipherUpdate (header)");
        check((int)lib.updateAt.invokeExact(context, address + HEADER_LENGTH, outLength, address + HEADER_LENGTH,
            plainLength), "EVP_CipherUpdate");
    }

    /**
     * The steps sealing and opening share: re-key the context with the message's nonce, authenticate the header,
     * and encrypt or decrypt the payload in place (the direction is the context's).
     */
    private void crypt(final long context, final int thread, final Views view, final int plainLength,
        final long counter) throws Throwable
    {
        final Lib lib = Lib.INSTANCE;
        final MemorySegment outLength = outLengths[thread];
        suite.nonce(nonces[thread], counter);
        check((int)lib.init.invokeExact(context, MemorySegment.NULL, MemorySegment.NULL, MemorySegment.NULL,
            nonceSegments[thread], -1), "EVP_CipherInit_ex");
        check((int)lib.update.invokeExact(context, MemorySegment.NULL, outLength, view.header, HEADER_LENGTH),
            "EVP_CipherUpdate (header)");
        check((int)lib.update.invokeExact(context, view.payload, outLength, view.payload, plainLength),
            "EVP_CipherUpdate");
    }

    /**
     * One thread's views of its buffer where messages start (a native call gets a view's base address; its size
     * does not matter): the header's and the payload's, for the two offsets it uses (a loop seals frames and FEC
     * shards at two fixed offsets of one buffer). Made on first use, so a message allocates nothing.
     */
    private static final class Views
    {
        private final byte[][] buffers = new byte[2][];
        private final int[] offsets = new int[2];
        private final MemorySegment[] headers = new MemorySegment[2];
        private final MemorySegment[] payloads = new MemorySegment[2];
        private int next;
        MemorySegment header;
        MemorySegment payload;

        Views of(final byte[] buffer, final int at)
        {
            for (int i = 0; i < 2; i++)
            {
                if (buffers[i] == buffer && offsets[i] == at)
                {
                    header = headers[i];
                    payload = payloads[i];
                    return this;
                }
            }
            final int i = next;
            next ^= 1;
            final MemorySegment all = MemorySegment.ofArray(buffer);
            buffers[i] = buffer;
            offsets[i] = at;
            headers[i] = all.asSlice(at);
            payloads[i] = all.asSlice(at + HEADER_LENGTH);
            header = headers[i];
            payload = payloads[i];
            return this;
        }
    }

    /**
     * The thread's context, made (and keyed) on its first message.
     */
    private long context(final int thread)
    {
        long context = contexts[thread];
        if (context == 0)
        {
            final Lib lib = Lib.INSTANCE;
            try
            {
                context = ((MemorySegment)lib.newContext.invokeExact()).address();
                if (context == 0)
                {
                    throw new IllegalStateException("EVP_CIPHER_CTX_new failed");
                }
                final MemorySegment cipher = suite == CipherSuite.AESGCM ? lib.aesGcm : lib.chachaPoly;
                check((int)lib.init.invokeExact(context, cipher, MemorySegment.NULL, key, MemorySegment.NULL, encrypt),
                    "EVP_CipherInit_ex (key)");
            }
            catch (final IllegalStateException ex)
            {
                throw ex;
            }
            catch (final Throwable t)
            {
                throw new IllegalStateException("EVP context", t);
            }
            contexts[thread] = context;
        }
        return context;
    }

    private static void check(final int result, final String call)
    {
        if (result != 1)
        {
            throw new IllegalStateException(call + " failed");
        }
    }

    /**
     * Frees the contexts and wipes the key once the AEAD is unreachable. Holds no reference to it.
     */
    private record Free(long[] contexts, MemorySegment key) implements Runnable
    {
        @Override
        public void run()
        {
            key.fill((byte)0);
            for (final long context : contexts)
            {
                if (context != 0)
                {
                    try
                    {
                        Lib.INSTANCE.freeContext.invokeExact(context);
                    }
                    catch (final Throwable ignored)
                    {
                        // nothing more to do for memory being freed
                    }
                }
            }
        }
    }

    /**
     * libcrypto's functions, looked up once.
     */
    static final class Lib
    {
        static String failure;
        static final Lib INSTANCE = load();
        final MethodHandle newContext;
        final MethodHandle freeContext;
        final MethodHandle init;
        final MethodHandle update;
        final MethodHandle finish;
        final MethodHandle ctrl;
        final MethodHandle updateAt; // EVP_CipherUpdate with native buffers passed as raw addresses
        final MethodHandle ctrlAt;
        final MemorySegment aesGcm;
        final MemorySegment chachaPoly;

        private Lib(final SymbolLookup lookup) throws Throwable
        {
            final Linker linker = Linker.nativeLinker();
            // Short calls that never block or call back; heap access lets them work on the caller's byte[].
            final Linker.Option critical = Linker.Option.critical(true);
            final ValueLayout.OfInt i = ValueLayout.JAVA_INT;
            final ValueLayout.OfLong context = ValueLayout.JAVA_LONG; // EVP_CIPHER_CTX *, passed as its address
            final var p = ValueLayout.ADDRESS;
            newContext = linker.downcallHandle(lookup.findOrThrow("EVP_CIPHER_CTX_new"), FunctionDescriptor.of(p));
            freeContext = linker.downcallHandle(lookup.findOrThrow("EVP_CIPHER_CTX_free"),
                FunctionDescriptor.ofVoid(context));
            init = linker.downcallHandle(lookup.findOrThrow("EVP_CipherInit_ex"),
                FunctionDescriptor.of(i, context, p, p, p, p, i), critical);
            update = linker.downcallHandle(lookup.findOrThrow("EVP_CipherUpdate"),
                FunctionDescriptor.of(i, context, p, p, p, i), critical);
            finish = linker.downcallHandle(lookup.findOrThrow("EVP_CipherFinal_ex"),
                FunctionDescriptor.of(i, context, p, p), critical);
            ctrl = linker.downcallHandle(lookup.findOrThrow("EVP_CIPHER_CTX_ctrl"),
                FunctionDescriptor.of(i, context, i, i, p), critical);
            updateAt = linker.downcallHandle(lookup.findOrThrow("EVP_CipherUpdate"),
                FunctionDescriptor.of(i, context, context, p, context, i), critical);
            ctrlAt = linker.downcallHandle(lookup.findOrThrow("EVP_CIPHER_CTX_ctrl"),
                FunctionDescriptor.of(i, context, i, i, context), critical);
            aesGcm = (MemorySegment)linker.downcallHandle(lookup.findOrThrow("EVP_aes_256_gcm"),
                FunctionDescriptor.of(p)).invokeExact();
            chachaPoly = (MemorySegment)linker.downcallHandle(lookup.findOrThrow("EVP_chacha20_poly1305"),
                FunctionDescriptor.of(p)).invokeExact();
        }

        private static Lib load()
        {
            if (Boolean.getBoolean("l2mesh.tunnel.jdkAead"))
            {
                failure = "switched off (-Dl2mesh.tunnel.jdkAead=true)";
                return null;
            }
            try
            {
                return new Lib(SymbolLookup.libraryLookup("libcrypto.so.3", Arena.global()));
            }
            catch (final Throwable t)
            {
                failure = "libcrypto.so.3 not loadable (" + t.getMessage() + ")";
                return null;
            }
        }
    }
}
