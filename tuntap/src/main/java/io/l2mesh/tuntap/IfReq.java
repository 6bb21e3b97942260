package io.l2mesh.tuntap;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * {@code struct ifreq} as the TUN ioctls use it.
 * <pre>
 *   0                16      18                         40
 *   +----------------+-------+--------------------------+
 *   | ifr_name[16]   | flags | rest of the union        |
 *   +----------------+-------+--------------------------+
 * </pre>
 */
final class IfReq
{
    static final int SIZE = 40;
    static final int NAME_OFFSET = 0;
    static final int FLAGS_OFFSET = 16;
    static final int IFNAMSIZ = 16;

    private IfReq()
    {
    }

    static MemorySegment allocate(final Arena arena, final String name, final int flags)
    {
        final MemorySegment ifr = arena.allocate(SIZE);
        final byte[] bytes = name.getBytes(StandardCharsets.US_ASCII);
        MemorySegment.copy(bytes, 0, ifr, JAVA_BYTE, NAME_OFFSET, bytes.length);
        ifr.set(JAVA_SHORT, FLAGS_OFFSET, (short)flags);
        return ifr;
    }

    static String name(final MemorySegment ifr)
    {
        return ifr.getString(NAME_OFFSET, StandardCharsets.US_ASCII);
    }

    static int flags(final MemorySegment ifr)
    {
        return ifr.get(JAVA_SHORT, FLAGS_OFFSET) & 0xffff;
    }

    /**
     * Checks an interface name the way the kernel would, so that the error names the field.
     */
    static void checkName(final String name)
    {
        if (name == null || name.isEmpty())
        {
            throw new IllegalArgumentException("interface name is empty");
        }
        if (name.length() >= IFNAMSIZ)
        {
            throw new IllegalArgumentException(
                "interface name '" + name + "' is " + name.length() + " characters, limit=" + (IFNAMSIZ - 1));
        }
        for (int i = 0; i < name.length(); i++)
        {
            final char c = name.charAt(i);
            if (c <= ' ' || c == '/' || c == ':' || c > '~')
            {
                throw new IllegalArgumentException(
                    "interface name '" + name + "' has an invalid character '" + c + "'");
            }
        }
    }
}
