package io.l2mesh.tunnel.noise;

/**
 * The initiator's half of the cookie mechanism, for one peer: remembers the mac1 of its last few initiations (a
 * cookie reply carries the mac1 of the one it answers as associated data, and a loaded responder may answer late,
 * after a retry), takes the cookie a loaded responder sends, and for {@link #COOKIE_LIFETIME_NANOS} after stamps
 * every initiation with {@code mac2 = MAC(cookie, message up to mac2)}. Single owner: the tunnel agent.
 */
public final class CookieJar
{
    /** A cookie is used for two minutes minus a margin, as WireGuard's (the responder's secret lives 120 s). */
    public static final long COOKIE_LIFETIME_NANOS = 120_000_000_000L - 5_000_000_000L;
    /** Initiations whose mac1 is kept: as many as the agent keeps pending (1.6 s of fast retries). */
    public static final int KEPT = 16;
    private static final int MAC = Blake2s.MAC_LENGTH;

    private final byte[] cookieKey;
    private final XChaCha20Poly1305 aead = new XChaCha20Poly1305();
    private final int[] sentIndex = new int[KEPT];
    private final byte[][] sentMac1 = new byte[KEPT][MAC];
    private final boolean[] sentWithMac2 = new boolean[KEPT];
    private final boolean[] sent = new boolean[KEPT];
    private int next;
    private byte[] cookie;
    private long cookieNanos;
    private boolean answeredHadMac2;

    /**
     * @param peerPublic the responder's static public key.
     */
    public CookieJar(final byte[] peerPublic)
    {
        this.cookieKey = Blake2s.hash(CookieChecker.LABEL_COOKIE, peerPublic);
    }

    /**
     * Before an initiation with our {@code senderIndex} goes out: writes mac2 into it if a fresh cookie is held
     * (else leaves it zero), and remembers its mac1.
     */
    public void stamp(final byte[] initiation, final int senderIndex, final long nowNanos)
    {
        final int mac1At = initiation.length - 2 * MAC;
        final boolean withMac2 = cookie != null && nowNanos - cookieNanos < COOKIE_LIFETIME_NANOS;
        if (withMac2)
        {
            System.arraycopy(Blake2s.mac(cookie, initiation, 0, initiation.length - MAC), 0, initiation,
                initiation.length - MAC, MAC);
        }
        else
        {
            java.util.Arrays.fill(initiation, initiation.length - MAC, initiation.length, (byte)0);
        }
        System.arraycopy(initiation, mac1At, sentMac1[next], 0, MAC);
        sentIndex[next] = senderIndex;
        sentWithMac2[next] = withMac2;
        sent[next] = true;
        next = (next + 1) % KEPT;
    }

    /**
     * Takes a cookie reply to one of our last initiations (its receiver index).
     *
     * @return true if it opened with that initiation's mac1 and the cookie is now held.
     */
    public boolean take(final byte[] reply, final long nowNanos)
    {
        if (reply.length != Handshake.COOKIE_REPLY_LENGTH || reply[0] != Handshake.TYPE_COOKIE)
        {
            return false;
        }
        final int receiver = (reply[4] & 0xff) | (reply[5] & 0xff) << 8 | (reply[6] & 0xff) << 16 |
            (reply[7] & 0xff) << 24;
        for (int i = 0; i < KEPT; i++)
        {
            if (sent[i] && sentIndex[i] == receiver)
            {
                final byte[] opened = aead.open(cookieKey, reply, 8, reply, 8 + XChaCha20Poly1305.NONCE_LENGTH,
                    MAC + XChaCha20Poly1305.TAG_LENGTH, sentMac1[i]);
                if (opened == null)
                {
                    return false;
                }
                cookie = opened;
                cookieNanos = nowNanos;
                answeredHadMac2 = sentWithMac2[i];
                return true;
            }
        }
        return false;
    }

    /**
     * @return true if the initiation the last cookie taken answered went out with a mac2 (then the cookie had
     * expired at the responder, not that we lacked one).
     */
    public boolean answeredHadMac2()
    {
        return answeredHadMac2;
    }

    /**
     * @return true if a fresh cookie is held (the next initiation carries a mac2).
     */
    public boolean holdsCookie(final long nowNanos)
    {
        return cookie != null && nowNanos - cookieNanos < COOKIE_LIFETIME_NANOS;
    }
}
