package io.l2mesh.tuntap;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The rules of {@link SocketFile} against the real kernel: the socket gets its mode whatever the umask, a file
 * that is not a socket is refused and left as it is, a live socket is not taken over, a stale one is, and
 * closing removes only the socket it bound, never what a swapped directory or a replaced name points to.
 */
@Timeout(30)
class SocketFileIT
{
    private final Path dir = temporaryDirectory();

    private static Path temporaryDirectory()
    {
        try
        {
            return Files.createTempDirectory("l2mesh-socketfile");
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    @AfterEach
    void clean() throws IOException
    {
        try (Stream<Path> files = Files.walk(dir))
        {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Test
    void shouldGiveTheSocketItsModeWhateverTheUmask() throws IOException
    {
        final Path path = dir.resolve("vm.sock");
        try (UnixSocket socket = UnixSocket.bindDatagram(path, 0666, false))
        {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(path))).isEqualTo("rw-rw-rw-");
            assertThat(socket.path()).isEqualTo(path);
        }
        assertThat(path).doesNotExist();
        try (UnixSocket socket = UnixSocket.listenStream(path, 0600, 4))
        {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(path))).isEqualTo("rw-------");
        }
    }

    @Test
    void shouldRefuseAFileThatIsNotASocketAndLeaveItAlone() throws IOException
    {
        final Path victim = dir.resolve("victim");
        Files.writeString(victim, "precious");
        assertThatThrownBy(() -> UnixSocket.bindDatagram(victim, 0600, false))
            .isInstanceOf(IllegalStateException.class).hasMessageContaining("is a regular file, not a socket");
        final Path link = dir.resolve("link.sock");
        Files.createSymbolicLink(link, victim);
        assertThatThrownBy(() -> UnixSocket.bindDatagram(link, 0600, false))
            .hasMessageContaining("is a symbolic link, not a socket");
        assertThat(Files.readString(victim)).isEqualTo("precious");
        assertThat(Files.isSymbolicLink(link)).isTrue();
    }

    @Test
    void shouldRefuseALiveSocketAndReplaceAStaleOne() throws IOException
    {
        final Path path = dir.resolve("live.sock");
        try (UnixSocket live = UnixSocket.listenStream(path, 0600, 4))
        {
            assertThatThrownBy(() -> UnixSocket.listenStream(path, 0600, 4))
                .hasMessageContaining("another process serves");
        }
        // A socket file whose owner died: bound, then its fd closed without removing the name.
        final Path stale = dir.resolve("stale.sock");
        new ProcessBuilder("python3", "-c", "import socket; s=socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); " +
            "s.bind('" + stale + "')").inheritIO().start().onExit().join();
        assertThat(Files.exists(stale)).isTrue();
        try (UnixSocket socket = UnixSocket.bindDatagram(stale, 0600, false))
        {
            assertThat(Files.exists(stale)).isTrue();
        }
        assertThat(stale).doesNotExist();
    }

    @Test
    void shouldRemoveOnlyItsOwnSocketWhenTheDirectoryIsSwapped() throws IOException
    {
        // The review's H1 (a): bind in d/, then d is renamed and replaced by a link to a directory holding a
        // victim of the same name. Closing must not remove the victim (nor follow the link at all).
        final Path d = Files.createDirectory(dir.resolve("d"));
        final Path elsewhere = Files.createDirectory(dir.resolve("elsewhere"));
        final Path victim = elsewhere.resolve("x.sock");
        Files.writeString(victim, "precious");
        final UnixSocket socket = UnixSocket.bindDatagram(d.resolve("x.sock"), 0600, false);
        Files.move(d, dir.resolve("moved"));
        Files.createSymbolicLink(d, elsewhere);
        socket.close();
        assertThat(Files.readString(victim, StandardCharsets.UTF_8)).isEqualTo("precious");
        // The socket was removed in the directory it was bound in, which the descriptor still names.
        assertThat(dir.resolve("moved").resolve("x.sock")).doesNotExist();
    }

    @Test
    void shouldNotRemoveANameThatIsNoLongerItsSocket() throws IOException
    {
        final Path path = dir.resolve("y.sock");
        final UnixSocket socket = UnixSocket.bindDatagram(path, 0600, false);
        Files.delete(path);
        Files.writeString(path, "someone else's");
        socket.close();
        assertThat(Files.readString(path)).isEqualTo("someone else's");
    }

    @Test
    void shouldRefuseADirectoryThatIsALinkOrMissing() throws IOException
    {
        final Path real = Files.createDirectory(dir.resolve("real"));
        final Path link = dir.resolve("link");
        Files.createSymbolicLink(link, real);
        assertThatThrownBy(() -> UnixSocket.bindDatagram(link.resolve("z.sock"), 0600, false))
            .hasMessageContaining("cannot use directory");
        assertThatThrownBy(() -> UnixSocket.bindDatagram(dir.resolve("none").resolve("z.sock"), 0600, false))
            .hasMessageContaining("ENOENT");
        assertThat(dir.resolve("none")).doesNotExist();
        assertThat(real.resolve("z.sock")).doesNotExist();
    }

    @Test
    void shouldMakeADirectoryWithItsModeAndRefuseAWorldWritableOne() throws IOException
    {
        final Path made = dir.resolve("made");
        assertThat(Directory.ensure(made, 0711, -1)).isTrue();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(made))).isEqualTo("rwx--x--x");
        assertThat(Directory.ensure(made, 0750, -1)).isFalse();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(made))).isEqualTo("rwx--x--x");
        Files.setPosixFilePermissions(made, PosixFilePermissions.fromString("rwxrwxrwx"));
        assertThatThrownBy(() -> Directory.ensure(made, 0750, -1)).hasMessageContaining("writable by every user");
        final Path file = Files.writeString(dir.resolve("file"), "x");
        assertThatThrownBy(() -> Directory.ensure(file, 0750, -1)).hasMessageContaining("is not a directory");
    }
}
