package io.l2mesh.switching.tester;

import org.HdrHistogram.Histogram;

/**
 * What one trial measured (one frame size at one offered rate): frames sent and received, loss, duplicates,
 * reordering, throughput, and latency percentiles in microseconds. Throughput counts the frames that arrived, in
 * frames and in bits of frame (FCS included, preamble and gap not).
 *
 * @param refused   frames the sending port would not take at once (the tester's own limit, retried, not loss).
 * @param stale     frames of an earlier trial that arrived during this one (not measured).
 * @param histogram the latency distribution: {upper bound in microseconds, frames} per bucket that has any, the
 *                  buckets doubling from 1 us.
 */
public record TrialResult(int size, double offeredFps, double durationS, long sent, long refused, long received,
    long duplicates, long reordered, long stale, double minUs, double p50Us, double p90Us, double p99Us,
    double p999Us, double maxUs, java.util.List<double[]> histogram)
{
    public static TrialResult of(final int size, final double offeredFps, final long durationNanos,
        final TestSender sender, final TestReceiver receiver)
    {
        final Histogram latency = receiver.latency();
        final boolean any = latency.getTotalCount() > 0;
        return new TrialResult(size, offeredFps, durationNanos / 1e9, sender.sent(), sender.refused(),
            receiver.count(TestReceiver.RECEIVED), receiver.count(TestReceiver.DUPLICATES),
            receiver.count(TestReceiver.REORDERED), receiver.count(TestReceiver.STALE),
            any ? latency.getMinValue() / 1e3 : 0, any ? latency.getValueAtPercentile(50) / 1e3 : 0,
            any ? latency.getValueAtPercentile(90) / 1e3 : 0, any ? latency.getValueAtPercentile(99) / 1e3 : 0,
            any ? latency.getValueAtPercentile(99.9) / 1e3 : 0, any ? latency.getMaxValue() / 1e3 : 0,
            buckets(latency));
    }

    private static java.util.List<double[]> buckets(final Histogram latency)
    {
        final java.util.List<double[]> buckets = new java.util.ArrayList<>();
        if (latency.getTotalCount() == 0)
        {
            return buckets;
        }
        for (final org.HdrHistogram.HistogramIterationValue v : latency.logarithmicBucketValues(1_000, 2.0))
        {
            if (v.getCountAddedInThisIterationStep() > 0)
            {
                buckets.add(new double[] {v.getValueIteratedTo() / 1e3, v.getCountAddedInThisIterationStep()});
            }
        }
        return buckets;
    }

    public long lost()
    {
        return Math.max(0, sent - received);
    }

    /** @return the share of sent frames that did not arrive. */
    public double loss()
    {
        return sent == 0 ? 0 : (double)lost() / sent;
    }

    /**
     * @return true if the sender offered less than 99 % of the frames the rate asked for (the port or the loop
     * could not take them): the trial measured the tester, not the path.
     */
    public boolean senderLimited()
    {
        return sent < 0.99 * offeredFps * durationS;
    }

    /** @return the rate the sender achieved, frames per second. */
    public double sentFps()
    {
        return durationS <= 0 ? 0 : sent / durationS;
    }

    public double throughputFps()
    {
        return durationS <= 0 ? 0 : received / durationS;
    }

    public double throughputBps()
    {
        return throughputFps() * size * 8;
    }
}
