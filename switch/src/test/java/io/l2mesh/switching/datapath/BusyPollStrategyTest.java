package io.l2mesh.switching.datapath;

import io.netty.channel.SelectStrategy;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BusyPollStrategyTest
{
    private static final long WINDOW_NS = 1_000_000;

    private long now = 5_000_000_000L;
    private int polls;
    private int readyOnNextPoll;

    private final BusyPollStrategy strategy = new BusyPollStrategy(WINDOW_NS, () -> now);

    private int step(final boolean hasTasks) throws Exception
    {
        return strategy.calculateStrategy(() ->
        {
            polls++;
            final int ready = readyOnNextPoll;
            readyOnNextPoll = 0;
            return ready;
        }, hasTasks);
    }

    @Test
    void shouldBlockUntilTheFirstReadyFd() throws Exception
    {
        assertThat(step(false)).as("nothing has arrived yet").isEqualTo(SelectStrategy.SELECT);
        assertThat(polls).as("polled once without blocking first").isEqualTo(1);
    }

    @Test
    void shouldKeepPollingWithinTheWindowAfterReadyFdsThenBlock() throws Exception
    {
        readyOnNextPoll = 3;
        assertThat(step(false)).as("ready fds are handed to the event loop").isEqualTo(3);

        now += WINDOW_NS / 2;
        assertThat(step(false)).as("idle inside the window: poll again").isZero();
        now += WINDOW_NS / 2 - 1;
        assertThat(step(false)).isZero();

        readyOnNextPoll = 1;
        assertThat(step(false)).isEqualTo(1);
        now += WINDOW_NS - 1;
        assertThat(step(false)).as("the window restarts at each ready fd").isZero();
        now += 1;
        assertThat(step(false)).as("idle for a whole window: block").isEqualTo(SelectStrategy.SELECT);
    }

    @Test
    void shouldPollAgainAfterWakingFromABlockingWait() throws Exception
    {
        assertThat(step(false)).as("nothing has arrived yet").isEqualTo(SelectStrategy.SELECT);

        // A frame woke the blocking epoll_wait and Netty handled it; the strategy hears of it at the next call,
        // whose own zero-timeout poll finds nothing new. The loop must spin now, not go back to sleep.
        now += 5 * WINDOW_NS;
        assertThat(step(false)).as("woken: a new window starts").isZero();
        now += WINDOW_NS - 1;
        assertThat(step(false)).isZero();
        now += 1;
        assertThat(step(false)).as("idle for a whole window after waking: block").isEqualTo(SelectStrategy.SELECT);
    }

    @Test
    void shouldRunTasksRatherThanBlockWhenTasksAreWaiting() throws Exception
    {
        assertThat(step(true)).isZero();
        assertThat(polls).isEqualTo(1);
    }

    @Test
    void shouldRefuseAnEmptyWindow()
    {
        assertThatThrownBy(() -> new BusyPollStrategy(0)).isInstanceOf(IllegalArgumentException.class);
    }
}
