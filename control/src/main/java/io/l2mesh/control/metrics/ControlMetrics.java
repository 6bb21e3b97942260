package io.l2mesh.control.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import io.l2mesh.control.mesh.MeshRegistry;
import io.l2mesh.control.server.ControlServer;
import io.l2mesh.control.server.RequestCounters;
import io.l2mesh.control.server.Role;

import java.util.List;

/**
 * The control plane's families: requests on the control socket by the client's role and the result, the
 * clients connected, and the mesh registry's state when there is one ({@code registry show}, at most a registry
 * tick old).
 */
final class ControlMetrics
{
    /** The families that only a node with a {@code registry:} section serves. */
    static final List<String> REGISTRY_FAMILIES = List.of("l2mesh_registry_connected", "l2mesh_registry_revision",
        "l2mesh_registry_connects_total", "l2mesh_registry_leases_lost_total", "l2mesh_registry_entries",
        "l2mesh_registry_refused_entries_total");

    private final ControlServer control;
    private final MeshRegistry registry;

    /**
     * @param registry null if the node has none.
     */
    ControlMetrics(final ControlServer control, final MeshRegistry registry)
    {
        this.control = control;
        this.registry = registry;
    }

    List<Family> collect()
    {
        final Family requests = Family.counter("l2mesh_control_requests",
            "Control socket requests, by the client's role and the result (ok or the error code).", "role",
            "result");
        final RequestCounters counters = control.requestCounters();
        for (final Role role : Role.values())
        {
            for (final String result : RequestCounters.results())
            {
                final long n = counters.count(role, result);
                if (n > 0 || RequestCounters.OK.equals(result) && role != Role.NONE)
                {
                    requests.add(n, role.label(), result);
                }
            }
        }
        final Family clients = Family.gauge("l2mesh_control_clients", "Clients connected to the control socket.")
            .add(control.connectionCount());
        final Family dropped = Family.counter("l2mesh_control_clients_dropped",
            "Control clients dropped for not reading their answers.").add(control.droppedCount());
        final Family connected = Family.gauge("l2mesh_registry_connected", "1 while etcd answers, else 0.");
        final Family revision = Family.gauge("l2mesh_registry_revision", "The etcd revision the node has seen.");
        final Family connects = Family.counter("l2mesh_registry_connects", "Connections made to etcd.");
        final Family leasesLost = Family.counter("l2mesh_registry_leases_lost",
            "Leases of this node's entry that expired before it could renew them.");
        final Family entries = Family.gauge("l2mesh_registry_entries",
            "Registry entries accepted (shadowed ones included), and those shadowed by a static peer with the same " +
            "key.", "state");
        final Family refused = Family.counter("l2mesh_registry_refused_entries",
            "Registry entries refused, by reason (certificate forged, expired, key mismatch, revoked, ...).",
            "reason");
        if (registry != null)
        {
            final JsonNode status = registry.status();
            connected.add(status.path("connected").asBoolean() ? 1 : 0);
            revision.add(status.path("revision").asLong());
            connects.add(status.path("connects").asLong());
            leasesLost.add(status.path("leases_lost").asLong());
            entries.add(status.path("accepted").asLong(), "accepted");
            entries.add(status.path("shadowed").asLong(), "shadowed");
            status.path("refused").fields().forEachRemaining(e -> refused.add(e.getValue().asLong(), e.getKey()));
        }
        return List.of(requests, clients, dropped, connected, revision, connects, leasesLost, entries, refused);
    }
}
