package io.l2mesh.control.capture;

import io.l2mesh.tuntap.FileDescriptors;

import java.io.IOException;
import java.io.OutputStream;

/**
 * An {@link OutputStream} onto a file descriptor that a client passed with its request: the daemon writes to the
 * file the client opened with its own rights, and never opens a path for it.
 */
final class DescriptorOutputStream extends OutputStream
{
    private final FileDescriptors.Writer writer;
    private final byte[] one = new byte[1];

    /**
     * @param fd owned by this stream from now on.
     */
    DescriptorOutputStream(final int fd)
    {
        this.writer = new FileDescriptors.Writer(fd);
    }

    @Override
    public void write(final int b) throws IOException
    {
        one[0] = (byte)b;
        writer.write(one, 0, 1);
    }

    @Override
    public void write(final byte[] data, final int offset, final int length) throws IOException
    {
        writer.write(data, offset, length);
    }

    @Override
    public void close()
    {
        writer.close();
    }
}
