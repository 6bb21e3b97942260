package io.l2mesh.tunnel.noise;

/**
 * Why a handshake message was refused; each is counted, none is answered.
 */
public enum HandshakeError
{
    /** Not the length of its message type. */
    LENGTH("bad_length"),
    /** mac1 does not match: not meant for us, or corrupted. */
    MAC1("bad_mac1"),
    /** An AEAD tag failed: wrong keys, a wrong PSK, or tampering. */
    DECRYPT("decrypt_failed"),
    /** The initiator's static key belongs to no configured peer. */
    UNKNOWN_PEER("unknown_peer"),
    /** The initiation's timestamp is not newer than the last accepted from that peer: a replay. */
    REPLAY("replayed"),
    /** A public key was a low-order point (the X25519 result was zero). */
    WEAK_KEY("weak_key"),
    /** A response to no initiation of ours. */
    UNEXPECTED("unexpected");

    private final String label;

    HandshakeError(final String label)
    {
        this.label = label;
    }

    public String label()
    {
        return label;
    }
}
