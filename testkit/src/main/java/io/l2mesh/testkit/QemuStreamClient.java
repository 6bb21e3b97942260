package io.l2mesh.testkit;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;

/**
 * Speaks QEMU's {@code -netdev stream} framing to a unix socket, as a VM's NIC would: each frame goes with a
 * 4-byte big-endian length in front. Reads are bounded in time.
 */
public final class QemuStreamClient implements AutoCloseable
{
    private final SocketChannel channel;
    private final Selector selector;
    private final ByteBuffer in = ByteBuffer.allocate(1 << 20);

    private QemuStreamClient(final SocketChannel channel, final Selector selector)
    {
        this.channel = channel;
        this.selector = selector;
    }

    public static QemuStreamClient connect(final Path path) throws IOException
    {
        final SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        channel.connect(UnixDomainSocketAddress.of(path));
        channel.configureBlocking(false);
        final Selector selector = Selector.open();
        channel.register(selector, SelectionKey.OP_READ);
        return new QemuStreamClient(channel, selector);
    }

    public void send(final byte[] frame) throws IOException
    {
        final ByteBuffer out = ByteBuffer.allocate(4 + frame.length);
        out.putInt(frame.length).put(frame).flip();
        sendRaw(out);
    }

    /**
     * Sends bytes as they are, framing or not (to test broken prefixes).
     */
    public void sendRaw(final ByteBuffer bytes) throws IOException
    {
        final long deadline = System.nanoTime() + 5_000_000_000L;
        while (bytes.hasRemaining())
        {
            if (channel.write(bytes) == 0)
            {
                if (System.nanoTime() > deadline)
                {
                    throw new IOException("the server took no bytes for 5 s");
                }
                Thread.onSpinWait();
            }
        }
    }

    /**
     * @return the next frame, or null if none arrived within {@code timeoutMillis}.
     * @throws java.io.EOFException when the server closed the connection.
     */
    public byte[] receive(final long timeoutMillis) throws IOException
    {
        final long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        while (true)
        {
            final byte[] frame = takeFrame();
            if (frame != null)
            {
                return frame;
            }
            final long left = (deadline - System.nanoTime()) / 1_000_000L;
            if (left <= 0)
            {
                return null;
            }
            selector.select(left);
            selector.selectedKeys().clear();
            if (channel.read(in) < 0)
            {
                throw new java.io.EOFException("server closed the connection");
            }
        }
    }

    /**
     * Waits for the server to close the connection.
     *
     * @return true if it did within {@code timeoutMillis}.
     */
    public boolean awaitClose(final long timeoutMillis) throws IOException
    {
        final long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        while (System.nanoTime() < deadline)
        {
            selector.select(Math.max(1, (deadline - System.nanoTime()) / 1_000_000L));
            selector.selectedKeys().clear();
            in.clear();
            try
            {
                if (channel.read(in) < 0)
                {
                    return true;
                }
            }
            catch (final IOException reset)
            {
                return true;
            }
        }
        return false;
    }

    private byte[] takeFrame()
    {
        in.flip();
        try
        {
            if (in.remaining() < 4 || in.remaining() - 4 < in.getInt(in.position()))
            {
                return null;
            }
            final byte[] frame = new byte[in.getInt()];
            in.get(frame);
            return frame;
        }
        finally
        {
            in.compact();
        }
    }

    @Override
    public void close() throws IOException
    {
        selector.close();
        channel.close();
    }
}
