package io.l2mesh.switching.port;

/**
 * A port's storm control: the most broadcast, multicast and unknown-unicast frames per second it may flood into
 * the switch (0: no limit). Beyond a limit a frame is a counted drop at ingress ({@code storm_broadcast},
 * {@code storm_multicast}, {@code storm_unknown_unicast}), before it is copied to every port of its VLAN: in a
 * mesh of N nodes each broadcast leaves N-1 times, so the limit bounds what a storm costs everyone.
 *
 * @param broadcastPps      frames/s to ff:ff:ff:ff:ff:ff.
 * @param multicastPps      frames/s to other group addresses.
 * @param unknownUnicastPps frames/s to unicast MACs the table does not know (flooded).
 */
public record StormLimits(long broadcastPps, long multicastPps, long unknownUnicastPps)
{
    public static final StormLimits NONE = new StormLimits(0, 0, 0);
    public static final long MAX_PPS = 100_000_000L;

    public StormLimits
    {
        for (final long pps : new long[] {broadcastPps, multicastPps, unknownUnicastPps})
        {
            if (pps < 0 || pps > MAX_PPS)
            {
                throw new IllegalArgumentException("storm-control limits are 0 (none) to " + MAX_PPS + " frames/s");
            }
        }
    }

    public boolean isNone()
    {
        return broadcastPps == 0 && multicastPps == 0 && unknownUnicastPps == 0;
    }

    long pps(final int kind)
    {
        return switch (kind)
        {
            case StormControl.BROADCAST -> broadcastPps;
            case StormControl.MULTICAST -> multicastPps;
            default -> unknownUnicastPps;
        };
    }

    @Override
    public String toString()
    {
        return isNone() ? "storm-control off" : "storm-control broadcast " + broadcastPps + "/s multicast " +
            multicastPps + "/s unknown-unicast " + unknownUnicastPps + "/s";
    }
}
