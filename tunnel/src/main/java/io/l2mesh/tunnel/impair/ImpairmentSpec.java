package io.l2mesh.tunnel.impair;

/**
 * What a tunnel port does to the packets it sends, to make a link worse on purpose (this kernel has no netem):
 * for test benches, and to prove the FEC. Every field at its zero value means "not this impairment".
 *
 * @param lossPercent      independent random loss, 0..100.
 * @param burstGoodToBad   Gilbert-Elliott: chance per packet (0..1) of moving from the good to the bad state.
 * @param burstBadToGood   chance per packet (0..1) of moving back.
 * @param burstLossPercent loss while in the bad state (the good state loses nothing but {@code lossPercent}).
 * @param delayMs          fixed delay.
 * @param jitterMs         uniform extra delay of 0..jitter (packets keep their order unless reordered).
 * @param reorderPercent   share of packets held back {@code reorderGapMs} longer, so later ones overtake them.
 * @param reorderGapMs     extra delay of a reordered packet.
 * @param duplicatePercent share of packets sent twice.
 * @param rateKbps         bandwidth limit in kbit/s (0: none); up to {@link #MAX_QUEUE_MS} of backlog is held,
 *                         the rest dropped.
 * @param seed             random seed (0: from the clock); fixed seeds repeat a run.
 */
public record ImpairmentSpec(double lossPercent, double burstGoodToBad, double burstBadToGood,
    double burstLossPercent, double delayMs, double jitterMs, double reorderPercent, double reorderGapMs,
    double duplicatePercent, long rateKbps, long seed)
{
    public static final ImpairmentSpec NONE = new ImpairmentSpec(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    public static final double MAX_DELAY_MS = 10_000;
    public static final int MAX_QUEUE_MS = 200;

    public ImpairmentSpec
    {
        percent("loss", lossPercent);
        percent("burst-loss", burstLossPercent);
        percent("reorder", reorderPercent);
        percent("duplicate", duplicatePercent);
        if (!(burstGoodToBad >= 0 && burstGoodToBad <= 1 && burstBadToGood >= 0 && burstBadToGood <= 1))
        {
            throw new IllegalArgumentException("burst transition chances must be 0..1");
        }
        if (burstGoodToBad > 0 && burstBadToGood == 0)
        {
            throw new IllegalArgumentException("a bursty link needs a chance of leaving the bad state (bad-to-good)");
        }
        for (final double ms : new double[] {delayMs, jitterMs, reorderGapMs})
        {
            if (!(ms >= 0 && ms <= MAX_DELAY_MS))
            {
                throw new IllegalArgumentException("delays must be 0.." + (int)MAX_DELAY_MS + " ms");
            }
        }
        if (reorderPercent > 0 && reorderGapMs == 0)
        {
            throw new IllegalArgumentException("reordering needs a reorder gap (ms)");
        }
        if (rateKbps < 0)
        {
            throw new IllegalArgumentException("rate must not be negative");
        }
    }

    private static void percent(final String what, final double value)
    {
        if (!(value >= 0 && value <= 100))
        {
            throw new IllegalArgumentException(what + " " + value + " must be 0..100 %");
        }
    }

    public boolean isNone()
    {
        return lossPercent == 0 && burstGoodToBad == 0 && delayMs == 0 && jitterMs == 0 && reorderPercent == 0 &&
            duplicatePercent == 0 && rateKbps == 0;
    }

    /**
     * @return true if packets may be held back (delay, reordering or a rate limit): the stage needs a timer.
     */
    public boolean holds()
    {
        return delayMs > 0 || jitterMs > 0 || reorderPercent > 0 || rateKbps > 0;
    }
}
