package io.l2mesh.control.server;

import io.l2mesh.control.config.ChangePlan;
import io.l2mesh.control.config.ConfigStore;
import io.l2mesh.control.config.L2meshConfig;
import io.l2mesh.control.config.RollbackCopy;
import io.l2mesh.switching.Switch;
import io.netty.channel.IoEventLoop;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Commit-confirm: a change made with {@code --confirm S} is rolled back by itself unless {@code config confirm}
 * comes within S seconds, the way a remote node is changed without locking oneself out. The config to go back to
 * is the one before the first unconfirmed change; it is written to the state directory ({@link RollbackCopy})
 * before the change is applied, so a daemon killed inside the window comes back with it. The rollback is the same
 * all-or-nothing diff as any change ({@link ChangePlan}) and is saved. While a window is open, a further change
 * must carry {@code --confirm} too (it moves the deadline; the rollback still goes back to before the first).
 * Control loop only.
 */
final class ConfirmWindow
{
    private static final Logger LOG = LoggerFactory.getLogger(ConfirmWindow.class);
    /** The longest window: a day. */
    static final int MAX_SECONDS = 86_400;
    /** How soon a rollback the switch refused is tried again. */
    private static final long RETRY_MS = 5_000;

    private final Switch sw;
    private final ConfigStore store;
    private final IoEventLoop loop;
    private L2meshConfig target;
    private long deadlineMs;
    private ScheduledFuture<?> timer;
    private long rollbacks;

    ConfirmWindow(final Switch sw, final ConfigStore store, final IoEventLoop loop)
    {
        this.sw = sw;
        this.store = store;
        this.loop = loop;
    }

    boolean isOpen()
    {
        return target != null;
    }

    /**
     * @return seconds until the rollback, or -1 if no window is open.
     */
    long secondsLeft()
    {
        return target == null ? -1 : Math.max(0, (deadlineMs - System.currentTimeMillis() + 999) / 1000);
    }

    long rollbacks()
    {
        return rollbacks;
    }

    /**
     * Before a change with {@code --confirm seconds}: persists the config to return to ({@code previous}, unless a
     * window is open already: then the one before it stays) with the new deadline.
     *
     * @throws IllegalStateException if the rollback copy cannot be written; nothing was changed.
     */
    void prepare(final L2meshConfig previous, final int seconds)
    {
        final L2meshConfig back = target != null ? target : previous;
        RollbackCopy.write(back.stateDir(), back, System.currentTimeMillis() + seconds * 1000L);
    }

    /**
     * After the change was applied and saved: the window runs from now.
     */
    void open(final L2meshConfig previous, final int seconds)
    {
        if (target == null)
        {
            target = previous;
        }
        deadlineMs = System.currentTimeMillis() + seconds * 1000L;
        schedule(seconds * 1000L);
        LOG.info("config: change applied; rolls back in {} s unless confirmed (l2mesh ctl config confirm)",
            seconds);
    }

    /**
     * The change with {@code --confirm} failed after {@link #prepare}: if no window was open, there is nothing to
     * roll back to.
     */
    void abandon()
    {
        if (target == null)
        {
            deleteCopy(store.current());
        }
    }

    /**
     * {@code config confirm}: keeps the changes, ends the window.
     *
     * @return false if no window was open.
     */
    boolean confirm()
    {
        if (target == null)
        {
            return false;
        }
        cancelTimer();
        deleteCopy(target);
        target = null;
        LOG.info("config: change confirmed");
        return true;
    }

    private void schedule(final long delayMs)
    {
        cancelTimer();
        timer = loop.schedule(this::rollback, delayMs, TimeUnit.MILLISECONDS);
    }

    private void cancelTimer()
    {
        if (timer != null)
        {
            timer.cancel(false);
            timer = null;
        }
    }

    /**
     * The deadline passed unconfirmed: back to the config before the first unconfirmed change, saved.
     */
    private void rollback()
    {
        timer = null;
        if (target == null)
        {
            return;
        }
        final L2meshConfig back = target;
        final L2meshConfig now = store.current();
        final ChangePlan plan = ChangePlan.between(sw, now, back);
        try
        {
            plan.apply();
            store.save(back);
        }
        catch (final IllegalStateException ex)
        {
            LOG.error("config: rollback of an unconfirmed change failed ({}); trying again in {} s (the rollback " +
                "copy {} stays: a restart rolls back too)", ex.getMessage(), RETRY_MS / 1000,
                RollbackCopy.path(back.stateDir()));
            schedule(RETRY_MS);
            return;
        }
        target = null;
        rollbacks++;
        deleteCopy(back);
        LOG.warn("config: no confirmation within the window: rolled back ({})", String.join("; ", plan.changes()));
    }

    private static void deleteCopy(final L2meshConfig config)
    {
        try
        {
            RollbackCopy.delete(config.stateDir());
        }
        catch (final IllegalStateException ex)
        {
            LOG.error("config: {}", ex.getMessage());
        }
    }
}
