package io.l2mesh.control.metrics;

import io.l2mesh.switching.Switch;
import io.l2mesh.switching.port.Port;
import io.l2mesh.switching.stats.DropReason;
import io.l2mesh.switching.stats.PortStats;
import io.l2mesh.tunnel.FecSpec;
import io.l2mesh.tunnel.PeerStatus;
import io.l2mesh.tunnel.RelayStatus;
import io.l2mesh.tunnel.TunnelPort;
import io.l2mesh.tunnel.impair.ImpairmentCounters;

import java.util.List;
import java.util.Map;

/**
 * The tunnel ports' families: each peer's traffic, session and FEC state (what {@code peer list} and
 * {@code fec show} give), and each port's handshake defence and impairment counters. Reads snapshots the tunnel
 * keeps for the control plane; nothing here runs on a loop.
 */
final class TunnelMetrics
{
    private final Switch sw;

    TunnelMetrics(final Switch sw)
    {
        this.sw = sw;
    }

    List<Family> collect()
    {
        final Family up = Family.gauge("l2mesh_peer_up", "1 if a session with the peer is up.", "port", "peer",
            "origin");
        final Family rxPackets = Family.counter("l2mesh_peer_rx_packets", "Frames received from the peer.", "port",
            "peer");
        final Family rxBytes = Family.counter("l2mesh_peer_rx_bytes", "Bytes of frames received from the peer.",
            "port", "peer");
        final Family txPackets = Family.counter("l2mesh_peer_tx_packets", "Frames sent to the peer.", "port", "peer");
        final Family txBytes = Family.counter("l2mesh_peer_tx_bytes", "Bytes of frames sent to the peer.", "port",
            "peer");
        final Family drops = Family.counter("l2mesh_peer_drops",
            "Frames from or to the peer dropped, by reason.", "port", "peer", "reason");
        final Family handshakes = Family.counter("l2mesh_peer_handshakes",
            "Handshakes completed with the peer, as initiator or responder.", "port", "peer");
        final Family handshakeAge = Family.gauge("l2mesh_peer_last_handshake_age_seconds",
            "Seconds since the newest completed handshake (absent before the first).", "port", "peer");
        final Family idle = Family.gauge("l2mesh_peer_idle_seconds",
            "Seconds since the last authenticated packet from the peer (absent before the first).", "port", "peer");
        final Family rtt = Family.gauge("l2mesh_peer_rtt_seconds",
            "Smoothed round-trip time of the in-session probes (absent before the first echo).", "port", "peer");
        final Family minRtt = Family.gauge("l2mesh_peer_rtt_min_seconds",
            "Smallest round trip of the in-session probes (absent before the first echo).", "port", "peer");
        final Family rttSamples = Family.counter("l2mesh_peer_rtt_samples",
            "Echoes of our RTT probes that came back from the peer.", "port", "peer");
        final Family linkLoss = Family.gauge("l2mesh_peer_link_loss_ratio",
            "Share of the peer's messages on the current session the link lost before FEC (counter gaps).", "port",
            "peer");
        final Family roams = Family.counter("l2mesh_peer_endpoint_changes",
            "Times the peer's address changed (roaming).", "port", "peer");
        final Family pathChanges = Family.counter("l2mesh_peer_path_changes",
            "Times the peer moved to another path (another direct endpoint, to or from a relay).", "port", "peer");
        final Family pathAge = Family.gauge("l2mesh_peer_path_seconds",
            "Seconds the peer has been on its current path (absent while it has none).", "port", "peer");
        final Family candidates = Family.gauge("l2mesh_peer_candidates",
            "Endpoints the peer may be reached at (its own, then where others see it), tried when it has no path.",
            "port", "peer");
        final Family shards = Family.counter("l2mesh_peer_fec_shards_received",
            "FEC shards received from the peer.", "port", "peer");
        final Family recovered = Family.counter("l2mesh_peer_fec_recovered_frames",
            "Frames from the peer lost on the link and rebuilt by FEC.", "port", "peer");
        final Family unrecoverable = Family.counter("l2mesh_peer_fec_unrecoverable_frames",
            "Frames from the peer lost on the link that FEC could not rebuild.", "port", "peer");
        final Family waited = Family.counter("l2mesh_peer_fec_recovery_wait_seconds",
            "Time the rebuilt frames waited for FEC, summed (from when the shard after each arrived to its rebuild).",
            "port", "peer");
        final Family residual = Family.gauge("l2mesh_peer_residual_loss_ratio",
            "Frames from the peer lost after FEC, among all that were due, since the port started.", "port", "peer");
        final Family dataShards = Family.gauge("l2mesh_peer_fec_data_shards",
            "FEC data shards per block sent to the peer (k; 0: FEC off).", "port", "peer");
        final Family parityShards = Family.gauge("l2mesh_peer_fec_parity_shards",
            "FEC parity shards per block sent to the peer (m).", "port", "peer");
        final Family decoderMemory = Family.gauge("l2mesh_peer_fec_decoder_memory_bytes",
            "Bytes the FEC decoders of the peer's frames hold.", "port", "peer");
        final Family events = Family.counter("l2mesh_tunnel_handshake_events",
            "What the handshake DoS defence did (l2mesh ctl handshake show), by event.", "port", "event");
        final Family underLoad = Family.gauge("l2mesh_tunnel_under_load",
            "1 while the port's handshake responder is under load (cookies required).", "port");
        final Family agentErrors = Family.counter("l2mesh_tunnel_agent_errors",
            "Exceptions in the tunnel's agent thread, which carried on.", "port");
        final Family macMoves = Family.counter("l2mesh_tunnel_peer_mac_moves",
            "MACs that moved from one peer to another.", "port");
        final Family impairment = Family.counter("l2mesh_tunnel_impairment_frames",
            "Frames the port's impairment stage acted on, by action (l2mesh ctl impair show).", "port", "action");
        final Family relayed = Family.counter("l2mesh_relay_forwarded",
            "Datagrams the port relayed between two of its peers.", "port");
        final Family relayedBytes = Family.counter("l2mesh_relay_forwarded_bytes",
            "Bytes the port relayed between two of its peers.", "port");
        final Family relayRefused = Family.counter("l2mesh_relay_refused",
            "Datagrams the port would not relay, by reason.", "port", "reason");
        final Family relayDelivered = Family.counter("l2mesh_relay_delivered",
            "Datagrams a relay passed on to this port.", "port");
        final Family pairPackets = Family.counter("l2mesh_relay_pair_packets",
            "Datagrams relayed from one peer to another (one direction).", "port", "from", "to");
        final Family pairBytes = Family.counter("l2mesh_relay_pair_bytes",
            "Bytes relayed from one peer to another (one direction).", "port", "from", "to");
        final Family pairCapped = Family.counter("l2mesh_relay_pair_capped",
            "Datagrams from one peer to another dropped over the pair's allowance (pair-mbps).", "port", "from",
            "to");
        for (final Port port : sw.ports().ports())
        {
            if (!(port instanceof TunnelPort tunnel))
            {
                continue;
            }
            final String name = tunnel.name();
            for (final PeerStatus peer : tunnel.peerStatus())
            {
                final String p = peer.name();
                final PortStats s = peer.stats();
                up.add(peer.up() ? 1 : 0, name, p, peer.origin().label());
                rxPackets.add(s.rxPackets(), name, p);
                rxBytes.add(s.rxBytes(), name, p);
                txPackets.add(s.txPackets(), name, p);
                txBytes.add(s.txBytes(), name, p);
                for (final DropReason reason : DropReason.values())
                {
                    drops.add(s.drops(reason), name, p, reason.label());
                }
                handshakes.add(peer.handshakes(), name, p);
                if (peer.lastHandshakeMs() > 0)
                {
                    handshakeAge.add(Math.max(0, System.currentTimeMillis() - peer.lastHandshakeMs()) / 1e3, name, p);
                }
                if (peer.idleMs() >= 0)
                {
                    idle.add(peer.idleMs() / 1e3, name, p);
                }
                if (peer.rttNanos() >= 0)
                {
                    rtt.add(peer.rttNanos() / 1e9, name, p);
                    minRtt.add(peer.minRttNanos() / 1e9, name, p);
                }
                rttSamples.add(peer.rttSamples(), name, p);
                linkLoss.add(peer.linkLoss(), name, p);
                roams.add(peer.endpointChanges(), name, p);
                pathChanges.add(peer.pathChanges(), name, p);
                if (peer.pathMs() >= 0)
                {
                    pathAge.add(peer.pathMs() / 1e3, name, p);
                }
                candidates.add(peer.candidates().size(), name, p);
                final long[] decoded = tunnel.fecDecoded(p);
                shards.add(decoded[0], name, p);
                recovered.add(decoded[1], name, p);
                unrecoverable.add(decoded[2], name, p);
                waited.add(decoded[3] / 1e9, name, p);
                final long due = s.rxPackets() + decoded[2];
                residual.add(due == 0 ? 0 : (double)decoded[2] / due, name, p);
                final FecSpec fec = tunnel.fecFor(p);
                dataShards.add(fec.on() ? fec.k() : 0, name, p);
                parityShards.add(fec.on() ? fec.m() : 0, name, p);
                decoderMemory.add(Math.max(0, tunnel.fecDecoderMemory(p)), name, p);
            }
            final Map<String, Long> counters = tunnel.handshakeCounters();
            counters.forEach((event, value) ->
            {
                if (!"under_load".equals(event))
                {
                    events.add(value, name, event);
                }
            });
            underLoad.add(counters.getOrDefault("under_load", 0L), name);
            agentErrors.add(tunnel.agentErrors(), name);
            macMoves.add(tunnel.peerMacMoves(), name);
            for (int i = 0; i < ImpairmentCounters.count(); i++)
            {
                impairment.add(tunnel.impairmentCounters().get(i), name, ImpairmentCounters.label(i));
            }
            final RelayStatus relay = tunnel.relayStatus();
            relayed.add(relay.forwarded(), name);
            relayedBytes.add(relay.forwardedBytes(), name);
            for (int i = 0; i < relay.refused().length; i++)
            {
                relayRefused.add(relay.refused()[i], name, RelayStatus.REFUSALS.get(i));
            }
            relayDelivered.add(relay.delivered(), name);
            for (final RelayStatus.Pair pair : relay.pairs())
            {
                pairPackets.add(pair.packets(), name, pair.from(), pair.to());
                pairBytes.add(pair.bytes(), name, pair.from(), pair.to());
                pairCapped.add(pair.capped(), name, pair.from(), pair.to());
            }
        }
        return List.of(up, rxPackets, rxBytes, txPackets, txBytes, drops, handshakes, handshakeAge, idle, rtt, minRtt,
            rttSamples, linkLoss, roams, pathChanges, pathAge, candidates, shards, recovered, unrecoverable, waited,
            residual, dataShards, parityShards, decoderMemory, events, underLoad, agentErrors, macMoves, impairment,
            relayed, relayedBytes, relayRefused, relayDelivered, pairPackets, pairBytes, pairCapped);
    }
}
