package io.l2mesh.tunnel;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * Looks up the DNS names of a tunnel port's peer endpoints ({@code endpoint: home.example.net:51820}, for
 * dynamic-DNS homes) on a thread of its own, since a lookup blocks for as long as the resolver takes: never on a
 * loop or the agent. Each name is looked up when its peer is added, every {@link #PERIOD_NANOS}, and again when
 * the agent's handshakes to the peer go unanswered ({@link PeerTimers#RESOLVE_AFTER_FAILURES}); at most once per
 * {@link #MIN_GAP_NANOS} per peer. Every address of the listen address's family becomes a candidate of the peer
 * ({@link Peer#resolved}); a failed lookup keeps the addresses it had (logged when the error changes) and is
 * tried again after {@link #RETRY_NANOS}. The thread starts with the first named peer; a port without one has
 * none.
 */
final class EndpointResolver implements AutoCloseable
{
    static final long PERIOD_NANOS = TimeUnit.SECONDS.toNanos(30);
    static final long MIN_GAP_NANOS = TimeUnit.SECONDS.toNanos(1);
    static final long RETRY_NANOS = TimeUnit.SECONDS.toNanos(5);
    private static final Logger LOG = LoggerFactory.getLogger(EndpointResolver.class);

    /** Per named peer, resolver thread only. */
    private static final class Lookup
    {
        long nextNanos = System.nanoTime();
        long lastNanos = nextNanos - MIN_GAP_NANOS;
        String lastError = "";
    }

    private final String portName;
    private final PeerTable peers;
    private final boolean ipv6;
    private final Consumer<Peer> changed;
    private final Map<Peer, Lookup> lookups = new HashMap<>();
    private volatile boolean running = true;
    private Thread thread; // guarded by this

    /**
     * @param changed called (on the resolver thread) when a peer's addresses changed.
     */
    EndpointResolver(final String portName, final PeerTable peers, final boolean ipv6, final Consumer<Peer> changed)
    {
        this.portName = portName;
        this.peers = peers;
        this.ipv6 = ipv6;
        this.changed = changed;
    }

    static boolean named(final Peer peer)
    {
        return peer.spec.endpoint() != null && peer.spec.endpoint().isUnresolved();
    }

    /**
     * Any thread: {@code peer}'s name should be looked up now (it was added, or its handshakes fail). Nothing for
     * a peer without a name.
     */
    void wanted(final Peer peer)
    {
        if (!named(peer) || !running)
        {
            return;
        }
        peer.resolveWanted = true;
        final Thread t;
        synchronized (this)
        {
            if (thread == null)
            {
                thread = Thread.ofPlatform().name("l2mesh-dns-" + portName).daemon().start(this::run);
            }
            t = thread;
        }
        LockSupport.unpark(t);
    }

    private void run()
    {
        while (running)
        {
            long wake = System.nanoTime() + PERIOD_NANOS;
            lookups.keySet().removeIf(p -> !p.live);
            for (final Peer peer : peers.peers())
            {
                if (named(peer))
                {
                    wake = Math.min(wake, step(peer, lookups.computeIfAbsent(peer, p -> new Lookup())));
                }
            }
            LockSupport.parkNanos(Math.max(MIN_GAP_NANOS / 10, wake - System.nanoTime()));
        }
    }

    /**
     * @return when this peer wants the thread next.
     */
    private long step(final Peer peer, final Lookup lookup)
    {
        final long now = System.nanoTime();
        final boolean due = now - lookup.nextNanos >= 0 || peer.resolveWanted;
        if (!due)
        {
            return lookup.nextNanos;
        }
        if (now - lookup.lastNanos < MIN_GAP_NANOS)
        {
            return lookup.lastNanos + MIN_GAP_NANOS;
        }
        peer.resolveWanted = false;
        lookup.lastNanos = now;
        final InetSocketAddress name = peer.spec.endpoint();
        try
        {
            final List<InetSocketAddress> addresses = new ArrayList<>();
            for (final InetAddress address : InetAddress.getAllByName(name.getHostString()))
            {
                if ((address instanceof Inet6Address) == ipv6)
                {
                    addresses.add(new InetSocketAddress(address, name.getPort()));
                }
            }
            if (addresses.isEmpty())
            {
                throw new UnknownHostException("no " + (ipv6 ? "IPv6" : "IPv4") + " address");
            }
            lookup.lastError = "";
            lookup.nextNanos = now + PERIOD_NANOS;
            if (peer.resolved(addresses))
            {
                LOG.info("tunnel {}: peer {}: {} is {}", portName, peer.name(), name.getHostString(),
                    addresses.stream().map(PeerStatus::format).toList());
                changed.accept(peer);
            }
        }
        catch (final UnknownHostException ex)
        {
            final String error = String.valueOf(ex.getMessage());
            if (!error.equals(lookup.lastError))
            {
                LOG.warn("tunnel {}: peer {}: cannot resolve {}: {}; keeping {}", portName, peer.name(),
                    name.getHostString(), error, peer.candidates().addresses());
                lookup.lastError = error;
            }
            lookup.nextNanos = now + RETRY_NANOS;
        }
        return lookup.nextNanos;
    }

    @Override
    public void close()
    {
        running = false;
        final Thread t;
        synchronized (this)
        {
            t = thread;
        }
        if (t != null)
        {
            LockSupport.unpark(t);
        }
    }
}
