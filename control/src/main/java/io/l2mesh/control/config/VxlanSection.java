package io.l2mesh.control.config;

import com.fasterxml.jackson.databind.JsonNode;
import io.l2mesh.tunnel.vxlan.VxlanPortSpec;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The keys of a {@code type: vxlan} port: the local VTEP address, the VNI and the remote VTEPs.
 */
final class VxlanSection
{
    static final Set<String> KEYS = Set.of("local", "vni", "remotes");

    private VxlanSection()
    {
    }

    static PortConfig.Vxlan read(final ConfigReader in, final JsonNode node, final String path)
    {
        final InetSocketAddress local = in.endpoint(in.text(node, path, "local", null), path + ".local",
            VxlanPortSpec.DEFAULT_UDP_PORT);
        final int vni = in.intValue(node, path, "vni", -1, 0, VxlanPortSpec.MAX_VNI);
        if (vni < 0)
        {
            throw in.error(path, "a vxlan port needs a vni (0.." + VxlanPortSpec.MAX_VNI + ")");
        }
        final JsonNode list = node.get("remotes");
        if (list == null || !list.isArray() || list.isEmpty() || list.size() > VxlanPortSpec.MAX_REMOTES)
        {
            throw in.error(path + (list == null ? "" : ".remotes"), "a vxlan port needs remotes: a list of 1.." +
                VxlanPortSpec.MAX_REMOTES + " VTEP addresses like [198.18.0.2, \"198.18.0.3:4789\"]");
        }
        final List<InetSocketAddress> remotes = new ArrayList<>();
        for (int i = 0; i < list.size(); i++)
        {
            final String where = path + ".remotes[" + i + "]";
            final InetSocketAddress remote = in.endpoint(list.get(i).asText(), where, VxlanPortSpec.DEFAULT_UDP_PORT);
            if (remote.getAddress().getClass() != local.getAddress().getClass())
            {
                throw in.error(where, remote.getAddress().getHostAddress() +
                    " is not of the local address's family (" + local.getAddress().getHostAddress() + ")");
            }
            remotes.add(remote);
        }
        return new PortConfig.Vxlan(local, vni, remotes);
    }
}
