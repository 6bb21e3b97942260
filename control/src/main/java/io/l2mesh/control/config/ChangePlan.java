package io.l2mesh.control.config;

import io.l2mesh.control.PortFactory;
import io.l2mesh.switching.Switch;
import io.l2mesh.switching.frame.MacAddresses;
import io.l2mesh.tunnel.PeerSpec;
import io.l2mesh.tunnel.TunnelPort;
import io.l2mesh.switching.port.Port;
import io.l2mesh.switching.port.TapPortSpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A plan of the changes that turn a running switch's config into another, and the one way to apply them all or
 * none. It plans by touching only what changed: a port whose VLAN
 * rules, MAC limit or admin state changed is updated in place, and so are a tunnel port's peers, FEC and
 * impairment; one whose device settings changed (MTU, MAC, offloads, persistence, queues, a tunnel's listen
 * address, key, suite or timers) is re-created; other ports keep running undisturbed, learned MACs included.
 * <p>
 * Every step carries its undo. If a step fails (the kernel refuses a new TAP, say) the steps already done are
 * undone in reverse, so the switch is left as it was and the error names the failing step.
 * Switch settings that only take effect at start (loops, burst, ageing, busy-poll, control socket) are reported,
 * not applied.
 */
public final class ChangePlan
{
    private static final Logger LOG = LoggerFactory.getLogger(ChangePlan.class);

    private interface Step
    {
        void run();
    }

    private record Change(String description, Step apply, Step undo)
    {
    }

    private final List<Change> changes = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();

    private ChangePlan()
    {
    }

    /**
     * Works out the changes from {@code from} to {@code to}.
     */
    public static ChangePlan between(final Switch sw, final L2meshConfig from, final L2meshConfig to)
    {
        final ChangePlan plan = new ChangePlan();
        plan.planSwitch(sw, from, to);
        plan.planPorts(sw, new PortFactory(sw, to.stateDir()), from, to);
        plan.planStaticMacs(sw, from, to);
        return plan;
    }

    /**
     * @return what will change, one line each.
     */
    public List<String> changes()
    {
        return changes.stream().map(Change::description).toList();
    }

    /**
     * @return settings that differ but need a restart.
     */
    public List<String> notes()
    {
        return notes;
    }

    /**
     * Applies every change, or none.
     *
     * @throws IllegalStateException naming the step that failed, after undoing the others.
     */
    public void apply()
    {
        final Deque<Change> done = new ArrayDeque<>();
        for (final Change change : changes)
        {
            try
            {
                change.apply().run();
                done.push(change);
            }
            catch (final RuntimeException ex)
            {
                while (!done.isEmpty())
                {
                    final Change undo = done.pop();
                    try
                    {
                        undo.undo().run();
                    }
                    catch (final RuntimeException undoFailure)
                    {
                        LOG.error("could not undo '{}': {}", undo.description(), undoFailure.toString());
                    }
                }
                throw new IllegalStateException(change.description() + " failed: " + ex.getMessage() +
                    (changes.size() > 1 ? " (nothing was changed)" : ""), ex);
            }
        }
    }

    private void planSwitch(final Switch sw, final L2meshConfig from, final L2meshConfig to)
    {
        final int oldLimit = from.switchContext().macLimit();
        final int newLimit = to.switchContext().macLimit();
        if (oldLimit != newLimit)
        {
            changes.add(new Change("set switch mac-limit " + newLimit,
                () -> sw.macTable().limits().globalLimit(newLimit),
                () -> sw.macTable().limits().globalLimit(oldLimit)));
        }
        if (from.loopsSetting() != to.loopsSetting() ||
            from.switchContext().burstSize() != to.switchContext().burstSize() ||
            from.switchContext().ageingTimeNs() != to.switchContext().ageingTimeNs() ||
            from.switchContext().busyPollNs() != to.switchContext().busyPollNs())
        {
            notes.add("switch loops, burst, ageing-time and busy-poll-us take effect at the next start");
        }
        if (!from.control().equals(to.control()))
        {
            notes.add("control socket settings take effect at the next start");
        }
        final PortConfig fromPort = from.registryPort();
        final PortConfig toPort = to.registryPort();
        if (!Objects.equals(from.registry(), to.registry()) ||
            !Objects.equals(fromPort == null ? null : fromPort.name(), toPort == null ? null : toPort.name()))
        {
            notes.add("registry settings and which port has 'registry: true' take effect at the next start");
        }
        if (!Objects.equals(from.metrics(), to.metrics()))
        {
            notes.add("metrics settings take effect at the next start");
        }
    }

    private void planPorts(final Switch sw, final PortFactory factory, final L2meshConfig from,
        final L2meshConfig to)
    {
        for (final PortConfig old : from.ports())
        {
            if (to.port(old.name()) == null)
            {
                changes.add(new Change("remove port " + old.name(), () -> sw.removePort(old.name()),
                    () -> factory.add(old)));
            }
        }
        for (final PortConfig next : to.ports())
        {
            final PortConfig old = from.port(next.name());
            if (old == null)
            {
                changes.add(new Change("add port " + next.name(), () -> factory.add(next),
                    () -> sw.removePort(next.name())));
            }
            else if (!old.type().equals(next.type()) || !sameDevice(old.common(), next.common()) ||
                !Objects.equals(old.unix(), next.unix()) || !Objects.equals(old.vxlan(), next.vxlan()) ||
                !sameTunnel(old.tunnel(), next.tunnel()))
            {
                changes.add(new Change("re-create port " + next.name(), () ->
                {
                    sw.removePort(old.name());
                    factory.add(next);
                }, () ->
                {
                    sw.removePort(next.name());
                    factory.add(old);
                }));
            }
            else
            {
                if (!old.common().vlanRules().equals(next.common().vlanRules()))
                {
                    changes.add(new Change("set port " + next.name() + " " + next.common().vlanRules(),
                        () -> sw.setVlanRules(next.name(), next.common().vlanRules()),
                        () -> sw.setVlanRules(old.name(), old.common().vlanRules())));
                }
                if (old.common().macLimit() != next.common().macLimit())
                {
                    changes.add(new Change("set port " + next.name() + " mac-limit " + next.common().macLimit(),
                        () -> sw.setMacLimit(next.name(), next.common().macLimit()),
                        () -> sw.setMacLimit(old.name(), old.common().macLimit())));
                }
                if (old.tunnel() != null && !old.tunnel().fec().equals(next.tunnel().fec()))
                {
                    changes.add(new Change("set port " + next.name() + " " + next.tunnel().fec(),
                        () -> tunnelPort(sw, next.name()).fec(next.tunnel().fec()),
                        () -> tunnelPort(sw, old.name()).fec(old.tunnel().fec())));
                }
                if (old.tunnel() != null)
                {
                    planPeers(sw, next.name(), old.tunnel().peers(), next.tunnel().peers());
                }
                if (old.tunnel() != null && !old.tunnel().impairment().equals(next.tunnel().impairment()))
                {
                    changes.add(new Change("set port " + next.name() + " impairment",
                        () -> tunnelPort(sw, next.name()).impairment(next.tunnel().impairment()),
                        () -> tunnelPort(sw, old.name()).impairment(old.tunnel().impairment())));
                }
                if (!old.storm().equals(next.storm()))
                {
                    changes.add(new Change("set port " + next.name() + " " + next.storm(),
                        () -> sw.setStormLimits(next.name(), next.storm()),
                        () -> sw.setStormLimits(old.name(), old.storm())));
                }
                if (old.enabled() != next.enabled())
                {
                    changes.add(new Change("set port " + next.name() + (next.enabled() ? " up" : " down"),
                        () -> sw.setAdminUp(next.name(), next.enabled()),
                        () -> sw.setAdminUp(old.name(), old.enabled())));
                }
            }
        }
    }

    /**
     * Peers of a running tunnel port, changed in place one by one ({@link TunnelPort#addPeer}): a peer that is
     * gone is removed, a new one added, one reached another way (key, endpoint, pre-shared key, allowed MACs)
     * replaced, and one whose FEC alone changed is set. The other peers' sessions, FEC state and counters stay.
     */
    private void planPeers(final Switch sw, final String port, final List<PortConfig.TunnelPeer> from,
        final List<PortConfig.TunnelPeer> to)
    {
        final Map<String, PortConfig.TunnelPeer> before = new LinkedHashMap<>();
        from.forEach(p -> before.put(p.name(), p));
        final Map<String, PortConfig.TunnelPeer> after = new LinkedHashMap<>();
        to.forEach(p -> after.put(p.name(), p));
        for (final PortConfig.TunnelPeer gone : from)
        {
            if (!after.containsKey(gone.name()))
            {
                changes.add(new Change("remove port " + port + " peer " + gone.name(),
                    () -> tunnelPort(sw, port).removePeer(gone.name()),
                    () -> tunnelPort(sw, port).addPeer(gone.spec())));
            }
        }
        for (final PortConfig.TunnelPeer peer : to)
        {
            final PortConfig.TunnelPeer was = before.get(peer.name());
            if (was == null)
            {
                changes.add(new Change("add port " + port + " peer " + peer.name(),
                    () -> tunnelPort(sw, port).addPeer(peer.spec()),
                    () -> tunnelPort(sw, port).removePeer(peer.name())));
            }
            else if (!was.spec().sameLink(peer.spec()) ||
                !Objects.equals(was.presharedKeyFile(), peer.presharedKeyFile()))
            {
                changes.add(new Change("replace port " + port + " peer " + peer.name(),
                    () -> replacePeer(tunnelPort(sw, port), peer.spec()),
                    () -> replacePeer(tunnelPort(sw, port), was.spec())));
            }
            else if (!Objects.equals(was.spec().fec(), peer.spec().fec()))
            {
                changes.add(new Change("set port " + port + " peer " + peer.name() + " " +
                    (peer.spec().fec() == null ? "fec as the port" : peer.spec().fec()),
                    () -> tunnelPort(sw, port).fec(peer.name(), peer.spec().fec()),
                    () -> tunnelPort(sw, port).fec(was.name(), was.spec().fec())));
            }
        }
    }

    private static void replacePeer(final TunnelPort tunnel, final PeerSpec spec)
    {
        tunnel.removePeer(spec.name());
        tunnel.addPeer(spec);
    }

    private void planStaticMacs(final Switch sw, final L2meshConfig from, final L2meshConfig to)
    {
        final Set<StaticMacConfig> before = new HashSet<>(from.staticMacs());
        final Set<StaticMacConfig> after = new HashSet<>(to.staticMacs());
        for (final StaticMacConfig entry : from.staticMacs())
        {
            if (!after.contains(entry))
            {
                changes.add(new Change("remove static mac " + MacAddresses.format(entry.mac()),
                    () -> sw.macTable().remove(entry.vlan(), entry.mac()), () -> addStatic(sw, entry)));
            }
        }
        for (final StaticMacConfig entry : to.staticMacs())
        {
            if (!before.contains(entry))
            {
                changes.add(new Change("add static mac " + MacAddresses.format(entry.mac()),
                    () -> addStatic(sw, entry), () -> sw.macTable().remove(entry.vlan(), entry.mac())));
            }
        }
    }

    private static void addStatic(final Switch sw, final StaticMacConfig entry)
    {
        final Port port = sw.ports().byName(entry.port());
        if (port == null)
        {
            throw new IllegalArgumentException("no port named '" + entry.port() + "'");
        }
        sw.macTable().addStatic(entry.vlan(), entry.mac(), port.id());
    }

    /**
     * True if two tunnel settings differ at most in peers, FEC and impairment (changed in place, the other
     * peers' sessions kept).
     */
    private static boolean sameTunnel(final PortConfig.Tunnel a, final PortConfig.Tunnel b)
    {
        if (a == null || b == null)
        {
            return a == b;
        }
        return a.listen().equals(b.listen()) && a.privateKeyFile().equals(b.privateKeyFile()) &&
            a.identity().equals(b.identity()) && a.suite() == b.suite() &&
            a.keepaliveSeconds() == b.keepaliveSeconds() && a.rekeySeconds() == b.rekeySeconds() &&
            a.relay().equals(b.relay());
    }

    private static TunnelPort tunnelPort(final Switch sw, final String name)
    {
        if (sw.ports().byName(name) instanceof TunnelPort tunnel)
        {
            return tunnel;
        }
        throw new IllegalStateException("port " + name + " is not a running tunnel port");
    }

    private static boolean sameDevice(final TapPortSpec a, final TapPortSpec b)
    {
        return a.mtu() == b.mtu() && a.mac() == b.mac() && a.offloads() == b.offloads() &&
            a.persistent() == b.persistent() && a.queues() == b.queues() && Objects.equals(a.name(), b.name());
    }
}
