package io.l2mesh.tunnel;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The greatest initiation timestamp accepted from each peer, kept in the daemon's state directory (security review
 * L3), so that an initiation recorded before a restart, or before the port was re-created, is still a replay
 * after it: {@code STATE_DIR/tunnel-PORT.timestamps}, one line per peer, {@code PUBLIC_KEY_BASE64 TAI64N_HEX}.
 * Timestamps are the peers' own and are only ever compared with what the same peer sent before, never with our
 * clock, so clock skew cannot lock a peer out.
 * <p>
 * Written whole (a temporary file, then an atomic rename) each time a newer timestamp is accepted, before the
 * response goes out: a handshake per peer every two minutes at most, on the tunnel agent's thread. A file that
 * cannot be read or written is logged and the port runs on, as it would without a state directory. Written by
 * the tunnel agent, read when a peer is added (the control thread): synchronized, rare.
 */
final class TimestampStore
{
    private static final Logger LOG = LoggerFactory.getLogger(TimestampStore.class);
    private static final int TIMESTAMP_LENGTH = 12;

    private final Path file; // null: nothing is kept
    private final Map<String, byte[]> newest = new LinkedHashMap<>();
    private boolean warned;

    private TimestampStore(final Path file)
    {
        this.file = file;
    }

    /**
     * @return the store of port {@code portName} in {@code stateDir}, loaded; or one that keeps nothing when
     * {@code stateDir} is null.
     */
    static TimestampStore open(final Path stateDir, final String portName)
    {
        if (stateDir == null)
        {
            return new TimestampStore(null);
        }
        final TimestampStore store = new TimestampStore(
            stateDir.resolve("tunnel-" + portName.replaceAll("[^A-Za-z0-9._-]", "_") + ".timestamps"));
        store.load();
        return store;
    }

    Path file()
    {
        return file;
    }

    private void load()
    {
        if (!Files.exists(file))
        {
            return;
        }
        try
        {
            int lineNumber = 0;
            for (final String line : Files.readAllLines(file, StandardCharsets.US_ASCII))
            {
                lineNumber++;
                final String[] fields = line.strip().split("\\s+");
                if (line.isBlank() || line.startsWith("#"))
                {
                    continue;
                }
                try
                {
                    final byte[] key = Base64.getDecoder().decode(fields[0]);
                    final byte[] timestamp = HexFormat.of().parseHex(fields[1]);
                    if (fields.length != 2 || key.length != 32 || timestamp.length != TIMESTAMP_LENGTH)
                    {
                        throw new IllegalArgumentException("expected a 32-byte key and a 12-byte timestamp");
                    }
                    newest.put(fields[0], timestamp);
                }
                catch (final IllegalArgumentException | ArrayIndexOutOfBoundsException e)
                {
                    LOG.warn("{}:{}: skipped: {}", file, lineNumber, e.getMessage());
                }
            }
        }
        catch (final IOException e)
        {
            LOG.warn("{}: cannot read initiation timestamps ({}); replays from before now are refused only by " +
                "each peer's timestamps from now on", file, e.toString());
        }
    }

    /**
     * @return the greatest timestamp kept for the peer with {@code publicKey}, or null.
     */
    synchronized byte[] newest(final byte[] publicKey)
    {
        final byte[] timestamp = newest.get(Base64.getEncoder().encodeToString(publicKey));
        return timestamp == null ? null : timestamp.clone();
    }

    /**
     * Keeps {@code timestamp} as the peer's greatest (the handshake accepted it, so it is greater) and writes the
     * file.
     */
    synchronized void accepted(final byte[] publicKey, final byte[] timestamp)
    {
        newest.put(Base64.getEncoder().encodeToString(publicKey), timestamp.clone());
        if (file == null)
        {
            return;
        }
        final StringBuilder text = new StringBuilder("# l2mesh: the newest handshake initiation timestamp " +
            "accepted from each peer (replay protection across restarts)\n");
        newest.forEach((key, value) -> text.append(key).append(' ').append(HexFormat.of().formatHex(value))
            .append('\n'));
        final Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
        try
        {
            Files.writeString(temporary, text, StandardCharsets.US_ASCII);
            Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
        catch (final IOException e)
        {
            if (!warned)
            {
                warned = true;
                LOG.warn("{}: cannot keep initiation timestamps ({}); a restart forgets them", file, e.toString());
            }
        }
    }
}
