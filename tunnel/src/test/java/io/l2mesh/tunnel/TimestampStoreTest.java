package io.l2mesh.tunnel;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class TimestampStoreTest
{
    @TempDir
    Path dir;

    private static byte[] key(final int fill)
    {
        final byte[] key = new byte[32];
        java.util.Arrays.fill(key, (byte)fill);
        return key;
    }

    @Test
    void shouldKeepTheNewestTimestampPerPeerAcrossReopening() throws Exception
    {
        final TimestampStore store = TimestampStore.open(dir, "mesh/0");
        assertThat(store.file().getFileName().toString()).as("a safe file name").isEqualTo("tunnel-mesh_0.timestamps");
        assertThat(store.newest(key(1))).isNull();
        final byte[] t1 = new byte[12];
        t1[11] = 5;
        store.accepted(key(1), t1);
        store.accepted(key(2), new byte[12]);
        final TimestampStore reopened = TimestampStore.open(dir, "mesh/0");
        assertThat(reopened.newest(key(1))).isEqualTo(t1);
        assertThat(reopened.newest(key(2))).isEqualTo(new byte[12]);
        assertThat(Files.list(dir).map(p -> p.getFileName().toString())).as("no temporary file left")
            .containsExactly("tunnel-mesh_0.timestamps");
    }

    @Test
    void shouldSkipLinesItCannotReadAndKeepTheRest() throws Exception
    {
        final String good = java.util.Base64.getEncoder().encodeToString(key(3));
        Files.writeString(dir.resolve("tunnel-t.timestamps"), "# comment\n\nnot base64 at all\n" + good +
            " 0000000000000000000000ff\n" + good.substring(4) + " 00\n" + good + "\n");
        final TimestampStore store = TimestampStore.open(dir, "t");
        assertThat(store.newest(key(3))).isNotNull();
        assertThat(store.newest(key(3))[11]).isEqualTo((byte)0xff);
        assertThat(TimestampStore.open(null, "t").file()).as("no state directory: nothing kept").isNull();
    }
}
