package io.l2mesh.switching.port;

import io.l2mesh.switching.buffer.FrameBatch;
import io.l2mesh.switching.buffer.LoopMemory;
import io.l2mesh.switching.offload.VirtioNetHeader;
import io.l2mesh.switching.vlan.VlanRules;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A port backed by memory, like OVS's dummy netdev: frames are injected from any thread and whatever the switch
 * sends is kept in a list. Tests use it to drive the real forwarding code without devices; it copies every
 * frame, so it is not for traffic.
 */
public class MemoryPort extends Port
{
    private final ConcurrentLinkedQueue<byte[]> injected = new ConcurrentLinkedQueue<>();
    private final List<byte[]> sent = new ArrayList<>();
    private volatile boolean closed;

    public MemoryPort(
        final int id, final String name, final VlanRules vlanRules, final int mtu, final boolean acceptsOffloads,
        final int loopCount, final int burstSize)
    {
        super(id, name, vlanRules, mtu, acceptsOffloads, loopCount, burstSize);
    }

    /**
     * Queues a frame to be received; with {@link #acceptsOffloads} it must start with a virtio-net header.
     */
    public void inject(final byte[] frame)
    {
        injected.add(frame.clone());
    }

    /**
     * @return copies of the frames sent so far, each with its virtio-net header if {@link #acceptsOffloads}.
     */
    public synchronized List<byte[]> sent()
    {
        return new ArrayList<>(sent);
    }

    public synchronized void clearSent()
    {
        sent.clear();
    }

    @Override
    public String kind()
    {
        return "memory";
    }

    @Override
    public int receive(final int loopId, final LoopMemory memory, final FrameBatch batch, final MemorySegment errno)
    {
        final int skip = acceptsOffloads() ? 0 : VirtioNetHeader.LENGTH;
        byte[] frame;
        while (!closed && batch.count() < batch.capacity() && (frame = injected.poll()) != null)
        {
            final long header = memory.headerOffset(batch.count());
            final int length = Math.min(frame.length, LoopMemory.slotCapacity() - skip);
            VirtioNetHeader.clear(memory.segment(), header);
            MemorySegment.copy(frame, 0, memory.segment(), ValueLayout.JAVA_BYTE, header + skip, length);
            batch.add(header, Math.max(0, length + skip - VirtioNetHeader.LENGTH));
        }
        return batch.count();
    }

    @Override
    public synchronized long send(final int loopId, final long address, final int length, final MemorySegment errno)
    {
        sent.add(MemorySegment.ofAddress(address).reinterpret(length).toArray(ValueLayout.JAVA_BYTE));
        return length;
    }

    @Override
    public synchronized long sendv(
        final int loopId, final long iovAddress, final int iovCount, final MemorySegment errno)
    {
        final MemorySegment iov = MemorySegment.ofAddress(iovAddress).reinterpret(16L * iovCount);
        long total = 0;
        for (int i = 0; i < iovCount; i++)
        {
            total += iov.get(ValueLayout.JAVA_LONG, i * 16L + 8);
        }
        final byte[] frame = new byte[(int)total];
        int position = 0;
        for (int i = 0; i < iovCount; i++)
        {
            final long base = iov.get(ValueLayout.JAVA_LONG, i * 16L);
            final int length = (int)iov.get(ValueLayout.JAVA_LONG, i * 16L + 8);
            MemorySegment.copy(MemorySegment.ofAddress(base).reinterpret(length), ValueLayout.JAVA_BYTE, 0,
                frame, position, length);
            position += length;
        }
        sent.add(frame);
        return total;
    }

    /**
     * @return true once closed: frames injected since are never received.
     */
    public boolean closed()
    {
        return closed;
    }

    @Override
    public void close()
    {
        closed = true;
        injected.clear();
    }
}
