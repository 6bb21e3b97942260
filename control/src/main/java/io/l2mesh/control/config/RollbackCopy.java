package io.l2mesh.control.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The config a change made with {@code --confirm S} rolls back to, kept in the state directory
 * ({@value #FILE}) for as long as the change is unconfirmed: written (atomically, as the config file is) before
 * the change is applied and removed once it is confirmed or rolled back. A daemon that finds one at start was
 * stopped inside a confirm window, so it starts with this config instead of the file's and writes it back there:
 * an unconfirmed change never outlives its daemon.
 */
public final class RollbackCopy
{
    public static final String FILE = "config-rollback.yaml";
    private static final String DEADLINE = "# rolls back at (ms since the epoch): ";

    private RollbackCopy()
    {
    }

    public static Path path(final Path stateDir)
    {
        return stateDir.resolve(FILE);
    }

    /**
     * Writes {@code previous} as the rollback copy, due at {@code deadlineMs}.
     *
     * @throws IllegalStateException if it cannot be written (the change must then not be made).
     */
    public static void write(final Path stateDir, final L2meshConfig previous, final long deadlineMs)
    {
        try
        {
            ConfigStore.writeAtomically(path(stateDir), DEADLINE + deadlineMs + "\n" + ConfigWriter.toYaml(previous));
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException("cannot write the rollback copy " + path(stateDir) + ": " +
                ex.getMessage(), ex);
        }
    }

    /**
     * @return the rollback copy in {@code stateDir}, or null if there is none.
     * @throws ConfigException if it is there but unreadable or no longer a valid config.
     */
    public static L2meshConfig read(final Path stateDir)
    {
        final Path file = path(stateDir);
        if (!Files.exists(file))
        {
            return null;
        }
        final String text;
        try
        {
            text = Files.readString(file, StandardCharsets.UTF_8);
        }
        catch (final IOException ex)
        {
            throw new ConfigException(file.toString(), 0, "cannot read the rollback copy: " + ex.getMessage());
        }
        return ConfigFile.parse(file.toString(), text);
    }

    /**
     * Removes the rollback copy, if any.
     *
     * @throws IllegalStateException if it is there and cannot be removed.
     */
    public static void delete(final Path stateDir)
    {
        try
        {
            Files.deleteIfExists(path(stateDir));
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException("cannot remove the rollback copy " + path(stateDir) + ": " +
                ex.getMessage(), ex);
        }
    }
}
