package io.l2mesh.tunnel;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class SourceRateLimiterTest
{
    private static byte[] v4(final int last)
    {
        return new byte[] {2, 0, 0x1f, (byte)0x90, (byte)198, 18, (byte)(last >> 8), (byte)last, 0, 0, 0, 0, 0, 0,
            0, 0};
    }

    private static byte[] v6(final int subnet, final int host)
    {
        final byte[] a = new byte[28];
        a[0] = 10;
        a[8] = 0x20;
        a[9] = 0x01;
        a[14] = (byte)subnet;
        a[23] = (byte)host;
        return a;
    }

    @Test
    void shouldAllowABurstThenTheRate()
    {
        final SourceRateLimiter limiter = new SourceRateLimiter();
        long now = 1_000_000_000L;
        for (int i = 0; i < SourceRateLimiter.BURST; i++)
        {
            assertThat(limiter.allow(v4(1), 16, now)).as("burst %d", i).isTrue();
        }
        assertThat(limiter.allow(v4(1), 16, now)).as("beyond the burst").isFalse();
        assertThat(limiter.allow(v4(2), 16, now)).as("another source").isTrue();
        int allowed = 0;
        for (int ms = 0; ms < 1000; ms++)
        {
            now += 1_000_000L;
            if (limiter.allow(v4(1), 16, now))
            {
                allowed++;
            }
        }
        assertThat(allowed).as("a second at 1000 tries").isEqualTo(SourceRateLimiter.PER_SECOND);
    }

    @Test
    void shouldShareABucketPerIpv6Slash64()
    {
        final SourceRateLimiter limiter = new SourceRateLimiter();
        for (int host = 0; host < SourceRateLimiter.BURST; host++)
        {
            assertThat(limiter.allow(v6(1, host), 28, 0)).isTrue();
        }
        assertThat(limiter.allow(v6(1, 99), 28, 0)).as("the same /64").isFalse();
        assertThat(limiter.allow(v6(2, 0), 28, 0)).as("another /64").isTrue();
        assertThat(SourceRateLimiter.keyOf(v6(1, 0), 28)).isNotEqualTo(SourceRateLimiter.keyOf(v4(1), 16));
    }

    @Test
    void shouldStayBoundedUnderManySources()
    {
        final SourceRateLimiter limiter = new SourceRateLimiter();
        for (int i = 0; i < 100_000; i++)
        {
            limiter.allow(v4(i), 16, i); // 100 000 sources in 0.1 ms: the table replaces, never grows
        }
        assertThat(limiter.allow(v4(7), 16, 2_000_000_000L)).as("a source seen long ago starts afresh").isTrue();
    }
}
