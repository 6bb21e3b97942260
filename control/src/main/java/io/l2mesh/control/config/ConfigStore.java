package io.l2mesh.control.config;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * The daemon's config file and what was last applied from it. Saving is atomic and durable: the new text goes
 * to a temporary file in the same directory, is fsync'ed, renamed over the old file, and the directory is
 * fsync'ed, so after a crash at any moment the file holds either the old or the new config, never a mix.
 * Control thread only.
 */
public final class ConfigStore
{
    private final Path file;
    private L2meshConfig current;

    /**
     * @param file the config file, or null when the daemon runs the embedded default (changes are refused).
     */
    public ConfigStore(final Path file, final L2meshConfig current)
    {
        this.file = file;
        this.current = current;
    }

    public Path file()
    {
        return file;
    }

    public L2meshConfig current()
    {
        return current;
    }

    /**
     * Makes {@code next} the current config and saves it.
     *
     * @throws IllegalStateException if there is no file to save to or the write fails; {@link #current()} is
     * then unchanged.
     */
    public void save(final L2meshConfig next)
    {
        if (file == null)
        {
            throw new IllegalStateException("no config file to save to: start the daemon with -c FILE " +
                "(bin/l2mesh default-config > FILE gives a starting point)");
        }
        try
        {
            writeAtomically(file, ConfigWriter.toYaml(next));
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException("cannot save " + file + ": " + ex.getMessage(), ex);
        }
        current = next;
    }

    /**
     * Takes {@code loaded} as current without writing it (it was just read from the file).
     */
    public void adopt(final L2meshConfig loaded)
    {
        current = loaded;
    }

    public void requireFile()
    {
        if (file == null)
        {
            throw new IllegalStateException("no config file to save changes to: start the daemon with -c FILE " +
                "(bin/l2mesh default-config > FILE gives a starting point)");
        }
    }

    static void writeAtomically(final Path target, final String text) throws IOException
    {
        final Path directory = target.toAbsolutePath().getParent();
        final Path temporary = directory.resolve("." + target.getFileName() + ".tmp-" + ProcessHandle.current().pid());
        try
        {
            try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE))
            {
                final ByteBuffer bytes = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
                while (bytes.hasRemaining())
                {
                    channel.write(bytes);
                }
                channel.force(true);
            }
            Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ))
            {
                dir.force(true); // the rename itself must reach the disk
            }
        }
        finally
        {
            Files.deleteIfExists(temporary);
        }
    }
}
