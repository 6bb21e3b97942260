package io.l2mesh.tunnel.noise;

import java.nio.ByteBuffer;

/**
 * TAI64N timestamps (12 bytes: 2^62 + seconds, big-endian, then nanoseconds), as WireGuard puts in an
 * initiation so a responder can refuse a replayed one. The nanoseconds are rounded down to the millisecond, so
 * the timestamp does not leak the fine clock.
 */
final class Tai64n
{
    static final int LENGTH = 12;
    private static final long BASE = 0x4000_0000_0000_000aL; // 2^62 + 10 s (TAI - UTC at 1970)

    private Tai64n()
    {
    }

    static byte[] now()
    {
        final long nowNanos = System.currentTimeMillis() * 1_000_000L;
        return of(nowNanos / 1_000_000_000L, (int)(nowNanos % 1_000_000_000L));
    }

    static byte[] of(final long seconds, final int nanos)
    {
        return ByteBuffer.allocate(LENGTH).putLong(BASE + seconds).putInt(nanos - nanos % 1_000_000).array();
    }
}
