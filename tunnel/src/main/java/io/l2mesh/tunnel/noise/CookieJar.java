package io.l2mesh.tunnel.noise;

/**
 * The initiator's half of the cookie mechanism, for one peer: remembers the mac1 of the last initiation sent (a
 * cookie reply must carry it as associated data), takes the cookie a loaded responder sends, and for
 * {@link #COOKIE_LIFETIME_NANOS} after stamps every initiation with {@code mac2 = MAC(cookie, message up to
 * mac2)}. Single owner: the tunnel agent.
 */
public final class CookieJar
{
    /** A cookie is used for two minutes minus a margin, as WireGuard's (the responder's secret lives 120 s). */
    public static final long COOKIE_LIFETIME_NANOS = 120_000_000_000L - 5_000_000_000L;
    private static final int MAC = Blake2s.MAC_LENGTH;

    private final byte[] cookieKey;
    private final XChaCha20Poly1305 aead = new XChaCha20Poly1305();
    private final byte[] lastMac1 = new byte[MAC];
    private boolean sentAny;
    private byte[] cookie;
    private long cookieNanos;
    private boolean lastHadMac2;

    /**
     * @param peerPublic the responder's static public key.
     */
    public CookieJar(final byte[] peerPublic)
    {
        this.cookieKey = Blake2s.hash(CookieChecker.LABEL_COOKIE, peerPublic);
    }

    /**
     * Before an initiation goes out: writes mac2 into it if a fresh cookie is held (else leaves it zero), and
     * remembers its mac1.
     */
    public void stamp(final byte[] initiation, final long nowNanos)
    {
        final int mac1At = initiation.length - 2 * MAC;
        System.arraycopy(initiation, mac1At, lastMac1, 0, MAC);
        sentAny = true;
        lastHadMac2 = cookie != null && nowNanos - cookieNanos < COOKIE_LIFETIME_NANOS;
        if (lastHadMac2)
        {
            System.arraycopy(Blake2s.mac(cookie, initiation, 0, initiation.length - MAC), 0, initiation,
                initiation.length - MAC, MAC);
        }
        else
        {
            java.util.Arrays.fill(initiation, initiation.length - MAC, initiation.length, (byte)0);
        }
    }

    /**
     * Takes a cookie reply (its receiver index already matched our pending initiation).
     *
     * @return true if it opened with the last initiation's mac1 and the cookie is now held.
     */
    public boolean take(final byte[] reply, final long nowNanos)
    {
        if (!sentAny || reply.length != Handshake.COOKIE_REPLY_LENGTH || reply[0] != Handshake.TYPE_COOKIE)
        {
            return false;
        }
        final byte[] opened = aead.open(cookieKey, reply, 8, reply, 8 + XChaCha20Poly1305.NONCE_LENGTH,
            MAC + XChaCha20Poly1305.TAG_LENGTH, lastMac1);
        if (opened == null)
        {
            return false;
        }
        cookie = opened;
        cookieNanos = nowNanos;
        return true;
    }

    /**
     * @return true if the last initiation went out with a mac2 (a cookie reply to it means the cookie expired
     * early, not that we lacked one).
     */
    public boolean lastHadMac2()
    {
        return lastHadMac2;
    }
}
