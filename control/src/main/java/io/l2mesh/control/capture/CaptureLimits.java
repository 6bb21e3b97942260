package io.l2mesh.control.capture;

import java.util.concurrent.TimeUnit;

/**
 * When a capture stops by itself, so that one left unattended cannot fill a disk: after {@code count} frames (0: no
 * frame limit), once the file would exceed {@code maxBytes}, or after {@code durationNs}; whichever comes first.
 */
public record CaptureLimits(long count, long maxBytes, long durationNs)
{
    public static final long DEFAULT_MAX_BYTES = 100L * 1024 * 1024;
    public static final long DEFAULT_DURATION_S = 600;
    public static final long MAX_DURATION_S = 7 * 86_400;
    public static final long MAX_MAX_BYTES = 1L << 40;

    public CaptureLimits
    {
        if (count < 0)
        {
            throw new IllegalArgumentException("count must be 0 (no limit) or more, got " + count);
        }
        if (maxBytes < PcapWriter.FILE_HEADER_BYTES || maxBytes > MAX_MAX_BYTES)
        {
            throw new IllegalArgumentException("max-bytes must be " + PcapWriter.FILE_HEADER_BYTES + ".." +
                MAX_MAX_BYTES + ", got " + maxBytes);
        }
        if (durationNs <= 0 || durationNs > TimeUnit.SECONDS.toNanos(MAX_DURATION_S))
        {
            throw new IllegalArgumentException("duration must be 1.." + MAX_DURATION_S + " s");
        }
    }
}
