package io.l2mesh.tunnel.crypto;

/**
 * The transport messages' AEAD for one session and direction: seals or opens a message in place in a heap
 * buffer, the 16-byte header before the payload as associated data, the nonce Noise's (32 zero bits, then the
 * 64-bit counter: big-endian for AES-GCM, little-endian for ChaCha20-Poly1305). One state per thread: the caller
 * passes its thread slot and never shares a slot.
 */
public interface TransportAead
{
    int TAG_LENGTH = 16;
    int HEADER_LENGTH = 16;

    /**
     * Encrypts {@code plainLength} bytes at {@code at + 16} of {@code buffer} and appends the tag, with the header
     * at {@code at} authenticated.
     *
     * @return the ciphertext's length with its tag.
     */
    int seal(int thread, byte[] buffer, int at, int plainLength, long counter);

    /**
     * Decrypts the {@code length}-byte message at the start of {@code buffer} in place, checking its tag.
     *
     * @return the plaintext's length (at 16), or -1 if the message is not authentic.
     */
    int open(int thread, byte[] buffer, int length, long counter);

    /**
     * @return true if {@link #sealAt} and {@link #openAt} work: messages can be sealed and opened in native
     * memory (a UDP GSO batch, a GRO receive buffer), with no copy to the heap and back.
     */
    default boolean worksInPlace()
    {
        return false;
    }

    /**
     * {@link #seal}, for a message whose 16-byte header is at the native address {@code address}.
     */
    default int sealAt(final int thread, final long address, final int plainLength, final long counter)
    {
        throw new UnsupportedOperationException(implementation() + " seals heap buffers only");
    }

    /**
     * {@link #open}, for the {@code length}-byte message at the native address {@code address}.
     */
    default int openAt(final int thread, final long address, final int length, final long counter)
    {
        throw new UnsupportedOperationException(implementation() + " opens heap buffers only");
    }

    /**
     * @return which implementation this is ("openssl" or "jdk"), for status and benchmarks.
     */
    String implementation();
}
