package io.l2mesh.control.metrics;

import io.l2mesh.switching.Switch;
import io.l2mesh.switching.port.Port;
import io.l2mesh.switching.stats.DropReason;
import io.l2mesh.switching.stats.PortStats;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.List;

/**
 * The switch's families: every port's counters ({@link PortStats}, the snapshot {@code l2mesh ctl stats} shows),
 * the MAC table, and each datapath loop's busy and idle time. Reads what the datapath already counts; nothing
 * here runs on a loop.
 * <p>
 * A loop's busy time is its thread's CPU time (ThreadMXBean); its idle time is the wall-clock time since the
 * exporter first saw the thread, less the CPU time spent since. With {@code busy-poll-us} set, a loop that spins
 * waiting counts as busy: that is the CPU it takes.
 */
final class SwitchMetrics
{
    private final Switch sw;
    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    private final long[] firstSeenNanos;
    private final long[] cpuAtFirstSeen;
    private final double[] idleReported;

    SwitchMetrics(final Switch sw)
    {
        this.sw = sw;
        final int loops = sw.loopCount();
        this.firstSeenNanos = new long[loops];
        this.cpuAtFirstSeen = new long[loops];
        this.idleReported = new double[loops];
        if (threads.isThreadCpuTimeSupported() && !threads.isThreadCpuTimeEnabled())
        {
            threads.setThreadCpuTimeEnabled(true);
        }
    }

    List<Family> collect()
    {
        final Family rxPackets = Family.counter("l2mesh_port_rx_packets", "Frames received from the port.", "port");
        final Family rxBytes = Family.counter("l2mesh_port_rx_bytes", "Bytes of frames received from the port.",
            "port");
        final Family txPackets = Family.counter("l2mesh_port_tx_packets", "Frames sent to the port.", "port");
        final Family txBytes = Family.counter("l2mesh_port_tx_bytes", "Bytes of frames sent to the port.", "port");
        final Family drops = Family.counter("l2mesh_port_drops", "Frames dropped, by reason.", "port", "reason");
        final Family rxGso = Family.counter("l2mesh_port_rx_gso_frames",
            "Super-frames (GSO) received from the port.", "port");
        final Family txGso = Family.counter("l2mesh_port_tx_gso_frames", "Super-frames (GSO) sent to the port.",
            "port");
        final Family segments = Family.counter("l2mesh_port_tx_software_segments",
            "Segments cut in software for a port that takes no super-frames.", "port");
        final Family coalesced = Family.counter("l2mesh_port_rx_coalesced",
            "Received TCP segments merged into super-frames.", "port");
        final Family up = Family.gauge("l2mesh_port_up", "1 if the port is administratively up, 0 if down.", "port",
            "kind");
        for (final Port port : sw.ports().ports())
        {
            final String name = port.name();
            final PortStats s = port.counters().snapshot();
            rxPackets.add(s.rxPackets(), name);
            rxBytes.add(s.rxBytes(), name);
            txPackets.add(s.txPackets(), name);
            txBytes.add(s.txBytes(), name);
            rxGso.add(s.rxGsoFrames(), name);
            txGso.add(s.txGsoFrames(), name);
            segments.add(s.txSoftwareSegments(), name);
            coalesced.add(s.rxCoalesced(), name);
            for (final DropReason reason : DropReason.values())
            {
                drops.add(s.drops(reason), name, reason.label());
            }
            up.add(port.adminUp() ? 1 : 0, name, port.kind());
        }
        final Family macs = Family.gauge("l2mesh_mac_table_entries", "MAC addresses in the forwarding table.")
            .add(sw.macTable().size());
        final Family macLimit = Family.gauge("l2mesh_mac_table_limit", "The table's limit (switch.mac-limit).")
            .add(sw.macTable().limits().globalLimit());
        final Family macMoves = Family.counter("l2mesh_mac_moves", "Learned MACs that moved to another port.")
            .add(sw.macTable().moves());
        final Family errors = Family.counter("l2mesh_datapath_errors",
            "Exceptions the datapath recorded and carried on after (l2mesh ctl status shows them).")
            .add(sw.errorLog().total());
        return List.of(rxPackets, rxBytes, txPackets, txBytes, drops, rxGso, txGso, segments, coalesced, up, macs,
            macLimit, macMoves, errors, loopTimes(true), loopTimes(false));
    }

    private Family loopTimes(final boolean busy)
    {
        final Family family = busy ?
            Family.counter("l2mesh_loop_busy_seconds", "CPU time of the datapath loop's thread.", "loop") :
            Family.counter("l2mesh_loop_idle_seconds",
                "Wall-clock time the datapath loop's thread was not on a CPU, since the exporter started.", "loop");
        final long[] ids = sw.loopThreadIds();
        final long now = System.nanoTime();
        for (int loop = 0; loop < ids.length && loop < firstSeenNanos.length; loop++)
        {
            final long cpu = ids[loop] == 0 ? -1 : threads.getThreadCpuTime(ids[loop]);
            if (cpu < 0)
            {
                continue; // not started, gone, or no per-thread CPU time on this JVM
            }
            synchronized (this) // two scrapes at once must not both take the first sighting
            {
                if (firstSeenNanos[loop] == 0)
                {
                    firstSeenNanos[loop] = now;
                    cpuAtFirstSeen[loop] = cpu;
                }
                if (busy)
                {
                    family.add(cpu / 1e9, Integer.toString(loop));
                }
                else
                {
                    // Wall minus CPU can step back by the CPU clock's granularity: a counter never does.
                    final double idle = ((now - firstSeenNanos[loop]) - (cpu - cpuAtFirstSeen[loop])) / 1e9;
                    idleReported[loop] = Math.max(idleReported[loop], idle);
                    family.add(idleReported[loop], Integer.toString(loop));
                }
            }
        }
        return family;
    }
}
