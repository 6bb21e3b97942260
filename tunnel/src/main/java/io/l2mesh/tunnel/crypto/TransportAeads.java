package io.l2mesh.tunnel.crypto;

import io.l2mesh.tunnel.noise.CipherSuite;

/**
 * Makes the transport AEADs: OpenSSL's libcrypto through FFM where it loads (every Debian system has
 * {@code libcrypto.so.3}), else the JDK's {@code Cipher}. Both are the standard constructions with the same
 * nonces, so nodes using either interoperate (tested). {@code -Dl2mesh.tunnel.jdkAead=true} forces the JDK.
 */
public final class TransportAeads
{
    private TransportAeads()
    {
    }

    /**
     * @param seal    true for the sending direction.
     * @param threads thread slots (datapath loops plus the agent).
     */
    public static TransportAead create(final CipherSuite suite, final byte[] key, final boolean seal,
        final int threads)
    {
        return OpenSslTransportAead.unavailableReason() == null ?
            new OpenSslTransportAead(suite, key, seal, threads) : new JdkTransportAead(suite, key, seal, threads);
    }

    /**
     * The JDK's implementation, whatever is installed (tests, benchmarks).
     */
    public static TransportAead jdk(final CipherSuite suite, final byte[] key, final boolean seal, final int threads)
    {
        return new JdkTransportAead(suite, key, seal, threads);
    }

    /**
     * OpenSSL's implementation, or null if libcrypto is not available (tests, benchmarks).
     */
    public static TransportAead openSslOrNull(final CipherSuite suite, final byte[] key, final boolean seal,
        final int threads)
    {
        return OpenSslTransportAead.unavailableReason() == null ?
            new OpenSslTransportAead(suite, key, seal, threads) : null;
    }

    /**
     * @return "openssl" or "jdk (reason)": what {@link #create} makes.
     */
    public static String description()
    {
        final String reason = OpenSslTransportAead.unavailableReason();
        return reason == null ? "openssl" : "jdk (" + reason + ")";
    }
}
