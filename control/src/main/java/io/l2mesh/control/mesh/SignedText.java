package io.l2mesh.control.mesh;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.util.Base64;

/**
 * A document signed by the mesh authority, as one line of text: {@code base64url(body) "." base64url(signature)},
 * the signature Ed25519 over the body's bytes exactly as they travel (as JWS compact does), so nothing has to be
 * re-encoded the same way to be checked. Bodies are small JSON documents ({@link NodeCertificate},
 * {@link DenyList}).
 */
final class SignedText
{
    /** Longest signed text accepted: a certificate or deny list is far smaller; an entry bigger is refused. */
    static final int MAX_LENGTH = 64 * 1024;
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

    private SignedText()
    {
    }

    static String sign(final byte[] body, final PrivateKey key)
    {
        try
        {
            final Signature ed25519 = Signature.getInstance("Ed25519");
            ed25519.initSign(key);
            ed25519.update(body);
            return ENCODER.encodeToString(body) + "." + ENCODER.encodeToString(ed25519.sign());
        }
        catch (final GeneralSecurityException ex)
        {
            throw new IllegalStateException("Ed25519 signing failed: " + ex.getMessage(), ex);
        }
    }

    /**
     * @return the body, whose signature verified against {@code authority}.
     * @throws Refused {@code malformed} or {@code bad-signature}.
     */
    static byte[] open(final String text, final PublicKey authority)
    {
        if (text == null || text.length() > MAX_LENGTH)
        {
            throw new Refused(Refused.MALFORMED, text == null ? "missing" : "longer than " + MAX_LENGTH);
        }
        final int dot = text.indexOf('.');
        final byte[] body;
        final byte[] signature;
        try
        {
            body = DECODER.decode(text.substring(0, Math.max(dot, 0)));
            signature = DECODER.decode(text.substring(dot + 1));
        }
        catch (final IllegalArgumentException ex)
        {
            throw new Refused(Refused.MALFORMED, "not base64url: " + ex.getMessage());
        }
        if (dot <= 0 || signature.length != 64)
        {
            throw new Refused(Refused.MALFORMED, "not BODY.SIGNATURE");
        }
        try
        {
            final Signature ed25519 = Signature.getInstance("Ed25519");
            ed25519.initVerify(authority);
            ed25519.update(body);
            if (!ed25519.verify(signature))
            {
                throw new Refused(Refused.BAD_SIGNATURE, "not signed by this mesh's authority");
            }
        }
        catch (final java.security.SignatureException ex)
        {
            throw new Refused(Refused.BAD_SIGNATURE, ex.getMessage());
        }
        catch (final GeneralSecurityException ex)
        {
            throw new IllegalStateException("Ed25519 verification failed: " + ex.getMessage(), ex);
        }
        return body;
    }

    static String utf8(final byte[] body)
    {
        return new String(body, StandardCharsets.UTF_8);
    }
}
