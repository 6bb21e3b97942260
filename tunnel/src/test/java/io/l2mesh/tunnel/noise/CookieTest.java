package io.l2mesh.tunnel.noise;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The cookie mechanism end to end between a responder's checker and an initiator's jar (WireGuard 5.4.7).
 */
class CookieTest
{
    private final KeyPair responder = KeyPair.generate();
    private final KeyPair initiator = KeyPair.generate();
    private final Handshake initiating = new Handshake(CipherSuite.CHACHAPOLY, initiator);
    private final HandshakePeer responderAsPeer = new HandshakePeer(responder.publicKey(), null);
    private final CookieChecker checker = new CookieChecker(responder.publicKey());
    private final CookieChecker.Worker worker = checker.worker();
    private final byte[] source = {2, 0, 0x1f, (byte)0x90, (byte)198, 18, 0, 7, 0, 0, 0, 0, 0, 0, 0, 0};
    private final byte[] elsewhere = {2, 0, 0x1f, (byte)0x90, (byte)198, 18, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0};

    @Test
    void shouldAcceptMac2OnlyWithTheCookieOfItsSource() throws Exception
    {
        final CookieJar jar = new CookieJar(responder.publicKey());
        final byte[] first = initiating.initiate(responderAsPeer, 1).message();
        jar.stamp(first, 1, 0);
        assertThat(jar.holdsCookie(0)).isFalse();
        assertThat(worker.mac1Valid(first, first.length)).isTrue();
        assertThat(worker.mac2Valid(first, first.length, source, source.length, 0)).as("no cookie yet").isFalse();

        final byte[] reply = new byte[Handshake.COOKIE_REPLY_LENGTH];
        assertThat(worker.reply(first, first.length, source, source.length, 0, reply))
            .isEqualTo(Handshake.COOKIE_REPLY_LENGTH);
        assertThat(reply[0]).isEqualTo(Handshake.TYPE_COOKIE);
        assertThat(java.util.Arrays.copyOfRange(reply, 4, 8)).as("receiver: the initiation's sender")
            .isEqualTo(java.util.Arrays.copyOfRange(first, 4, 8));
        final byte[] tampered = reply.clone();
        tampered[40] ^= 1;
        assertThat(jar.take(tampered, 1)).isFalse();
        assertThat(jar.take(reply, 1)).isTrue();
        assertThat(jar.answeredHadMac2()).isFalse();

        final byte[] second = initiating.initiate(responderAsPeer, 2).message();
        assertThat(jar.holdsCookie(2)).isTrue();
        jar.stamp(second, 2, 2);
        assertThat(worker.mac1Valid(second, second.length)).as("mac1 unchanged by mac2").isTrue();
        assertThat(worker.mac2Valid(second, second.length, source, source.length, 3)).isTrue();
        assertThat(worker.mac2Valid(second, second.length, elsewhere, elsewhere.length, 3))
            .as("the cookie is of one source address").isFalse();
        assertThat(checker.worker().mac2Valid(second, second.length, source, source.length, 4))
            .as("another loop's worker agrees").isTrue();
        assertThat(worker.mac2Valid(second, second.length, source, source.length,
            3 + CookieChecker.SECRET_LIFETIME_NANOS)).as("the secret rotated").isFalse();
        final byte[] late = initiating.initiate(responderAsPeer, 3).message();
        assertThat(jar.holdsCookie(2 + CookieJar.COOKIE_LIFETIME_NANOS)).as("an old cookie is not used").isFalse();
        jar.stamp(late, 3, 2 + CookieJar.COOKIE_LIFETIME_NANOS);
        assertThat(java.util.Arrays.copyOfRange(late, 132, 148)).as("mac2 left zero").isEqualTo(new byte[16]);
    }

    @Test
    void shouldRefuseACookieReplyForAnotherInitiation() throws Exception
    {
        final CookieJar jar = new CookieJar(responder.publicKey());
        final byte[] answered = initiating.initiate(responderAsPeer, 1).message();
        final byte[] reply = new byte[Handshake.COOKIE_REPLY_LENGTH];
        worker.reply(answered, answered.length, source, source.length, 0, reply);
        assertThat(jar.take(reply, 0)).as("nothing sent yet").isFalse();
        final byte[] other = initiating.initiate(responderAsPeer, 2).message();
        jar.stamp(other, 2, 0);
        assertThat(jar.take(reply, 0)).as("for an initiation we did not send").isFalse();
        jar.stamp(answered.clone(), 1, 0);
        final byte[] forged = reply.clone();
        forged[4] = 2; // our index of the other initiation: its mac1 does not open it
        assertThat(jar.take(forged, 0)).as("its AD is another initiation's mac1").isFalse();
        assertThat(jar.take(reply, 0)).as("a late answer to an earlier initiation").isTrue();
        final byte[] random = new byte[Handshake.INITIATION_LENGTH];
        new java.util.Random(1).nextBytes(random);
        assertThat(worker.mac1Valid(random, random.length)).isFalse();
        final CookieJar wrongKey = new CookieJar(initiator.publicKey());
        wrongKey.stamp(answered, 1, 0);
        assertThat(wrongKey.take(reply, 0)).as("sealed under the responder's key").isFalse();
    }
}
