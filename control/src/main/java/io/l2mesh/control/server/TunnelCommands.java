package io.l2mesh.control.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.l2mesh.control.protocol.ControlCodec;
import io.l2mesh.control.protocol.ControlException;
import io.l2mesh.control.protocol.ErrorCode;
import io.l2mesh.control.protocol.Request;
import io.l2mesh.switching.Switch;
import io.l2mesh.switching.port.Port;
import io.l2mesh.switching.stats.DropReason;
import io.l2mesh.tunnel.PeerStatus;
import io.l2mesh.tunnel.TunnelPort;
import io.l2mesh.tunnel.impair.ImpairmentCounters;
import io.l2mesh.tunnel.impair.ImpairmentSpec;

import java.util.ArrayList;
import java.util.List;

/**
 * Read-only views of tunnel ports: {@code peer.list}, {@code fec.show}, {@code impair.show}. Changes to FEC,
 * impairment and peers go through {@code port.set} (saved, applied in place where possible).
 */
final class TunnelCommands
{
    private final Switch sw;

    TunnelCommands(final Switch sw)
    {
        this.sw = sw;
    }

    private List<TunnelPort> tunnels(final Request request)
    {
        final String name = request.text("port", null);
        final List<TunnelPort> result = new ArrayList<>();
        for (final Port port : sw.ports().ports())
        {
            if (port instanceof TunnelPort tunnel && (name == null || port.name().equals(name)))
            {
                result.add(tunnel);
            }
        }
        if (name != null && result.isEmpty())
        {
            throw new ControlException(ErrorCode.NOT_FOUND, "no tunnel port named '" + name + "'");
        }
        return result;
    }

    JsonNode peerList(final Request request)
    {
        final ArrayNode result = ControlCodec.JSON.createArrayNode();
        for (final TunnelPort tunnel : tunnels(request))
        {
            for (final PeerStatus peer : tunnel.peerStatus())
            {
                final ObjectNode p = result.addObject();
                p.put("port", tunnel.name());
                p.put("name", peer.name());
                p.put("public_key", peer.publicKey());
                p.put("origin", peer.origin().label());
                p.put("endpoint", peer.endpoint() == null ? null : PeerStatus.format(peer.endpoint()));
                p.put("path", peer.path());
                p.put("path_ms", peer.pathMs());
                p.put("path_changes", peer.pathChanges());
                final ArrayNode candidates = p.putArray("candidates");
                peer.candidates().forEach(c -> candidates.add(PeerStatus.format(c)));
                p.put("reflexive", peer.reflexive() == null ? null : PeerStatus.format(peer.reflexive()));
                p.put("up", peer.up());
                p.put("last_handshake_ms", peer.lastHandshakeMs());
                p.put("handshakes", peer.handshakes());
                putMillis(p, "rtt_ms", peer.rttNanos());
                putMillis(p, "rtt_last_ms", peer.lastRttNanos());
                putMillis(p, "rtt_min_ms", peer.minRttNanos());
                p.put("rtt_samples", peer.rttSamples());
                p.put("link_loss", peer.linkLoss());
                p.put("link_sent", peer.linkSent());
                p.put("link_received", peer.linkReceived());
                p.put("idle_ms", peer.idleMs());
                p.put("endpoint_changes", peer.endpointChanges());
                p.put("protocol_version", peer.protocolVersion());
                p.put("unknown_control_tlvs", peer.unknownControlTlvs());
                p.put("rx_packets", peer.stats().rxPackets());
                p.put("rx_bytes", peer.stats().rxBytes());
                p.put("tx_packets", peer.stats().txPackets());
                p.put("tx_bytes", peer.stats().txBytes());
                final ObjectNode drops = p.putObject("drops");
                for (final DropReason reason : DropReason.values())
                {
                    if (peer.stats().drops(reason) > 0)
                    {
                        drops.put(reason.label(), peer.stats().drops(reason));
                    }
                }
            }
        }
        return result;
    }

    JsonNode fecShow(final Request request)
    {
        final ArrayNode result = ControlCodec.JSON.createArrayNode();
        for (final TunnelPort tunnel : tunnels(request))
        {
            for (final PeerStatus peer : tunnel.peerStatus())
            {
                final ObjectNode p = result.addObject();
                p.put("port", tunnel.name());
                p.put("peer", peer.name());
                final var now = tunnel.fecFor(peer.name());
                p.put("adaptive", tunnel.fec().adaptive());
                p.put("k", now.k());
                p.put("m", now.m());
                final long[] decoded = tunnel.fecDecoded(peer.name());
                p.put("shards_received", decoded[0]);
                p.put("recovered", decoded[1]);
                // What FEC costs in latency: a frame that was not lost waits for nothing; a rebuilt one waited
                // this long on average (from when the shard after it arrived to its rebuild).
                p.put("recovery_wait_ms", decoded[1] == 0 ? 0.0 : Math.round(decoded[3] / 1e3 / decoded[1]) / 1e3);
                p.put("added_latency_ms", decoded[0] + decoded[1] == 0 ? 0.0 :
                    Math.round(decoded[3] / 1e3 / (decoded[0] + decoded[1])) / 1e3);
                p.put("unrecoverable", decoded[2]);
                final long frames = peer.stats().rxPackets() + decoded[2];
                // Residual loss: frames the FEC could not rebuild, among all frames that were due.
                p.put("residual_loss", frames == 0 ? 0.0 : (double)decoded[2] / frames);
                // Beside it, what the link lost before FEC: gaps in the peer's message counters.
                p.put("link_loss", peer.linkLoss());
                p.put("decoder_memory_bytes", tunnel.fecDecoderMemory(peer.name()));
                p.put("refused_fec_off", peer.stats().drops(io.l2mesh.switching.stats.DropReason.FEC_OFF));
                p.put("refused_fec_memory", peer.stats().drops(io.l2mesh.switching.stats.DropReason.FEC_MEMORY));
                p.put("coding_loop", tunnel.codingLoopDescription());
            }
        }
        return result;
    }

    /**
     * Puts {@code nanos} as milliseconds with microsecond precision, or null if negative (not measured yet).
     */
    private static void putMillis(final ObjectNode node, final String key, final long nanos)
    {
        if (nanos < 0)
        {
            node.putNull(key);
        }
        else
        {
            node.put(key, Math.round(nanos / 1e3) / 1e3);
        }
    }

    JsonNode handshakeShow(final Request request)
    {
        final ArrayNode result = ControlCodec.JSON.createArrayNode();
        for (final TunnelPort tunnel : tunnels(request))
        {
            final ObjectNode p = result.addObject();
            p.put("port", tunnel.name());
            tunnel.handshakeCounters().forEach(p::put);
        }
        return result;
    }

    /**
     * What each tunnel port relays: whether it serves, each pair's allowance, totals, refusals by reason, and
     * every pair (one direction) it relayed for.
     */
    JsonNode relayShow(final Request request)
    {
        final ArrayNode result = ControlCodec.JSON.createArrayNode();
        for (final TunnelPort tunnel : tunnels(request))
        {
            final io.l2mesh.tunnel.RelayStatus relay = tunnel.relayStatus();
            final ObjectNode p = result.addObject();
            p.put("port", tunnel.name());
            p.put("serve", relay.spec().serve());
            p.put("pair_mbps", relay.spec().pairMbps());
            p.put("forwarded", relay.forwarded());
            p.put("forwarded_bytes", relay.forwardedBytes());
            final ObjectNode refused = p.putObject("refused");
            for (int i = 0; i < relay.refused().length; i++)
            {
                refused.put(io.l2mesh.tunnel.RelayStatus.REFUSALS.get(i), relay.refused()[i]);
            }
            p.put("delivered_to_us", relay.delivered());
            p.put("delivery_refused", relay.deliveryRefused());
            final ArrayNode pairs = p.putArray("pairs");
            for (final io.l2mesh.tunnel.RelayStatus.Pair pair : relay.pairs())
            {
                final ObjectNode q = pairs.addObject();
                q.put("from", pair.from());
                q.put("to", pair.to());
                q.put("packets", pair.packets());
                q.put("bytes", pair.bytes());
                q.put("capped", pair.capped());
            }
        }
        return result;
    }

    JsonNode impairShow(final Request request)
    {
        final ArrayNode result = ControlCodec.JSON.createArrayNode();
        for (final TunnelPort tunnel : tunnels(request))
        {
            final ObjectNode p = result.addObject();
            p.put("port", tunnel.name());
            final ImpairmentSpec spec = tunnel.impairment();
            final ObjectNode settings = p.putObject("settings");
            settings.put("loss", spec.lossPercent());
            settings.put("burst_good_to_bad", spec.burstGoodToBad());
            settings.put("burst_bad_to_good", spec.burstBadToGood());
            settings.put("burst_loss", spec.burstLossPercent());
            settings.put("delay_ms", spec.delayMs());
            settings.put("jitter_ms", spec.jitterMs());
            settings.put("reorder", spec.reorderPercent());
            settings.put("reorder_gap_ms", spec.reorderGapMs());
            settings.put("duplicate", spec.duplicatePercent());
            settings.put("rate_kbps", spec.rateKbps());
            final ObjectNode counters = p.putObject("counters");
            for (int i = 0; i < ImpairmentCounters.count(); i++)
            {
                counters.put(ImpairmentCounters.label(i), tunnel.impairmentCounters().get(i));
            }
        }
        return result;
    }
}
