package io.l2mesh.switching.datapath;

import io.l2mesh.switching.buffer.FrameBatch;
import io.l2mesh.switching.buffer.LoopMemory;
import io.l2mesh.switching.fdb.MacLimits;
import io.l2mesh.switching.fdb.MacTable;
import io.l2mesh.switching.offload.TcpCoalescer;
import io.l2mesh.switching.offload.VirtioNetHeader;
import io.l2mesh.switching.port.MemoryPort;
import io.l2mesh.switching.port.Port;
import io.l2mesh.switching.port.PortTable;
import io.l2mesh.switching.port.PortTableRef;
import io.l2mesh.switching.vlan.VlanRules;
import io.l2mesh.tuntap.Libc;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * The real forwarding code of one loop over memory ports, driven synchronously from the test thread.
 */
public final class ForwarderHarness implements AutoCloseable
{
    private final Arena arena = Arena.ofConfined();
    private final LoopMemory memory = new LoopMemory(64);
    private final FrameBatch batch = new FrameBatch(64);
    private final MacTable macTable = new MacTable(new MacLimits(1000));
    private final PortTableRef portTable = new PortTableRef();
    private final Forwarder forwarder;
    private final TcpCoalescer coalescer = new TcpCoalescer(memory);
    private final List<Port> ports = new ArrayList<>();
    private long nowNs = 1;

    public ForwarderHarness()
    {
        forwarder = new Forwarder(0, memory, macTable, portTable, Libc.newErrnoCapture(arena));
    }

    public MemoryPort port(final String name, final VlanRules rules)
    {
        return port(name, rules, 1500, false);
    }

    public MemoryPort port(final String name, final VlanRules rules, final int mtu, final boolean offloads)
    {
        return add(new MemoryPort(ports.size(), name, rules, mtu, offloads, 1, 64));
    }

    public <P extends Port> P add(final P port)
    {
        ports.add(port);
        portTable.set(PortTable.of(ports));
        return port;
    }

    /**
     * Moves the loop's clock on by {@code nanos} (each burst adds 1 ns by itself).
     */
    public void advance(final long nanos)
    {
        nowNs += nanos;
    }

    public MacTable macTable()
    {
        return macTable;
    }

    /**
     * Injects frames on {@code ingress} and forwards them as one burst.
     */
    public void receive(final MemoryPort ingress, final byte[]... frames)
    {
        for (final byte[] frame : frames)
        {
            ingress.inject(frame);
        }
        batch.reset();
        ingress.receive(0, memory, batch, null);
        forwarder.forward(ingress, batch, nowNs++);
    }

    /**
     * Injects frames on {@code ingress}, coalesces them as the loop does for a tunnel port, and forwards them.
     */
    public void receiveCoalesced(final MemoryPort ingress, final byte[]... frames)
    {
        for (final byte[] frame : frames)
        {
            ingress.inject(frame);
        }
        batch.reset();
        ingress.receive(0, memory, batch, null);
        coalescer.coalesce(batch, ingress.counters().loopSlots(0));
        forwarder.forward(ingress, batch, nowNs++);
    }

    /**
     * Coalesces plain frames as one burst and returns what is left, each as virtio-net header + frame.
     */
    public List<byte[]> coalesce(final long[] counterSlots, final byte[]... frames)
    {
        batch.reset();
        for (final byte[] frame : frames)
        {
            final long header = memory.headerOffset(batch.count());
            VirtioNetHeader.clear(memory.segment(), header);
            MemorySegment.copy(frame, 0, memory.segment(), ValueLayout.JAVA_BYTE, header + VirtioNetHeader.LENGTH,
                frame.length);
            batch.add(header, frame.length);
        }
        final int kept = coalescer.coalesce(batch, counterSlots);
        final List<byte[]> out = new ArrayList<>();
        for (int i = 0; i < kept; i++)
        {
            out.add(memory.segment().asSlice(batch.headerOffset(i), VirtioNetHeader.LENGTH + batch.frameLength(i))
                .toArray(ValueLayout.JAVA_BYTE));
        }
        return out;
    }

    @Override
    public void close()
    {
        memory.close();
        arena.close();
    }
}
