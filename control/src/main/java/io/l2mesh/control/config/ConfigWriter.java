package io.l2mesh.control.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.l2mesh.switching.fdb.MacLimits;
import io.l2mesh.switching.frame.MacAddresses;
import io.l2mesh.switching.port.TapPortSpec;
import io.l2mesh.switching.vlan.VlanMode;
import io.l2mesh.switching.vlan.VlanRules;
import io.l2mesh.tunnel.PeerSpec;

import java.util.concurrent.TimeUnit;

/**
 * Writes a config back as YAML that {@link ConfigFile} reads to the same config (canonical form: comments and
 * key order of a hand-written file are not kept; defaults are left out).
 */
public final class ConfigWriter
{
    private static final YAMLMapper YAML = new YAMLMapper(new YAMLFactory()
        .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
        .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES));

    private ConfigWriter()
    {
    }

    public static String toYaml(final L2meshConfig config)
    {
        final ObjectNode root = YAML.createObjectNode();
        final ObjectNode sw = root.putObject("switch");
        sw.put("loops", config.loopsSetting());
        sw.put("burst", config.switchContext().burstSize());
        sw.put("ageing-time", TimeUnit.NANOSECONDS.toSeconds(config.switchContext().ageingTimeNs()));
        sw.put("mac-limit", config.switchContext().macLimit());
        sw.put("busy-poll-us", TimeUnit.NANOSECONDS.toMicros(config.switchContext().busyPollNs()));
        final ObjectNode control = root.putObject("control");
        control.put("socket", config.control().socket().toString());
        control.put("mode", String.format("0%o", config.control().mode()));
        if (config.control().adminGroup() != null)
        {
            control.put("group", config.control().adminGroup());
        }
        if (config.control().monitorGroup() != null)
        {
            control.put("monitor-group", config.control().monitorGroup());
        }
        if (!config.control().portsDir().equals(ControlConfig.PORTS_DIR_DEFAULT))
        {
            control.put("ports-dir", config.control().portsDir().toString());
        }
        if (!config.control().keysDir().equals(ControlConfig.KEYS_DIR_DEFAULT))
        {
            control.put("keys-dir", config.control().keysDir().toString());
        }
        if (!config.stateDir().equals(L2meshConfig.STATE_DIR_DEFAULT))
        {
            root.put("state-dir", config.stateDir().toString());
        }
        if (config.registry() != null)
        {
            final RegistryConfig r = config.registry();
            final ObjectNode registry = root.putObject("registry");
            final ArrayNode etcd = registry.putArray("etcd");
            r.etcd().forEach(uri -> etcd.add(uri.toString()));
            registry.put("mesh", r.mesh());
            registry.put("lease-ttl", r.leaseTtlSeconds());
            registry.put("authority", r.authorityFile().toString());
            registry.put("certificate", r.certificateFile().toString());
            putPath(registry, "ca-file", r.caFile());
            putPath(registry, "cert-file", r.certFile());
            putPath(registry, "key-file", r.keyFile());
        }
        if (config.metrics() != null)
        {
            root.putObject("metrics").put("listen", config.metrics().listenText());
        }
        final ArrayNode ports = root.putArray("ports");
        for (final PortConfig port : config.ports())
        {
            ports.add(port(port));
        }
        if (!config.staticMacs().isEmpty())
        {
            final ArrayNode statics = root.putArray("static-macs");
            for (final StaticMacConfig entry : config.staticMacs())
            {
                final ObjectNode e = statics.addObject();
                e.put("mac", MacAddresses.format(entry.mac()));
                e.put("vlan", entry.vlan());
                e.put("port", entry.port());
            }
        }
        try
        {
            return "# l2mesh config, written by l2mesh (runtime changes are saved here)\n" +
                YAML.writeValueAsString(root);
        }
        catch (final JsonProcessingException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    /**
     * Writes {@code fec} under "fec"; "off" is written only where it differs from leaving the key out.
     */
    private static void putFec(final ObjectNode node, final io.l2mesh.tunnel.FecSpec fec, final boolean explicitOff)
    {
        if (!fec.on())
        {
            if (explicitOff)
            {
                node.put("fec", "off");
            }
            return;
        }
        final ObjectNode out = node.putObject("fec").put("k", fec.k()).put("m", fec.m());
        if (fec.adaptive())
        {
            out.put("adaptive", true).put("target", fec.target());
        }
    }

    private static void putNonZero(final ObjectNode node, final String key, final double value)
    {
        if (value != 0)
        {
            if (value == Math.rint(value) && Math.abs(value) < 1e15)
            {
                node.put(key, (long)value);
            }
            else
            {
                node.put(key, value);
            }
        }
    }

    private static void putPath(final ObjectNode node, final String key, final java.nio.file.Path path)
    {
        if (path != null)
        {
            node.put(key, path.toString());
        }
    }

    private static String endpoint(final java.net.InetSocketAddress address)
    {
        return io.l2mesh.tunnel.PeerStatus.format(address); // a DNS name stays a name
    }

    /**
     * One port as the object {@link ConfigFile#parsePort} reads.
     */
    public static ObjectNode port(final PortConfig port)
    {
        final TapPortSpec spec = port.common();
        final ObjectNode p = YAML.createObjectNode();
        p.put("name", spec.name());
        p.put("type", port.type());
        final VlanRules rules = spec.vlanRules();
        if (rules.mode() == VlanMode.ACCESS)
        {
            p.put("mode", "access");
            p.put("vlan", rules.accessVlan());
        }
        else
        {
            p.put("mode", "trunk");
            final ArrayNode allowed = p.putArray("allowed-vlans");
            for (final int vlan : rules.allowedVlans())
            {
                allowed.add(vlan);
            }
            if (rules.nativeVlan() != VlanRules.NONE)
            {
                p.put("native-vlan", rules.nativeVlan());
            }
        }
        if (PortConfig.UNIX.equals(port.type()))
        {
            p.put("path", port.unix().path().toString());
            p.put("framing", port.unix().framing().label());
            p.put("socket-mode", String.format("0%o", port.unix().fileMode()));
            p.put("mtu", spec.mtu());
        }
        if (PortConfig.VXLAN.equals(port.type()))
        {
            p.put("local", endpoint(port.vxlan().local()));
            p.put("vni", port.vxlan().vni());
            final ArrayNode remotes = p.putArray("remotes");
            port.vxlan().remotes().forEach(r -> remotes.add(endpoint(r)));
            p.put("mtu", spec.mtu());
        }
        if (PortConfig.TUNNEL.equals(port.type()))
        {
            final PortConfig.Tunnel tunnel = port.tunnel();
            p.put("listen", endpoint(tunnel.listen()));
            p.put("private-key-file", tunnel.privateKeyFile().toString());
            p.put("cipher", tunnel.suite().label());
            p.put("keepalive", tunnel.keepaliveSeconds());
            p.put("rekey", tunnel.rekeySeconds());
            p.put("mtu", spec.mtu());
            putFec(p, tunnel.fec(), false);
            if (!tunnel.impairment().isNone())
            {
                final var i = tunnel.impairment();
                final ObjectNode impair = p.putObject("impair");
                putNonZero(impair, "loss", i.lossPercent());
                putNonZero(impair, "burst-good-to-bad", i.burstGoodToBad());
                putNonZero(impair, "burst-bad-to-good", i.burstBadToGood());
                putNonZero(impair, "burst-loss", i.burstLossPercent());
                putNonZero(impair, "delay", i.delayMs());
                putNonZero(impair, "jitter", i.jitterMs());
                putNonZero(impair, "reorder", i.reorderPercent());
                putNonZero(impair, "reorder-gap", i.reorderGapMs());
                putNonZero(impair, "duplicate", i.duplicatePercent());
                putNonZero(impair, "rate-kbps", i.rateKbps());
                putNonZero(impair, "seed", i.seed());
            }
            if (tunnel.registry())
            {
                p.put("registry", true);
            }
            if (tunnel.relay().serve())
            {
                if (tunnel.relay().pairMbps() == io.l2mesh.tunnel.RelaySpec.DEFAULT_PAIR_MBPS)
                {
                    p.put("relay", true);
                }
                else
                {
                    p.putObject("relay").put("pair-mbps", tunnel.relay().pairMbps());
                }
            }
            if (!tunnel.advertise().isEmpty())
            {
                final ArrayNode advertise = p.putArray("advertise");
                tunnel.advertise().forEach(a -> advertise.add(endpoint(a)));
            }
            final ArrayNode peers = p.putArray("peers");
            for (final PortConfig.TunnelPeer peer : tunnel.peers())
            {
                final ObjectNode q = peers.addObject();
                q.put("name", peer.name());
                q.put("public-key", peer.publicKey());
                if (peer.endpoint() != null)
                {
                    q.put("endpoint", endpoint(peer.endpoint()));
                }
                if (peer.presharedKeyFile() != null)
                {
                    q.put("preshared-key-file", peer.presharedKeyFile().toString());
                }
                if (peer.spec().fec() != null)
                {
                    putFec(q, peer.spec().fec(), true);
                }
                final long[] allowed = peer.spec().allowedMacs();
                if (allowed != null)
                {
                    final ArrayNode macs = q.putArray("allowed-macs");
                    for (final long mac : allowed)
                    {
                        macs.add(MacAddresses.format(mac));
                    }
                }
                if (peer.spec().macLimit() != PeerSpec.DEFAULT_MAC_LIMIT)
                {
                    q.put("mac-limit", peer.spec().macLimit());
                }
                if (peer.spec().relay())
                {
                    q.put("relay", true);
                }
            }
        }
        if (!PortConfig.TAP.equals(port.type()))
        {
            if (spec.macLimit() != MacLimits.UNLIMITED)
            {
                p.put("mac-limit", spec.macLimit());
            }
            if (!port.enabled())
            {
                p.put("enabled", false);
            }
            putStorm(p, port.storm());
            return p;
        }
        if (spec.mtu() != 0)
        {
            p.put("mtu", spec.mtu());
        }
        if (spec.mac() >= 0)
        {
            p.put("mac", MacAddresses.format(spec.mac()));
        }
        p.put("offloads", spec.offloads());
        if (spec.persistent())
        {
            p.put("persistent", true);
        }
        if (spec.macLimit() != MacLimits.UNLIMITED)
        {
            p.put("mac-limit", spec.macLimit());
        }
        if (spec.queues() != 0)
        {
            p.put("queues", spec.queues());
        }
        if (!port.enabled())
        {
            p.put("enabled", false);
        }
        putStorm(p, port.storm());
        return p;
    }

    private static void putStorm(final ObjectNode node, final io.l2mesh.switching.port.StormLimits storm)
    {
        if (!storm.isNone())
        {
            final ObjectNode s = node.putObject("storm-control");
            s.put("broadcast", storm.broadcastPps());
            s.put("multicast", storm.multicastPps());
            s.put("unknown-unicast", storm.unknownUnicastPps());
        }
    }
}
