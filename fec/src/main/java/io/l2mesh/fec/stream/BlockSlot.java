package io.l2mesh.fec.stream;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * What the decoder knows of one block: which shards arrived (their bodies copied into this slot's memory), which
 * data frames were delivered, the code's (k, m), and, once a parity shard arrived, the real frame count and the
 * coded length.
 * <p>
 * Slot memory holds k + m shard bodies rounded up to a power of two, allocated the first time a block needs it
 * and reused for later blocks; a block of a larger shape grows it (the old memory stays with the arena until the
 * decoder closes, so growth at most doubles what a slot holds). Every allocation is reserved from the decoder's
 * {@link DecoderMemory} first; a refusal leaves the slot closed.
 */
final class BlockSlot
{
    private static final int MIN_SHARDS = 4;

    final MemorySegment[] shards;
    final int[] bodyLength;
    final boolean[] present;
    final boolean[] delivered;
    /** When each present shard arrived (the caller's clock). */
    final long[] arrivalNanos;
    private final int stride;
    private int allocatedShards;
    boolean inUse;
    boolean finished;
    int blockId;
    int k;
    int m;
    int count;
    int codedLength;
    int presentData;
    int presentParity;
    int deliveredCount;
    int highestDataIndex;

    BlockSlot(final int capacity, final int stride)
    {
        this.stride = stride;
        this.shards = new MemorySegment[capacity];
        this.bodyLength = new int[capacity];
        this.present = new boolean[capacity];
        this.delivered = new boolean[capacity];
        this.arrivalNanos = new long[capacity];
    }

    /**
     * Opens the slot for a block of shape (k, m), growing its memory if the shape needs more.
     *
     * @return the bytes newly reserved (0 if the slot had room), or -1 if {@code memory} refused them (the slot
     * stays closed).
     */
    long open(final int blockId, final int k, final int m, final Arena arena, final DecoderMemory memory)
    {
        long reserved = 0;
        if (k + m > allocatedShards)
        {
            final int rounded = Math.max(MIN_SHARDS, Integer.highestOneBit(k + m - 1) << 1);
            final int shards = Math.min(this.shards.length, rounded);
            reserved = (long)shards * stride;
            if (!memory.reserve(reserved))
            {
                return -1;
            }
            final MemorySegment block = arena.allocate(reserved, 64);
            for (int i = 0; i < shards; i++)
            {
                this.shards[i] = block.asSlice((long)i * stride, stride);
            }
            allocatedShards = shards;
        }
        this.inUse = true;
        this.finished = false;
        this.blockId = blockId;
        this.k = k;
        this.m = m;
        this.count = 0;
        this.codedLength = 0;
        this.presentData = 0;
        this.presentParity = 0;
        this.deliveredCount = 0;
        this.highestDataIndex = -1;
        java.util.Arrays.fill(present, 0, k + m, false);
        java.util.Arrays.fill(delivered, 0, k + m, false);
        return reserved;
    }

    /**
     * @return data frames of this block known lost and not delivered (a lower bound when no parity came).
     */
    int undelivered()
    {
        final int expected = count > 0 ? count : highestDataIndex + 1;
        return Math.max(0, expected - deliveredCount);
    }
}
