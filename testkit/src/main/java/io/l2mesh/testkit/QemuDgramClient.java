package io.l2mesh.testkit;

import io.l2mesh.tuntap.UnixSocket;

import java.nio.file.Path;

/**
 * Speaks QEMU's {@code -netdev dgram} framing over unix sockets, as a VM's NIC would: binds its own socket and
 * sends one frame per datagram to the server's. Reads are bounded in time.
 */
public final class QemuDgramClient implements AutoCloseable
{
    private final UnixSocket socket;
    private final Path server;

    public QemuDgramClient(final Path local, final Path server)
    {
        this.socket = UnixSocket.bindDatagram(local, 0600, false);
        this.server = server;
    }

    public void send(final byte[] frame)
    {
        final long n = socket.sendTo(frame, server);
        if (n != frame.length)
        {
            throw new IllegalStateException("sendto " + server + " returned " + n);
        }
    }

    /**
     * @return the next frame, or null if none arrived within {@code timeoutMillis}.
     */
    public byte[] receive(final long timeoutMillis) throws InterruptedException
    {
        final long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        do
        {
            final byte[] frame = socket.receive(70_000);
            if (frame != null)
            {
                return frame;
            }
            Thread.sleep(1);
        }
        while (System.nanoTime() < deadline);
        return null;
    }

    @Override
    public void close()
    {
        socket.close();
    }
}
