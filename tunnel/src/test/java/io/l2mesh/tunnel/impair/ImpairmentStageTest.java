package io.l2mesh.tunnel.impair;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ImpairmentStageTest
{
    private static final byte[] PACKET = new byte[100];
    private static final long MS = 1_000_000L;

    private static ImpairmentSpec spec(final double loss, final double p, final double r, final double badLoss,
        final double delay, final double jitter, final double reorder, final double gap, final double duplicate,
        final long rate)
    {
        return new ImpairmentSpec(loss, p, r, badLoss, delay, jitter, reorder, gap, duplicate, rate, 7);
    }

    @Test
    void shouldLoseTheConfiguredShareAtRandom()
    {
        final ImpairmentCounters counters = new ImpairmentCounters(1);
        final ImpairmentStage stage = new ImpairmentStage(counters, 0);
        final ImpairmentSpec fivePercent = spec(5, 0, 0, 0, 0, 0, 0, 0, 0, 0);
        int dropped = 0;
        for (int i = 0; i < 100_000; i++)
        {
            dropped += stage.apply(fivePercent, PACKET, 0, 100, null, 0) == ImpairmentStage.DROP ? 1 : 0;
        }
        assertThat(dropped).isBetween(4_700, 5_300);
        assertThat(counters.get(ImpairmentCounters.LOST_RANDOM)).isEqualTo(dropped);
    }

    @Test
    void shouldLoseInBurstsWithGilbertElliott()
    {
        final ImpairmentStage stage = new ImpairmentStage(new ImpairmentCounters(1), 0);
        // Good -> bad 1 %, bad -> good 25 %: mean burst 4 packets, about 3.8 % of packets lost.
        final ImpairmentSpec bursty = spec(0, 0.01, 0.25, 100, 0, 0, 0, 0, 0, 0);
        int dropped = 0;
        int bursts = 0;
        boolean previousDropped = false;
        for (int i = 0; i < 200_000; i++)
        {
            final boolean drop = stage.apply(bursty, PACKET, 0, 100, null, 0) == ImpairmentStage.DROP;
            dropped += drop ? 1 : 0;
            bursts += drop && !previousDropped ? 1 : 0;
            previousDropped = drop;
        }
        final double meanBurst = (double)dropped / bursts;
        assertThat(dropped / 200_000.0).isBetween(0.03, 0.047);
        assertThat(meanBurst).as("packets per loss burst").isBetween(3.3, 4.8);
    }

    @Test
    void shouldHoldPacketsForTheDelayAndLetReorderedOnesBeOvertaken()
    {
        final ImpairmentStage stage = new ImpairmentStage(new ImpairmentCounters(1), 0);
        final ImpairmentSpec delayed = spec(0, 0, 0, 0, 10, 0, 0, 0, 0, 0);
        final byte[] first = {1};
        final byte[] second = {2};
        assertThat(stage.apply(delayed, first, 0, 1, "x", 0)).isEqualTo(ImpairmentStage.HELD);
        assertThat(stage.apply(delayed, second, 0, 1, "x", MS)).isEqualTo(ImpairmentStage.HELD);
        assertThat(stage.due(9 * MS)).isNull();
        assertThat(stage.deadlineNs()).isEqualTo(10 * MS);
        final ImpairmentStage.Held a = stage.due(10 * MS);
        assertThat(a.data()[0]).isEqualTo((byte)1);
        stage.release(a);
        assertThat(stage.due(10 * MS)).isNull();
        assertThat(stage.due(11 * MS).data()[0]).isEqualTo((byte)2);

        final ImpairmentStage reordering = new ImpairmentStage(new ImpairmentCounters(1), 0);
        final ImpairmentSpec always = spec(0, 0, 0, 0, 1, 0, 100, 5, 0, 0);
        reordering.apply(always, first, 0, 1, "x", 0); // due at 1 + 5 ms
        final ImpairmentSpec never = spec(0, 0, 0, 0, 1, 0, 0, 0, 0, 0);
        reordering.apply(never, second, 0, 1, "x", MS); // due at 2 ms: overtakes
        assertThat(reordering.due(3 * MS).data()[0]).as("the later packet first").isEqualTo((byte)2);
        assertThat(reordering.due(7 * MS).data()[0]).isEqualTo((byte)1);
    }

    @Test
    void shouldPaceToTheRateAndDropBeyondTheQueue()
    {
        final ImpairmentCounters counters = new ImpairmentCounters(1);
        final ImpairmentStage stage = new ImpairmentStage(counters, 0);
        final ImpairmentSpec oneMbit = spec(0, 0, 0, 0, 0, 0, 0, 0, 0, 1000); // 100 bytes = 0.8 ms
        int held = 0;
        for (int i = 0; i < 1000; i++) // 1000 packets at once: 800 ms of wire time, 200 ms may queue
        {
            if (stage.apply(oneMbit, PACKET, 0, 100, "x", 0) == ImpairmentStage.HELD)
            {
                held++;
            }
        }
        assertThat(held).isBetween(249, 252);
        assertThat(counters.get(ImpairmentCounters.RATE_DROPPED)).isEqualTo(1000 - held);
        long lastDue = 0;
        ImpairmentStage.Held packet;
        while ((packet = stage.due(Long.MAX_VALUE)) != null)
        {
            assertThat(packet.dueNs - lastDue).as("paced").isGreaterThanOrEqualTo(799_000L);
            lastDue = packet.dueNs;
            stage.release(packet);
        }
    }

    @Test
    void shouldDuplicateAndRefuseNonsense()
    {
        final ImpairmentStage stage = new ImpairmentStage(new ImpairmentCounters(1), 0);
        assertThat(stage.apply(spec(0, 0, 0, 0, 0, 0, 0, 0, 100, 0), PACKET, 0, 100, null, 0))
            .isEqualTo(ImpairmentStage.SEND);
        assertThat(stage.duplicates()).isEqualTo(1);
        assertThatThrownBy(() -> spec(120, 0, 0, 0, 0, 0, 0, 0, 0, 0)).hasMessageContaining("must be 0..100");
        assertThatThrownBy(() -> spec(0, 0.1, 0, 100, 0, 0, 0, 0, 0, 0)).hasMessageContaining("bad-to-good");
        assertThatThrownBy(() -> spec(0, 0, 0, 0, 0, 0, 10, 0, 0, 0)).hasMessageContaining("reorder gap");
    }
}
