package io.l2mesh.tunnel;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class HandshakeLoadTest
{
    @Test
    void shouldCapCookieRepliesAtABurstThenTheRate()
    {
        final HandshakeLoad load = new HandshakeLoad();
        long now = 5_000_000_000L;
        for (int i = 0; i < HandshakeLoad.COOKIE_BURST; i++)
        {
            assertThat(load.cookieAllowed(now)).as("burst %d", i).isTrue();
        }
        assertThat(load.cookieAllowed(now)).as("beyond the burst").isFalse();
        int allowed = 0;
        for (int us = 0; us < 1_000_000; us += 10) // a flood of 100 000/s for one second
        {
            now += 10_000L;
            if (load.cookieAllowed(now))
            {
                allowed++;
            }
        }
        assertThat(allowed).as("the rate").isBetween(HandshakeLoad.COOKIES_PER_SECOND - 1,
            HandshakeLoad.COOKIES_PER_SECOND + 1);
        now += 1_000_000_000L;
        assertThat(load.cookieAllowed(now)).as("refilled after a quiet second").isTrue();
    }

    @Test
    void shouldHoldTheLoadWhileCookiesAreNeededEvenBeyondTheCap()
    {
        final HandshakeLoad load = new HandshakeLoad();
        long now = 5_000_000_000L;
        assertThat(load.underLoad(now, HandshakeLoad.THRESHOLD)).isTrue();
        for (int s = 0; s < 3; s++)
        {
            for (int i = 0; i < HandshakeLoad.COOKIES_PER_SECOND * 3; i++)
            {
                now += 1_000_000_000L / (HandshakeLoad.COOKIES_PER_SECOND * 3);
                load.cookieAllowed(now);
            }
            assertThat(load.underLoad(now, 0)).as("second %d: held by the flood", s).isTrue();
        }
        now += HandshakeLoad.HOLD_NANOS + 1;
        assertThat(load.underLoad(now, 0)).as("the flood stopped a hold ago").isFalse();
    }
}
