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
 */
public record PeerStatus(String name, String publicKey, InetSocketAddress endpoint, boolean up, long lastHandshakeMs,
    long idleMs, long endpointChanges, PortStats stats, int protocolVersion, long unknownControlTlvs,
    PeerOrigin origin, long handshakes)
{
    /**
     * The tunnel protocol version this node speaks.
     */
    public static final int OWN_PROTOCOL_VERSION = ControlMessage.PROTOCOL_VERSION;

    static PeerStatus of(final Peer peer, final long nowNanos)
    {
        final long received = peer.lastReceivedNanos();
        return new PeerStatus(peer.name(), KeyPair.encode(peer.spec.publicKey()), peer.endpointAddress(),
            peer.current() != null, peer.lastHandshakeMillis(), received == 0 ? -1 : (nowNanos - received) / 1_000_000,
            peer.endpointChanges(), peer.counters.snapshot(), peer.remoteVersion, peer.unknownControlTlvs.sum(),
            peer.origin, peer.handshakes());
    }
}
