package io.l2mesh.switching.datapath;

import io.netty.channel.SelectStrategy;
import io.netty.util.IntSupplier;

import java.util.function.LongSupplier;

/**
 * Keeps a datapath loop polling its epoll set without blocking for a while after its last ready fd, then lets it
 * block in {@code epoll_wait} as usual.
 * <p>
 * Why: a loop that blocks pays a thread wake-up per frame once traffic pauses, and on virtual machines that
 * wake-up, plus the code and page-table caches gone cold while the vCPU idled, costs far more than forwarding the
 * frame (docs/design.md, "Low-latency mode"; docs/BENCHMARKS.md). A loop that keeps polling stays on its CPU
 * and warm, at the price of that CPU. The window bounds the price: a loop with no traffic for {@code windowNs}
 * goes back to sleeping, like the kernel's {@code net.core.busy_poll}, but for the whole loop.
 * <p>
 * Each poll is an {@code epoll_wait} with a zero timeout made by Netty's event loop, which runs its tasks and due
 * timers between polls, so commands from control threads and port timers keep working while the loop spins. Any
 * ready fd counts as activity, so does waking from a blocking wait, a port's timer too (a tunnel's keepalive every
 * few seconds restarts the window).
 * <p>
 * Known cost besides the CPU: a spinning loop is never woken, so it gets no wake-up preemption; while another
 * CPU-bound thread shares its CPU (the JIT compiling, tens of seconds after start under light traffic) a frame can
 * wait for that thread's scheduler slice (milliseconds), which shows in the p99, not the p50.
 * One instance per loop, used by that loop's thread only.
 */
public final class BusyPollStrategy implements SelectStrategy
{
    private final long windowNs;
    private final LongSupplier clock;
    private long lastReadyNs; // loop thread only
    private boolean blocked; // loop thread only: the last answer was SELECT

    public BusyPollStrategy(final long windowNs)
    {
        this(windowNs, System::nanoTime);
    }

    BusyPollStrategy(final long windowNs, final LongSupplier clock)
    {
        if (windowNs <= 0)
        {
            throw new IllegalArgumentException("busy-poll window must be positive: " + windowNs + " ns");
        }
        this.windowNs = windowNs;
        this.clock = clock;
        this.lastReadyNs = clock.getAsLong() - windowNs; // start asleep: nothing has arrived yet
    }

    @Override
    public int calculateStrategy(final IntSupplier selectSupplier, final boolean hasTasks) throws Exception
    {
        final int ready = selectSupplier.get();
        final long now = clock.getAsLong();
        if (blocked)
        {
            // The loop slept in epoll_wait and woke: Netty handled what woke it (a ready fd, a task, a timer)
            // without asking us, so this call is the first we hear of it. It is activity: start a window.
            blocked = false;
            lastReadyNs = now;
        }
        if (ready > 0)
        {
            lastReadyNs = now;
            return ready;
        }
        if (hasTasks)
        {
            return 0; // the event loop runs its tasks and polls again
        }
        if (now - lastReadyNs < windowNs)
        {
            // Nothing ready: poll again. sched_yield, not a pause, so a spinning loop gives way at once to anything
            // runnable on its CPU (the hosts' stacks, the other loops), and the CPU only spins when it would
            // otherwise have gone idle.
            Thread.yield();
            return 0;
        }
        blocked = true;
        return SelectStrategy.SELECT;
    }
}
