package io.l2mesh.switching.buffer;

/**
 * The frames of one burst from one ingress port: where each sits in {@link LoopMemory} and how long it is.
 * Preallocated and reset per burst. Single owner: the loop thread.
 */
public final class FrameBatch
{
    private final long[] headerOffset;
    private final int[] frameLength;
    private final int[] vlan;
    private int count;

    public FrameBatch(final int capacity)
    {
        headerOffset = new long[capacity];
        frameLength = new int[capacity];
        vlan = new int[capacity];
    }

    public void reset()
    {
        count = 0;
    }

    public int capacity()
    {
        return headerOffset.length;
    }

    public int count()
    {
        return count;
    }

    /**
     * Appends a frame whose virtio-net header starts at {@code headerOffset} and whose Ethernet frame of
     * {@code frameLength} bytes follows it.
     */
    public void add(final long headerOffset, final int frameLength)
    {
        this.headerOffset[count] = headerOffset;
        this.frameLength[count] = frameLength;
        this.vlan[count] = 0;
        count++;
    }

    public long headerOffset(final int index)
    {
        return headerOffset[index];
    }

    public long frameOffset(final int index)
    {
        return headerOffset[index] + io.l2mesh.switching.offload.VirtioNetHeader.LENGTH;
    }

    public int frameLength(final int index)
    {
        return frameLength[index];
    }

    public int vlan(final int index)
    {
        return vlan[index];
    }

    /**
     * Records the result of stripping an 802.1Q tag: header and MACs moved 4 bytes up, frame 4 bytes shorter.
     */
    public void stripped(final int index, final long newHeaderOffset, final int newLength)
    {
        headerOffset[index] = newHeaderOffset;
        frameLength[index] = newLength;
    }

    public void vlan(final int index, final int vlan)
    {
        this.vlan[index] = vlan;
    }

    /**
     * A frame grew or shrank in its slot (coalescing appended to it).
     */
    public void length(final int index, final int newLength)
    {
        frameLength[index] = newLength;
    }

    /**
     * Moves entry {@code from} to {@code to} (at most {@code from}), compacting after frames were taken out.
     */
    public void move(final int from, final int to)
    {
        headerOffset[to] = headerOffset[from];
        frameLength[to] = frameLength[from];
        vlan[to] = vlan[from];
    }

    /**
     * Keeps the first {@code newCount} entries.
     */
    public void truncate(final int newCount)
    {
        count = newCount;
    }
}
