package io.l2mesh.switching.buffer;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * All off-heap memory of one datapath loop, allocated once at start-up: the frame slots of one burst and the
 * scratch areas the egress path gathers into. Frames are addressed by offset into {@link #segment()}; syscalls
 * get {@code address() + offset}.
 * <pre>
 *  | slot 0 | slot 1 | ... | slot burst-1 | segment scratch | iovecs | small scratch |
 *  slot: | headroom 64 | virtio-net header 10 | frame, up to 64 KiB + tags |
 * </pre>
 * Single owner: the loop thread.
 */
public final class LoopMemory implements AutoCloseable
{
    /** Room in front of the virtio-net header for headers a later stage puts in front (tunnels). */
    public static final int HEADROOM = 64;
    /** Largest frame a TAP with vnet_hdr may hand us: a 64 KiB IP packet plus Ethernet and two tags. */
    public static final int MAX_FRAME_LENGTH = 65_535 + 14 + 8;
    public static final int SLOT_SIZE = 69_632;
    public static final int SEGMENT_SCRATCH_SIZE = 69_632;
    public static final int MAX_IOVECS = 16;

    private final Arena arena = Arena.ofShared();
    private final MemorySegment segment;
    private final int slotCount;
    private final long segmentScratch;
    private final long iovecs;
    private final long smallScratch;

    public LoopMemory(final int slotCount)
    {
        this.slotCount = slotCount;
        final long slots = (long)slotCount * SLOT_SIZE;
        segmentScratch = slots;
        iovecs = segmentScratch + SEGMENT_SCRATCH_SIZE;
        smallScratch = iovecs + MAX_IOVECS * 16L;
        segment = arena.allocate(smallScratch + 64, 4096);
    }

    public MemorySegment segment()
    {
        return segment;
    }

    public long address()
    {
        return segment.address();
    }

    public int slotCount()
    {
        return slotCount;
    }

    /**
     * @return offset of the virtio-net header of slot {@code index}; the frame follows it.
     */
    public long headerOffset(final int index)
    {
        return (long)index * SLOT_SIZE + HEADROOM;
    }

    /**
     * @return bytes available from the virtio-net header to the end of a slot.
     */
    public static int slotCapacity()
    {
        return SLOT_SIZE - HEADROOM;
    }

    /**
     * Offset of a zeroed virtio-net header followed by room for one segment.
     */
    public long segmentScratch()
    {
        return segmentScratch;
    }

    public long iovecs()
    {
        return iovecs;
    }

    /**
     * 64 bytes for an adjusted virtio-net header (0..15), a VLAN tag (16..19) and a checksum (20..21).
     */
    public long smallScratch()
    {
        return smallScratch;
    }

    @Override
    public void close()
    {
        arena.close();
    }
}
