package io.l2mesh.tunnel.noise;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzz target: handshake messages of any bytes, and of any bytes with a valid mac1 (what an attacker who knows the
 * responder's public key sends), to the responder; responses of any bytes to a pending initiation; cookie replies
 * of any bytes to the initiator's jar; and the loop's mac1/mac2 checks. Each is refused with
 * {@link Handshake.Refused} or false; none completes a handshake or takes a cookie; nothing else is thrown.
 */
class HandshakeFuzzTest
{
    private static final KeyPair RESPONDER = KeyPair.generate();
    private static final KeyPair INITIATOR = KeyPair.generate();
    private static final Handshake RESPONDING = new Handshake(CipherSuite.CHACHAPOLY, RESPONDER);
    private static final Handshake INITIATING = new Handshake(CipherSuite.CHACHAPOLY, INITIATOR);
    private static final HandshakePeer INITIATOR_AS_PEER = new HandshakePeer(INITIATOR.publicKey(), null);
    private static final HandshakePeer RESPONDER_AS_PEER = new HandshakePeer(RESPONDER.publicKey(), null);
    private static final byte[] MAC1_KEY = Handshake.mac1Key(RESPONDER.publicKey());
    private static final CookieChecker.Worker COOKIES = new CookieChecker(RESPONDER.publicKey()).worker();

    @FuzzTest
    void messages(final FuzzedDataProvider data)
    {
        fuzzerTestOneInput(data);
    }

    public static void fuzzerTestOneInput(final FuzzedDataProvider data)
    {
        final int kind = data.consumeInt(0, 3);
        final boolean validMac1 = data.consumeBoolean();
        final byte[] bytes = data.consumeRemainingAsBytes();
        switch (kind)
        {
            case 0 -> initiation(bytes, validMac1);
            case 1 -> response(bytes);
            case 2 -> cookie(bytes);
            default -> checks(bytes);
        }
    }

    private static void initiation(final byte[] bytes, final boolean validMac1)
    {
        final byte[] message = java.util.Arrays.copyOf(bytes, Handshake.INITIATION_LENGTH);
        message[0] = Handshake.TYPE_INITIATION;
        if (validMac1)
        {
            System.arraycopy(Blake2s.mac(MAC1_KEY, message, 0, 116), 0, message, 116, 16);
        }
        assertThat(COOKIES.mac1Valid(message, message.length)).isEqualTo(validMac1 ||
            java.util.Arrays.equals(Blake2s.mac(MAC1_KEY, message, 0, 116), 0, 16, message, 116, 132));
        try
        {
            RESPONDING.respond(bytes.length == Handshake.INITIATION_LENGTH ? bytes : message,
                key -> java.util.Arrays.equals(key, INITIATOR.publicKey()) ? INITIATOR_AS_PEER : null, 7);
            throw new AssertionError("made-up bytes completed a handshake");
        }
        catch (final Handshake.Refused expected)
        {
            assertThat(expected.error()).isNotNull();
        }
    }

    private static void response(final byte[] bytes)
    {
        try
        {
            final Handshake.Initiation pending = INITIATING.initiate(RESPONDER_AS_PEER, 9);
            final byte[] message = java.util.Arrays.copyOf(bytes, Handshake.RESPONSE_LENGTH);
            message[0] = Handshake.TYPE_RESPONSE;
            INITIATING.complete(pending, bytes.length == Handshake.RESPONSE_LENGTH ? bytes : message);
            throw new AssertionError("made-up bytes completed a handshake");
        }
        catch (final Handshake.Refused expected)
        {
            assertThat(expected.error()).isNotNull();
        }
    }

    private static void cookie(final byte[] bytes)
    {
        final CookieJar jar = new CookieJar(RESPONDER.publicKey());
        final byte[] initiation = new byte[Handshake.INITIATION_LENGTH];
        jar.stamp(initiation, 5, 0);
        final byte[] reply = java.util.Arrays.copyOf(bytes, Handshake.COOKIE_REPLY_LENGTH);
        reply[0] = Handshake.TYPE_COOKIE;
        reply[4] = 5;
        reply[5] = 0;
        reply[6] = 0;
        reply[7] = 0;
        assertThat(jar.take(reply, 1)).as("a forged cookie").isFalse();
        assertThat(jar.take(bytes, 1)).isFalse();
    }

    private static void checks(final byte[] bytes)
    {
        final byte[] source = java.util.Arrays.copyOf(bytes, 16);
        COOKIES.mac1Valid(bytes, bytes.length);
        if (bytes.length >= 32)
        {
            assertThat(COOKIES.mac2Valid(bytes, bytes.length, source, source.length, 0)).isFalse();
        }
        if (bytes.length >= Handshake.INITIATION_LENGTH)
        {
            final byte[] out = new byte[Handshake.COOKIE_REPLY_LENGTH];
            assertThat(COOKIES.reply(bytes, Handshake.INITIATION_LENGTH, source, source.length, 0, out))
                .isEqualTo(Handshake.COOKIE_REPLY_LENGTH);
        }
    }
}
