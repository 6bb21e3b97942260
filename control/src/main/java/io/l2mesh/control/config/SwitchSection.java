package io.l2mesh.control.config;

import com.fasterxml.jackson.databind.JsonNode;
import io.l2mesh.switching.SwitchContext;

import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The {@code switch:} section: datapath loops, burst, MAC ageing and limit, busy-poll window.
 */
final class SwitchSection
{
    static final Set<String> KEYS = Set.of("loops", "burst", "ageing-time", "mac-limit", "busy-poll-us");

    private SwitchSection()
    {
    }

    /**
     * Reads the section into {@code context} (left at its defaults when {@code node} is null).
     *
     * @return the {@code loops} setting as written (0: one per core).
     */
    static int read(final ConfigReader in, final JsonNode node, final SwitchContext context)
    {
        if (node == null)
        {
            return SwitchContext.LOOPS_DEFAULT;
        }
        final String path = "switch";
        in.requireObject(node, path, KEYS);
        final int loops = in.intValue(node, path, "loops", 0, 0, SwitchContext.MAX_LOOPS);
        context.loops(loops);
        context.burstSize(in.intValue(node, path, "burst", SwitchContext.BURST_SIZE_DEFAULT, 1,
            SwitchContext.MAX_BURST_SIZE));
        context.ageingTimeNs(TimeUnit.SECONDS.toNanos(in.intValue(node, path, "ageing-time",
            (int)TimeUnit.NANOSECONDS.toSeconds(SwitchContext.AGEING_TIME_NS_DEFAULT), 1, 86_400)));
        context.macLimit(in.intValue(node, path, "mac-limit", SwitchContext.MAC_LIMIT_DEFAULT, 1,
            SwitchContext.MAX_MAC_LIMIT));
        context.busyPollNs(TimeUnit.MICROSECONDS.toNanos(in.intValue(node, path, "busy-poll-us", 0, 0,
            (int)TimeUnit.NANOSECONDS.toMicros(SwitchContext.MAX_BUSY_POLL_NS))));
        return loops;
    }
}
