package io.l2mesh.tunnel;

import io.l2mesh.switching.stats.PortCounters;
import io.l2mesh.tunnel.noise.Handshake;
import io.l2mesh.tunnel.noise.HandshakePeer;
import io.l2mesh.tuntap.SocketAddresses;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One peer of a tunnel port, shared by the datapath loops (which read its current session and endpoint and count
 * its traffic) and the handshake agent (which makes and retires sessions). Fields the loops read are volatile
 * and replaced whole; counters are per-thread single-writer slots ({@link PortCounters}, the agent's slot last).
 */
final class Peer
{
    final PeerSpec spec;
    final HandshakePeer handshake;
    final PortCounters counters;
    /** Position in the port's peer array. */
    final int index;
    /** Set by a loop that had a frame for this peer but no session: the agent starts a handshake. */
    final AtomicBoolean handshakeWanted = new AtomicBoolean();
    private volatile MemorySegment endpoint; // sockaddr, never changed once published
    private volatile Session current;
    private volatile long lastReceivedNanos;
    private volatile long lastSentNanos;
    private volatile long lastHandshakeMillis;
    private volatile long endpointChanges;
    /** This peer's own FEC setting, or null for the port's (changed at run time by the control plane). */
    volatile FecSpec ownFec;
    /** The FEC this peer gets when its setting is adaptive: (k, m for this peer); set by the agent. */
    volatile FecSpec adaptedFec;
    /** Loss (parts per million) the peer last reported seeing from us, and how many reports came. */
    volatile int reportedLossPpm;
    volatile long reports;
    // Handshake agent only: the adaptive parity, and the decode sums at the last report we sent.
    io.l2mesh.fec.stream.AdaptiveParity adaptive;
    long reportsSeen;
    long lastDecodedFrames;
    long lastLostFrames;
    long lastShards;
    // Handshake agent only:
    Handshake.Initiation pending;
    long lastInitiationNanos;

    Peer(final PeerSpec spec, final int threads, final int index)
    {
        this.spec = spec;
        this.index = index;
        this.handshake = new HandshakePeer(spec.publicKey(), spec.presharedKey());
        this.counters = new PortCounters(threads);
        this.ownFec = spec.fec();
        if (spec.endpoint() != null)
        {
            final MemorySegment address = Arena.ofAuto().allocate(SocketAddresses.MAX_LENGTH, 8);
            final int length = SocketAddresses.write(address, 0, spec.endpoint());
            this.endpoint = address.asSlice(0, length);
        }
    }

    String name()
    {
        return spec.name();
    }

    MemorySegment endpoint()
    {
        return endpoint;
    }

    InetSocketAddress endpointAddress()
    {
        final MemorySegment address = endpoint;
        return address == null ? null : SocketAddresses.read(address, 0);
    }

    /**
     * Follows the peer to the address an authenticated packet came from (roaming). Allocates only when the
     * address changes.
     */
    void noteSource(final MemorySegment from, final int length)
    {
        final MemorySegment next = SocketAddresses.changedCopy(endpoint, from, length);
        if (next != null)
        {
            endpoint = next;
            endpointChanges++;
        }
    }

    long endpointChanges()
    {
        return endpointChanges;
    }

    Session current()
    {
        return current;
    }

    void current(final Session session)
    {
        current = session;
    }

    void received(final long nowNanos)
    {
        lastReceivedNanos = nowNanos;
    }

    long lastReceivedNanos()
    {
        return lastReceivedNanos;
    }

    void sent(final long nowNanos)
    {
        lastSentNanos = nowNanos;
    }

    long lastSentNanos()
    {
        return lastSentNanos;
    }

    void handshakeCompleted()
    {
        lastHandshakeMillis = System.currentTimeMillis();
    }

    long lastHandshakeMillis()
    {
        return lastHandshakeMillis;
    }
}
