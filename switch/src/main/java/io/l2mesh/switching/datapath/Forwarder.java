package io.l2mesh.switching.datapath;

import io.l2mesh.switching.buffer.FrameBatch;
import io.l2mesh.switching.capture.CaptureTap;
import io.l2mesh.switching.buffer.LoopMemory;
import io.l2mesh.switching.fdb.MacTable;
import io.l2mesh.switching.frame.EthernetFlyweight;
import io.l2mesh.switching.frame.FrameCheck;
import io.l2mesh.switching.offload.VirtioNetHeader;
import io.l2mesh.switching.port.Port;
import io.l2mesh.switching.port.PortTable;
import io.l2mesh.switching.port.PortTableRef;
import io.l2mesh.switching.port.StormControl;
import io.l2mesh.switching.stats.DropReason;
import io.l2mesh.switching.stats.PortCounters;
import io.l2mesh.switching.tester.TestFrame;
import io.l2mesh.switching.tester.TestReceiver;
import io.l2mesh.switching.vlan.VlanMode;
import io.l2mesh.switching.vlan.VlanRules;

import java.lang.foreign.MemorySegment;

/**
 * Decides where each frame of a burst goes: the learning-switch logic of one loop.
 * <p>
 * <b>What it does per frame.</b> Count it; classify it ({@link FrameCheck}); map it to a VLAN by the ingress
 * port's {@link VlanRules} and strip its tag, so that frames in slots are always untagged and tags are added
 * per egress port; learn the source; look up the destination; append the frame to the {@link TxBatch} of the
 * egress port, or of every other port of the VLAN when flooding (broadcast, multicast, unknown unicast, each
 * within the ingress port's {@link StormControl} limit, else a counted drop). At the
 * end of the burst every touched batch is flushed once through the {@link EgressWriter}.
 * <p>
 * <b>Complications.</b> Flooding never sends a frame back out of its ingress port, nor from one tunnel into
 * another (split horizon). A learned destination whose port has gone is treated as unknown. A frame whose
 * destination sits on its own ingress port is dropped as no-route, as a learning bridge filters it.
 * <p>
 * <b>Threading.</b> One per loop; runs only on that loop's thread. Reads the shared {@link MacTable} and the
 * published {@link PortTable}; allocates nothing and takes no lock (a new MAC allocates its table entry).
 */
public final class Forwarder
{
    private static final long BROADCAST = 0xFFFF_FFFF_FFFFL;

    private final int loopId;
    private final MemorySegment segment;
    private final MacTable macTable;
    private final PortTableRef portTableRef;
    private final EgressWriter egressWriter;
    private final MemorySegment errnoCapture;
    private final TxBatch[] pending;
    private int pendingCount;

    public Forwarder(
        final int loopId, final LoopMemory memory, final MacTable macTable, final PortTableRef portTableRef,
        final MemorySegment errnoCapture)
    {
        this.loopId = loopId;
        this.segment = memory.segment();
        this.macTable = macTable;
        this.portTableRef = portTableRef;
        this.egressWriter = new EgressWriter(loopId, memory, errnoCapture);
        this.errnoCapture = errnoCapture;
        this.pending = new TxBatch[io.l2mesh.switching.fdb.MacLimits.MAX_PORTS];
    }

    /**
     * Forwards every frame of {@code batch}, all received on {@code ingress}, then flushes. If anything throws
     * (the loop catches it and loses the burst), the egress batches the burst filled are emptied, so that the
     * next burst does not send stale frame indices, which would point at its own frames.
     */
    public void forward(final Port ingress, final FrameBatch batch, final long nowNs)
    {
        try
        {
            forwardBurst(ingress, batch, nowNs);
        }
        finally
        {
            if (pendingCount > 0)
            {
                discardPending();
            }
        }
    }

    /**
     * Sends a tester's frame back out of the port it came in on, its MACs swapped (the far end of a test through a
     * tunnel: {@code l2mesh ctl test reflect}). In place: the frame's own memory, a plain virtio-net header before
     * it where the port takes one. A frame that came tagged goes back with its VLAN's tag, in the 4 bytes its tag
     * was stripped from.
     *
     * @param vlan the VLAN whose tag the frame came with, or 0 if it came untagged.
     * @return false if the port refused it (counted as the drop).
     */
    private boolean reflect(final Port port, final long strippedHeader, final int strippedLength, final int vlan)
    {
        long header = strippedHeader;
        int length = strippedLength;
        if (vlan != 0)
        {
            // The reverse of the strip: the virtio-net header and the MACs 4 bytes down, the tag after them.
            MemorySegment.copy(segment, header, segment, header - EthernetFlyweight.VLAN_TAG_LENGTH,
                VirtioNetHeader.LENGTH + EthernetFlyweight.MAC_PAIR_LENGTH);
            header -= EthernetFlyweight.VLAN_TAG_LENGTH;
            length += EthernetFlyweight.VLAN_TAG_LENGTH;
            final long tagAt = header + VirtioNetHeader.LENGTH + EthernetFlyweight.MAC_PAIR_LENGTH;
            segment.set(EthernetFlyweight.SHORT_BE, tagAt, (short)EthernetFlyweight.TPID_8021Q);
            segment.set(EthernetFlyweight.SHORT_BE, tagAt + 2, (short)vlan);
        }
        final long frame = header + VirtioNetHeader.LENGTH;
        final long destination = EthernetFlyweight.destination(segment, frame);
        EthernetFlyweight.writeMac(segment, frame, EthernetFlyweight.source(segment, frame));
        EthernetFlyweight.writeMac(segment, frame + 6, destination);
        final long from = port.acceptsOffloads() ? header : frame;
        if (port.acceptsOffloads())
        {
            for (int i = 0; i < VirtioNetHeader.LENGTH; i++)
            {
                segment.set(java.lang.foreign.ValueLayout.JAVA_BYTE, header + i, (byte)0);
            }
        }
        final long sent = port.send(loopId, segment.address() + from, (int)(frame - from) + length, errnoCapture);
        if (sent <= 0)
        {
            return false;
        }
        PortCounters.add(port.counters().loopSlots(loopId), PortCounters.TX_PACKETS, 1);
        PortCounters.add(port.counters().loopSlots(loopId), PortCounters.TX_BYTES, length);
        return true;
    }

    private void discardPending()
    {
        for (int i = 0; i < pendingCount; i++)
        {
            if (pending[i] != null)
            {
                pending[i].clear();
                pending[i] = null;
            }
        }
        pendingCount = 0;
    }

    private void forwardBurst(final Port ingress, final FrameBatch batch, final long nowNs)
    {
        final PortTable table = portTableRef.get();
        final long[] rx = ingress.counters().loopSlots(loopId);
        final VlanRules rules = ingress.vlanRules();
        final int ingressId = ingress.id();
        final int maxFrameLength = ingress.mtu() + EthernetFlyweight.HEADER_LENGTH + EthernetFlyweight.VLAN_TAG_LENGTH;
        final MemorySegment segment = this.segment;
        final CaptureTap tap = ingress.capture();
        final StormControl storm = ingress.storm();
        final TestReceiver testing = ingress.testReceiver();
        if (!ingress.adminUp())
        {
            for (int i = 0, count = batch.count(); i < count; i++)
            {
                PortCounters.add(rx, PortCounters.RX_PACKETS, 1);
                PortCounters.add(rx, PortCounters.RX_BYTES, batch.frameLength(i));
                PortCounters.drop(rx, DropReason.PORT_DOWN);
            }
            return;
        }

        for (int i = 0, count = batch.count(); i < count; i++)
        {
            long header = batch.headerOffset(i);
            int length = batch.frameLength(i);
            PortCounters.add(rx, PortCounters.RX_PACKETS, 1);
            PortCounters.add(rx, PortCounters.RX_BYTES, length);
            if (tap != null)
            {
                tap.capture(loopId, segment, header + VirtioNetHeader.LENGTH, length, -1, nowNs);
            }
            final boolean superFrame = VirtioNetHeader.gsoType(segment, header) != VirtioNetHeader.GSO_NONE;
            if (superFrame)
            {
                PortCounters.add(rx, PortCounters.RX_GSO_FRAMES, 1);
            }

            final int tag = FrameCheck.classify(
                segment, header + VirtioNetHeader.LENGTH, length, maxFrameLength, superFrame);
            if (tag == FrameCheck.MALFORMED)
            {
                PortCounters.drop(rx, DropReason.MALFORMED);
                continue;
            }
            final int vlan = tag == FrameCheck.UNSUPPORTED_TAG ? VlanRules.DROP : rules.ingressVlan(tag);
            if (vlan == VlanRules.DROP)
            {
                PortCounters.drop(rx, DropReason.VLAN);
                continue;
            }
            if ((tag == 0 || (tag == FrameCheck.UNTAGGED && rules.mode() == VlanMode.ACCESS)) &&
                FrameCheck.hidesTag(segment, header + VirtioNetHeader.LENGTH, length, tag))
            {
                PortCounters.drop(rx, DropReason.NESTED_TAG); // VLAN hopping: the inner tag would be its VLAN
                continue;
            }
            if (tag != FrameCheck.UNTAGGED)
            {
                // Strip in place: move the virtio-net header and the MACs 4 bytes up over the tag.
                MemorySegment.copy(segment, header, segment, header + EthernetFlyweight.VLAN_TAG_LENGTH,
                    VirtioNetHeader.LENGTH + EthernetFlyweight.MAC_PAIR_LENGTH);
                header += EthernetFlyweight.VLAN_TAG_LENGTH;
                length -= EthernetFlyweight.VLAN_TAG_LENGTH;
                VirtioNetHeader.shift(segment, header, -EthernetFlyweight.VLAN_TAG_LENGTH);
                batch.stripped(i, header, length);
            }
            batch.vlan(i, vlan);

            final long frame = header + VirtioNetHeader.LENGTH;
            if (EthernetFlyweight.type(segment, frame) == TestFrame.ETHER_TYPE)
            {
                // The tester's frames (its EtherType and magic) are consumed where a trial receives, reflected
                // where the port reflects, dropped anywhere else: never learned, flooded or forwarded. Others of
                // the EtherType are someone's experiment: switched as any frame.
                final long payload = TestFrame.payload(segment, frame, length);
                if (payload >= 0)
                {
                    if (testing != null)
                    {
                        testing.receive(loopId, segment, payload, length, nowNs);
                    }
                    else if (!ingress.reflectsTests() ||
                        !reflect(ingress, header, length, tag == FrameCheck.UNTAGGED ? 0 : vlan))
                    {
                        PortCounters.drop(rx, DropReason.TEST_FRAME);
                    }
                    continue;
                }
            }
            if (macTable.learn(vlan, EthernetFlyweight.source(segment, frame), ingressId, nowNs) ==
                MacTable.LIMIT_REACHED)
            {
                PortCounters.drop(rx, DropReason.MAC_LIMIT);
                continue;
            }

            final long destination = EthernetFlyweight.destination(segment, frame);
            if (EthernetFlyweight.isMulticast(destination))
            {
                final int kind = destination == BROADCAST ? StormControl.BROADCAST : StormControl.MULTICAST;
                if (storm.admit(loopId, kind, nowNs))
                {
                    flood(table, ingress, rx, i, vlan);
                }
                else
                {
                    PortCounters.drop(rx, StormControl.dropReason(kind));
                }
                continue;
            }
            final int egressId = macTable.lookup(vlan, destination);
            if (egressId == ingressId)
            {
                PortCounters.drop(rx, DropReason.NO_ROUTE);
                continue;
            }
            final Port egress = egressId == MacTable.NO_PORT ? null : table.port(egressId);
            if (egress == null)
            {
                if (storm.admit(loopId, StormControl.UNKNOWN_UNICAST, nowNs))
                {
                    flood(table, ingress, rx, i, vlan);
                }
                else
                {
                    PortCounters.drop(rx, DropReason.STORM_UNKNOWN_UNICAST);
                }
            }
            else if (!egress.vlanRules().carries(vlan))
            {
                PortCounters.drop(rx, DropReason.VLAN);
            }
            else if (!egress.adminUp())
            {
                PortCounters.drop(rx, DropReason.PORT_DOWN);
            }
            else
            {
                enqueue(egress, i, vlan);
            }
        }
        flush(batch);
    }

    private void flood(final PortTable table, final Port ingress, final long[] rx, final int index, final int vlan)
    {
        final Port[] group = table.floodGroup(vlan);
        final boolean fromTunnel = ingress.isTunnel();
        int copies = 0;
        for (final Port egress : group)
        {
            if (egress != ingress && !(fromTunnel && egress.isTunnel()))
            {
                enqueue(egress, index, vlan);
                copies++;
            }
        }
        if (copies == 0)
        {
            PortCounters.drop(rx, DropReason.NO_ROUTE);
        }
    }

    private void enqueue(final Port egress, final int index, final int vlan)
    {
        final TxBatch tx = egress.txBatch(loopId);
        if (!tx.pending())
        {
            tx.pending(true);
            pending[pendingCount++] = tx;
        }
        tx.add(index, vlan);
    }

    private void flush(final FrameBatch batch)
    {
        for (int i = 0; i < pendingCount; i++)
        {
            final TxBatch tx = pending[i];
            egressWriter.flush(tx, batch);
            tx.clear();
            pending[i] = null;
        }
        pendingCount = 0;
    }
}
