package io.l2mesh.control.server;

import io.l2mesh.tuntap.Directory;
import io.l2mesh.tuntap.SeqpacketSocket;
import io.l2mesh.switching.Switch;
import io.netty.channel.IoEvent;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoRegistration;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandle;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollIoOps;
import io.netty.channel.unix.FileDescriptor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The control socket server: a {@code SOCK_SEQPACKET} listener and its clients on one Netty epoll loop of their
 * own ({@code l2mesh-ctl}), never on a datapath loop. Every socket is non-blocking: a client that sends slowly
 * costs nothing, and one that does not read its answers is dropped, so no client can block the daemon.
 */
public final class ControlServer implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(ControlServer.class);
    private static final int BACKLOG = 64;
    private static final int SOCKET_DIRECTORY_MODE = 0750;
    private static final int MAX_REFUSING = 64;
    private static final long REFUSAL_WAIT_MS = 2_000;

    private final Path path;
    private final SeqpacketSocket listener;
    private final Authorizer authorizer;
    private final MultiThreadIoEventLoopGroup group;
    private final IoEventLoop loop;
    private final CommandHandler commands;
    private final Set<ControlConnection> connections = ConcurrentHashMap.newKeySet();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicInteger refusing = new AtomicInteger(); // refused clients waiting to send their request
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong denied = new AtomicLong();
    private final RequestCounters requestCounters = new RequestCounters();

    private ControlServer(final Path path, final int mode, final Authorizer authorizer, final Switch sw,
        final io.l2mesh.control.config.ConfigStore store, final io.l2mesh.control.mesh.MeshRegistry registry,
        final Runnable shutdown)
    {
        this.path = path;
        this.authorizer = authorizer;
        // A new directory is 0750 and belongs to the socket's group (0751 when the socket's own mode admits every
        // user, who must then reach it); an existing one that others may write to is refused. A file at the
        // socket's path that is not a socket is refused, never deleted.
        final int directoryMode = SOCKET_DIRECTORY_MODE | ((mode & 0002) != 0 ? 0001 : 0);
        if (Directory.ensure(path.toAbsolutePath().getParent(), directoryMode, authorizer.socketGid()))
        {
            LOG.info("created {} (mode 0{})", path.toAbsolutePath().getParent(), Integer.toOctalString(directoryMode));
        }
        this.listener = SeqpacketSocket.listen(path.toAbsolutePath(), mode, authorizer.socketGid(), BACKLOG);
        this.group = new MultiThreadIoEventLoopGroup(1, r ->
        {
            final Thread thread = new Thread(r, "l2mesh-ctl");
            thread.setDaemon(true);
            return thread;
        }, EpollIoHandler.newFactory());
        this.loop = (IoEventLoop)group.next();
        this.commands = new CommandHandler(sw, this, store, registry, shutdown);
    }

    /**
     * @return every command and the role it needs (docs/control-protocol.md lists the same).
     */
    public static java.util.Map<String, Role> commandRoles()
    {
        return CommandHandler.COMMANDS;
    }

    /**
     * Listens on {@code path} and serves requests until {@link #close()}.
     */
    public static ControlServer start(final Path path, final int mode, final Authorizer authorizer, final Switch sw,
        final io.l2mesh.control.config.ConfigStore store, final Runnable shutdown)
    {
        return start(path, mode, authorizer, sw, store, null, shutdown);
    }

    /**
     * As {@link #start(Path, int, Authorizer, Switch, io.l2mesh.control.config.ConfigStore, Runnable)}, with the
     * mesh registry whose state {@code registry.show} gives (null: none).
     */
    public static ControlServer start(final Path path, final int mode, final Authorizer authorizer, final Switch sw,
        final io.l2mesh.control.config.ConfigStore store, final io.l2mesh.control.mesh.MeshRegistry registry,
        final Runnable shutdown)
    {
        final ControlServer server = new ControlServer(path, mode, authorizer, sw, store, registry, shutdown);
        try
        {
            server.register(new ListenHandle(server)).get(5, TimeUnit.SECONDS);
        }
        catch (final Exception ex)
        {
            server.close();
            throw new IllegalStateException("cannot serve the control socket: " + ex, ex);
        }
        LOG.info("control socket {} (mode {})", path, Integer.toOctalString(mode));
        return server;
    }

    IoEventLoop loop()
    {
        return loop;
    }

    CommandHandler commands()
    {
        return commands;
    }

    public Path path()
    {
        return path;
    }

    Authorizer authorizer()
    {
        return authorizer;
    }

    /**
     * Counts a request refused because the client's role does not allow it.
     */
    void onDenied()
    {
        denied.incrementAndGet();
    }

    public long deniedCount()
    {
        return denied.get();
    }

    public long refusedCount()
    {
        return refused.get();
    }

    public long droppedCount()
    {
        return dropped.get();
    }

    public long requestCount()
    {
        return requests.get();
    }

    /**
     * @return requests by role and result (any thread).
     */
    public RequestCounters requestCounters()
    {
        return requestCounters;
    }

    public int connectionCount()
    {
        return Math.max(0, connections.size() - refusing.get());
    }

    void onRequest()
    {
        requests.incrementAndGet();
    }

    void onDropped(final ControlConnection connection, final String why)
    {
        dropped.incrementAndGet();
        LOG.debug("control client dropped: {}", why);
        connection.close();
    }

    void forget(final ControlConnection connection)
    {
        if (connections.remove(connection) && connection.isRefused())
        {
            refusing.decrementAndGet();
        }
    }

    io.netty.util.concurrent.Future<IoRegistration> register(final RegisteredHandle handle)
    {
        final io.netty.util.concurrent.Future<IoRegistration> registered = loop.register(handle);
        registered.addListener(f ->
        {
            if (registered.isSuccess())
            {
                handle.registration(registered.getNow());
                registered.getNow().submit(EpollIoOps.EPOLLIN.with(EpollIoOps.EPOLLRDHUP));
            }
            else
            {
                handle.close();
            }
        });
        return registered;
    }

    private void onAcceptable()
    {
        SeqpacketSocket client;
        while ((client = listener.accept()) != null)
        {
            final ControlConnection connection;
            final Role role;
            try
            {
                final io.l2mesh.tuntap.PeerCred peer = client.peerCred();
                role = authorizer.role(peer);
                connection = new ControlConnection(this, client, peer, role);
            }
            catch (final RuntimeException ex)
            {
                LOG.warn("control client refused: its credentials could not be read: {}", ex.toString());
                refused.incrementAndGet();
                client.close();
                continue;
            }
            if (role == Role.NONE)
            {
                refused.incrementAndGet();
                if (refusing.get() >= MAX_REFUSING)
                {
                    // A flood of refused clients: hang up at once rather than hold their sockets open.
                    connection.close();
                    continue;
                }
                refusing.incrementAndGet();
                connection.refuse(authorizer.refusal(connection.peer()));
                // A refused client that never sends is hung up on after a while.
                loop.schedule(connection::close, REFUSAL_WAIT_MS, TimeUnit.MILLISECONDS);
            }
            connections.add(connection);
            register(connection);
        }
    }

    @Override
    public void close()
    {
        commands.stopCaptures();
        for (final ControlConnection connection : connections)
        {
            loop.execute(connection::close);
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
        listener.close(); // and its socket file, while it is still ours
    }

    /**
     * An fd on the control loop's epoll set.
     */
    abstract static class RegisteredHandle implements EpollIoHandle
    {
        private final FileDescriptor fd;
        private IoRegistration registration;

        RegisteredHandle(final int fd)
        {
            this.fd = new FileDescriptor(fd);
        }

        void registration(final IoRegistration registration)
        {
            this.registration = registration;
        }

        void cancel()
        {
            if (registration != null)
            {
                registration.cancel();
            }
        }

        @Override
        public FileDescriptor fd()
        {
            return fd;
        }

        @Override
        public void close()
        {
        }
    }

    private static final class ListenHandle extends RegisteredHandle
    {
        private final ControlServer server;

        ListenHandle(final ControlServer server)
        {
            super(server.listener.fd());
            this.server = server;
        }

        @Override
        public void handle(final IoRegistration registration, final IoEvent event)
        {
            try
            {
                server.onAcceptable();
            }
            catch (final RuntimeException ex)
            {
                LOG.warn("accept on the control socket: {}", ex.toString());
            }
        }
    }
}
