package io.l2mesh.switching;

import io.l2mesh.switching.datapath.BusyPollStrategy;
import io.l2mesh.switching.datapath.DatapathCommand;
import io.l2mesh.switching.datapath.DatapathLoop;
import io.l2mesh.switching.fdb.MacAger;
import io.l2mesh.switching.fdb.MacLimits;
import io.l2mesh.switching.fdb.MacTable;
import io.l2mesh.switching.port.Port;
import io.l2mesh.switching.port.PortTable;
import io.l2mesh.switching.port.PortTableRef;
import io.l2mesh.switching.stats.ErrorLog;
import io.l2mesh.switching.vlan.VlanRules;
import io.l2mesh.tuntap.netlink.RtnlLink;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.util.concurrent.EventExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.IntFunction;

/**
 * A running switch: the datapath loops, the MAC table, the ports. This is the control-side API; every method
 * may block briefly and is serialised on the switch (control thread side only; loops are never blocked by it).
 * <p>
 * Adding a port publishes a new {@link PortTable} and then asks each loop, through its command queue, to poll its
 * fd of the port. Removing one unpublishes it and waits until every loop has run the removal command, i.e.
 * finished any burst that might still use the port, before closing its fds.
 */
public final class Switch implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(Switch.class);
    private static final long COMMAND_TIMEOUT_MS = 10_000;

    private final SwitchContext context;
    private final MultiThreadIoEventLoopGroup group;
    private final DatapathLoop[] loops;
    private final MacTable macTable;
    private final MacAger macAger;
    private final PortTableRef portTable = new PortTableRef();
    private final ErrorLog errorLog = new ErrorLog();
    /** Each loop's thread, set when Netty starts it (for per-thread CPU time: {@link #loopThreadIds}). */
    private final AtomicReferenceArray<Thread> loopThreads;
    private RtnlLink rtnl;
    private boolean closed;

    private Switch(final SwitchContext context)
    {
        this.context = context;
        Epoll.ensureAvailability();
        macTable = new MacTable(new MacLimits(context.macLimit()));
        final AtomicInteger threadIndex = new AtomicInteger();
        loopThreads = new AtomicReferenceArray<>(context.loops());
        final ThreadFactory threads = r ->
        {
            final int index = threadIndex.getAndIncrement();
            final Thread thread = new Thread(r, "l2mesh-dp-" + index);
            thread.setDaemon(true);
            if (index < loopThreads.length())
            {
                loopThreads.set(index, thread);
            }
            return thread;
        };
        final long busyPollNs = context.busyPollNs();
        final IoHandlerFactory handlers = busyPollNs == 0 ? EpollIoHandler.newFactory() :
            EpollIoHandler.newFactory(0, () -> new BusyPollStrategy(busyPollNs));
        group = new MultiThreadIoEventLoopGroup(context.loops(), threads, handlers);
        final List<DatapathLoop> created = new ArrayList<>();
        for (final EventExecutor executor : group)
        {
            created.add(new DatapathLoop(created.size(), (IoEventLoop)executor, context.burstSize(),
                SwitchContext.COMMAND_QUEUE_CAPACITY, macTable, portTable, errorLog));
        }
        loops = created.toArray(new DatapathLoop[0]);
        macAger = new MacAger(macTable, context.ageingTimeNs());
    }

    /**
     * Starts the datapath loops of a switch with no ports.
     */
    public static Switch start(final SwitchContext context)
    {
        return new Switch(context.conclude());
    }

    public SwitchContext context()
    {
        return context;
    }

    public int loopCount()
    {
        return loops.length;
    }

    public MacTable macTable()
    {
        return macTable;
    }

    public PortTable ports()
    {
        return portTable.get();
    }

    public ErrorLog errorLog()
    {
        return errorLog;
    }

    /**
     * Runs {@code task} at the timers of loop {@code loop} until it is done (the traffic tester's sender).
     *
     * @throws IllegalStateException if the loop's command queue is full.
     */
    public void startTask(final int loop, final io.l2mesh.switching.datapath.LoopTask task)
    {
        if (!loops[loop].offer(l -> l.addTask(task)))
        {
            throw new IllegalStateException("datapath loop " + loop + " command queue is full");
        }
    }

    /**
     * Waits until every loop has run a command: what any loop wrote before is then visible to the caller (the
     * tester reads its receivers after this).
     */
    public synchronized void quiesceLoops()
    {
        runOnAllLoops(loop -> CompletableFuture.completedFuture(null));
    }

    /**
     * @return the id of each datapath loop's thread ({@link Thread#threadId()}, for ThreadMXBean's CPU time), by
     * loop; 0 for a loop whose thread has not started. Any thread.
     */
    public long[] loopThreadIds()
    {
        final long[] ids = new long[loopThreads.length()];
        for (int i = 0; i < ids.length; i++)
        {
            final Thread thread = loopThreads.get(i);
            ids[i] = thread == null ? 0 : thread.threadId();
        }
        return ids;
    }

    /**
     * Adds a port built by {@code factory} from a free port id, with no MAC limit of its own.
     */
    public synchronized <P extends Port> P addPort(final IntFunction<P> factory)
    {
        return addPort(factory, MacLimits.UNLIMITED);
    }

    /**
     * Adds a port of any kind built by {@code factory} from a free port id (the port kinds' own {@code open}
     * methods; {@code io.l2mesh.control.PortFactory} picks one from a config): its MAC limit holds from its first
     * frame on. A port that cannot be attached is closed again.
     *
     * @throws IllegalArgumentException for a name in use.
     */
    public synchronized <P extends Port> P addPort(final IntFunction<P> factory, final int macLimit)
    {
        requireOpen();
        return attachNew(factory.apply(portTable.get().freeId()), macLimit);
    }

    /**
     * As {@link #addPort(IntFunction, int)}, refusing a name in use before {@code factory} opens any device (a TAP
     * or socket of that name may belong to the port that has it).
     */
    public synchronized <P extends Port> P addPort(final String name, final IntFunction<P> factory,
        final int macLimit)
    {
        requireOpen();
        checkNameFree(name);
        return attachNew(factory.apply(portTable.get().freeId()), macLimit);
    }

    private <P extends Port> P attachNew(final P port, final int macLimit)
    {
        try
        {
            checkNameFree(port.name());
            macTable.limits().portLimit(port.id(), macLimit);
            attach(port);
        }
        catch (final RuntimeException ex)
        {
            macTable.limits().portLimit(port.id(), MacLimits.UNLIMITED);
            port.close();
            throw ex;
        }
        LOG.info("port {} added: {}, {}, mtu {}{}", port.name(), port.kind(), port.vlanRules(), port.mtu(),
            port.endpoint() == null ? "" : ", " + port.endpoint());
        return port;
    }

    private void attach(final Port port)
    {
        portTable.set(portTable.get().with(port));
        runOnAllLoops(loop ->
        {
            final CompletableFuture<Void> registered = new CompletableFuture<>();
            loop.addIngress(port, registered);
            return registered;
        });
    }

    /**
     * Stops switching a port's frames, forgets its MACs and closes it (a TAP we created is removed).
     *
     * @return false if there is no such port.
     */
    public synchronized boolean removePort(final String name)
    {
        final Port port = portTable.get().byName(name);
        if (port == null)
        {
            return false;
        }
        portTable.set(portTable.get().without(port));
        runOnAllLoops(loop ->
        {
            loop.removeIngress(port);
            return CompletableFuture.completedFuture(null);
        });
        macTable.flush(port.id(), 0, true);
        macTable.limits().portLimit(port.id(), MacLimits.UNLIMITED);
        port.close();
        LOG.info("port {} removed", name);
        return true;
    }

    /**
     * Replaces a port's VLAN rules; MACs learned on the port are forgotten, since their VLANs may have gone.
     */
    public synchronized void setVlanRules(final String name, final VlanRules rules)
    {
        final Port port = requirePort(name);
        port.vlanRules(rules);
        portTable.set(portTable.get().rebuilt());
        macTable.flush(port.id(), 0, false);
    }

    /**
     * Takes a port administratively down (no frames in or out, its MACs forgotten) or up again.
     */
    public synchronized void setAdminUp(final String name, final boolean up)
    {
        final Port port = requirePort(name);
        port.adminUp(up);
        portTable.set(portTable.get().rebuilt());
        if (!up)
        {
            macTable.flush(port.id(), 0, false);
        }
    }

    public synchronized void setMacLimit(final String name, final int limit)
    {
        macTable.limits().portLimit(requirePort(name).id(), limit);
    }

    /**
     * Sets a port's storm-control limits ({@link io.l2mesh.switching.port.StormLimits}); the loops use them from
     * their next frame.
     */
    public synchronized void setStormLimits(final String name, final io.l2mesh.switching.port.StormLimits limits)
    {
        requirePort(name).stormLimits(limits, loopCount());
    }

    private Port requirePort(final String name)
    {
        final Port port = portTable.get().byName(name);
        if (port == null)
        {
            throw new IllegalArgumentException("no port named '" + name + "'");
        }
        return port;
    }

    private void checkNameFree(final String name)
    {
        if (portTable.get().byName(name) != null)
        {
            throw new IllegalArgumentException("port '" + name + "' exists already");
        }
    }

    private void requireOpen()
    {
        if (closed)
        {
            throw new IllegalStateException("switch is closed");
        }
    }

    /**
     * @return the switch's rtnetlink socket, for port factories (control side only, like every method here).
     */
    public synchronized RtnlLink rtnl()
    {
        if (rtnl == null)
        {
            rtnl = new RtnlLink();
        }
        return rtnl;
    }

    /**
     * Runs a step on every loop through its command queue and waits until all are done.
     */
    private void runOnAllLoops(final java.util.function.Function<DatapathLoop, CompletableFuture<Void>> step)
    {
        final List<CompletableFuture<Void>> results = new ArrayList<>();
        for (final DatapathLoop loop : loops)
        {
            final CompletableFuture<Void> result = new CompletableFuture<>();
            final DatapathCommand command = l -> step.apply(l).whenComplete((v, t) ->
            {
                if (t == null)
                {
                    result.complete(null);
                }
                else
                {
                    result.completeExceptionally(t);
                }
            });
            if (!loop.offer(command))
            {
                throw new IllegalStateException("datapath loop " + loop.loopId() + " command queue is full");
            }
            results.add(result);
        }
        try
        {
            CompletableFuture.allOf(results.toArray(new CompletableFuture<?>[0]))
                .get(COMMAND_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted waiting for the datapath", ex);
        }
        catch (final ExecutionException ex)
        {
            throw new IllegalStateException("datapath command failed: " + ex.getCause(), ex.getCause());
        }
        catch (final TimeoutException ex)
        {
            throw new IllegalStateException("datapath did not answer within " + COMMAND_TIMEOUT_MS + " ms", ex);
        }
    }

    /**
     * Removes every port (TAPs we created disappear), then stops the loops.
     */
    @Override
    public synchronized void close()
    {
        if (closed)
        {
            return;
        }
        for (final Port port : new ArrayList<>(portTable.get().ports()))
        {
            try
            {
                removePort(port.name());
            }
            catch (final RuntimeException ex)
            {
                LOG.warn("removing port {} on shutdown: {}", port.name(), ex.toString());
                port.close();
            }
        }
        closed = true;
        macAger.close();
        if (group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS))
        {
            for (final DatapathLoop loop : loops)
            {
                loop.release();
            }
        }
        if (rtnl != null)
        {
            rtnl.close();
        }
    }
}
