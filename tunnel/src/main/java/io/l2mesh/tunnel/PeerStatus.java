package io.l2mesh.tunnel;

import io.l2mesh.switching.stats.PortStats;
import io.l2mesh.tunnel.noise.KeyPair;

import java.net.InetSocketAddress;

/**
 * One peer as the control plane shows it.
 *
 * @param name             peer name.
 * @param publicKey        base64.
 * @param endpoint         where we send to now (configured, or learned from its packets), or null.
 * @param up               a session exists.
 * @param lastHandshakeMs  wall-clock time of the newest completed handshake, or 0.
 * @param idleMs           since the last authenticated packet from the peer, or -1 if none yet.
 * @param endpointChanges  times the peer's address changed (roaming).
 * @param stats            frames and bytes to and from the peer, drops by reason.
 * @param protocolVersion  the tunnel protocol version the peer announced, or 0 if it has not (yet).
 * @param unknownControlTlvs in-session control TLVs from the peer of types this node does not know (skipped).
 * @param origin           the config or the registry.
 * @param handshakes       handshakes completed with the peer, as initiator or responder.
 * @param rttNanos         smoothed round-trip time from the in-session probes, or -1 before the first echo.
 * @param lastRttNanos     the newest round trip, or -1.
 * @param minRttNanos      the smallest round trip seen, or -1.
 * @param rttSamples       echoes of our probes that came back.
 * @param linkSent         messages the peer sent on the session its messages arrive on as far as we know (its
 *                         newest counter that arrived, plus one), or 0.
 * @param linkReceived     of those, the ones that arrived.
 * @param candidates       where the peer may be reached, tried in this order (its own endpoints, then where others
 *                         see it).
 * @param pathMs           how long the peer has been on its current path, or -1 if it has none.
 * @param pathChanges      moves to another path.
 * @param reflexive        our address as the peer told it it sees us (our NAT's mapping), or null.
 * @param relay            the relay our messages to the peer go through, or null (direct).
 */
public record PeerStatus(String name, String publicKey, InetSocketAddress endpoint, boolean up, long lastHandshakeMs,
    long idleMs, long endpointChanges, PortStats stats, int protocolVersion, long unknownControlTlvs,
    PeerOrigin origin, long handshakes, long rttNanos, long lastRttNanos, long minRttNanos, long rttSamples,
    long linkSent, long linkReceived, java.util.List<InetSocketAddress> candidates, long pathMs, long pathChanges,
    InetSocketAddress reflexive, String relay)
{
    /**
     * The tunnel protocol version this node speaks.
     */
    public static final int OWN_PROTOCOL_VERSION = ControlMessage.PROTOCOL_VERSION;

    /**
     * @return the share of the peer's messages on the current session that the link lost (before FEC): those
     * counted by {@link #linkSent} that did not arrive; 0 before any.
     */
    public double linkLoss()
    {
        return linkSent <= 0 ? 0 : Math.max(0, linkSent - linkReceived) / (double)linkSent;
    }

    /**
     * @return the path our messages take to the peer: {@code direct ADDR:PORT}, {@code relay NAME}, or
     * {@code none}.
     */
    public String path()
    {
        return relay != null ? "relay " + relay : endpoint == null ? "none" : "direct " + format(endpoint);
    }

    /**
     * @return "198.18.0.1:51820" or "[fd00::1]:51820".
     */
    public static String format(final InetSocketAddress address)
    {
        if (address.isUnresolved())
        {
            return address.getHostString() + ":" + address.getPort();
        }
        final String host = address.getAddress().getHostAddress();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + address.getPort();
    }

    static PeerStatus of(final Peer peer, final long nowNanos)
    {
        final long received = peer.lastReceivedNanos();
        final Session receiving = peer.receiving();
        final long[] link = receiving == null ? new long[2] : receiving.linkCounts();
        return new PeerStatus(peer.name(), KeyPair.encode(peer.spec.publicKey()), peer.endpointAddress(),
            peer.current() != null, peer.lastHandshakeMillis(), received == 0 ? -1 : (nowNanos - received) / 1_000_000,
            peer.endpointChanges(), peer.counters.snapshot(), peer.remoteVersion, peer.unknownControlTlvs.sum(),
            peer.origin, peer.handshakes(), peer.health.smoothedRttNanos(), peer.health.lastRttNanos(),
            peer.health.minRttNanos(),
            peer.health.samples(), link[0], link[1], peer.candidates().addresses(),
            peer.pathSinceNanos() == 0 ? -1 : (nowNanos - peer.pathSinceNanos()) / 1_000_000, peer.pathChanges(),
            peer.reflexiveSeen(nowNanos, Long.MAX_VALUE), peer.relay() == null ? null : peer.relay().name());
    }
}
