package io.l2mesh.tunnel.noise;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * draft-irtf-cfrg-xchacha-03: HChaCha20 (§2.2.1) and the XChaCha20-Poly1305 AEAD vector (§A.3.1).
 */
class XChaCha20Poly1305Test
{
    private static final HexFormat HEX = HexFormat.of();

    @Test
    void shouldMatchTheDraftsHChaCha20Vector()
    {
        final byte[] key = HEX.parseHex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
        final byte[] nonce = HEX.parseHex("000000090000004a0000000031415927");
        final byte[] subkey = new byte[32];
        XChaCha20Poly1305.hChaCha20(key, nonce, 0, subkey, 0);
        assertThat(HEX.formatHex(subkey))
            .isEqualTo("82413b4227b27bfed30e42508a877d73a0f9e4d58a74a853c12ec41326d3ecdc");
    }

    @Test
    void shouldMatchTheDraftsAeadVectorAndRefuseTampering()
    {
        final byte[] plain = ("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for " +
            "the future, sunscreen would be it.").getBytes(StandardCharsets.US_ASCII);
        final byte[] ad = HEX.parseHex("50515253c0c1c2c3c4c5c6c7");
        final byte[] key = HEX.parseHex("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f");
        final byte[] nonce = HEX.parseHex("00404142434445464748494a4b4c4d4e4f5051525354555657"); // at offset 1
        final byte[] sealed = new byte[plain.length + 16];
        final XChaCha20Poly1305 aead = new XChaCha20Poly1305();
        aead.seal(key, nonce, 1, plain, ad, sealed, 0);
        assertThat(HEX.formatHex(sealed)).isEqualTo(
            "bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c21396cbb" +
            "731c7f1b0b4aa6440bf3a82f4eda7e39ae64c6708c54c216cb96b72e1213b452" +
            "2f8c9ba40db5d945b11b69b982c1bb9e3f3fac2bc369488f76b2383565d3fff9" +
            "21f9664c97637da9768812f615c68b13b52e" +
            "c0875924c1c7987947deafd8780acf49");
        assertThat(aead.open(key, nonce, 1, sealed, 0, sealed.length, ad)).isEqualTo(plain);
        sealed[3] ^= 1;
        assertThat(aead.open(key, nonce, 1, sealed, 0, sealed.length, ad)).as("tampered").isNull();
        sealed[3] ^= 1;
        assertThat(aead.open(key, nonce, 1, sealed, 0, sealed.length, new byte[1])).as("other AD")
            .isNull();
        assertThat(aead.open(key, nonce, 1, sealed, 0, 10, ad)).as("shorter than a tag").isNull();
    }
}
