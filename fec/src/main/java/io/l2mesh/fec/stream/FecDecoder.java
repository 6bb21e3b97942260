package io.l2mesh.fec.stream;

import io.l2mesh.fec.CodingLoop;
import io.l2mesh.fec.ReedSolomon;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Packet-stream FEC receiver for one peer.
 * <p>
 * <b>What it does.</b> Takes shards in any order, with duplicates and losses. A data shard's frame is delivered
 * the moment it arrives, so FEC adds no latency to what was not lost. A block's missing frames are rebuilt as
 * soon as it has k shards (counting the zero shards of a block closed early) and delivered at once. Every frame
 * is delivered exactly once.
 * <p>
 * <b>Complications.</b> Memory is bounded whatever the input: blocks live in a window of {@code windowBlocks} slots by
 * block id (serial-number order, so ids may wrap); a newer id evicts the oldest, counting what it still missed as
 * unrecoverable; shards of blocks older than the window are stale. A slot holds as many shard bodies as its block's
 * shape needs (rounded up to a power of two), reserved from a {@link DecoderMemory} that the owner shares between the
 * decoders of a peer and of a port: a shard whose block would exceed it is refused ({@link #onShard} says so) and costs
 * nothing. Codecs come from a bounded {@link CodecCache}. Every header field is checked before use (k and m within the
 * configured maxima, index within k + m, lengths matching the shard, one coded length and one count per block);
 * anything inconsistent is a counted malformed drop, never an exception.
 * <p>
 * <b>Threading.</b> Single owner: one datapath thread. Copies each body once into slot memory (needed to decode later).
 * Allocates when a slot is first used or grows, when a (k, m) not in the codec cache is seen, and on each rebuild: the
 * codec's reconstruction makes four small arrays and a cache key per recovered block (264 B, docs/BENCHMARKS.md), never
 * per frame.
 */
public final class FecDecoder implements AutoCloseable
{
    public static final int WINDOW_BLOCKS_DEFAULT = 16;
    public static final int MAX_K_DEFAULT = 64;
    public static final int MAX_M_DEFAULT = 32;

    /** What {@code slotFor} returns when the memory budget refused the block's slot. */
    private static final BlockSlot REFUSED = new BlockSlot(0, 0);

    private final FrameSink sink;
    private final CodecCache codecs;
    private final int maxK;
    private final int maxM;
    private final int maxFrameLength;
    private final int windowMask;
    private final Arena arena = Arena.ofShared();
    private final DecoderMemory memory;
    private final long fixedBytes;
    private long reservedBytes;
    private final BlockSlot[] slots;
    private final boolean[] decodePresent = new boolean[ReedSolomon.MAX_TOTAL_SHARDS];
    private final FecCounters counters = new FecCounters();
    private long shardsTaken;
    private boolean started;
    private int newestBlockId;

    /**
     * A decoder without a memory bound, with a cache of its own codecs (tests and benchmarks).
     */
    public FecDecoder(final int windowBlocks, final int maxK, final int maxM, final int maxFrameLength,
        final CodingLoop loop, final FrameSink sink)
    {
        this(windowBlocks, maxK, maxM, maxFrameLength, new CodecCache(loop, CodecCache.CAPACITY_DEFAULT),
            DecoderMemory.unbounded(), sink);
        memory.reserve(fixedBytes);
    }

    private FecDecoder(final int windowBlocks, final int maxK, final int maxM, final int maxFrameLength,
        final CodecCache codecs, final DecoderMemory memory, final FrameSink sink)
    {
        if (windowBlocks < 1 || Integer.bitCount(windowBlocks) != 1 || windowBlocks > 1024)
        {
            throw new IllegalArgumentException("window " + windowBlocks + " must be a power of two in 1..1024");
        }
        ReedSolomon.checkShape(maxK, maxM);
        if (maxFrameLength < 1 || maxFrameLength > 65_533)
        {
            throw new IllegalArgumentException("max frame length " + maxFrameLength + " out of range 1..65533");
        }
        this.maxK = maxK;
        this.maxM = maxM;
        this.maxFrameLength = maxFrameLength;
        this.windowMask = windowBlocks - 1;
        this.codecs = codecs;
        this.sink = sink;
        this.memory = memory;
        this.fixedBytes = fixedBytes(windowBlocks, maxK, maxM);
        final int stride = FecEncoder.align8(ShardHeaderFlyweight.FRAME_LENGTH_FIELD + maxFrameLength);
        this.slots = new BlockSlot[windowBlocks];
        for (int i = 0; i < windowBlocks; i++)
        {
            slots[i] = new BlockSlot(maxK + maxM, stride);
        }
    }

    /**
     * A decoder whose memory (its own objects, then each slot's shard bodies as blocks need them) is reserved from
     * {@code memory}, decoding with the codecs of {@code codecs} (shared by the decoders of one thread).
     *
     * @return the decoder, or null if {@code memory} cannot cover even its fixed part.
     */
    public static FecDecoder within(final DecoderMemory memory, final int windowBlocks, final int maxK,
        final int maxM, final int maxFrameLength, final CodecCache codecs, final FrameSink sink)
    {
        final long fixed = fixedBytes(windowBlocks, maxK, maxM);
        if (!memory.reserve(fixed))
        {
            return null;
        }
        try
        {
            return new FecDecoder(windowBlocks, maxK, maxM, maxFrameLength, codecs, memory, sink);
        }
        catch (final RuntimeException e)
        {
            memory.release(fixed);
            throw e;
        }
    }

    /**
     * An estimate of a decoder's heap before any block: per slot, its arrays and a slice per shard.
     */
    private static long fixedBytes(final int windowBlocks, final int maxK, final int maxM)
    {
        return 1024L + (long)windowBlocks * (128 + 48L * (maxK + maxM));
    }

    /**
     * @return shards offered to {@link #onShard} so far (owner thread: to tell an idle stream).
     */
    public long shardsTaken()
    {
        return shardsTaken;
    }

    /**
     * @return bytes this decoder holds against its memory budget.
     */
    public long memoryBytes()
    {
        return fixedBytes + reservedBytes;
    }

    public FecCounters counters()
    {
        return counters;
    }

    /**
     * Takes one shard (header and body) of {@code length} bytes at {@code offset}. Malformed, stale and duplicate
     * shards are counted in {@link #counters()}.
     *
     * @return false if the shard was refused because its block would exceed the memory budget (the caller counts
     * that drop), else true.
     */
    public boolean onShard(final MemorySegment segment, final long offset, final int length)
    {
        return onShard(segment, offset, length, System.nanoTime());
    }

    /**
     * As {@link #onShard(MemorySegment, long, int)}, the shard having arrived at {@code nowNanos} (the caller's
     * clock, read once per datagram anyway): a rebuilt frame's wait is measured from it ({@link
     * FecCounters#RECOVERY_NANOS}).
     */
    public boolean onShard(final MemorySegment segment, final long offset, final int length, final long nowNanos)
    {
        shardsTaken++;
        if (length < ShardHeaderFlyweight.LENGTH)
        {
            counters.increment(FecCounters.MALFORMED);
            return true;
        }
        final int blockId = ShardHeaderFlyweight.blockId(segment, offset);
        final int index = ShardHeaderFlyweight.index(segment, offset);
        final int k = ShardHeaderFlyweight.k(segment, offset);
        final int m = ShardHeaderFlyweight.m(segment, offset);
        final int count = ShardHeaderFlyweight.count(segment, offset);
        final long body = offset + ShardHeaderFlyweight.LENGTH;
        final int bodyLength = length - ShardHeaderFlyweight.LENGTH;
        if (k < 1 || k > maxK || m < 1 || m > maxM || index >= k + m)
        {
            counters.increment(FecCounters.MALFORMED);
            return true;
        }
        final boolean data = index < k;
        if (data)
        {
            if (count != 0 || bodyLength < ShardHeaderFlyweight.FRAME_LENGTH_FIELD ||
                ShardHeaderFlyweight.frameLength(segment, body) !=
                    bodyLength - ShardHeaderFlyweight.FRAME_LENGTH_FIELD ||
                bodyLength - ShardHeaderFlyweight.FRAME_LENGTH_FIELD > maxFrameLength)
            {
                counters.increment(FecCounters.MALFORMED);
                return true;
            }
        }
        else if (count < 1 || count > k || bodyLength < ShardHeaderFlyweight.FRAME_LENGTH_FIELD ||
            bodyLength > ShardHeaderFlyweight.FRAME_LENGTH_FIELD + maxFrameLength)
        {
            counters.increment(FecCounters.MALFORMED);
            return true;
        }

        final BlockSlot slot = slotFor(blockId, k, m);
        if (slot == null)
        {
            counters.increment(FecCounters.STALE);
            return true;
        }
        if (slot == REFUSED)
        {
            return false;
        }
        if (slot.k != k || slot.m != m || (data && slot.count != 0 && index >= slot.count) ||
            (!data && ((slot.codedLength != 0 && slot.codedLength != bodyLength) ||
                (slot.count != 0 && slot.count != count))))
        {
            counters.increment(FecCounters.MALFORMED);
            return true;
        }
        if (slot.present[index])
        {
            counters.increment(FecCounters.DUPLICATE);
            return true;
        }
        MemorySegment.copy(segment, body, slot.shards[index], 0, bodyLength);
        slot.present[index] = true;
        slot.bodyLength[index] = bodyLength;
        slot.arrivalNanos[index] = nowNanos;
        if (data)
        {
            slot.presentData++;
            slot.highestDataIndex = Math.max(slot.highestDataIndex, index);
            if (!slot.delivered[index])
            {
                slot.delivered[index] = true;
                slot.deliveredCount++;
                counters.increment(FecCounters.RECEIVED);
                sink.onFrame(segment, body + ShardHeaderFlyweight.FRAME_LENGTH_FIELD,
                    bodyLength - ShardHeaderFlyweight.FRAME_LENGTH_FIELD, false);
            }
        }
        else
        {
            slot.presentParity++;
            slot.codedLength = bodyLength;
            slot.count = count;
            counters.increment(FecCounters.PARITY_RECEIVED);
            if (slot.highestDataIndex >= count)
            {
                // Data shards beyond the count the parity claims: the block is inconsistent, stop decoding it.
                slot.finished = true;
                counters.increment(FecCounters.MALFORMED);
                return true;
            }
        }
        tryRecover(slot, nowNanos);
        return true;
    }

    private BlockSlot slotFor(final int blockId, final int k, final int m)
    {
        if (!started)
        {
            started = true;
            newestBlockId = blockId - 1;
        }
        final int ahead = blockId - newestBlockId; // serial-number arithmetic: ids may wrap
        if (ahead > 0)
        {
            final int steps = Math.min(ahead, slots.length);
            for (int s = 1; s <= steps; s++)
            {
                evict(slots[(blockId - steps + s) & windowMask]);
            }
            newestBlockId = blockId;
        }
        else if (ahead <= -slots.length)
        {
            return null;
        }
        final BlockSlot slot = slots[blockId & windowMask];
        if (!slot.inUse)
        {
            final long reserved = slot.open(blockId, k, m, arena, memory);
            if (reserved < 0)
            {
                return REFUSED;
            }
            reservedBytes += reserved;
        }
        else if (slot.blockId != blockId)
        {
            return null;
        }
        return slot;
    }

    private void evict(final BlockSlot slot)
    {
        if (slot.inUse)
        {
            if (!slot.finished)
            {
                counters.add(FecCounters.UNRECOVERABLE, slot.undelivered());
            }
            slot.inUse = false;
        }
    }

    private void tryRecover(final BlockSlot slot, final long nowNanos)
    {
        final int count = slot.count;
        if (slot.finished || count == 0)
        {
            return;
        }
        if (slot.deliveredCount == count)
        {
            slot.finished = true;
            return;
        }
        final int k = slot.k;
        final int zeroShards = k - count;
        if (slot.presentData + zeroShards + slot.presentParity < k)
        {
            return;
        }
        final int codedLength = slot.codedLength;
        final boolean[] present = decodePresent;
        for (int i = 0; i < k; i++)
        {
            if (i >= count)
            {
                FecEncoder.zero(slot.shards[i], 0, codedLength);
                present[i] = true;
            }
            else if (slot.present[i])
            {
                if (slot.bodyLength[i] > codedLength)
                {
                    slot.finished = true; // a body longer than the block's coded length: inconsistent
                    counters.increment(FecCounters.MALFORMED);
                    counters.add(FecCounters.UNRECOVERABLE, count - slot.deliveredCount);
                    return;
                }
                FecEncoder.zero(slot.shards[i], slot.bodyLength[i], codedLength - slot.bodyLength[i]);
                present[i] = true;
            }
            else
            {
                present[i] = false;
            }
        }
        for (int j = 0; j < slot.m; j++)
        {
            present[k + j] = slot.present[k + j];
        }
        codecs.get(k, slot.m).reconstructData(slot.shards, present, 0, codedLength);
        for (int i = 0; i < count; i++)
        {
            if (!slot.delivered[i])
            {
                final int frameLength = ShardHeaderFlyweight.frameLength(slot.shards[i], 0);
                slot.delivered[i] = true;
                slot.deliveredCount++;
                if (frameLength > codedLength - ShardHeaderFlyweight.FRAME_LENGTH_FIELD)
                {
                    counters.increment(FecCounters.UNRECOVERABLE); // parity did not describe this frame
                    continue;
                }
                counters.increment(FecCounters.RECOVERED);
                counters.add(FecCounters.RECOVERY_NANOS, waitedFor(slot, i, nowNanos));
                sink.onFrame(slot.shards[i], ShardHeaderFlyweight.FRAME_LENGTH_FIELD, frameLength, true);
            }
        }
        slot.finished = true;
    }

    /**
     * What FEC added to the latency of frame {@code index}, rebuilt at {@code nowNanos}: the time since the shard
     * after it in the block arrived (the lost frame was due about then; the shards of a block are sent in index
     * order), 0 if none did (the shard that completed the block follows it).
     */
    private static long waitedFor(final BlockSlot slot, final int index, final long nowNanos)
    {
        for (int j = index + 1, n = slot.k + slot.m; j < n; j++)
        {
            if (slot.present[j])
            {
                return Math.max(0, nowNanos - slot.arrivalNanos[j]);
            }
        }
        return 0;
    }

    /**
     * Counts what the blocks still in the window miss as unrecoverable and forgets them (end of a test or of a
     * peer).
     */
    public void flush()
    {
        for (final BlockSlot slot : slots)
        {
            evict(slot);
        }
    }

    /**
     * Frees the slot memory and gives back what this decoder reserved.
     */
    @Override
    public void close()
    {
        arena.close();
        memory.release(fixedBytes + reservedBytes);
        reservedBytes = 0;
    }
}
