package io.l2mesh.tunnel;

import io.l2mesh.switching.stats.DropReason;
import io.l2mesh.switching.stats.PortCounters;
import io.l2mesh.tunnel.noise.CookieChecker;
import io.l2mesh.tunnel.noise.Handshake;
import io.l2mesh.tunnel.udp.UdpLoopSockets;

import java.lang.foreign.MemorySegment;

/**
 * Where a handshake message from the network is admitted, on the loop that read it, before it costs the agent
 * anything (WireGuard 5.3, the first item of the remote-trust issue):
 * <ol>
 * <li>mac1 is checked (allocation-free); a wrong one is a counted drop ({@code handshake_mac1_bad}), so random
 * bytes never take a queue slot or budget.</li>
 * <li>Initiations, under load ({@link HandshakeLoad}): without a valid mac2 they are answered with a cookie reply
 * from this loop's socket ({@code cookie_sent}) and go no further, or beyond the port's cap on cookie replies
 * dropped unanswered ({@code cookie_capped}) unless their source tries again ({@link CappedSources}); with one
 * they are queued, marked for their source's token bucket ({@link SourceRateLimiter}, applied by the agent).</li>
 * <li>Queued in the initiation inbox, or for responses and cookie replies the reply inbox; a full one is a
 * counted drop ({@code handshake}).</li>
 * </ol>
 * While under load the loops' sockets also queue less ({@link #limitQueues}).
 */
final class HandshakeGate
{
    /** SO_RCVBUF of each loop socket while under load: about 500 queued handshake messages. */
    static final int UNDER_LOAD_RECEIVE_BUFFER = 192 << 10;

    private final UdpLoopSockets sockets;
    private final CookieChecker cookies;
    private final HandshakeLoad load = new HandshakeLoad();
    private final HandshakeInbox initiations;
    private final HandshakeInbox replies;
    private final HandshakeCounters counters;
    private boolean queuesShort;

    HandshakeGate(final UdpLoopSockets sockets, final CookieChecker cookies, final HandshakeInbox initiations,
        final HandshakeInbox replies, final HandshakeCounters counters)
    {
        this.sockets = sockets;
        this.cookies = cookies;
        this.initiations = initiations;
        this.replies = replies;
        this.counters = counters;
    }

    CookieChecker.Worker worker()
    {
        return cookies.worker();
    }

    /**
     * @return true if {@code type} and {@code length} are those of a handshake message.
     */
    static boolean isHandshake(final byte type, final int length)
    {
        return (type == Handshake.TYPE_INITIATION && length == Handshake.INITIATION_LENGTH) ||
            (type == Handshake.TYPE_RESPONSE && length == Handshake.RESPONSE_LENGTH) ||
            (type == Handshake.TYPE_COOKIE && length == Handshake.COOKIE_REPLY_LENGTH);
    }

    /**
     * Loop: the handshake message of {@code length} bytes in the loop's work buffer, from {@code loop.from}.
     */
    void admit(final TunnelLoop loop, final int length, final long[] portSlots)
    {
        final byte[] work = loop.work;
        final byte type = work[0];
        if (type != Handshake.TYPE_COOKIE && !loop.cookies.mac1Valid(work, length))
        {
            counters.increment(HandshakeCounters.MAC1_BAD);
            PortCounters.drop(portSlots, DropReason.HANDSHAKE);
            return;
        }
        final int fromLength = loop.fromLength();
        boolean checkedUnderLoad = false;
        if (type == Handshake.TYPE_INITIATION && !RelayAddress.is(loop.from, fromLength))
        {
            // (One through a relay came on an authenticated member's session, within its pair's allowance.)
            final long now = System.nanoTime(); // per handshake message, never per frame
            if (load.underLoad(now, initiations.queued()))
            {
                MemorySegment.copy(loop.from, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, loop.fromBytes, 0,
                    fromLength);
                if (!loop.cookies.mac2Valid(work, length, loop.fromBytes, fromLength, now))
                {
                    if (!load.cookieAllowed(now) &&
                        !(loop.cappedSources.retried(loop.fromBytes, fromLength, now) && load.retryCookieAllowed(now)))
                    {
                        counters.increment(HandshakeCounters.COOKIE_CAPPED);
                        PortCounters.drop(portSlots, DropReason.HANDSHAKE);
                        return;
                    }
                    final int n = loop.cookies.reply(work, length, loop.fromBytes, fromLength, now, loop.cookieOut);
                    sockets.socket(loop.loopId).sendTo(loop.errno, loop.cookieOutSegment, n, loop.from.address(),
                        fromLength);
                    counters.increment(HandshakeCounters.COOKIE_SENT);
                    return;
                }
                counters.increment(HandshakeCounters.MAC2_VALID);
                checkedUnderLoad = true;
            }
        }
        final HandshakeInbox inbox = type == Handshake.TYPE_INITIATION ? initiations : replies;
        if (inbox.offer(work, length, loop.from, fromLength, checkedUnderLoad))
        {
            loop.handshakesQueued = true;
        }
        else
        {
            counters.increment(HandshakeCounters.QUEUE_FULL);
            PortCounters.drop(portSlots, DropReason.HANDSHAKE);
        }
    }

    /**
     * Agent, at each tick: while the port is under load, each loop socket's receive queue is cut to
     * {@link #UNDER_LOAD_RECEIVE_BUFFER}, and given back its {@link UdpLoopSockets#SOCKET_BUFFER} after. A flood
     * faster than the loops fills any queue, so its length decides not how much is lost (the excess over what
     * the loops read) but how long every datagram waits in it: behind 4 MiB of initiations a real peer's
     * initiation, its retry with mac2 and its confirmation each waited about a second on a 2-CPU machine, and its
     * comeback took three such waits. With the short queue each waits milliseconds. Two setsockopt calls per
     * flood, never on a loop.
     */
    void limitQueues(final long nowNanos)
    {
        final boolean loaded = underLoad(nowNanos);
        if (loaded != queuesShort)
        {
            queuesShort = loaded; // first: a refused setsockopt is reported once (the agent's error count), not
            sockets.receiveBuffer(loaded ? UNDER_LOAD_RECEIVE_BUFFER : UdpLoopSockets.SOCKET_BUFFER); // per tick
        }
    }

    /**
     * @return true if the responder is under load now (status).
     */
    boolean underLoad(final long nowNanos)
    {
        return load.held(nowNanos) || initiations.queued() >= HandshakeLoad.THRESHOLD;
    }
}
