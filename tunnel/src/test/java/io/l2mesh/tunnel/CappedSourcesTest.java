package io.l2mesh.tunnel;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class CappedSourcesTest
{
    private static byte[] v4(final int port, final int last)
    {
        return new byte[] {2, 0, (byte)(port >> 8), (byte)port, 127, 0, 0, (byte)last, 0, 0, 0, 0, 0, 0, 0, 0};
    }

    @Test
    void shouldLetASourceThatTriesAgainWithinTheWindowThroughOnce()
    {
        final CappedSources capped = new CappedSources();
        final long now = 7_000_000_000L;
        assertThat(capped.retried(v4(40000, 1), 16, now)).as("first drop: remembered").isFalse();
        assertThat(capped.retried(v4(40001, 1), 16, now)).as("another port is another source").isFalse();
        assertThat(capped.retried(v4(40000, 1), 16, now + 100_000_000L)).as("the retry 100 ms later").isTrue();
        assertThat(capped.retried(v4(40000, 1), 16, now + 200_000_000L)).as("one drop buys one retry").isFalse();
        assertThat(capped.retried(v4(40001, 1), 16, now + CappedSources.WINDOW_NANOS + 1)).as("too late")
            .isFalse();
    }

    @Test
    void shouldRarelyLetARandomSpoofedFloodThrough()
    {
        final CappedSources capped = new CappedSources();
        final java.util.Random random = new java.util.Random(1);
        long now = 1_000_000_000L;
        int through = 0;
        for (int i = 0; i < 200_000; i++) // two seconds of 100 000/s from random 127/8 sources and ports
        {
            now += 10_000L;
            final byte[] source = v4(random.nextInt(65536), 0);
            source[5] = (byte)random.nextInt(256);
            source[6] = (byte)random.nextInt(256);
            if (capped.retried(source, 16, now))
            {
                through++;
            }
        }
        assertThat(through).as("repeats by chance among 2^40 sources").isLessThan(10);
    }
}
