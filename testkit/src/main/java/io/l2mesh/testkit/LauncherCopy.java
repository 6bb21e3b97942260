package io.l2mesh.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A copy of the launcher and the daemon jar that any local user can run, for tests that act as another user
 * ({@code setpriv --reuid=...}): the checkout itself may sit below a directory only root can enter (a clone made
 * under {@code mktemp -d}), and then an unprivileged user cannot even start {@code bin/l2mesh}.
 * <p>
 * Laid out as the launcher expects: {@code DIR/bin/l2mesh} and {@code DIR/control/target/l2mesh.jar}, in a fresh
 * directory under {@code /tmp} with mode 0755; {@link #close()} removes it.
 */
public final class LauncherCopy implements AutoCloseable
{
    private final Path dir;

    private LauncherCopy(final Path dir)
    {
        this.dir = dir;
    }

    /**
     * @param checkout the source tree whose {@code bin/l2mesh} and built {@code control/target/l2mesh.jar} to copy.
     */
    public static LauncherCopy of(final Path checkout)
    {
        try
        {
            final Path dir = Files.createTempDirectory(Path.of("/tmp"), "l2mesh-launcher-");
            final LauncherCopy copy = new LauncherCopy(dir);
            try
            {
                Files.createDirectories(dir.resolve("bin"));
                Files.createDirectories(dir.resolve("control/target"));
                Files.copy(checkout.resolve("bin/l2mesh"), dir.resolve("bin/l2mesh"),
                    StandardCopyOption.COPY_ATTRIBUTES);
                Files.copy(checkout.resolve("control/target/l2mesh.jar"), dir.resolve("control/target/l2mesh.jar"));
                for (final String path : new String[] {"", "bin", "control", "control/target"})
                {
                    Files.setPosixFilePermissions(dir.resolve(path), PosixFilePermissions.fromString("rwxr-xr-x"));
                }
                Files.setPosixFilePermissions(dir.resolve("bin/l2mesh"), PosixFilePermissions.fromString("rwxr-xr-x"));
                Files.setPosixFilePermissions(dir.resolve("control/target/l2mesh.jar"),
                    PosixFilePermissions.fromString("rw-r--r--"));
                return copy;
            }
            catch (final IOException | RuntimeException ex)
            {
                copy.close();
                throw ex;
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot copy the launcher for another user", ex);
        }
    }

    /**
     * @return the copied {@code bin/l2mesh}.
     */
    public String launcher()
    {
        return dir.resolve("bin/l2mesh").toString();
    }

    @Override
    public void close()
    {
        try (Stream<Path> files = Files.walk(dir))
        {
            for (final Path file : files.sorted(Comparator.reverseOrder()).toList())
            {
                Files.deleteIfExists(file);
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot remove " + dir, ex);
        }
    }
}
