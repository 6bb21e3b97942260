package io.l2mesh.control.config;

import io.l2mesh.tunnel.noise.KeyPair;
import io.l2mesh.tuntap.FileDescriptors;
import io.l2mesh.tuntap.FileStat;
import io.l2mesh.tuntap.Libc;
import io.l2mesh.tuntap.NativeError;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Reads a 32-byte key from a key file ({@code private-key-file}, {@code preshared-key-file}) as carefully as a
 * secret deserves, since the daemon may read files its clients cannot:
 * <ul>
 * <li>opened with {@code O_NOFOLLOW} (a final symbolic link is refused) and checked through the descriptor it
 *     reads: a regular file, owned by root or by the daemon's own user, with no permission at all for group or
 *     others (0600 or 0400), as ssh and WireGuard insist;</li>
 * <li>errors say what is wrong with the file's kind, owner or mode, never anything of its content: no byte, no
 *     length, no base64 detail. For a request from a client other than root ({@code detailed == false}) they say
 *     even less, one message for every failure (not whether the file exists), and the reason goes to the
 *     daemon's log;</li>
 * <li>{@code ${CREDENTIALS_DIRECTORY}/NAME} names a systemd credential ({@code LoadCredential=NAME:/path}).</li>
 * </ul>
 */
final class SecretFile
{
    static final String CREDENTIALS = "${CREDENTIALS_DIRECTORY}";
    private static final Logger LOG = LoggerFactory.getLogger(SecretFile.class);
    private static final int MAX_BYTES = 4096;

    private SecretFile()
    {
    }

    /**
     * @param file     as written in the config or request.
     * @param what     "private key" or "pre-shared key".
     * @param detailed false for a request from a client other than root.
     * @return the 32 key bytes.
     * @throws IllegalArgumentException saying what is wrong (see above).
     */
    static byte[] readKey(final Path file, final String what, final boolean detailed)
    {
        try
        {
            return readKey(resolve(file), what);
        }
        catch (final IllegalArgumentException ex)
        {
            if (detailed)
            {
                throw ex;
            }
            LOG.info("refused key file {} from a client: {}", file, ex.getMessage());
            throw new IllegalArgumentException(file + ": unusable key file (it must be a regular file, not a " +
                "symbolic link, owned by root or the daemon's user, mode 0600 or 0400, holding one base64 key)");
        }
    }

    /**
     * @return the file to open: {@code ${CREDENTIALS_DIRECTORY}/NAME} in systemd's credentials directory.
     */
    static Path resolve(final Path file)
    {
        final String text = file.toString();
        if (!text.startsWith(CREDENTIALS + "/"))
        {
            return file;
        }
        final String directory = System.getenv("CREDENTIALS_DIRECTORY");
        if (directory == null || directory.isEmpty())
        {
            throw new IllegalArgumentException(CREDENTIALS + " is not set: it is set by systemd for a service " +
                "with LoadCredential=");
        }
        return Path.of(directory, text.substring(CREDENTIALS.length() + 1));
    }

    private static byte[] readKey(final Path file, final String what)
    {
        final int fd;
        try
        {
            fd = FileDescriptors.openReadOnly(file);
        }
        catch (final NativeError ex)
        {
            throw new IllegalArgumentException(file + ": cannot open: " + io.l2mesh.tuntap.Errno.describe(ex.errno()));
        }
        byte[] bytes = null;
        try
        {
            check(file, FileStat.of(fd));
            bytes = FileDescriptors.read(fd, MAX_BYTES);
            int end = 0;
            while (end < bytes.length && bytes[end] != '\n')
            {
                end++;
            }
            try
            {
                return KeyPair.decodeKey(new String(bytes, 0, end, StandardCharsets.US_ASCII), what);
            }
            catch (final IllegalArgumentException ex)
            {
                throw new IllegalArgumentException(file + ": does not hold a " + what + " (its first line must be " +
                    "32 bytes in base64, as 'l2mesh keygen' writes)");
            }
        }
        catch (final IOException ex)
        {
            throw new IllegalArgumentException(file + ": " + ex.getMessage());
        }
        finally
        {
            if (bytes != null)
            {
                Arrays.fill(bytes, (byte)0);
            }
            FileDescriptors.close(fd);
        }
    }

    private static void check(final Path file, final FileStat stat)
    {
        if (!stat.isRegular())
        {
            throw new IllegalArgumentException(file + ": is a " + stat.typeName() + ", not a regular file");
        }
        final int daemonUid = Libc.geteuid();
        if (stat.uid() != 0 && stat.uid() != daemonUid)
        {
            throw new IllegalArgumentException(file + ": is owned by uid " + stat.uid() + "; a key file must " +
                "belong to root or to the daemon's user (uid " + daemonUid + ")");
        }
        if ((stat.permissions() & 077) != 0)
        {
            throw new IllegalArgumentException(file + ": mode " + String.format("%04o", stat.permissions()) +
                " lets group or others at it; chmod 600 it (it holds a secret key)");
        }
    }
}
