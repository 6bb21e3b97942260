package io.l2mesh.control.config;

import io.l2mesh.tuntap.Errno;
import io.l2mesh.tuntap.FileDescriptors;
import io.l2mesh.tuntap.FileStat;
import io.l2mesh.tuntap.Libc;
import io.l2mesh.tuntap.NativeError;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * The daemon's config file and what was last applied from it. Saving is atomic and durable: the new text goes
 * to a new temporary file in the same directory (a random name, created exclusively: never a planted file or a
 * link), with the old file's mode and owner (0600 for a first save), is fsync'ed, renamed over the old file,
 * and the directory is fsync'ed, so after a crash at any moment the file holds either the old or the new config,
 * never a mix.
 * Control thread only.
 */
public final class ConfigStore
{
    private static final int NEW_FILE_MODE = 0600;
    private static final SecureRandom RANDOM = new SecureRandom();

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

    /**
     * Proves at start that changes can be saved: creates (exclusively) and removes a temporary file beside the
     * config, as {@link #save} would.
     *
     * @throws IllegalStateException saying why not, e.g. a daemon that is not root and may not write the config's
     *                               directory.
     */
    public void checkSavable()
    {
        if (file == null)
        {
            return;
        }
        final Path temporary = temporaryFor(file);
        try
        {
            FileDescriptors.close(FileDescriptors.createNew(temporary, 0600));
            Files.delete(temporary);
        }
        catch (final NativeError | IOException ex)
        {
            throw new IllegalStateException("cannot save changes to " + file + ": cannot create a file in " +
                temporary.getParent() + " (" + (ex instanceof NativeError n ? Errno.describe(n.errno()) :
                ex.getMessage()) + "). The daemon writes its config there on every change: give its user write " +
                "access to that directory (e.g. root:l2mesh 0770), see docs/deployment.md");
        }
    }

    /**
     * Replaces {@code target} with {@code text}: a new temporary file beside it (random name, {@code O_EXCL} and
     * {@code O_NOFOLLOW}: never a file someone planted, never through a link) with mode 0600, or the old file's
     * mode, owner and group where the daemon may give them; written, fsync'ed, renamed over the target, and the
     * directory fsync'ed.
     */
    static void writeAtomically(final Path target, final String text) throws IOException
    {
        final Path directory = target.toAbsolutePath().getParent();
        final FileStat old = FileStat.atNoFollow(Libc.AT_FDCWD, target.toAbsolutePath().toString());
        final Path temporary = temporaryFor(target);
        final int fd;
        try
        {
            fd = FileDescriptors.createNew(temporary, NEW_FILE_MODE);
        }
        catch (final NativeError ex)
        {
            throw new IOException("cannot create " + temporary + ": " + Errno.describe(ex.errno()), ex);
        }
        try
        {
            try (FileDescriptors.Writer out = new FileDescriptors.Writer(fd))
            {
                if (old != null && old.isRegular())
                {
                    // Only root may give a file away; any owner may pick a group it belongs to. What cannot be
                    // kept stays the daemon's, never more open than the old file.
                    if (out.chown(Libc.geteuid() == 0 ? old.uid() : -1, old.gid()) < 0)
                    {
                        out.chown(-1, -1);
                    }
                    final int rc = out.chmod(old.permissions() & 0777);
                    if (rc < 0)
                    {
                        throw new IOException("cannot set the mode of " + temporary + ": " + Errno.describe(-rc));
                    }
                }
                final byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
                out.write(bytes, 0, bytes.length);
                out.sync();
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

    /**
     * @return {@code .NAME.tmp-RANDOM} beside {@code target}: a name nobody can plant in advance.
     */
    private static Path temporaryFor(final Path target)
    {
        final byte[] random = new byte[9];
        RANDOM.nextBytes(random);
        return target.toAbsolutePath().resolveSibling("." + target.getFileName() + ".tmp-" +
            HexFormat.of().formatHex(random));
    }
}
