package io.l2mesh.switching.tester;

import io.l2mesh.switching.datapath.LoopTask;
import io.l2mesh.switching.frame.EthernetFlyweight;
import io.l2mesh.switching.offload.VirtioNetHeader;
import io.l2mesh.switching.port.Port;
import io.l2mesh.switching.stats.PortCounters;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The sending end of one trial: a task on one datapath loop that writes test frames of one size to the
 * {@code --from} port at a steady rate for the trial's duration, each with the next sequence number and the time
 * it left. Frames are built in place in a native buffer made once (a virtio-net header first where the port takes
 * offloads), so sending allocates nothing; at most {@value #MAX_BURST} frames go per turn, so the loop's other
 * ports keep their turns. A frame the port refuses (queue full) is tried again at the next turn with the same
 * sequence number and counted ({@link #refused}): the sender's own ceiling, not the device under test's loss.
 * The trial lasts its duration whatever was sent; a sender that fell behind shows as {@link TrialResult#senderLimited}.
 */
public final class TestSender implements LoopTask
{
    static final int MAX_BURST = 256;
    private static final VarHandle LONG = MethodHandles.arrayElementVarHandle(long[].class);

    private final Port port;
    private final int testId;
    private final double framesPerNano;
    private final long durationNanos;
    private final int flows;
    private final long baseSource;
    private final MemorySegment buffer;
    private final long frameAt;
    private final long payloadAt;
    private final int sendLength;
    private final int frameLength;
    private final long[] state = new long[2]; // sent, refused (opaque: the control thread reads them)
    private long startNanos = -1;
    private volatile boolean stopped;
    private volatile boolean done;

    /**
     * @param size        the frame size as RFC 2544 counts it (FCS included): {@value TestFrame#MIN_SIZE} ..
     *                    {@value TestFrame#MAX_SIZE}.
     * @param vlan        the 802.1Q tag to put on the frames, or 0 for none.
     * @param flows       source MACs to cycle through (1..65535), from {@code source}.
     */
    public TestSender(final Port port, final int testId, final int size, final double framesPerSecond,
        final long durationNanos, final int vlan, final int flows, final long source, final long destination,
        final Arena arena)
    {
        this.port = port;
        this.testId = testId;
        this.framesPerNano = framesPerSecond / 1e9;
        this.durationNanos = durationNanos;
        this.flows = flows;
        this.baseSource = source;
        this.frameLength = size - TestFrame.FCS;
        final int header = port.acceptsOffloads() ? VirtioNetHeader.LENGTH : 0;
        this.sendLength = header + frameLength;
        this.buffer = arena.allocate(sendLength, 64);
        this.frameAt = header;
        final long typeAt = frameAt + 12;
        if (vlan > 0)
        {
            buffer.set(EthernetFlyweight.SHORT_BE, typeAt, (short)0x8100);
            buffer.set(EthernetFlyweight.SHORT_BE, typeAt + 2, (short)vlan);
            buffer.set(EthernetFlyweight.SHORT_BE, typeAt + 4, (short)TestFrame.ETHER_TYPE);
            this.payloadAt = typeAt + 6;
        }
        else
        {
            buffer.set(EthernetFlyweight.SHORT_BE, typeAt, (short)TestFrame.ETHER_TYPE);
            this.payloadAt = typeAt + 2;
        }
        if (payloadAt + TestFrame.PAYLOAD > sendLength)
        {
            throw new IllegalArgumentException("a " + size + "-byte frame is too small for the test header");
        }
        EthernetFlyweight.writeMac(buffer, frameAt, destination);
        TestFrame.writeHeader(buffer, payloadAt, testId, 0);
    }

    @Override
    public long run(final int loopId, final long nowNs, final MemorySegment errno)
    {
        if (stopped)
        {
            done = true;
            return Long.MAX_VALUE;
        }
        if (startNanos < 0)
        {
            startNanos = nowNs;
        }
        final long elapsed = Math.min(nowNs - startNanos, durationNanos);
        final long due = (long)(elapsed * framesPerNano);
        long sent = state[0];
        final long[] tx = port.counters().loopSlots(loopId);
        for (int n = 0; sent < due && n < MAX_BURST; n++)
        {
            final int flow = (int)(sent % flows);
            EthernetFlyweight.writeMac(buffer, frameAt + 6, baseSource + flow);
            buffer.set(EthernetFlyweight.SHORT_BE, payloadAt + TestFrame.FLOW_AT, (short)flow);
            TestFrame.stamp(buffer, payloadAt, sent, System.nanoTime());
            final long rc = port.send(loopId, buffer.address(), sendLength, errno);
            if (rc <= 0)
            {
                LONG.setOpaque(state, 1, state[1] + 1);
                break; // the port is full: again at the next turn
            }
            PortCounters.add(tx, PortCounters.TX_PACKETS, 1);
            PortCounters.add(tx, PortCounters.TX_BYTES, frameLength);
            sent++;
        }
        LONG.setOpaque(state, 0, sent);
        if (nowNs - startNanos >= durationNanos)
        {
            done = true; // a trial lasts its duration: what could not be sent by then was not offered
            return Long.MAX_VALUE;
        }
        if (sent < due)
        {
            return nowNs; // behind: at once, after the loop's other work
        }
        final long nextDue = startNanos + (long)Math.ceil((sent + 1) / framesPerNano);
        return Math.min(nextDue, startNanos + durationNanos);
    }

    /** Control thread: stops early (the loop drops the task at its next turn). */
    public void stop()
    {
        stopped = true;
    }

    public boolean done()
    {
        return done;
    }

    public long sent()
    {
        return (long)LONG.getOpaque(state, 0);
    }

    public long refused()
    {
        return (long)LONG.getOpaque(state, 1);
    }

    public int testId()
    {
        return testId;
    }
}
