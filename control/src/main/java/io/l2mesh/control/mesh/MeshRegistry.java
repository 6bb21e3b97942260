package io.l2mesh.control.mesh;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import io.l2mesh.control.config.L2meshConfig;
import io.l2mesh.control.config.PortConfig;
import io.l2mesh.control.config.RegistryConfig;
import io.l2mesh.switching.Switch;
import io.l2mesh.tunnel.PeerStatus;
import io.l2mesh.tunnel.TunnelPortSpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * This node in the mesh registry (etcd, through jetcd), on a thread of its own ({@code l2mesh-registry}), never on
 * a datapath loop: it publishes the node's entry at {@code /l2mesh/<mesh>/nodes/<name>} under a lease it keeps
 * alive, watches the prefix, and turns every entry its certificate admits ({@link EntryCheck}) into a live peer of
 * the publishing tunnel port ({@link MeshPeers}: O(1) per changed entry).
 * <p>
 * <b>Faults.</b> etcd unreachable at start: the node runs with its static peers and retries with backoff (0.5 s
 * doubling to 4 s, jittered). etcd lost while running: the peers stay as they were; nothing is dropped until etcd
 * says so. etcd back: a new lease, the entry put again, and the watch resumed from the last revision seen (a full
 * read if that revision was compacted, or the watch failed). A node that dies stops keeping its lease alive, and
 * etcd deletes its entry {@code lease-ttl} later; a node that stops cleanly revokes its lease, so it leaves at
 * once.
 * <p>
 * <b>Threads.</b> jetcd's own threads only put watch responses on {@link #events}; everything else runs on the
 * registry thread, which publishes a status snapshot each tick for the control loop.
 */
public final class MeshRegistry implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(MeshRegistry.class);
    private static final long TICK_MS = 1_000;
    private static final long BACKOFF_MIN_MS = 500;
    private static final long BACKOFF_MAX_MS = 4_000;
    private static final long CALL_TIMEOUT_MS = 3_000;
    private static final long ENTRY_CHECK_NS = TimeUnit.SECONDS.toNanos(1);
    private static final int EVENT_QUEUE = 4096;
    private static final int MAX_LOGGED = 4096;
    private static final String DENY = "deny";
    private static final String NODES = "nodes/";

    /** A watch failed (compacted revision, cancelled, ...): read everything again. */
    private record WatchFailed(long generation, Throwable cause)
    {
    }

    /** Watch responses of one watcher, tagged so a closed watcher's late responses are ignored. */
    private record Watched(long generation, WatchResponse response)
    {
    }

    private final RegistryConfig config;
    private final Supplier<L2meshConfig> current;
    private final MeshPeers peers;
    private final Switch sw;
    private final Path denyFile;
    private final BlockingQueue<Object> events = new ArrayBlockingQueue<>(EVENT_QUEUE);
    private final Map<String, Long> refusedCounts = new TreeMap<>(); // reason -> count
    private final Map<String, String> refusedEntries = new TreeMap<>(); // name -> reason
    private final Set<String> logged = new HashSet<>();
    private final Thread thread;
    private final ClientBuilder clientBuilder;
    private volatile boolean closed;
    private volatile boolean connected;
    private volatile boolean overflow;
    private Client client;
    private Watch.Watcher watcher;
    private long generation;
    private long leaseId;
    private long revision;
    private byte[] published;
    private long nextAttemptNs;
    private long nextKeepaliveNs;
    private long nextEntryCheckNs;
    private long backoffMs = BACKOFF_MIN_MS;
    private long connects;
    private long leasesLost;
    private String lastError = "";
    private DenyList deny = DenyList.EMPTY;
    private NodeEntry own;
    private volatile ObjectNode status;
    private boolean dirty = true;

    /**
     * @param current the running config (the publishing port and its settings are read from it).
     * @param stateDir where the highest deny list seen is kept.
     */
    public MeshRegistry(final RegistryConfig config, final Switch sw, final Supplier<L2meshConfig> current,
        final Path stateDir)
    {
        this.config = config;
        this.current = current;
        final PortConfig port = current.get().registryPort();
        this.peers = new MeshPeers(sw, port.name());
        this.sw = sw;
        if (port.tunnel().relay().serve() && !config.cert().relay())
        {
            LOG.warn("registry: port {} relays, but this node's certificate does not say so (authority sign " +
                "--relay): the mesh's nodes will not take it as a relay", port.name());
        }
        this.denyFile = stateDir == null ? null : stateDir.resolve("registry-" + config.mesh() + ".deny");
        this.clientBuilder = clientBuilder(config);
        loadDeny();
        this.status = statusJson();
        this.thread = Thread.ofPlatform().name("l2mesh-registry").daemon().unstarted(this::run);
    }

    private static ClientBuilder clientBuilder(final RegistryConfig config)
    {
        final ClientBuilder builder = Client.builder().endpoints(config.etcd().toArray(new java.net.URI[0]))
            .connectTimeout(java.time.Duration.ofSeconds(2)).retryMaxDuration(java.time.Duration.ofSeconds(2))
            .keepaliveTime(java.time.Duration.ofSeconds(5)).keepaliveTimeout(java.time.Duration.ofSeconds(3))
            .waitForReady(false);
        if (config.etcd().stream().anyMatch(uri -> "https".equals(uri.getScheme())))
        {
            try
            {
                builder.sslContext(ssl ->
                {
                    if (config.caFile() != null)
                    {
                        ssl.trustManager(config.caFile().toFile());
                    }
                    if (config.certFile() != null)
                    {
                        ssl.keyManager(config.certFile().toFile(), config.keyFile().toFile());
                    }
                });
            }
            catch (final javax.net.ssl.SSLException ex)
            {
                throw new IllegalArgumentException("registry: TLS settings refused: " + ex.getMessage(), ex);
            }
        }
        return builder;
    }

    public void start()
    {
        thread.start();
    }

    private String key(final String suffix)
    {
        return config.prefix() + suffix;
    }

    private static ByteSequence bytes(final String text)
    {
        return ByteSequence.from(text, StandardCharsets.UTF_8);
    }

    // ---- the registry thread ----

    private void run()
    {
        LOG.info("registry: node {} in mesh {} at {}", config.nodeName(), config.mesh(), config.etcd());
        while (!closed)
        {
            try
            {
                step();
            }
            catch (final InterruptedException ex)
            {
                break;
            }
            catch (final RuntimeException ex)
            {
                fail(ex);
            }
        }
        shutdown();
    }

    private void step() throws InterruptedException
    {
        final long now = System.nanoTime();
        if (now - nextEntryCheckNs >= 0)
        {
            dirty = true; // connected, shadowed and expiries show in the status: once a second at most
            nextEntryCheckNs = now + ENTRY_CHECK_NS;
            own = ownEntry();
            for (final String name : peers.expire(System.currentTimeMillis() / 1000))
            {
                refuse(name, new Refused(Refused.EXPIRED, "certificate of " + name + " expired: peer removed"));
            }
            peers.tick();
        }
        if (!connected && now - nextAttemptNs >= 0)
        {
            connect();
        }
        if (connected && now - nextKeepaliveNs >= 0)
        {
            keepAlive();
        }
        if (connected && own != null && !Arrays.equals(own.toJson(), published))
        {
            publish();
        }
        if (overflow && connected)
        {
            overflow = false;
            resync("the event queue overflowed");
        }
        if (dirty)
        {
            dirty = false;
            status = statusJson();
        }
        long wakeNs = nextEntryCheckNs;
        wakeNs = connected ? Math.min(wakeNs, nextKeepaliveNs) : Math.min(wakeNs, nextAttemptNs);
        final long waitMs = Math.clamp(TimeUnit.NANOSECONDS.toMillis(wakeNs - System.nanoTime()), 1, TICK_MS);
        Object event = events.poll(waitMs, TimeUnit.MILLISECONDS);
        while (event != null && !closed)
        {
            dirty = true;
            handle(event);
            event = events.poll();
        }
    }

    private void handle(final Object event) throws InterruptedException
    {
        if (event instanceof Watched w && w.generation() == generation)
        {
            for (final WatchEvent e : w.response().getEvents())
            {
                final String key = e.getKeyValue().getKey().toString(StandardCharsets.UTF_8);
                if (e.getEventType() == WatchEvent.EventType.PUT)
                {
                    put(key, e.getKeyValue().getValue().getBytes());
                }
                else if (e.getEventType() == WatchEvent.EventType.DELETE)
                {
                    delete(key);
                }
                revision = Math.max(revision, e.getKeyValue().getModRevision());
            }
            revision = Math.max(revision, w.response().getHeader().getRevision());
        }
        else if (event instanceof WatchFailed f && f.generation() == generation && connected)
        {
            resync("watch failed: " + f.cause());
        }
    }

    private Client client()
    {
        if (client == null)
        {
            client = clientBuilder.build();
        }
        return client;
    }

    /**
     * Reads the prefix (the first time; later the watch catches up from the last revision), registers (a new
     * lease, the entry under it) and watches from there. The lease is granted after the read, and kept alive
     * from the moment it was granted: the first connection of a new JVM on a busy machine took 4.4 s (50 nodes
     * on two vCPUs), longer than what is left of a 5 s lease after a keepalive period counted from the end.
     */
    private void connect() throws InterruptedException
    {
        try
        {
            final long startNs = System.nanoTime();
            final Client c = client();
            if (revision == 0)
            {
                fullRead();
            }
            final long readNs = System.nanoTime();
            leaseId = c.getLeaseClient().grant(config.leaseTtlSeconds()).get(CALL_TIMEOUT_MS, TimeUnit.MILLISECONDS)
                .getID();
            final long grantedNs = System.nanoTime();
            published = null;
            if (own != null)
            {
                publish();
            }
            watch(revision + 1);
            connected = true;
            connects++;
            backoffMs = BACKOFF_MIN_MS;
            nextKeepaliveNs = grantedNs + keepaliveIntervalNs();
            LOG.info("registry: connected to {} in {} ms (read {} ms; lease {}, revision {}, {} peers from the " +
                "registry)", config.etcd(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNs),
                TimeUnit.NANOSECONDS.toMillis(readNs - startNs), Long.toHexString(leaseId), revision,
                peers.accepted());
        }
        catch (final java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException ex)
        {
            fail(ex);
        }
    }

    private long keepaliveIntervalNs()
    {
        return TimeUnit.SECONDS.toNanos(config.leaseTtlSeconds()) / 3;
    }

    private void keepAlive() throws InterruptedException
    {
        try
        {
            final long ttl = client().getLeaseClient().keepAliveOnce(leaseId).get(CALL_TIMEOUT_MS,
                TimeUnit.MILLISECONDS).getTTL();
            if (ttl <= 0)
            {
                leasesLost++;
                fail(new IllegalStateException("lease " + Long.toHexString(leaseId) + " expired"));
                nextAttemptNs = System.nanoTime();
                return;
            }
            nextKeepaliveNs = System.nanoTime() + keepaliveIntervalNs();
        }
        catch (final java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException ex)
        {
            if (String.valueOf(ex.getCause()).contains("NOT_FOUND"))
            {
                leasesLost++;
            }
            fail(ex);
        }
    }

    private void publish() throws InterruptedException
    {
        final byte[] value = own.toJson();
        try
        {
            client().getKVClient().put(bytes(key(NODES + own.name())), ByteSequence.from(value),
                PutOption.builder().withLeaseId(leaseId).build()).get(CALL_TIMEOUT_MS, TimeUnit.MILLISECONDS);
            published = value;
        }
        catch (final java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException ex)
        {
            fail(ex);
        }
    }

    private void fullRead() throws InterruptedException, java.util.concurrent.ExecutionException,
        java.util.concurrent.TimeoutException
    {
        final var response = client().getKVClient().get(bytes(config.prefix()),
            GetOption.builder().isPrefix(true).build()).get(CALL_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        final Set<String> present = new HashSet<>();
        KeyValue denyValue = null;
        for (final KeyValue kv : response.getKvs())
        {
            final String key = kv.getKey().toString(StandardCharsets.UTF_8);
            if (key.equals(key(DENY)))
            {
                denyValue = kv;
            }
            else if (key.startsWith(key(NODES)))
            {
                present.add(key.substring(key(NODES).length()));
            }
        }
        if (denyValue != null)
        {
            put(key(DENY), denyValue.getValue().getBytes());
        }
        for (final String name : new ArrayList<>(peers.entries().keySet()))
        {
            if (!present.contains(name))
            {
                peers.remove(name);
            }
        }
        refusedEntries.keySet().retainAll(present);
        for (final KeyValue kv : response.getKvs())
        {
            put(kv.getKey().toString(StandardCharsets.UTF_8), kv.getValue().getBytes());
        }
        revision = response.getHeader().getRevision();
    }

    private void watch(final long fromRevision)
    {
        closeWatcher();
        final long tag = ++generation;
        watcher = client().getWatchClient().watch(bytes(config.prefix()), WatchOption.builder().isPrefix(true)
            .withRevision(fromRevision).withProgressNotify(true).build(), Watch.listener(
                response -> offer(new Watched(tag, response)), error -> offer(new WatchFailed(tag, error))));
    }

    private void offer(final Object event)
    {
        if (!events.offer(event))
        {
            overflow = true; // read everything again rather than lose an event
        }
    }

    private void resync(final String why) throws InterruptedException
    {
        LOG.info("registry: reading /l2mesh/{}/ again ({})", config.mesh(), why);
        try
        {
            fullRead();
            watch(revision + 1);
        }
        catch (final java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException ex)
        {
            fail(ex);
        }
    }

    /**
     * etcd could not be reached or refused: keep the peers as they are, retry later.
     */
    private void fail(final Exception ex)
    {
        final String message = ex instanceof java.util.concurrent.ExecutionException && ex.getCause() != null ?
            ex.getCause().toString() : ex.toString();
        if (connected || !message.equals(lastError))
        {
            LOG.warn("registry: etcd at {}: {}; keeping {} peers from the registry, retrying", config.etcd(),
                message, peers.accepted());
        }
        lastError = message;
        connected = false;
        closeWatcher();
        final long jitter = ThreadLocalRandom.current().nextLong(backoffMs / 4 + 1);
        nextAttemptNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(backoffMs + jitter);
        backoffMs = Math.min(backoffMs * 2, BACKOFF_MAX_MS);
        if (ex.getMessage() != null && ex.getMessage().contains("compacted"))
        {
            revision = 0; // the next connect reads everything
        }
    }

    private void closeWatcher()
    {
        generation++;
        if (watcher != null)
        {
            watcher.close();
            watcher = null;
        }
    }

    private void put(final String key, final byte[] value)
    {
        if (key.equals(key(DENY)))
        {
            putDeny(value);
            return;
        }
        if (!key.startsWith(key(NODES)))
        {
            return; // not ours to read (other tools may keep keys under the prefix)
        }
        final String name = key.substring(key(NODES).length());
        if (name.equals(config.nodeName()))
        {
            if (published != null && !Arrays.equals(value, published))
            {
                LOG.warn("registry: someone else wrote this node's entry {}; putting ours back", key);
                published = null;
            }
            return;
        }
        try
        {
            final NodeEntry entry = NodeEntry.parse(value);
            final NodeCertificate cert = EntryCheck.admit(name, entry, config.authority(), deny,
                System.currentTimeMillis() / 1000);
            final String holder = peers.nameOfKey(entry.publicKey());
            if (holder != null && !holder.equals(name) || Arrays.equals(entry.publicKey(),
                config.cert().publicKey()))
            {
                throw new Refused(Refused.DUPLICATE_KEY, "entry '" + name + "' has the tunnel key of '" +
                    (holder == null ? config.nodeName() : holder) + "'");
            }
            peers.put(new MeshPeers.Accepted(entry, cert));
            refusedEntries.remove(name);
        }
        catch (final Refused refused)
        {
            refuse(name, refused);
            if (peers.remove(name))
            {
                LOG.warn("registry: {} removed: its entry is no longer accepted", name);
            }
        }
    }

    private void delete(final String key)
    {
        if (key.startsWith(key(NODES)))
        {
            final String name = key.substring(key(NODES).length());
            refusedEntries.remove(name);
            if (peers.remove(name))
            {
                LOG.info("registry: {} left the mesh (entry deleted or lease expired)", name);
            }
            else if (name.equals(config.nodeName()))
            {
                published = null; // our own entry went (lease lost, or deleted by hand): put it back
            }
        }
        // A deleted deny list revokes nothing back: the highest serial seen stays.
    }

    private void putDeny(final byte[] value)
    {
        final DenyList list;
        try
        {
            list = DenyList.verify(new String(value, StandardCharsets.US_ASCII).strip(), config.authority());
        }
        catch (final Refused refused)
        {
            refuse(DENY, refused);
            return;
        }
        if (list.serial() <= deny.serial())
        {
            if (list.serial() < deny.serial())
            {
                logOnce("deny-serial-" + list.serial(), "registry: deny list serial {} ignored: {} is in force",
                    list.serial(), deny.serial());
            }
            return;
        }
        deny = list;
        saveDeny(value);
        LOG.info("registry: deny list serial {} in force ({} keys, {} names)", list.serial(), list.keys().size(),
            list.names().size());
        for (final MeshPeers.Accepted accepted : new ArrayList<>(peers.entries().values()))
        {
            if (deny.denies(accepted.cert().name(), accepted.cert().publicKey()))
            {
                peers.remove(accepted.entry().name());
                refuse(accepted.entry().name(), new Refused(Refused.REVOKED, accepted.entry().name() +
                    " revoked by deny list serial " + deny.serial() + ": peer removed"));
            }
        }
    }

    private void refuse(final String name, final Refused refused)
    {
        refusedCounts.merge(refused.reason(), 1L, Long::sum);
        refusedEntries.put(name, refused.reason());
        logOnce(name + " " + refused.reason(), "registry: entry {} refused: {}", name, refused.getMessage());
    }

    private void logOnce(final String what, final String format, final Object... args)
    {
        if (logged.size() >= MAX_LOGGED)
        {
            logged.clear();
        }
        if (logged.add(what))
        {
            LOG.warn(format, args);
        }
    }

    private void loadDeny()
    {
        if (denyFile == null || !Files.isRegularFile(denyFile))
        {
            return;
        }
        try
        {
            deny = DenyList.verify(Files.readString(denyFile, StandardCharsets.US_ASCII).strip(), config.authority());
        }
        catch (final IOException | Refused ex)
        {
            LOG.warn("registry: {} ignored: {}", denyFile, ex.getMessage());
        }
    }

    private void saveDeny(final byte[] value)
    {
        if (denyFile == null)
        {
            return;
        }
        try
        {
            Files.createDirectories(denyFile.getParent());
            final Path temporary = denyFile.resolveSibling(denyFile.getFileName() + ".tmp");
            Files.write(temporary, value);
            Files.move(temporary, denyFile, java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        catch (final IOException ex)
        {
            LOG.warn("registry: could not keep the deny list in {}: {}", denyFile, ex.toString());
        }
    }

    /**
     * @return this node's entry from the running config, or null if the publishing port is gone.
     */
    private NodeEntry ownEntry()
    {
        final PortConfig port = current.get().registryPort();
        if (port == null)
        {
            return null;
        }
        final PortConfig.Tunnel tunnel = port.tunnel();
        final Set<String> ports = new HashSet<>();
        current.get().ports().forEach(p -> ports.add(p.name()));
        final List<InetSocketAddress> endpoints = tunnel.advertise().isEmpty() ?
            localEndpoints(tunnel.listen(), ports) : tunnel.advertise();
        final List<InetSocketAddress> reflexive = new ArrayList<>();
        if (sw.ports().byName(port.name()) instanceof io.l2mesh.tunnel.TunnelPort running)
        {
            for (final InetSocketAddress seen : running.reflexiveEndpoints())
            {
                if (!endpoints.contains(seen) && reflexive.size() < NodeEntry.MAX_ENDPOINTS)
                {
                    reflexive.add(seen); // where our peers see us: behind a NAT, its mapping (docs/nat.md)
                }
            }
        }
        return new NodeEntry(config.nodeName(), tunnel.identity().publicKey(), endpoints, reflexive,
            tunnel.listen().getPort(),
            port.common().mtu() == 0 ? TunnelPortSpec.DEFAULT_MTU : port.common().mtu(), tunnel.fec().on() ?
            tunnel.fec() : null, PeerStatus.OWN_PROTOCOL_VERSION, config.certificate(), tunnel.relay().serve());
    }

    /**
     * @return the listen address if it is one, else this machine's addresses of its family on interfaces that are
     * up, without loopback and link-local ones and without the interfaces that are ports of this switch (a TAP
     * with an address is the overlay itself: a tunnel endpoint there would go through the tunnel), at the
     * listen port.
     */
    static List<InetSocketAddress> localEndpoints(final InetSocketAddress listen, final Set<String> switchPorts)
    {
        if (!listen.getAddress().isAnyLocalAddress())
        {
            return List.of(listen);
        }
        final List<InetSocketAddress> endpoints = new ArrayList<>();
        try
        {
            for (final NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces()))
            {
                if (!nif.isUp() || nif.isLoopback() || switchPorts.contains(nif.getName()))
                {
                    continue;
                }
                for (final InetAddress address : Collections.list(nif.getInetAddresses()))
                {
                    if (usable(address, listen.getAddress()) && endpoints.size() < NodeEntry.MAX_ENDPOINTS)
                    {
                        endpoints.add(new InetSocketAddress(address, listen.getPort()));
                    }
                }
            }
        }
        catch (final SocketException ex)
        {
            LOG.warn("registry: cannot list this machine's addresses: {}", ex.toString());
        }
        return endpoints;
    }

    static boolean usable(final InetAddress address, final InetAddress listen)
    {
        return !address.isLoopbackAddress() && !address.isLinkLocalAddress() && !address.isAnyLocalAddress() &&
            !address.isMulticastAddress() && (address instanceof Inet6Address) == (listen instanceof Inet6Address);
    }

    private ObjectNode statusJson()
    {
        final ObjectNode status = NodeCertificate.JSON.createObjectNode();
        status.put("node", config.nodeName());
        status.put("mesh", config.mesh());
        final ArrayNode etcd = status.putArray("etcd");
        config.etcd().forEach(uri -> etcd.add(uri.toString()));
        status.put("connected", connected);
        status.put("last_error", connected ? "" : lastError);
        status.put("revision", revision);
        status.put("lease", connected ? Long.toHexString(leaseId) : "");
        status.put("lease_ttl_s", config.leaseTtlSeconds());
        status.put("connects", connects);
        status.put("leases_lost", leasesLost);
        status.put("published", published != null);
        status.put("deny_serial", deny.serial());
        status.put("accepted", peers.accepted());
        status.put("shadowed", peers.shadowed());
        final ObjectNode refused = status.putObject("refused");
        refusedCounts.forEach(refused::put);
        final ArrayNode entries = status.putArray("entries");
        final Map<String, String> states = new TreeMap<>(refusedEntries);
        peers.entries().forEach((name, accepted) -> states.put(name, peers.isShadowed(name) ? "shadowed" :
            "accepted"));
        final Map<String, MeshPeers.Accepted> accepted = new HashMap<>(peers.entries());
        states.forEach((name, state) ->
        {
            final ObjectNode e = entries.addObject();
            e.put("name", name);
            e.put("state", state);
            final MeshPeers.Accepted a = accepted.get(name);
            e.put("endpoints", a == null ? "" : String.join(",", a.entry().endpoints().stream()
                .map(NodeEntry::format).toList()));
            e.put("reflexive", a == null ? "" : String.join(",", a.entry().reflexive().stream()
                .map(NodeEntry::format).toList()));
            e.put("expires", a == null ? 0 : a.cert().notAfter());
        });
        return status;
    }

    /**
     * @return the registry's state for {@code registry show}: the registry thread's latest snapshot (at most a
     * tick old), so the control loop never waits on etcd.
     */
    public ObjectNode status()
    {
        return status.deepCopy();
    }

    private void shutdown()
    {
        closeWatcher();
        if (client != null)
        {
            if (connected)
            {
                try
                {
                    client.getLeaseClient().revoke(leaseId).get(1, TimeUnit.SECONDS); // leave at once
                }
                catch (final Exception ex)
                {
                    LOG.info("registry: lease not revoked ({}); it expires in {} s", ex.toString(),
                        config.leaseTtlSeconds());
                }
            }
            client.close();
        }
        connected = false;
    }

    @Override
    public void close()
    {
        closed = true;
        try
        {
            thread.join(TimeUnit.SECONDS.toMillis(3));
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive())
        {
            thread.interrupt();
        }
    }
}
