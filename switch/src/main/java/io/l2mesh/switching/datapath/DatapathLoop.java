package io.l2mesh.switching.datapath;

import io.l2mesh.switching.buffer.FrameBatch;
import io.l2mesh.switching.buffer.LoopMemory;
import io.l2mesh.switching.fdb.MacTable;
import io.l2mesh.switching.offload.TcpCoalescer;
import io.l2mesh.switching.port.Port;
import io.l2mesh.switching.port.PortTableRef;
import io.l2mesh.switching.stats.ErrorLog;
import io.l2mesh.tuntap.Libc;
import io.l2mesh.tuntap.NativeError;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoRegistration;
import io.netty.channel.epoll.EpollIoOps;
import io.netty.util.concurrent.Future;
import org.jctools.queues.MpscArrayQueue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One datapath thread: a Netty epoll event loop that owns one fd of every port, its own frame memory and its
 * own {@link Forwarder}, and runs every frame to completion (read, decide, write) without handing it to another
 * thread.
 * <p>
 * Control threads reach it only through {@link #offer}: a bounded MPSC queue of {@link DatapathCommand}s, drained
 * between bursts. The loop is woken once when the queue goes from empty to non-empty, not once per command.
 * <p>
 * An exception while handling a burst is recorded in the {@link ErrorLog} and the loop carries on with the next
 * one. A port whose fd fails for good (device deleted under us) is taken off this loop's epoll set.
 */
public final class DatapathLoop
{
    private static final int COMMAND_DRAIN_LIMIT = 64;
    /** Merge received TCP segments from tunnels into super-frames (off only to measure against it). */
    static final boolean COALESCE = !Boolean.getBoolean("l2mesh.noCoalesce");

    private final int loopId;
    private final IoEventLoop eventLoop;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment errnoCapture = Libc.newErrnoCapture(arena);
    private final LoopMemory memory;
    private final FrameBatch batch;
    private final Forwarder forwarder;
    private final TcpCoalescer coalescer;
    private final ErrorLog errorLog;
    private final String threadName;
    private final MpscArrayQueue<DatapathCommand> commands;
    private final AtomicBoolean wakeScheduled = new AtomicBoolean();
    private final Runnable drainTask = this::drainCommands;
    private final Map<Port, IngressHandle> handles = new HashMap<>(); // loop thread only
    private final PortTableRef portTableRef;
    private final Runnable timerTask = this::onTimer;
    private long timerDeadlineNs = Long.MAX_VALUE; // loop thread only: when the scheduled timer task fires
    private final java.util.ArrayList<LoopTask> tasks = new java.util.ArrayList<>(); // loop thread only

    public DatapathLoop(
        final int loopId, final IoEventLoop eventLoop, final int burstSize, final int commandQueueCapacity,
        final MacTable macTable, final PortTableRef portTableRef, final ErrorLog errorLog)
    {
        this.loopId = loopId;
        this.eventLoop = eventLoop;
        this.memory = new LoopMemory(burstSize);
        this.batch = new FrameBatch(burstSize);
        this.forwarder = new Forwarder(loopId, memory, macTable, portTableRef, errnoCapture);
        this.coalescer = new TcpCoalescer(memory);
        this.errorLog = errorLog;
        this.threadName = "l2mesh-dp-" + loopId;
        this.commands = new MpscArrayQueue<>(commandQueueCapacity);
        this.portTableRef = portTableRef;
    }

    public int loopId()
    {
        return loopId;
    }

    public IoEventLoop eventLoop()
    {
        return eventLoop;
    }

    /**
     * Queues a command for the loop. Thread-safe.
     *
     * @return false if the command queue is full.
     */
    public boolean offer(final DatapathCommand command)
    {
        if (!commands.offer(command))
        {
            return false;
        }
        // Wake the loop only on the first command since its last drain.
        if (wakeScheduled.compareAndSet(false, true))
        {
            eventLoop.execute(drainTask);
        }
        return true;
    }

    private void drainCommands()
    {
        // Clear first: a command offered while we drain schedules another drain rather than being missed.
        wakeScheduled.set(false);
        commands.drain(this::runCommand, COMMAND_DRAIN_LIMIT);
        if (!commands.isEmpty() && wakeScheduled.compareAndSet(false, true))
        {
            eventLoop.execute(drainTask);
        }
    }

    private void runCommand(final DatapathCommand command)
    {
        try
        {
            command.execute(this);
        }
        catch (final Throwable t)
        {
            errorLog.record(threadName + " command", t);
        }
    }

    /**
     * Starts polling {@code port}'s fd for this loop, if it has one. Loop thread only.
     */
    public void addIngress(final Port port, final CompletableFuture<Void> done)
    {
        final int fd = port.ingressFd(loopId);
        if (fd < 0 || handles.containsKey(port))
        {
            done.complete(null);
            return;
        }
        final IngressHandle handle = new IngressHandle(this, port, fd);
        handles.put(port, handle);
        final Future<IoRegistration> registered = eventLoop.register(handle);
        registered.addListener(f ->
        {
            if (registered.isSuccess())
            {
                final IoRegistration registration = registered.getNow();
                handle.registration(registration);
                registration.submit(EpollIoOps.EPOLLIN);
                done.complete(null);
            }
            else
            {
                handles.remove(port);
                errorLog.record(threadName + " register " + port.name(), registered.cause());
                done.completeExceptionally(registered.cause());
            }
        });
    }

    /**
     * Stops polling {@code port}. Loop thread only. Once this ran on every loop, no loop touches the port's fds.
     */
    public void removeIngress(final Port port)
    {
        final IngressHandle handle = handles.remove(port);
        if (handle != null && handle.registration() != null)
        {
            handle.registration().cancel();
        }
    }

    void onReadable(final IngressHandle handle)
    {
        final Port port = handle.port();
        try
        {
            int count;
            do
            {
                batch.reset();
                count = port.receive(loopId, memory, batch, errnoCapture);
                if (count > 1 && COALESCE && port.coalescesReceive() && portTableRef.get().anyAcceptsOffloads())
                {
                    coalescer.coalesce(batch, port.counters().loopSlots(loopId));
                }
                if (count > 0)
                {
                    forwarder.forward(port, batch, System.nanoTime());
                }
            }
            while (count > 0 && port.pendingInput(loopId));
            if (count < 0)
            {
                errorLog.record(threadName + " read " + port.name(), new NativeError("read", -count, port.name()));
                removeIngress(port);
            }
            runTimers();
        }
        catch (final Throwable t)
        {
            errorLog.record(threadName + " burst on " + port.name(), t);
        }
    }

    private void onTimer()
    {
        timerDeadlineNs = Long.MAX_VALUE;
        try
        {
            runTimers();
        }
        catch (final Throwable t)
        {
            errorLog.record(threadName + " timers", t);
        }
    }

    /**
     * Gives ports with timers their turn and makes sure the loop wakes for the earliest deadline. A task is
     * scheduled only when the deadline moves earlier than the one already scheduled, not per frame.
     */
    private void runTimers()
    {
        final java.util.List<Port> ports = portTableRef.get().ports();
        long earliest = Long.MAX_VALUE;
        final long now = System.nanoTime();
        for (int i = 0, n = ports.size(); i < n; i++)
        {
            final Port port = ports.get(i);
            if (port.hasTimers())
            {
                earliest = Math.min(earliest, port.pollTimers(loopId, now, errnoCapture));
            }
        }
        for (int i = tasks.size() - 1; i >= 0; i--)
        {
            long next;
            try
            {
                next = tasks.get(i).run(loopId, now, errnoCapture);
            }
            catch (final RuntimeException ex)
            {
                errorLog.record(threadName + " task", ex); // a failing task is dropped, not retried per burst
                next = Long.MAX_VALUE;
            }
            if (next == Long.MAX_VALUE)
            {
                tasks.remove(i);
            }
            earliest = Math.min(earliest, next);
        }
        if (earliest != Long.MAX_VALUE && earliest < timerDeadlineNs)
        {
            timerDeadlineNs = earliest;
            eventLoop.schedule(timerTask, Math.max(0, earliest - now), java.util.concurrent.TimeUnit.NANOSECONDS);
        }
    }

    /**
     * Starts running {@code task} at this loop's timers. Loop thread only (a {@link DatapathCommand}).
     */
    public void addTask(final LoopTask task)
    {
        tasks.add(task);
        onTimer();
    }

    /**
     * Frees the loop's memory; only after its event loop has terminated.
     */
    public void release()
    {
        memory.close();
        arena.close();
    }
}
