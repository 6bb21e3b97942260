package io.l2mesh.tuntap;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * {@code struct sockaddr_un} for a filesystem path.
 */
public final class UnixAddress
{
    public static final int AF_UNIX = 1;
    /** Size of {@code sun_path}, including the terminating NUL. */
    public static final int SUN_PATH_MAX = 108;
    /** Size of the whole {@code struct sockaddr_un}. */
    public static final int LENGTH = 2 + SUN_PATH_MAX;

    private UnixAddress()
    {
    }

    /**
     * Checks a socket path: absolute and short enough for {@code sun_path}.
     *
     * @throws IllegalArgumentException naming the limit.
     */
    public static void check(final Path path)
    {
        final int length = path.toString().getBytes(StandardCharsets.UTF_8).length;
        if (!path.isAbsolute() || length >= SUN_PATH_MAX)
        {
            throw new IllegalArgumentException("socket path '" + path + "' must be absolute and at most " +
                (SUN_PATH_MAX - 1) + " bytes (it is " + length + ")");
        }
    }

    public static MemorySegment of(final Arena arena, final Path path)
    {
        check(path);
        final byte[] bytes = path.toString().getBytes(StandardCharsets.UTF_8);
        final MemorySegment address = arena.allocate(LENGTH);
        address.set(ValueLayout.JAVA_SHORT, 0, (short)AF_UNIX);
        MemorySegment.copy(bytes, 0, address, ValueLayout.JAVA_BYTE, 2, bytes.length);
        return address;
    }
}
