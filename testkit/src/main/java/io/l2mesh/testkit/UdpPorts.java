package io.l2mesh.testkit;

import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketException;

/**
 * UDP port numbers for tests on loopback.
 */
public final class UdpPorts
{
    private UdpPorts()
    {
    }

    /**
     * @return a port nobody on 127.0.0.1 used a moment ago (another process may still take it first).
     */
    public static int free()
    {
        try (DatagramSocket probe = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0)))
        {
            return probe.getLocalPort();
        }
        catch (final SocketException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /**
     * @return true if nobody holds {@code address} any more (a closed port released its socket).
     */
    public static boolean bindable(final InetSocketAddress address)
    {
        try (DatagramSocket probe = new DatagramSocket(address))
        {
            return probe.isBound();
        }
        catch (final SocketException held)
        {
            return false;
        }
    }
}
