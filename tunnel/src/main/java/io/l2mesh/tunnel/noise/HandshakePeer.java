package io.l2mesh.tunnel.noise;

import java.util.Arrays;

/**
 * What the handshake knows of one peer: its static public key, the pre-shared key (32 zero bytes when none,
 * as Noise's psk2 with no PSK configured), the newest initiation timestamp accepted from it (a replayed
 * initiation carries an older or equal one), and the mac1 key for messages to it.
 */
public final class HandshakePeer
{
    private final byte[] staticPublic;
    private final byte[] presharedKey;
    private final byte[] mac1Key;
    private final byte[] newestTimestamp = new byte[Tai64n.LENGTH];

    /**
     * @param presharedKey 32 bytes, or null for none.
     */
    public HandshakePeer(final byte[] staticPublic, final byte[] presharedKey)
    {
        if (staticPublic.length != KeyPair.KEY_LENGTH)
        {
            throw new IllegalArgumentException("a peer's public key is 32 bytes");
        }
        if (presharedKey != null && presharedKey.length != KeyPair.KEY_LENGTH)
        {
            throw new IllegalArgumentException("a pre-shared key is 32 bytes");
        }
        this.staticPublic = staticPublic.clone();
        this.presharedKey = presharedKey == null ? new byte[KeyPair.KEY_LENGTH] : presharedKey.clone();
        this.mac1Key = Handshake.mac1Key(staticPublic);
    }

    public byte[] staticPublic()
    {
        return staticPublic.clone();
    }

    byte[] staticPublicBytes()
    {
        return staticPublic;
    }

    byte[] presharedKey()
    {
        return presharedKey;
    }

    byte[] mac1Key()
    {
        return mac1Key;
    }

    /**
     * @return a copy of the greatest timestamp accepted so far (all zeros before any).
     */
    public synchronized byte[] newestTimestamp()
    {
        return newestTimestamp.clone();
    }

    /**
     * Takes a timestamp accepted before (kept across a restart): initiations not newer than it are replays.
     * Ignored if it is not newer than what is already known, or not {@code Tai64n.LENGTH} bytes.
     */
    public synchronized void restoreTimestamp(final byte[] timestamp)
    {
        if (timestamp != null && timestamp.length == Tai64n.LENGTH &&
            Arrays.compareUnsigned(timestamp, newestTimestamp) > 0)
        {
            System.arraycopy(timestamp, 0, newestTimestamp, 0, Tai64n.LENGTH);
        }
    }

    /**
     * Accepts {@code timestamp} if it is newer than any before (and remembers it).
     */
    synchronized boolean acceptTimestamp(final byte[] timestamp)
    {
        if (Arrays.compareUnsigned(timestamp, newestTimestamp) <= 0)
        {
            return false;
        }
        System.arraycopy(timestamp, 0, newestTimestamp, 0, Tai64n.LENGTH);
        return true;
    }
}
