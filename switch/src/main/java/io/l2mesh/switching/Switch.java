package io.l2mesh.switching;

import io.l2mesh.switching.datapath.BusyPollStrategy;
import io.l2mesh.switching.datapath.DatapathCommand;
import io.l2mesh.switching.datapath.DatapathLoop;
import io.l2mesh.switching.fdb.MacAger;
import io.l2mesh.switching.fdb.MacLimits;
import io.l2mesh.switching.fdb.MacTable;
import io.l2mesh.switching.frame.MacAddresses;
import io.l2mesh.switching.port.Port;
import io.l2mesh.switching.port.PortTable;
import io.l2mesh.switching.port.PortTableRef;
import io.l2mesh.switching.port.RawPort;
import io.l2mesh.switching.port.TapPort;
import io.l2mesh.switching.port.TapPortSpec;
import io.l2mesh.switching.port.unix.UnixDatagramPort;
import io.l2mesh.switching.port.unix.UnixPortSpec;
import io.l2mesh.switching.port.unix.UnixStreamPort;
import io.l2mesh.switching.stats.ErrorLog;
import io.l2mesh.switching.vlan.VlanRules;
import io.l2mesh.tuntap.RawSocket;
import io.l2mesh.tuntap.TapDevice;
import io.l2mesh.tuntap.TapOptions;
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
    private RtnlLink rtnl;
    private boolean closed;

    private Switch(final SwitchContext context)
    {
        this.context = context;
        Epoll.ensureAvailability();
        macTable = new MacTable(new MacLimits(context.macLimit()));
        final AtomicInteger threadIndex = new AtomicInteger();
        final ThreadFactory threads = r ->
        {
            final Thread thread = new Thread(r, "l2mesh-dp-" + threadIndex.getAndIncrement());
            thread.setDaemon(true);
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
     * Creates (or attaches to) a TAP device, sets its MTU, MAC and link up, and starts switching its frames.
     *
     * @throws IllegalArgumentException for a name in use.
     * @throws io.l2mesh.tuntap.NativeError or {@link io.l2mesh.tuntap.netlink.NetlinkError} if the kernel refuses.
     */
    public synchronized TapPort addTap(final TapPortSpec spec)
    {
        requireOpen();
        checkNameFree(spec.name());
        final int queues = spec.queues() == 0 ? loops.length : Math.min(spec.queues(), loops.length);
        final TapDevice device = TapDevice.open(
            new TapOptions(spec.name(), queues, queues > 1, spec.offloads(), spec.persistent()));
        try
        {
            final RtnlLink link = rtnl();
            if (spec.mtu() != 0)
            {
                link.setMtu(device.name(), spec.mtu());
            }
            if (spec.mac() >= 0)
            {
                link.setMac(device.name(), MacAddresses.toBytes(spec.mac()));
            }
            link.setUp(device.name(), true);
            final int mtu = link.get(device.name()).mtu();
            final int id = portTable.get().freeId();
            final TapPort port = new TapPort(id, device, spec.vlanRules(), mtu, loops.length, context.burstSize());
            macTable.limits().portLimit(id, spec.macLimit());
            attach(port);
            LOG.info("port {} added: {}, mtu {}, {} queue(s){}", port.name(), spec.vlanRules(), mtu, queues,
                spec.offloads() ? ", offloads" : "");
            return port;
        }
        catch (final RuntimeException ex)
        {
            device.close();
            throw ex;
        }
    }

    /**
     * Attaches an existing interface through {@code AF_PACKET} (one fanout socket per loop), in access mode.
     *
     * @throws IllegalArgumentException for a trunk (raw ports do not see 802.1Q tags yet) or a name in use.
     */
    public synchronized RawPort addRaw(final String name, final VlanRules rules, final int macLimit)
    {
        requireOpen();
        checkNameFree(name);
        if (rules.mode() != io.l2mesh.switching.vlan.VlanMode.ACCESS)
        {
            throw new IllegalArgumentException("raw port '" + name + "' must be an access port: the kernel hands " +
                "AF_PACKET sockets frames with their 802.1Q tags already removed");
        }
        final int id = portTable.get().freeId();
        final RawSocket[] sockets = new RawSocket[loops.length];
        try
        {
            rtnl().setUp(name, true); // before the sockets exist, so none starts with a stale ENETDOWN
            sockets[0] = RawSocket.open(name, sockets.length > 1 ? RawSocket.NEW_FANOUT_GROUP : RawSocket.NO_FANOUT);
            for (int i = 1; i < sockets.length; i++)
            {
                sockets[i] = RawSocket.open(name, sockets[0].fanoutGroup());
            }
            final int mtu = rtnl().get(name).mtu();
            final RawPort port = new RawPort(id, sockets, rules, mtu, loops.length, context.burstSize());
            macTable.limits().portLimit(id, macLimit);
            attach(port);
            LOG.info("port {} added: raw, {}, mtu {}", name, rules, mtu);
            return port;
        }
        catch (final RuntimeException ex)
        {
            for (final RawSocket socket : sockets)
            {
                if (socket != null)
                {
                    socket.close();
                }
            }
            throw ex;
        }
    }

    /**
     * Opens a unix socket for a QEMU VM ({@code -netdev dgram} or {@code stream}) and switches its frames.
     *
     * @throws IllegalArgumentException when the name or the path is in use by another port.
     * @throws IllegalStateException when another process serves the path.
     */
    public synchronized Port addUnix(final UnixPortSpec spec)
    {
        requireOpen();
        checkNameFree(spec.name());
        for (final Port other : portTable.get().ports())
        {
            if ((other instanceof UnixStreamPort s && s.path().equals(spec.path())) ||
                (other instanceof UnixDatagramPort d && d.path().equals(spec.path())))
            {
                throw new IllegalArgumentException("port " + other.name() + " already serves " + spec.path());
            }
        }
        final int id = portTable.get().freeId();
        final Port port = spec.framing() == UnixPortSpec.Framing.DGRAM ?
            new UnixDatagramPort(id, spec.name(), spec.path(), spec.fileMode(), spec.vlanRules(), spec.mtu(),
                loops.length, context.burstSize()) :
            new UnixStreamPort(id, spec.name(), spec.path(), spec.fileMode(), spec.vlanRules(), spec.mtu(),
                loops.length, context.burstSize());
        try
        {
            macTable.limits().portLimit(id, spec.macLimit());
            attach(port);
        }
        catch (final RuntimeException ex)
        {
            port.close();
            throw ex;
        }
        LOG.info("port {} added: unix {} on {}, {}, mtu {}", spec.name(), spec.framing().label(), spec.path(),
            spec.vlanRules(), spec.mtu());
        return port;
    }

    /**
     * Adds a port of any kind built by {@code factory} from a free port id (memory ports, later tunnels).
     */
    public synchronized <P extends Port> P addPort(final IntFunction<P> factory)
    {
        requireOpen();
        final P port = factory.apply(portTable.get().freeId());
        checkNameFree(port.name());
        attach(port);
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

    private RtnlLink rtnl()
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
