package io.l2mesh.tunnel;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.l2mesh.fec.stream.DecoderMemory;
import io.l2mesh.tunnel.noise.CipherSuite;
import io.l2mesh.tunnel.noise.Handshake;
import io.l2mesh.tunnel.noise.HandshakePeer;
import io.l2mesh.tunnel.noise.KeyPair;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzz target: the tunnel's receive path for transport messages with a known key: the transport header checks,
 * decryption and the replay window. The input is a script: send a new message (kind, stream, payload of the
 * input's bytes), replay an earlier one, tamper with one (a byte flipped, cut short), or send raw bytes. Each
 * authentic message opens exactly once and gives its payload back; every replay, forgery or malformed message is
 * refused; nothing throws.
 */
class TransportReceiveFuzzTest
{
    private static final CipherSuite SUITE = CipherSuite.CHACHAPOLY;
    private static final byte[] KEY_A = new byte[32];
    private static final byte[] KEY_B = new byte[32];
    private static final Peer PEER = new Peer(new PeerSpec("p", KeyPair.generate().publicKey(), null, null),
        PeerOrigin.CONFIG, 2, 1, DecoderMemory.unbounded(), false);

    static
    {
        new java.util.Random(14).nextBytes(KEY_A);
        new java.util.Random(15).nextBytes(KEY_B);
    }

    @FuzzTest
    void messages(final FuzzedDataProvider data)
    {
        fuzzerTestOneInput(data);
    }

    public static void fuzzerTestOneInput(final FuzzedDataProvider data)
    {
        final HandshakePeer hp = PEER.handshake;
        final Session sender = new Session(PEER, new Handshake.Result(hp, KEY_A, KEY_B, 1, 2, true, null), SUITE,
            2, 0);
        final Session receiver = new Session(PEER, new Handshake.Result(hp, KEY_B, KEY_A, 2, 1, false, null), SUITE,
            2, 0);
        final List<byte[]> sent = new ArrayList<>();
        final List<byte[]> payloads = new ArrayList<>();
        final Set<Integer> opened = new HashSet<>();
        final byte[] buffer = new byte[2048];
        while (data.remainingBytes() > 0)
        {
            final int action = data.consumeInt(0, 3);
            if (action == 0 || sent.isEmpty())
            {
                final byte[] payload = data.consumeBytes(data.consumeInt(0, 1400));
                final int kind = data.consumeInt(0, 3);
                final int stream = data.consumeInt(0, 255);
                System.arraycopy(payload, 0, buffer, TransportHeader.LENGTH, payload.length);
                final int length = sender.seal(0, buffer, 0, kind, stream, payload.length);
                assertThat(length).isEqualTo(TransportHeader.LENGTH + payload.length + 16);
                sent.add(java.util.Arrays.copyOf(buffer, length));
                payloads.add(payload);
                final byte[] message = sent.get(sent.size() - 1).clone();
                assertThat(TransportHeader.validPrefix(message)).isTrue();
                assertThat(receiver.open(1, message, message.length)).as("authentic").isEqualTo(payload.length);
                assertThat(java.util.Arrays.copyOfRange(message, TransportHeader.LENGTH,
                    TransportHeader.LENGTH + payload.length)).isEqualTo(payload);
                assertThat(TransportHeader.stream(message)).isEqualTo(stream);
                opened.add(sent.size() - 1);
            }
            else if (action == 1)
            {
                final byte[] again = sent.get(data.consumeInt(0, sent.size() - 1)).clone();
                assertThat(receiver.open(1, again, again.length)).as("replayed").isEqualTo(Session.REPLAYED);
            }
            else if (action == 2)
            {
                final byte[] tampered = sent.get(data.consumeInt(0, sent.size() - 1)).clone();
                final int cut = data.consumeInt(TransportHeader.LENGTH + 16, tampered.length);
                final int flip = data.consumeInt(TransportHeader.LENGTH, Math.max(TransportHeader.LENGTH,
                    cut - 1));
                if (flip < cut)
                {
                    tampered[flip] ^= (byte)data.consumeInt(1, 255);
                }
                final boolean changed = flip < cut || cut < tampered.length;
                final int result = receiver.open(1, tampered, cut);
                if (changed)
                {
                    assertThat(result).as("tampered").isIn(Session.FORGED, Session.REPLAYED);
                }
            }
            else
            {
                final byte[] raw = data.consumeBytes(data.consumeInt(0, 200));
                if (raw.length >= TransportHeader.LENGTH + 16 && TransportHeader.validPrefix(raw))
                {
                    assertThat(receiver.open(1, raw, raw.length)).as("made up").isNegative();
                }
            }
        }
        assertThat(opened).hasSameSizeAs(payloads);
    }
}
