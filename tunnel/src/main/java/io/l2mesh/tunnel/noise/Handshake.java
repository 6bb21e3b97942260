package io.l2mesh.tunnel.noise;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.function.Function;

/**
 * The Noise_IKpsk2 handshake as WireGuard builds it (whitepaper section 5.4), with the AEAD of a
 * {@link CipherSuite}: the initiator knows the responder's static key; one message each way; the responder
 * mixes in the pre-shared key last. Message layouts are WireGuard's (docs/wire-format.md):
 * <pre>
 * initiation (148): type 1, 3 zero bytes, sender index (LE u32), ephemeral (32), sealed static (32+16),
 *                   sealed TAI64N timestamp (12+16), mac1 (16), mac2 (16)
 * response   (92):  type 2, 3 zero bytes, sender index, receiver index, ephemeral (32), sealed empty (16),
 *                   mac1 (16), mac2 (16)
 * </pre>
 * mac1 (keyed with the receiver's public key) proves the sender knows whom it talks to; mac2 (keyed with a
 * cookie from the receiver) that it receives at its source address ({@link CookieChecker}, {@link CookieJar}).
 * Our prologue is {@link #IDENTIFIER}, so l2mesh and WireGuard handshakes can never be confused. Handshake path
 * only: allocates freely, never runs on a datapath loop.
 */
public final class Handshake
{
    public static final byte TYPE_INITIATION = 1;
    public static final byte TYPE_RESPONSE = 2;
    public static final byte TYPE_TRANSPORT = 4;
    public static final int INITIATION_LENGTH = 148;
    public static final int RESPONSE_LENGTH = 92;
    /** A cookie reply (WireGuard 5.4.7): type 3, 3 zero bytes, receiver index, nonce (24), sealed cookie (16+16). */
    public static final byte TYPE_COOKIE = 3;
    public static final int COOKIE_REPLY_LENGTH = 64;
    static final byte[] IDENTIFIER = "l2mesh v1 tunnel".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] LABEL_MAC1 = "mac1----".getBytes(StandardCharsets.US_ASCII);
    private static final int KEY = KeyPair.KEY_LENGTH;
    private static final int TAG = CipherSuite.TAG_LENGTH;
    private static final int MAC = Blake2s.MAC_LENGTH;

    private final CipherSuite suite;
    private final KeyPair local;
    private final byte[] initialChainingKey;
    private final byte[] initialHash;
    private final byte[] localMac1Key;

    public Handshake(final CipherSuite suite, final KeyPair local)
    {
        this.suite = suite;
        this.local = local;
        this.initialChainingKey = Blake2s.hash(suite.protocolName().getBytes(StandardCharsets.US_ASCII));
        this.initialHash = Blake2s.hash(initialChainingKey, IDENTIFIER);
        this.localMac1Key = mac1Key(local.publicKeyBytes());
    }

    public CipherSuite suite()
    {
        return suite;
    }

    static byte[] mac1Key(final byte[] staticPublic)
    {
        return Blake2s.hash(LABEL_MAC1, staticPublic);
    }

    /**
     * Chaining key and transcript hash, as Noise's SymmetricState.
     */
    private static final class Transcript
    {
        byte[] chainingKey;
        byte[] hash;

        /** Copies of the starting values: every array a transcript holds is its own, so it can wipe them. */
        Transcript(final byte[] chainingKey, final byte[] hash)
        {
            this.chainingKey = chainingKey.clone();
            this.hash = hash.clone();
        }

        void mixHash(final byte[] data)
        {
            final byte[] old = hash;
            hash = Blake2s.hash(hash, data);
            Handshake.wipe(old);
        }

        /**
         * Mixes {@code input} (a DH result or a public key) into the chaining key, wiping the old one.
         */
        void mixChain(final byte[] input)
        {
            chain(Blake2s.kdf(chainingKey, input, 1)[0]);
        }

        void chain(final byte[] next)
        {
            final byte[] old = chainingKey;
            chainingKey = next;
            Handshake.wipe(old);
        }

        /**
         * @return a key for one AEAD operation (the caller wipes it after use).
         */
        byte[] mixKey(final byte[] input)
        {
            final byte[][] out = Blake2s.kdf(chainingKey, input, 2);
            chain(out[0]);
            return out[1];
        }

        void wipe()
        {
            Handshake.wipe(chainingKey);
            Handshake.wipe(hash);
        }
    }

    /**
     * Zeroes a secret we hold (key erasure, WireGuard section 6): ephemeral keys, DH results, chaining keys,
     * one-use AEAD keys, transport keys once a session has its own copy.
     */
    public static void wipe(final byte[]... secrets)
    {
        for (final byte[] secret : secrets)
        {
            if (secret != null)
            {
                Arrays.fill(secret, (byte)0);
            }
        }
    }

    /**
     * An initiation we sent, kept until the response arrives.
     */
    public static final class Initiation
    {
        private final HandshakePeer peer;
        private final int senderIndex;
        private final byte[] message;
        private final byte[] ephemeralPrivate;
        private final Transcript transcript;

        private Initiation(final HandshakePeer peer, final int senderIndex, final byte[] message,
            final byte[] ephemeralPrivate, final Transcript transcript)
        {
            this.peer = peer;
            this.senderIndex = senderIndex;
            this.message = message;
            this.ephemeralPrivate = ephemeralPrivate;
            this.transcript = transcript;
        }

        public byte[] message()
        {
            return message.clone();
        }

        public int senderIndex()
        {
            return senderIndex;
        }

        public HandshakePeer peer()
        {
            return peer;
        }

        /**
         * Zeroes the ephemeral private key and the transcript: after the response, or when given up.
         */
        public void wipe()
        {
            Handshake.wipe(ephemeralPrivate);
            transcript.wipe();
        }

        boolean wiped()
        {
            for (final byte b : ephemeralPrivate)
            {
                if (b != 0)
                {
                    return false;
                }
            }
            return true;
        }
    }

    /**
     * What a handshake ends with: transport keys and both receiver indices.
     *
     * @param peer        who we now share keys with.
     * @param sendKey     key for what we send.
     * @param receiveKey  key for what we receive.
     * @param localIndex  index the peer puts in messages to us.
     * @param remoteIndex index we put in messages to the peer.
     * @param initiator   true on the side that sent the initiation.
     * @param response    for a responder, the response message to send; null for an initiator.
     */
    public record Result(HandshakePeer peer, byte[] sendKey, byte[] receiveKey, int localIndex, int remoteIndex,
        boolean initiator, byte[] response)
    {
    }

    /**
     * Thrown for a refused message; carries the reason to count.
     */
    public static final class Refused extends Exception
    {
        private static final long serialVersionUID = 1L;
        private final HandshakeError error;

        Refused(final HandshakeError error)
        {
            super(error.label(), null, false, false);
            this.error = error;
        }

        public HandshakeError error()
        {
            return error;
        }
    }

    /**
     * Builds an initiation to {@code peer}.
     *
     * @param senderIndex our index for the session this creates.
     */
    public Initiation initiate(final HandshakePeer peer, final int senderIndex) throws Refused
    {
        final KeyPair ephemeral = KeyPair.generate();
        try
        {
            return initiate(peer, senderIndex, ephemeral, Tai64n.now());
        }
        finally
        {
            wipe(ephemeral.privateKeyBytes()); // the initiation keeps a copy until the response
        }
    }

    Initiation initiate(final HandshakePeer peer, final int senderIndex, final KeyPair ephemeral,
        final byte[] timestamp) throws Refused
    {
        final Transcript t = new Transcript(initialChainingKey, initialHash);
        t.mixHash(peer.staticPublicBytes());
        final byte[] ephemeralPublic = ephemeral.publicKeyBytes();
        t.mixChain(ephemeralPublic);
        t.mixHash(ephemeralPublic);
        final byte[] es = dh(ephemeral.privateKeyBytes(), peer.staticPublicBytes());
        final byte[] staticKey = t.mixKey(es);
        final byte[] sealedStatic = suite.seal(staticKey, 0, local.publicKeyBytes(), t.hash);
        t.mixHash(sealedStatic);
        final byte[] ss = dh(local.privateKeyBytes(), peer.staticPublicBytes());
        final byte[] timestampKey = t.mixKey(ss);
        final byte[] sealedTimestamp = suite.seal(timestampKey, 0, timestamp, t.hash);
        t.mixHash(sealedTimestamp);
        wipe(es, staticKey, ss, timestampKey);

        final ByteBuffer m = ByteBuffer.allocate(INITIATION_LENGTH).order(ByteOrder.LITTLE_ENDIAN);
        m.put(TYPE_INITIATION).put(new byte[3]).putInt(senderIndex).put(ephemeralPublic).put(sealedStatic)
            .put(sealedTimestamp);
        final byte[] message = m.array();
        System.arraycopy(Blake2s.mac(peer.mac1Key(), message, 0, m.position()), 0, message, m.position(), MAC);
        return new Initiation(peer, senderIndex, message, ephemeral.privateKeyBytes().clone(), t);
    }

    /**
     * Consumes an initiation as the responder and builds the response.
     *
     * @param peers       finds a configured peer by its static public key, or null.
     * @param senderIndex our index for the session this creates.
     */
    public Result respond(final byte[] message, final Function<byte[], HandshakePeer> peers, final int senderIndex)
        throws Refused
    {
        final KeyPair ephemeral = KeyPair.generate();
        try
        {
            return respond(message, peers, senderIndex, ephemeral);
        }
        finally
        {
            wipe(ephemeral.privateKeyBytes());
        }
    }

    Result respond(final byte[] message, final Function<byte[], HandshakePeer> peers, final int senderIndex,
        final KeyPair ephemeral) throws Refused
    {
        if (message.length != INITIATION_LENGTH || message[0] != TYPE_INITIATION)
        {
            throw new Refused(HandshakeError.LENGTH);
        }
        checkMac1(message, localMac1Key);
        final ByteBuffer m = ByteBuffer.wrap(message).order(ByteOrder.LITTLE_ENDIAN);
        final int remoteIndex = m.getInt(4);
        final byte[] initiatorEphemeral = Arrays.copyOfRange(message, 8, 8 + KEY);
        final byte[] sealedStatic = Arrays.copyOfRange(message, 40, 40 + KEY + TAG);
        final byte[] sealedTimestamp = Arrays.copyOfRange(message, 88, 88 + Tai64n.LENGTH + TAG);

        final Transcript t = new Transcript(initialChainingKey, initialHash);
        final byte[][] secrets = new byte[6][];
        try
        {
            t.mixHash(local.publicKeyBytes());
            t.mixChain(initiatorEphemeral);
            t.mixHash(initiatorEphemeral);
            secrets[0] = dh(local.privateKeyBytes(), initiatorEphemeral);
            secrets[1] = t.mixKey(secrets[0]);
            final byte[] initiatorStatic = open(secrets[1], sealedStatic, t.hash);
            t.mixHash(sealedStatic);
            final HandshakePeer peer = peers.apply(initiatorStatic);
            if (peer == null)
            {
                throw new Refused(HandshakeError.UNKNOWN_PEER);
            }
            secrets[2] = dh(local.privateKeyBytes(), initiatorStatic);
            secrets[3] = t.mixKey(secrets[2]);
            final byte[] timestamp = open(secrets[3], sealedTimestamp, t.hash);
            t.mixHash(sealedTimestamp);
            if (!peer.acceptTimestamp(timestamp))
            {
                throw new Refused(HandshakeError.REPLAY);
            }
            return finishResponse(t, peer, ephemeral, initiatorEphemeral, initiatorStatic, senderIndex,
                remoteIndex, secrets);
        }
        finally
        {
            wipe(secrets);
            t.wipe();
        }
    }

    private Result finishResponse(final Transcript t, final HandshakePeer peer, final KeyPair ephemeral,
        final byte[] initiatorEphemeral, final byte[] initiatorStatic, final int senderIndex, final int remoteIndex,
        final byte[][] secrets) throws Refused
    {
        final byte[] ephemeralPublic = ephemeral.publicKeyBytes();
        t.mixChain(ephemeralPublic);
        t.mixHash(ephemeralPublic);
        secrets[4] = dh(ephemeral.privateKeyBytes(), initiatorEphemeral);
        t.mixChain(secrets[4]);
        secrets[5] = dh(ephemeral.privateKeyBytes(), initiatorStatic);
        t.mixChain(secrets[5]);
        final byte[][] psk = Blake2s.kdf(t.chainingKey, peer.presharedKey(), 3);
        t.chain(psk[0]);
        t.mixHash(psk[1]);
        final byte[] sealedEmpty = suite.seal(psk[2], 0, new byte[0], t.hash);
        wipe(psk[1], psk[2]);
        t.mixHash(sealedEmpty);

        final ByteBuffer r = ByteBuffer.allocate(RESPONSE_LENGTH).order(ByteOrder.LITTLE_ENDIAN);
        r.put(TYPE_RESPONSE).put(new byte[3]).putInt(senderIndex).putInt(remoteIndex).put(ephemeralPublic)
            .put(sealedEmpty);
        final byte[] response = r.array();
        System.arraycopy(Blake2s.mac(peer.mac1Key(), response, 0, r.position()), 0, response, r.position(), MAC);
        final byte[][] keys = Blake2s.kdf(t.chainingKey, new byte[0], 2);
        return new Result(peer, keys[1], keys[0], senderIndex, remoteIndex, false, response);
    }

    /**
     * Consumes the response to {@code initiation}.
     */
    public Result complete(final Initiation initiation, final byte[] message) throws Refused
    {
        if (message.length != RESPONSE_LENGTH || message[0] != TYPE_RESPONSE)
        {
            throw new Refused(HandshakeError.LENGTH);
        }
        checkMac1(message, localMac1Key);
        final ByteBuffer m = ByteBuffer.wrap(message).order(ByteOrder.LITTLE_ENDIAN);
        final int remoteIndex = m.getInt(4);
        if (m.getInt(8) != initiation.senderIndex)
        {
            throw new Refused(HandshakeError.UNEXPECTED);
        }
        final byte[] responderEphemeral = Arrays.copyOfRange(message, 12, 12 + KEY);
        final byte[] sealedEmpty = Arrays.copyOfRange(message, 44, 44 + TAG);

        final Transcript t = new Transcript(initiation.transcript.chainingKey, initiation.transcript.hash);
        byte[] ee = null;
        byte[] se = null;
        byte[][] psk = null;
        try
        {
            t.mixChain(responderEphemeral);
            t.mixHash(responderEphemeral);
            ee = dh(initiation.ephemeralPrivate, responderEphemeral);
            t.mixChain(ee);
            se = dh(local.privateKeyBytes(), responderEphemeral);
            t.mixChain(se);
            psk = Blake2s.kdf(t.chainingKey, initiation.peer.presharedKey(), 3);
            t.chain(psk[0]);
            t.mixHash(psk[1]);
            open(psk[2], sealedEmpty, t.hash);
            t.mixHash(sealedEmpty);
            final byte[][] keys = Blake2s.kdf(t.chainingKey, new byte[0], 2);
            initiation.wipe(); // answered: its ephemeral key and transcript are no longer needed
            return new Result(initiation.peer, keys[0], keys[1], initiation.senderIndex, remoteIndex, true, null);
        }
        finally
        {
            wipe(ee, se);
            if (psk != null)
            {
                wipe(psk[1], psk[2]);
            }
            t.wipe();
        }
    }

    private static void checkMac1(final byte[] message, final byte[] key) throws Refused
    {
        final int at = message.length - 2 * MAC;
        final byte[] expected = Blake2s.mac(key, message, 0, at);
        if (!MessageDigest.isEqual(expected, Arrays.copyOfRange(message, at, at + MAC)))
        {
            throw new Refused(HandshakeError.MAC1);
        }
    }

    private byte[] open(final byte[] key, final byte[] sealed, final byte[] hash) throws Refused
    {
        final byte[] plain = suite.open(key, 0, sealed, hash);
        if (plain == null)
        {
            throw new Refused(HandshakeError.DECRYPT);
        }
        return plain;
    }

    private static byte[] dh(final byte[] privateKey, final byte[] publicKey) throws Refused
    {
        final byte[] shared = KeyPair.agree(privateKey, publicKey);
        if (shared == null)
        {
            throw new Refused(HandshakeError.WEAK_KEY);
        }
        return shared;
    }
}
