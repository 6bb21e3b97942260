package io.l2mesh.switching.stats;

/**
 * A copy of one port's counters at one moment.
 */
public record PortStats(
    long rxPackets, long rxBytes, long txPackets, long txBytes, long rxGsoFrames, long txGsoFrames,
    long txSoftwareSegments, long rxCoalesced, long[] drops)
{
    public long drops(final DropReason reason)
    {
        return drops[reason.id()];
    }

    public long totalDrops()
    {
        long sum = 0;
        for (final long d : drops)
        {
            sum += d;
        }
        return sum;
    }
}
