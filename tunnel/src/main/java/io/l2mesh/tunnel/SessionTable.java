package io.l2mesh.tunnel;

import org.jctools.maps.NonBlockingHashMapLong;

import java.security.SecureRandom;
import java.util.ArrayDeque;

/**
 * Every live session of a tunnel port by its local index (the receiver index peers put in their transport
 * messages), as WireGuard's index table: the loops look a message's session up here ({@link #get}, lock-free);
 * only the tunnel agent installs and retires sessions. Each peer keeps at most {@link #SESSIONS_PER_PEER} (the
 * current one, its predecessor while messages sealed with it are in flight, and one being confirmed).
 */
final class SessionTable
{
    static final int SESSIONS_PER_PEER = 3;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final NonBlockingHashMapLong<Session> byIndex = new NonBlockingHashMapLong<>();

    /**
     * Loops: the session a message names, or null.
     */
    Session get(final int localIndex)
    {
        return byIndex.get(Integer.toUnsignedLong(localIndex));
    }

    /**
     * Agent: a fresh random index no live session uses.
     */
    int newIndex()
    {
        int index;
        do
        {
            index = RANDOM.nextInt();
        }
        while (index == 0 || byIndex.containsKey(Integer.toUnsignedLong(index)));
        return index;
    }

    /**
     * Agent: makes {@code session} findable and retires the peer's oldest beyond the limit.
     */
    void install(final Peer peer, final Session session)
    {
        byIndex.put(Integer.toUnsignedLong(session.localIndex), session);
        final ArrayDeque<Session> own = peer.agent.sessions;
        own.addLast(session);
        while (own.size() > SESSIONS_PER_PEER)
        {
            byIndex.remove(Integer.toUnsignedLong(own.removeFirst().localIndex));
        }
    }

    /**
     * Agent: retires the peer's sessions older than {@code maxAgeNanos}; the current one too, if it is among them.
     */
    void retireOlderThan(final Peer peer, final long nowNanos, final long maxAgeNanos)
    {
        final ArrayDeque<Session> own = peer.agent.sessions;
        while (!own.isEmpty() && nowNanos - own.peekFirst().createdNanos > maxAgeNanos)
        {
            final Session old = own.removeFirst();
            byIndex.remove(Integer.toUnsignedLong(old.localIndex));
            if (peer.current() == old)
            {
                peer.current(null);
            }
        }
    }

    /**
     * Agent: retires every session of a removed peer.
     */
    void retireAll(final Peer peer)
    {
        final ArrayDeque<Session> own = peer.agent.sessions;
        while (!own.isEmpty())
        {
            byIndex.remove(Integer.toUnsignedLong(own.removeFirst().localIndex));
        }
        peer.current(null);
    }

    /**
     * @return the newest session of the peer, or null (agent).
     */
    static Session newest(final Peer peer)
    {
        return peer.agent.sessions.peekLast();
    }

    int size()
    {
        return byIndex.size();
    }
}
