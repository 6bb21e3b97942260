package io.l2mesh.switching.datapath;

import io.l2mesh.switching.port.Port;
import io.l2mesh.switching.stats.DropReason;
import io.l2mesh.switching.stats.PortCounters;

/**
 * Frames of the current burst headed for one port, kept by one loop: indices into the burst's
 * {@link io.l2mesh.switching.buffer.FrameBatch} and the VLAN each belongs to. Flushed once at the end of the
 * burst. Single owner: the loop thread.
 */
public final class TxBatch
{
    private final Port port;
    private final int[] frameIndex;
    private final int[] vlan;
    private final long[] counterSlots;
    private int count;
    private boolean pending;

    public TxBatch(final Port port, final int capacity, final long[] counterSlots)
    {
        this.port = port;
        this.frameIndex = new int[capacity];
        this.vlan = new int[capacity];
        this.counterSlots = counterSlots;
    }

    /**
     * @return false if the batch is full (the frame is counted as a queue-full drop).
     */
    boolean add(final int index, final int frameVlan)
    {
        if (count == frameIndex.length)
        {
            PortCounters.drop(counterSlots, DropReason.QUEUE_FULL);
            return false;
        }
        frameIndex[count] = index;
        vlan[count] = frameVlan;
        count++;
        return true;
    }

    public Port port()
    {
        return port;
    }

    public int count()
    {
        return count;
    }

    int frameIndex(final int i)
    {
        return frameIndex[i];
    }

    int vlan(final int i)
    {
        return vlan[i];
    }

    long[] counterSlots()
    {
        return counterSlots;
    }

    boolean pending()
    {
        return pending;
    }

    void pending(final boolean pending)
    {
        this.pending = pending;
    }

    void clear()
    {
        count = 0;
        pending = false;
    }
}
