package io.l2mesh.control.config;

import io.l2mesh.tunnel.noise.KeyPair;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link SecretFile}: which key files are read, and that no error ever carries anything of a file's content.
 */
class SecretFileTest
{
    private static final String CONTENT = "NOT-A-KEY-but-a-secret-line-of-another-file-1234567890";

    @TempDir
    Path dir;

    private Path file(final String name, final String content, final String mode) throws Exception
    {
        final Path file = dir.resolve(name);
        Files.writeString(file, content + "\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(mode));
        return file;
    }

    @Test
    void shouldReadTheFirstLineOfAPrivateFile() throws Exception
    {
        final KeyPair pair = KeyPair.generate();
        assertThat(SecretFile.readKey(file("k", pair.privateBase64(), "rw-------"), "private key", true))
            .isEqualTo(KeyPair.decodeKey(pair.privateBase64(), "k"));
        assertThat(SecretFile.readKey(file("r", pair.privateBase64(), "r--------"), "private key", false)).hasSize(32);
    }

    @Test
    void shouldNeverTellAnythingOfTheContent() throws Exception
    {
        for (final String content : new String[] {CONTENT, "c2hvcnQ=", "-" + "A".repeat(43), "", "\u0000\u0001"})
        {
            final Path f = file("x", content, "rw-------");
            // The same words whatever the content: nothing of it, not even its length, can be told apart.
            assertThatThrownBy(() -> SecretFile.readKey(f, "private key", true)).hasMessage(f + ": does not hold a " +
                "private key (its first line must be 32 bytes in base64, as 'l2mesh keygen' writes)");
            assertThatThrownBy(() -> SecretFile.readKey(f, "private key", false)).hasMessageStartingWith(f +
                ": unusable key file");
        }
    }

    @Test
    void shouldRefuseLinksOpenModesAndOtherOwners() throws Exception
    {
        final String key = KeyPair.generate().privateBase64();
        final Path open = file("open", key, "rw-r-----");
        assertThatThrownBy(() -> SecretFile.readKey(open, "private key", true)).hasMessageContaining("mode 0640");
        final Path target = file("target", key, "rw-------");
        final Path link = dir.resolve("link");
        Files.createSymbolicLink(link, target);
        assertThatThrownBy(() -> SecretFile.readKey(link, "private key", true))
            .hasMessageContaining("ELOOP (is a symbolic link)");
        Files.setAttribute(target, "unix:uid", 65534);
        assertThatThrownBy(() -> SecretFile.readKey(target, "private key", true)).hasMessageContaining(
            "is owned by uid 65534");
        assertThatThrownBy(() -> SecretFile.readKey(dir, "private key", true)).hasMessageContaining(
            "is a directory, not a regular file");
    }

    @Test
    void shouldSayOneThingToAClientWhateverIsWrong() throws Exception
    {
        final Path missing = dir.resolve("missing");
        final Path open = file("open", KeyPair.generate().privateBase64(), "rw-r--r--");
        final Path junk = file("junk", CONTENT, "rw-------");
        final String[] messages = new String[3];
        int i = 0;
        for (final Path f : new Path[] {missing, open, junk})
        {
            try
            {
                SecretFile.readKey(f, "private key", false);
            }
            catch (final IllegalArgumentException ex)
            {
                messages[i++] = ex.getMessage().replace(f.toString(), "FILE");
            }
        }
        assertThat(messages).containsOnly("FILE: unusable key file (it must be a regular file, not a symbolic link, " +
            "owned by root or the daemon's user, mode 0600 or 0400, holding one base64 key)");
    }

    @Test
    void shouldNameASystemdCredential()
    {
        final Path credential = Path.of(SecretFile.CREDENTIALS + "/tunnel.key");
        if (System.getenv("CREDENTIALS_DIRECTORY") == null)
        {
            assertThatThrownBy(() -> SecretFile.resolve(credential)).hasMessageContaining("LoadCredential=");
        }
        else
        {
            assertThat(SecretFile.resolve(credential)).isEqualTo(
                Path.of(System.getenv("CREDENTIALS_DIRECTORY"), "tunnel.key"));
        }
        assertThat(SecretFile.resolve(Path.of("/etc/l2mesh/keys/a.key"))).isEqualTo(Path.of("/etc/l2mesh/keys/a.key"));
    }
}
