package io.l2mesh.tunnel.noise;

import org.bouncycastle.math.ec.rfc7748.X25519;

import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;

/**
 * A node's identity: an X25519 key pair, written as base64 like WireGuard's keys ({@code l2mesh keygen},
 * {@code l2mesh pubkey}).
 */
public final class KeyPair
{
    public static final int KEY_LENGTH = X25519.SCALAR_SIZE;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final byte[] privateKey;
    private final byte[] publicKey;

    private KeyPair(final byte[] privateKey)
    {
        this.privateKey = privateKey;
        this.publicKey = new byte[KEY_LENGTH];
        X25519.generatePublicKey(privateKey, 0, publicKey, 0);
    }

    public static KeyPair generate()
    {
        final byte[] key = new byte[KEY_LENGTH];
        X25519.generatePrivateKey(RANDOM, key);
        return new KeyPair(key);
    }

    /**
     * @param privateKey 32 bytes (clamped when used, as X25519 specifies).
     */
    public static KeyPair fromPrivate(final byte[] privateKey)
    {
        if (privateKey.length != KEY_LENGTH)
        {
            throw new IllegalArgumentException("an X25519 private key is 32 bytes, not " + privateKey.length);
        }
        return new KeyPair(privateKey.clone());
    }

    /**
     * @throws IllegalArgumentException for anything but 32 bytes of base64.
     */
    public static KeyPair fromBase64(final String text)
    {
        return fromPrivate(decodeKey(text, "private key"));
    }

    /**
     * Decodes a base64 key of 32 bytes.
     *
     * @param what what the key is, for the error message.
     */
    public static byte[] decodeKey(final String text, final String what)
    {
        final byte[] key;
        try
        {
            key = Base64.getDecoder().decode(text.trim());
        }
        catch (final IllegalArgumentException ex)
        {
            throw new IllegalArgumentException(what + " is not base64: " + ex.getMessage());
        }
        if (key.length != KEY_LENGTH)
        {
            throw new IllegalArgumentException(what + " must be 32 bytes of base64 (44 characters), not " +
                key.length + " bytes");
        }
        return key;
    }

    public static String encode(final byte[] key)
    {
        return Base64.getEncoder().encodeToString(key);
    }

    public byte[] publicKey()
    {
        return publicKey.clone();
    }

    byte[] privateKeyBytes()
    {
        return privateKey;
    }

    byte[] publicKeyBytes()
    {
        return publicKey;
    }

    public String privateBase64()
    {
        return encode(privateKey);
    }

    public String publicBase64()
    {
        return encode(publicKey);
    }

    /**
     * X25519 of our private key and {@code peerPublic}.
     *
     * @return the shared secret, or null if it is all zeros (a low-order point: the handshake must fail).
     */
    byte[] agree(final byte[] peerPublic)
    {
        return agree(privateKey, peerPublic);
    }

    static byte[] agree(final byte[] privateKey, final byte[] peerPublic)
    {
        final byte[] shared = new byte[KEY_LENGTH];
        return X25519.calculateAgreement(privateKey, 0, peerPublic, 0, shared, 0) ? shared : null;
    }

    @Override
    public String toString()
    {
        return "KeyPair(public " + publicBase64() + ")";
    }

    @Override
    public boolean equals(final Object other)
    {
        return other instanceof KeyPair k && Arrays.equals(privateKey, k.privateKey);
    }

    @Override
    public int hashCode()
    {
        return Arrays.hashCode(publicKey);
    }
}
