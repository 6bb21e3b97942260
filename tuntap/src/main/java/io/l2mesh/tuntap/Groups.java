package io.l2mesh.tuntap;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Group names to ids through the C library's {@code getgrnam_r}, so that every NSS source counts (/etc/group,
 * LDAP, systemd-userdb), not only a file we would parse ourselves. Control-side only.
 */
public final class Groups
{
    /** {@code struct group}: gr_name, gr_passwd (pointers), gr_gid (4 bytes, then padding), gr_mem. */
    private static final long STRUCT_GROUP = 32;
    private static final long GR_GID = 16;
    private static final MethodHandle GETGRNAM_R = Linker.nativeLinker().downcallHandle(
        Linker.nativeLinker().defaultLookup().findOrThrow("getgrnam_r"),
        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS,
            ValueLayout.JAVA_LONG, ValueLayout.ADDRESS));

    private Groups()
    {
    }

    /**
     * @return the id of group {@code name}, or -1 if there is no such group.
     * @throws NativeError if the lookup itself failed (an NSS source unreachable).
     */
    public static int gidOf(final String name)
    {
        long bufferLength = 1024;
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment cName = arena.allocateFrom(name);
            final MemorySegment group = arena.allocate(STRUCT_GROUP, 8);
            final MemorySegment result = arena.allocate(ValueLayout.ADDRESS);
            while (true)
            {
                final MemorySegment buffer = arena.allocate(bufferLength);
                final int rc = (int)GETGRNAM_R.invokeExact(cName, group, buffer, bufferLength, result);
                if (rc == Errno.ERANGE && bufferLength < (1 << 24))
                {
                    bufferLength *= 4; // a group with many members
                    continue;
                }
                if (rc != 0)
                {
                    throw new NativeError("getgrnam_r", rc, name);
                }
                return result.get(ValueLayout.ADDRESS, 0).equals(MemorySegment.NULL) ? -1 :
                    group.get(ValueLayout.JAVA_INT, GR_GID);
            }
        }
        catch (final NativeError ex)
        {
            throw ex;
        }
        catch (final Throwable t)
        {
            throw new IllegalStateException("getgrnam_r failed", t);
        }
    }
}
