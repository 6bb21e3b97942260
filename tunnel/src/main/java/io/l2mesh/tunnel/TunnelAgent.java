package io.l2mesh.tunnel;

import io.l2mesh.tunnel.noise.CookieChecker;
import io.l2mesh.tunnel.noise.Handshake;
import io.l2mesh.switching.stats.DropReason;
import io.l2mesh.switching.stats.PortCounters;
import org.jctools.queues.MpscArrayQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * The tunnel's slow path, an Aeron-style agent on a thread of its own, so that handshakes (two X25519 operations
 * and a dozen BLAKE2s each) never run on a datapath loop. Its duty cycle ({@link #doWork}): run control-plane
 * commands (a peer removed), handle queued replies to our initiations, then queued initiations (those checked
 * under load within their source's {@link SourceRateLimiter}) within the {@link HandshakeBudget}, and every
 * {@link #TICK_NANOS} (or at once when a loop asks for a handshake) run the {@link PeerTimers}; with nothing to
 * do it parks until woken or the next tick.
 */
final class TunnelAgent
{
    static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    private static final long ANSWER_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final long ANSWER_AWAITED_NANOS = TimeUnit.SECONDS.toNanos(3);
    private static final int COMMANDS = 64;
    private static final Logger LOG = LoggerFactory.getLogger(TunnelAgent.class);

    private static final long AGEING_PERIOD_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final String portName;
    private final PeerTable peers;
    private final HandshakeInbox initiations;
    private final HandshakeInbox replies;
    private final HandshakeBudget budget = new HandshakeBudget();
    private final SourceRateLimiter sources = new SourceRateLimiter();
    private final HandshakeCounters handshakeCounters;
    private final HandshakeGate gate;
    private final CookieChecker.Worker cookies;
    private final HandshakeInbox.Slot answer = new HandshakeInbox.Slot();
    private final Handshakes handshakes;
    private final PeerTimers timers;
    private final AgentSender sender;
    private final long[] agentSlots;
    private final MpscArrayQueue<Runnable> commands = new MpscArrayQueue<>(COMMANDS);
    private final LongAdder errors = new LongAdder();
    private final PeerByMac peerByMac;
    private long nextAgeingNanos;
    private volatile boolean running;
    private Thread worker;
    private long nextTickNanos;

    TunnelAgent(final String portName, final PeerTable peers, final HandshakeInbox initiations,
        final HandshakeInbox replies, final HandshakeCounters handshakeCounters, final HandshakeGate gate,
        final Handshakes handshakes,
        final PeerTimers timers, final AgentSender sender, final long[] agentSlots, final PeerByMac peerByMac)
    {
        this.peerByMac = peerByMac;
        this.portName = portName;
        this.peers = peers;
        this.initiations = initiations;
        this.replies = replies;
        this.handshakeCounters = handshakeCounters;
        this.gate = gate;
        this.cookies = gate.worker();
        this.handshakes = handshakes;
        this.timers = timers;
        this.sender = sender;
        this.agentSlots = agentSlots;
    }

    long rejectAfterNanos()
    {
        return timers.rejectAfterNanos();
    }

    /**
     * @return exceptions and errors the agent survived (each lost one duty cycle's remaining work).
     */
    long errors()
    {
        return errors.sum();
    }

    void start()
    {
        running = true;
        worker = new Thread(this::run, "l2mesh-hs-" + portName);
        worker.setDaemon(true);
        worker.start();
    }

    void stop()
    {
        running = false;
        final Thread t = worker;
        if (t != null)
        {
            LockSupport.unpark(t);
            try
            {
                t.join(5_000);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }
        sender.close();
    }

    /**
     * Any thread: the agent should look now (handshake messages queued, a peer wants a session, a report came).
     */
    void wake()
    {
        final Thread t = worker;
        if (t != null)
        {
            LockSupport.unpark(t);
        }
    }

    /**
     * Control thread: runs {@code command} on the agent thread (which owns sessions and per-peer agent state).
     *
     * @return false if the command queue is full.
     */
    boolean submit(final Runnable command)
    {
        final boolean queued = commands.offer(command);
        wake();
        return queued;
    }

    /**
     * Any thread: the peer's candidates changed (its registry entry, its DNS name). A peer without a session is
     * tried at once at its new candidates, with the fast retries again: both ends of a pair see the entry's
     * update within about the same moment, so their initiations cross and open both NATs (hole punching).
     */
    void candidatesChanged(final Peer peer)
    {
        submit(() ->
        {
            if (peer.current() == null)
            {
                peer.agent.unanswered = 0;
            }
        });
    }

    private void run()
    {
        while (running)
        {
            try
            {
                if (doWork(System.nanoTime()) == 0)
                {
                    // Answers to our initiations come to our own socket, not through a loop: look often while
                    // one is awaited.
                    LockSupport.parkNanos(answerAwaited(System.nanoTime()) ? ANSWER_POLL_NANOS : TICK_NANOS);
                }
            }
            catch (final VirtualMachineError fatal)
            {
                throw fatal; // out of memory, stack overflow, an internal JVM error: nothing to go on with
            }
            catch (final Throwable t)
            {
                // Any other exception or error (a bug, a LinkageError) loses this cycle's work, not the agent:
                // without it no peer would ever handshake again. Counted, logged, and a tick's pause.
                errors.increment();
                LOG.warn("tunnel {}: agent: {}", portName, t.toString());
                LockSupport.parkNanos(TICK_NANOS);
            }
        }
    }

    /**
     * Responses and cookie replies that came to the agent's own socket (where our initiations go from), handled at
     * once: mac1 first, as on the loops.
     */
    private int readAnswers(final long now)
    {
        int read = 0;
        int length;
        while (read < HandshakeInbox.REPLY_CAPACITY && (length = sender.receiveAnswer()) > 0)
        {
            read++;
            final byte[] message = sender.answer();
            final byte type = message[0];
            if (!(type == Handshake.TYPE_RESPONSE && length == Handshake.RESPONSE_LENGTH) &&
                !(type == Handshake.TYPE_COOKIE && length == Handshake.COOKIE_REPLY_LENGTH))
            {
                PortCounters.drop(agentSlots, DropReason.MALFORMED);
                continue;
            }
            if (type == Handshake.TYPE_RESPONSE && !cookies.mac1Valid(message, length))
            {
                handshakeCounters.increment(HandshakeCounters.MAC1_BAD);
                PortCounters.drop(agentSlots, DropReason.HANDSHAKE);
                continue;
            }
            answer.fill(message, length, sender.answerFrom(), sender.answerFromLength(), false);
            handshakes.handle(answer, now);
        }
        return read;
    }

    /**
     * @return true if an initiation of ours went out lately (within the fast retries) and is unanswered; a peer
     * that stays silent longer is looked for at the tick only, so a dead peer costs no wake-ups.
     */
    private boolean answerAwaited(final long now)
    {
        for (final Peer peer : peers.peers())
        {
            if (peer.agent.hasPending() && now - peer.agent.lastInitiationNanos < ANSWER_AWAITED_NANOS)
            {
                return true;
            }
        }
        return false;
    }

    /**
     * One duty cycle.
     *
     * @return how much work was done (0: park).
     */
    int doWork(final long now)
    {
        int work = commands.drain(Runnable::run, COMMANDS);
        work += readAnswers(now);
        HandshakeInbox.Slot slot;
        // Answers to our own initiations first: a flood of initiations never delays them.
        while ((slot = replies.poll()) != null)
        {
            try
            {
                handshakes.handle(slot, now);
            }
            finally
            {
                replies.release(slot);
            }
            work++;
        }
        while ((slot = initiations.poll()) != null)
        {
            try
            {
                if (slot.underLoad && !sources.allow(slot.source, slot.sourceLength, now))
                {
                    handshakeCounters.increment(HandshakeCounters.COOKIE_RATE_LIMITED);
                    PortCounters.drop(agentSlots, DropReason.HANDSHAKE);
                }
                else if (budget.take(now))
                {
                    handshakes.handle(slot, now);
                }
                else
                {
                    handshakeCounters.increment(HandshakeCounters.BUDGET_SPENT);
                    PortCounters.drop(agentSlots, DropReason.HANDSHAKE);
                }
            }
            finally
            {
                initiations.release(slot);
            }
            work++;
        }
        if (now - nextTickNanos >= 0 || anyHandshakeWanted())
        {
            timers.tick(peers.peers(), now);
            gate.limitQueues(now);
            nextTickNanos = now + TICK_NANOS;
        }
        if (now - nextAgeingNanos >= 0)
        {
            peerByMac.age(now); // MACs behind peers, as the switch ages its table
            nextAgeingNanos = now + AGEING_PERIOD_NANOS;
        }
        return work;
    }

    private boolean anyHandshakeWanted()
    {
        for (final Peer peer : peers.peers())
        {
            if (peer.handshakeWanted.get())
            {
                return true;
            }
        }
        return false;
    }

    /**
     * Test hook: sends transport messages of {@code kind}, message i on {@code streams[i]} with the raw bytes
     * {@code payloads[i]}, on the peer's current session, from the agent thread (a test peer that speaks a newer
     * or a hostile wire).
     */
    boolean sendRaw(final Peer peer, final int kind, final int[] streams, final byte[][] payloads)
    {
        for (final byte[] payload : payloads)
        {
            if (payload.length > AgentSender.MAX_PAYLOAD)
            {
                throw new IllegalArgumentException("payload of " + payload.length + " bytes exceeds " +
                    AgentSender.MAX_PAYLOAD);
            }
        }
        return submit(() ->
        {
            final Session session = peer.current();
            for (int i = 0; session != null && i < payloads.length; i++)
            {
                final byte[] payload = payloads[i];
                sender.message(peer, session, kind, streams[i], (buffer, at) ->
                {
                    System.arraycopy(payload, 0, buffer, at, payload.length);
                    return at + payload.length;
                });
            }
        });
    }
}
