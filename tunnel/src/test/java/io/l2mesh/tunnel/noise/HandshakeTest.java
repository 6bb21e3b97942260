package io.l2mesh.tunnel.noise;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HandshakeTest
{
    private static final HexFormat HEX = HexFormat.of();

    private final KeyPair alice = KeyPair.generate();
    private final KeyPair bob = KeyPair.generate();

    @Test
    void shouldComputeRfc7748X25519Vector()
    {
        // RFC 7748 section 6.1.
        final KeyPair a = KeyPair.fromPrivate(HEX.parseHex(
            "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"));
        final KeyPair b = KeyPair.fromPrivate(HEX.parseHex(
            "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb"));
        assertThat(HEX.formatHex(a.publicKey()))
            .isEqualTo("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
        assertThat(HEX.formatHex(b.publicKey()))
            .isEqualTo("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
        assertThat(HEX.formatHex(a.agree(b.publicKey())))
            .isEqualTo("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
    }

    @Test
    void shouldComputeRfc7693Blake2sVector()
    {
        // RFC 7693 appendix B: BLAKE2s-256("abc").
        assertThat(HEX.formatHex(Blake2s.hash("abc".getBytes(java.nio.charset.StandardCharsets.US_ASCII))))
            .isEqualTo("508c5e8c327c14e2e1a72ba34eeb452f37458b209ed63a294d999b4c86675982");
    }

    @ParameterizedTest
    @EnumSource(CipherSuite.class)
    void shouldAgreeOnTransportKeysWithAndWithoutPsk(final CipherSuite suite) throws Exception
    {
        for (final byte[] psk : new byte[][] {null, filled(7)})
        {
            final Handshake initiator = new Handshake(suite, alice);
            final Handshake responder = new Handshake(suite, bob);
            final HandshakePeer bobAsSeen = new HandshakePeer(bob.publicKey(), psk);
            final HandshakePeer aliceAsSeen = new HandshakePeer(alice.publicKey(), psk);

            final Handshake.Initiation init = initiator.initiate(bobAsSeen, 11);
            assertThat(init.message()).hasSize(Handshake.INITIATION_LENGTH);
            final Handshake.Result r = responder.respond(init.message(), only(aliceAsSeen), 22);
            assertThat(r.response()).hasSize(Handshake.RESPONSE_LENGTH);
            final Handshake.Result i = initiator.complete(init, r.response());

            assertThat(i.sendKey()).isEqualTo(r.receiveKey());
            assertThat(i.receiveKey()).isEqualTo(r.sendKey());
            assertThat(i.sendKey()).isNotEqualTo(i.receiveKey());
            assertThat(i.localIndex()).isEqualTo(11);
            assertThat(i.remoteIndex()).isEqualTo(22);
            assertThat(r.localIndex()).isEqualTo(22);
            assertThat(r.remoteIndex()).isEqualTo(11);
            assertThat(r.peer()).isSameAs(aliceAsSeen);
            assertThat(init.wiped()).as("the answered initiation's ephemeral key is zeroed").isTrue();
            assertThat(i.sendKey()).as("and the keys are not").isNotEqualTo(new byte[32]);
        }
    }

    /**
     * L2, key erasure: a Handshake holds no secret of a finished handshake, and wiping the caller's copies of the
     * transport keys (as the agent does once the session has its own) does not change later handshakes.
     */
    @Test
    void shouldZeroSecretsAndStillAgreeAfterwards() throws Exception
    {
        final Handshake initiator = new Handshake(CipherSuite.AESGCM, alice);
        final Handshake responder = new Handshake(CipherSuite.AESGCM, bob);
        final HandshakePeer bobAsSeen = new HandshakePeer(bob.publicKey(), null);
        final HandshakePeer aliceAsSeen = new HandshakePeer(alice.publicKey(), null);
        for (int round = 0; round < 3; round++)
        {
            final Handshake.Initiation init = initiator.initiate(bobAsSeen, 100 + round);
            final Handshake.Result r = responder.respond(init.message(), only(aliceAsSeen), 200 + round);
            final Handshake.Result i = initiator.complete(init, r.response());
            assertThat(i.sendKey()).as("round %d", round).isEqualTo(r.receiveKey());
            Handshake.wipe(i.sendKey(), i.receiveKey(), r.sendKey(), r.receiveKey());
            assertThat(i.sendKey()).containsOnly((byte)0);
        }
        final Handshake.Initiation abandoned = initiator.initiate(bobAsSeen, 300);
        abandoned.wipe();
        assertThat(abandoned.wiped()).isTrue();
        assertThatThrownBy(() -> initiator.complete(abandoned,
            responder.respond(abandoned.message(), only(aliceAsSeen), 301).response()))
            .as("a wiped initiation completes nothing").isInstanceOf(Handshake.Refused.class);
    }

    @Test
    void shouldGiveFreshKeysEveryHandshake() throws Exception
    {
        final Handshake initiator = new Handshake(CipherSuite.AESGCM, alice);
        final Handshake responder = new Handshake(CipherSuite.AESGCM, bob);
        final HandshakePeer aliceAsSeen = new HandshakePeer(alice.publicKey(), null);
        final HandshakePeer bobAsSeen = new HandshakePeer(bob.publicKey(), null);
        final Handshake.Initiation first = initiator.initiate(bobAsSeen, 1, KeyPair.generate(), Tai64n.of(100, 0));
        final Handshake.Initiation second = initiator.initiate(bobAsSeen, 2, KeyPair.generate(), Tai64n.of(101, 0));
        final byte[] k1 = initiator.complete(first, responder.respond(first.message(), only(aliceAsSeen), 5)
            .response()).sendKey();
        final byte[] k2 = initiator.complete(second, responder.respond(second.message(), only(aliceAsSeen), 6)
            .response()).sendKey();
        assertThat(k1).isNotEqualTo(k2); // forward secrecy: ephemeral keys differ per handshake
    }

    @Test
    void shouldRefuseReplayedInitiation() throws Exception
    {
        final Handshake responder = new Handshake(CipherSuite.AESGCM, bob);
        final HandshakePeer aliceAsSeen = new HandshakePeer(alice.publicKey(), null);
        final Handshake.Initiation init = new Handshake(CipherSuite.AESGCM, alice)
            .initiate(new HandshakePeer(bob.publicKey(), null), 1);
        responder.respond(init.message(), only(aliceAsSeen), 2);
        assertRefused(() -> responder.respond(init.message(), only(aliceAsSeen), 3), HandshakeError.REPLAY);
    }

    @Test
    void shouldRefuseEveryTamperedByte() throws Exception
    {
        final Handshake responder = new Handshake(CipherSuite.AESGCM, bob);
        final HandshakePeer aliceAsSeen = new HandshakePeer(alice.publicKey(), null);
        final byte[] message = new Handshake(CipherSuite.AESGCM, alice)
            .initiate(new HandshakePeer(bob.publicKey(), null), 1).message();
        for (int i = 0; i < Handshake.INITIATION_LENGTH - 16; i++) // mac2 is not checked without cookies
        {
            final byte[] tampered = message.clone();
            tampered[i] ^= 0x01;
            final int at = i;
            assertThatThrownBy(() -> responder.respond(tampered, only(aliceAsSeen), 2)).as("byte %d", at)
                .isInstanceOf(Handshake.Refused.class);
        }
    }

    @Test
    void shouldRefuseWrongResponderUnknownInitiatorAndWrongLength() throws Exception
    {
        final KeyPair mallory = KeyPair.generate();
        final HandshakePeer aliceAsSeen = new HandshakePeer(alice.publicKey(), null);
        final Handshake.Initiation toMallory = new Handshake(CipherSuite.AESGCM, alice)
            .initiate(new HandshakePeer(mallory.publicKey(), null), 1);
        assertRefused(() -> new Handshake(CipherSuite.AESGCM, bob).respond(toMallory.message(), only(aliceAsSeen), 2),
            HandshakeError.MAC1);

        final Handshake.Initiation fromMallory = new Handshake(CipherSuite.AESGCM, mallory)
            .initiate(new HandshakePeer(bob.publicKey(), null), 1);
        assertRefused(() -> new Handshake(CipherSuite.AESGCM, bob).respond(fromMallory.message(), only(aliceAsSeen),
            2), HandshakeError.UNKNOWN_PEER);

        assertRefused(() -> new Handshake(CipherSuite.AESGCM, bob).respond(new byte[100], only(aliceAsSeen), 2),
            HandshakeError.LENGTH);
    }

    @Test
    void shouldFailOnPskMismatchOrCipherMismatch() throws Exception
    {
        final Handshake.Initiation init = new Handshake(CipherSuite.AESGCM, alice)
            .initiate(new HandshakePeer(bob.publicKey(), filled(1)), 1);
        final Handshake.Result r = new Handshake(CipherSuite.AESGCM, bob)
            .respond(init.message(), only(new HandshakePeer(alice.publicKey(), filled(2))), 2);
        assertRefused(() -> new Handshake(CipherSuite.AESGCM, alice).complete(init, r.response()),
            HandshakeError.DECRYPT);

        final Handshake.Initiation chacha = new Handshake(CipherSuite.CHACHAPOLY, alice)
            .initiate(new HandshakePeer(bob.publicKey(), null), 1);
        assertRefused(() -> new Handshake(CipherSuite.AESGCM, bob).respond(chacha.message(),
            only(new HandshakePeer(alice.publicKey(), null)), 2), HandshakeError.DECRYPT);
    }

    @Test
    void shouldRefuseResponseToAnotherInitiation() throws Exception
    {
        final Handshake initiator = new Handshake(CipherSuite.AESGCM, alice);
        final HandshakePeer bobAsSeen = new HandshakePeer(bob.publicKey(), null);
        final Handshake.Initiation first = initiator.initiate(bobAsSeen, 1);
        final Handshake.Initiation second = initiator.initiate(bobAsSeen, 2);
        final byte[] response = new Handshake(CipherSuite.AESGCM, bob)
            .respond(first.message(), only(new HandshakePeer(alice.publicKey(), null)), 9).response();
        assertRefused(() -> initiator.complete(second, response), HandshakeError.UNEXPECTED);
    }

    private static Function<byte[], HandshakePeer> only(final HandshakePeer peer)
    {
        return key -> Arrays.equals(key, peer.staticPublicBytes()) ? peer : null;
    }

    private static byte[] filled(final int value)
    {
        final byte[] key = new byte[32];
        Arrays.fill(key, (byte)value);
        return key;
    }

    private interface Step
    {
        void run() throws Exception;
    }

    private static void assertRefused(final Step step, final HandshakeError error)
    {
        assertThatThrownBy(step::run).isInstanceOf(Handshake.Refused.class)
            .satisfies(e -> assertThat(((Handshake.Refused)e).error()).isEqualTo(error));
    }
}
