package io.l2mesh.tunnel;

import org.jctools.maps.NonBlockingHashMapLong;

import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.Iterator;

/**
 * Every live session of a tunnel port by its local index (the receiver index peers put in their transport
 * messages), as WireGuard's index table: the loops look a message's session up here ({@link #get}, lock-free);
 * only the tunnel agent installs and retires sessions. Each peer keeps at most {@link #SESSIONS_PER_PEER}
 * confirmed ones (the current one, its predecessor while messages sealed with it are in flight, and one more), and
 * beside them up to {@link #UNCONFIRMED_PER_PEER} we answered as responder that await the initiator's first
 * message. That is as many as the initiator keeps initiations ({@link PeerAgentState#KEPT_INITIATIONS}): it
 * retries every 100 ms, faster than the round trip through a flooded peer's socket queue, so we answer several
 * before it takes the first response; its confirmation arrives on that one a queue's delay later, and must still
 * find it. Only the peer itself makes sessions (an initiation proves its static key and a fresh timestamp).
 */
final class SessionTable
{
    static final int SESSIONS_PER_PEER = 3;
    static final int UNCONFIRMED_PER_PEER = PeerAgentState.KEPT_INITIATIONS;
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
     * Agent: makes {@code session} findable and retires the peer's oldest beyond the limits, confirmed and
     * unconfirmed counted apart.
     */
    void install(final Peer peer, final Session session)
    {
        byIndex.put(Integer.toUnsignedLong(session.localIndex), session);
        final ArrayDeque<Session> own = peer.agent.sessions;
        own.addLast(session);
        int unconfirmed = 0;
        for (final Session s : own)
        {
            unconfirmed += s.confirmed() ? 0 : 1;
        }
        retireOldest(peer, false, unconfirmed - UNCONFIRMED_PER_PEER);
        retireOldest(peer, true, own.size() - unconfirmed - SESSIONS_PER_PEER);
    }

    /**
     * Retires the {@code count} oldest of the peer's sessions whose confirmation is {@code confirmed}, never its
     * current one (that one goes by age).
     */
    private void retireOldest(final Peer peer, final boolean confirmed, final int count)
    {
        int left = count;
        for (final Iterator<Session> it = peer.agent.sessions.iterator(); left > 0 && it.hasNext(); )
        {
            final Session s = it.next();
            if (s.confirmed() == confirmed && s != peer.current())
            {
                it.remove();
                byIndex.remove(Integer.toUnsignedLong(s.localIndex));
                left--;
            }
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
