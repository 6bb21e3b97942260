package io.l2mesh.switching.port;

import io.l2mesh.switching.buffer.FrameBatch;
import io.l2mesh.switching.buffer.LoopMemory;
import io.l2mesh.switching.datapath.TxBatch;
import io.l2mesh.switching.stats.PortCounters;
import io.l2mesh.switching.vlan.VlanRules;

import java.lang.foreign.MemorySegment;

/**
 * A switch port: the SPI every port kind implements (TAP, raw, unix stream and datagram, VXLAN, tunnel, memory);
 * {@code PortConformanceTest} checks each against this contract.
 * <p>
 * <b>Threading.</b> Each datapath loop calls {@link #receive} and {@link #send} with its own {@code loopId}
 * only, so an implementation keeps per-loop state (a queue fd, a buffer) indexed by it and needs no locks.
 * Settings ({@link #vlanRules}) are replaced whole by the control thread and read with one volatile load.
 * <p>
 * <b>Ownership.</b> Frames stay in the loop's {@link LoopMemory}: {@link #send} must finish with the bytes
 * before it returns (copy or write them), whatever the outcome.
 * <p>
 * <b>Errors.</b> {@link #receive} and {@link #send} never throw for I/O: they return {@code -errno}, and
 * would-block is 0.
 */
public abstract class Port
{
    private final int id;
    private final String name;
    private final int mtu;
    private final boolean acceptsOffloads;
    private final PortCounters counters;
    private final TxBatch[] txBatches;
    private volatile VlanRules vlanRules;
    private volatile boolean adminUp = true;
    private volatile io.l2mesh.switching.capture.CaptureTap capture;
    private volatile io.l2mesh.switching.tester.TestReceiver testReceiver;
    private volatile boolean reflectsTests;
    private final StormControl storm;

    @SuppressWarnings("this-escape") // the TxBatches only keep the reference; they use it after construction
    protected Port(
        final int id, final String name, final VlanRules vlanRules, final int mtu, final boolean acceptsOffloads,
        final int loopCount, final int burstSize)
    {
        this.id = id;
        this.name = name;
        this.vlanRules = vlanRules;
        this.mtu = mtu;
        this.acceptsOffloads = acceptsOffloads;
        this.counters = new PortCounters(loopCount);
        this.txBatches = new TxBatch[loopCount];
        this.storm = new StormControl(loopCount);
        for (int i = 0; i < loopCount; i++)
        {
            txBatches[i] = new TxBatch(this, burstSize, counters.loopSlots(i));
        }
    }

    public final int id()
    {
        return id;
    }

    public final String name()
    {
        return name;
    }

    /**
     * Largest L3 payload of a frame this port sends (the Ethernet header and a VLAN tag come on top).
     */
    public final int mtu()
    {
        return mtu;
    }

    /**
     * True when the port takes frames with a virtio-net header, including GSO super-frames and partial
     * checksums; otherwise the switch segments and completes checksums before {@link #send}.
     */
    public final boolean acceptsOffloads()
    {
        return acceptsOffloads;
    }

    public final VlanRules vlanRules()
    {
        return vlanRules;
    }

    public final void vlanRules(final VlanRules rules)
    {
        vlanRules = rules;
    }

    /**
     * False when an operator took the port down: it takes no frames and is sent none.
     */
    public final boolean adminUp()
    {
        return adminUp;
    }

    public final void adminUp(final boolean up)
    {
        adminUp = up;
    }

    /**
     * @return the capture running on this port, or null (one volatile read per frame sent: a plain load on x86).
     */
    public final io.l2mesh.switching.capture.CaptureTap capture()
    {
        return capture;
    }

    public final void capture(final io.l2mesh.switching.capture.CaptureTap tap)
    {
        capture = tap;
    }

    /**
     * @return the traffic-tester trial receiving on this port, or null (one volatile read per burst).
     */
    public final io.l2mesh.switching.tester.TestReceiver testReceiver()
    {
        return testReceiver;
    }

    /**
     * Control thread: attaches a trial's receiver (null: none); the port's loops consume its test frames.
     */
    public final void testReceiver(final io.l2mesh.switching.tester.TestReceiver receiver)
    {
        this.testReceiver = receiver;
    }

    /**
     * @return true if this port sends the tester's frames it receives straight back (a remote tester's far end).
     */
    public final boolean reflectsTests()
    {
        return reflectsTests;
    }

    /**
     * Control thread: {@code l2mesh ctl test reflect}.
     */
    public final void reflectsTests(final boolean on)
    {
        this.reflectsTests = on;
    }

    /**
     * @return this port's storm control, which the loops that read it consult before flooding.
     */
    public final StormControl storm()
    {
        return storm;
    }

    /**
     * Sets this port's storm-control limits, shared among the loops that read it (control plane).
     *
     * @param loops how many loops the switch runs.
     */
    public final void stormLimits(final StormLimits limits, final int loops)
    {
        int readers = 0;
        for (int loop = 0; loop < loops; loop++)
        {
            if (ingressFd(loop) >= 0)
            {
                readers++;
            }
        }
        storm.limits(limits, readers);
    }

    public final StormLimits stormLimits()
    {
        return storm.limits();
    }

    public final PortCounters counters()
    {
        return counters;
    }

    public final TxBatch txBatch(final int loopId)
    {
        return txBatches[loopId];
    }

    /**
     * True for ports into a mesh of other switches: frames arriving on one are never flooded into another
     * (split horizon), so a full mesh has no loops.
     */
    public boolean isTunnel()
    {
        return false;
    }

    /**
     * True for ports that take offloads and cut a GSO super-frame into segments of their own MTU themselves,
     * whatever its segment size (a tunnel port, which seals each segment in place as it is cut): the switch
     * hands them super-frames whole. {@link #send} then answers {@code -EBADMSG} for a frame it cannot parse.
     */
    public boolean cutsSuperFrames()
    {
        return false;
    }

    /**
     * True for ports whose frames are TCP segments that came off a wire one by one (tunnels, VXLAN): the loop
     * merges a burst's consecutive segments of one flow into super-frames ({@code TcpCoalescer}) when some
     * port takes offloads.
     */
    public boolean coalescesReceive()
    {
        return false;
    }

    public abstract String kind();

    /**
     * @return what is at the other end, for people (a socket path and whether a VM is attached), or null.
     */
    public String endpoint()
    {
        return null;
    }

    /**
     * @return the fd loop {@code loopId} polls for frames from this port, or -1 if that loop does not read it.
     */
    public int ingressFd(final int loopId)
    {
        return -1;
    }

    /**
     * Reads up to {@code batch.capacity()} frames into consecutive slots of {@code memory}, each as a
     * virtio-net header (zeroed if the port has none) followed by the frame.
     *
     * @return frames read (0 if none is ready), or {@code -errno} if the port failed.
     */
    public abstract int receive(int loopId, LoopMemory memory, FrameBatch batch, MemorySegment errnoCapture);

    /**
     * Sends one frame of {@code length} contiguous bytes at absolute address {@code address}. When
     * {@link #acceptsOffloads} the first bytes are a virtio-net header.
     *
     * @return bytes sent, 0 if the port would block, or {@code -errno}.
     */
    public abstract long send(int loopId, long address, int length, MemorySegment errnoCapture);

    /**
     * Sends one frame gathered from {@code iovCount} {@code struct iovec}s at absolute address {@code iovAddress}.
     * When {@link #acceptsOffloads} the first bytes are a virtio-net header.
     *
     * @return bytes sent, 0 if the port would block, or {@code -errno}.
     */
    public abstract long sendv(int loopId, long iovAddress, int iovCount, MemorySegment errnoCapture);

    /**
     * True if {@link #receive} left frames it already read from the kernel for later (its burst was full): the
     * loop calls it again at once, since epoll would not report the fd for them.
     */
    public boolean pendingInput(final int loopId)
    {
        return false;
    }

    /**
     * Sends what {@link #send}/{@link #sendv} may have held back to batch (a tunnel port gathers the datagrams
     * of one burst into one UDP GSO send). Called by the loop after each burst's frames for this port.
     */
    public void flush(final int loopId, final MemorySegment errnoCapture)
    {
    }

    /**
     * True for ports with work due at times of their own (an FEC block to close, a delayed packet to send): the
     * loop calls {@link #pollTimers} after each burst and when the earliest deadline comes.
     */
    public boolean hasTimers()
    {
        return false;
    }

    /**
     * Does what is due at {@code nowNs} on loop {@code loopId}.
     *
     * @return when to be called next, or {@code Long.MAX_VALUE} for not until the next burst.
     */
    public long pollTimers(final int loopId, final long nowNs, final MemorySegment errnoCapture)
    {
        return Long.MAX_VALUE;
    }

    /**
     * Releases the port's resources once no loop uses it any more.
     */
    public abstract void close();

    @Override
    public String toString()
    {
        return kind() + " " + name + " (id " + id + ", " + vlanRules + ")";
    }
}
