package io.l2mesh.fec.stream;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * What the decoder knows of one block: which shards arrived (their bodies copied into this slot's memory), which
 * data frames were delivered, the code's (k, m), and, once a parity shard arrived, the real frame count and the
 * coded length. Slot memory is allocated on first use and reused for later blocks.
 */
final class BlockSlot
{
    final MemorySegment[] shards;
    final int[] bodyLength;
    final boolean[] present;
    final boolean[] delivered;
    private final Arena arena;
    private final int stride;
    private final int capacity;
    private MemorySegment memory;
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

    BlockSlot(final Arena arena, final int capacity, final int stride)
    {
        this.arena = arena;
        this.capacity = capacity;
        this.stride = stride;
        this.shards = new MemorySegment[capacity];
        this.bodyLength = new int[capacity];
        this.present = new boolean[capacity];
        this.delivered = new boolean[capacity];
    }

    void open(final int blockId, final int k, final int m)
    {
        if (memory == null)
        {
            memory = arena.allocate((long)capacity * stride, 64);
            for (int i = 0; i < capacity; i++)
            {
                shards[i] = memory.asSlice((long)i * stride, stride);
            }
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
