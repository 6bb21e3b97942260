package io.l2mesh.control.mesh;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;

/**
 * The mesh authority's Ed25519 key pair (the JDK's), in files of one base64 line each: the private key as PKCS#8
 * ({@code authority.key}, mode 0600, kept off the nodes), the public key as X.509 SubjectPublicKeyInfo
 * ({@code authority.pub}, on every node as {@code registry.authority}).
 */
public final class AuthorityKeys
{
    private AuthorityKeys()
    {
    }

    public static KeyPair generate()
    {
        try
        {
            return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        }
        catch (final GeneralSecurityException ex)
        {
            throw new IllegalStateException("this JDK has no Ed25519: " + ex.getMessage(), ex);
        }
    }

    /**
     * Writes {@code prefix.key} (created 0600, never overwritten) and {@code prefix.pub}.
     */
    public static void write(final KeyPair pair, final Path prefix) throws IOException
    {
        final Path key = Path.of(prefix + ".key");
        final Path pub = Path.of(prefix + ".pub");
        Files.writeString(Files.createFile(key, PosixFilePermissions.asFileAttribute(
            PosixFilePermissions.fromString("rw-------"))), encode(pair.getPrivate()) + "\n");
        Files.writeString(pub, encode(pair.getPublic()) + "\n");
    }

    public static String encode(final java.security.Key key)
    {
        return Base64.getEncoder().encodeToString(key.getEncoded());
    }

    public static PublicKey publicKey(final String base64)
    {
        try
        {
            return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(decode(base64)));
        }
        catch (final GeneralSecurityException ex)
        {
            throw new IllegalArgumentException("not an Ed25519 public key (X.509, base64): " + ex.getMessage(), ex);
        }
    }

    public static PrivateKey privateKey(final String base64)
    {
        try
        {
            return KeyFactory.getInstance("Ed25519").generatePrivate(new PKCS8EncodedKeySpec(decode(base64)));
        }
        catch (final GeneralSecurityException ex)
        {
            throw new IllegalArgumentException("not an Ed25519 private key (PKCS#8, base64): " + ex.getMessage(), ex);
        }
    }

    public static PublicKey readPublic(final Path file) throws IOException
    {
        return publicKey(Files.readString(file, StandardCharsets.US_ASCII).strip());
    }

    public static PrivateKey readPrivate(final Path file) throws IOException
    {
        return privateKey(Files.readString(file, StandardCharsets.US_ASCII).strip());
    }

    private static byte[] decode(final String base64)
    {
        try
        {
            return Base64.getDecoder().decode(base64.strip());
        }
        catch (final IllegalArgumentException ex)
        {
            throw new IllegalArgumentException("not base64: " + ex.getMessage(), ex);
        }
    }
}
