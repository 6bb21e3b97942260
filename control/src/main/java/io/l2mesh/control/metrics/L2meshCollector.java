package io.l2mesh.control.metrics;

import io.l2mesh.control.mesh.MeshRegistry;
import io.l2mesh.control.server.ControlServer;
import io.l2mesh.switching.Switch;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;

import java.util.ArrayList;
import java.util.List;

/**
 * Every l2mesh metric family (docs/metrics.md lists them all), gathered at each scrape from the counters the
 * datapath, the tunnels and the control plane keep anyway: the datapath does no extra work, takes no lock and
 * allocates nothing for it. A family with no sample this time (no tunnel port, no registry) is left out of the
 * exposition.
 */
public final class L2meshCollector implements MultiCollector
{
    private final SwitchMetrics switchMetrics;
    private final TunnelMetrics tunnelMetrics;
    private final ControlMetrics controlMetrics;

    /**
     * @param registry null if the node has none.
     */
    public L2meshCollector(final Switch sw, final ControlServer control, final MeshRegistry registry)
    {
        this.switchMetrics = new SwitchMetrics(sw);
        this.tunnelMetrics = new TunnelMetrics(sw);
        this.controlMetrics = new ControlMetrics(control, registry);
    }

    /**
     * @return every family, those without samples included (for the check against docs/metrics.md).
     */
    List<Family> families()
    {
        final List<Family> all = new ArrayList<>(switchMetrics.collect());
        all.addAll(tunnelMetrics.collect());
        all.addAll(controlMetrics.collect());
        return all;
    }

    @Override
    public MetricSnapshots collect()
    {
        final MetricSnapshots.Builder snapshots = MetricSnapshots.builder();
        for (final Family family : families())
        {
            if (!family.isEmpty())
            {
                snapshots.metricSnapshot(family.build());
            }
        }
        return snapshots.build();
    }

    /**
     * @return the exposed name of every family this collector can serve, each once.
     */
    public List<String> familyNames()
    {
        return families().stream().map(Family::exposedName).toList();
    }

    /**
     * @return the families served only by a node with a registry.
     */
    public static List<String> registryFamilyNames()
    {
        return ControlMetrics.REGISTRY_FAMILIES;
    }

    /**
     * @return the families a node may serve no series of: the registry's (no registry), the relay's pairs (it
     * relayed for none), a peer's time on its path (no peer has one).
     */
    public static List<String> familiesSometimesAbsent()
    {
        final List<String> names = new java.util.ArrayList<>(ControlMetrics.REGISTRY_FAMILIES);
        names.addAll(List.of("l2mesh_relay_pair_packets_total", "l2mesh_relay_pair_bytes_total",
            "l2mesh_relay_pair_capped_total", "l2mesh_peer_path_seconds"));
        return names;
    }
}
