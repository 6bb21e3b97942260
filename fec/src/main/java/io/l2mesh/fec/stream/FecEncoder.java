package io.l2mesh.fec.stream;

import io.l2mesh.fec.CodingLoop;
import io.l2mesh.fec.ReedSolomon;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Packet-stream FEC sender for one peer: every frame leaves at once as a data shard, and is folded into the m
 * running parity shards ({@code parity_j ^= c_ji · body_i}), so no frame is kept. The block closes, and its m
 * parity shards leave, after k frames or when its timer expires ({@link #poll}); a block closed early says in
 * its parity headers how many frames it really holds. FEC adds no latency to data and at most the block timeout
 * to parity.
 * <p>
 * Frames are written in place: the caller leaves {@link ShardHeaderFlyweight#DATA_OVERHEAD} bytes of headroom in
 * front of each frame for the header and length. The sink must be done with a shard's bytes when it returns and
 * must not write outside them.
 * <p>
 * Single owner: one datapath thread. Allocates nothing per frame (parity buffers are allocated once).
 */
public final class FecEncoder implements AutoCloseable
{
    public static final long BLOCK_TIMEOUT_NS_DEFAULT = 1_000_000L;
    public static final int MAX_FRAME_LENGTH_DEFAULT = 9000;

    private final ShardSink sink;
    private final CodecCache codecs;
    private final CodingLoop loop;
    private final long blockTimeoutNs;
    private final int maxFrameLength;
    /** Where parity shard 0 starts in {@link #parity}: its body then sits on a 64-byte boundary. */
    private static final int PARITY_BASE = 64 - ShardHeaderFlyweight.LENGTH;
    private final int stride;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment parity;
    private final FecCounters counters = new FecCounters();
    private int k;
    private int m;
    private int nextK;
    private int nextM;
    private int blockId;
    private int count;
    private int codedLength;
    private long blockOpenedNs;

    public FecEncoder(
        final int k, final int m, final long blockTimeoutNs, final int maxFrameLength, final CodingLoop loop,
        final ShardSink sink)
    {
        ReedSolomon.checkShape(k, m);
        if (blockTimeoutNs <= 0)
        {
            throw new IllegalArgumentException("block timeout " + blockTimeoutNs + " ns must be positive");
        }
        if (maxFrameLength < 1 || maxFrameLength > 65_533)
        {
            throw new IllegalArgumentException("max frame length " + maxFrameLength + " out of range 1..65533");
        }
        this.k = k;
        this.m = m;
        this.nextK = k;
        this.nextM = m;
        this.blockTimeoutNs = blockTimeoutNs;
        this.maxFrameLength = maxFrameLength;
        this.loop = loop;
        this.codecs = new CodecCache(loop, CodecCache.CAPACITY_DEFAULT);
        this.sink = sink;
        // Every parity body (after its shard header) starts on a 64-byte boundary: SIMD loops (ISA-L's AVX-512
        // above all) store whole aligned vectors there; unaligned, the fold measured 30 % slower.
        this.stride = align64(ShardHeaderFlyweight.LENGTH + ShardHeaderFlyweight.FRAME_LENGTH_FIELD + maxFrameLength);
        this.parity = arena.allocate((long)stride * (ReedSolomon.MAX_TOTAL_SHARDS - 1) + PARITY_BASE, 64);
        codecs.get(k, m);
    }

    /**
     * Starts numbering blocks at {@code blockId} (tests of id wrap-around; a restarted peer).
     */
    void firstBlockId(final int blockId)
    {
        this.blockId = blockId;
    }

    /**
     * Changes (k, m) from the next block on (adaptive parity calls this).
     */
    public void parity(final int k, final int m)
    {
        ReedSolomon.checkShape(k, m);
        codecs.get(k, m);
        nextK = k;
        nextM = m;
        if (count == 0)
        {
            this.k = k;
            this.m = m;
        }
    }

    public int k()
    {
        return nextK;
    }

    public int m()
    {
        return nextM;
    }

    public FecCounters counters()
    {
        return counters;
    }

    /**
     * Sends a frame as a data shard and folds it into the parity.
     *
     * @param frameOffset offset of the frame; the {@link ShardHeaderFlyweight#DATA_OVERHEAD} bytes before it are
     *                    overwritten with the shard header.
     * @return false if the frame is longer than the maximum (counted, not sent).
     */
    public boolean onFrame(final MemorySegment segment, final long frameOffset, final int frameLength,
        final long nowNs)
    {
        if (frameLength > maxFrameLength || frameLength < 0)
        {
            counters.increment(FecCounters.OVERSIZE);
            return false;
        }
        if (count == 0)
        {
            blockOpenedNs = nowNs;
            k = nextK;
            m = nextM;
        }
        final long shard = frameOffset - ShardHeaderFlyweight.DATA_OVERHEAD;
        final long body = shard + ShardHeaderFlyweight.LENGTH;
        final int bodyLength = ShardHeaderFlyweight.FRAME_LENGTH_FIELD + frameLength;
        ShardHeaderFlyweight.write(segment, shard, blockId, count, k, m, 0);
        ShardHeaderFlyweight.frameLength(segment, body, frameLength);
        // Fold before sending: the sink may encrypt the shard in place.
        final ReedSolomon codec = codecs.get(k, m);
        loop.multiplyAccumulate(codec.parityColumn(count), segment, body, parity,
            PARITY_BASE + ShardHeaderFlyweight.LENGTH, stride, bodyLength);
        codedLength = Math.max(codedLength, bodyLength);
        count++;
        counters.increment(FecCounters.FRAMES_IN);
        sink.onShard(segment, shard, ShardHeaderFlyweight.LENGTH + bodyLength);
        if (count == k)
        {
            closeBlock();
        }
        return true;
    }

    /**
     * Closes the open block if its timer expired.
     *
     * @return 1 if a block was closed, else 0.
     */
    public int poll(final long nowNs)
    {
        if (count > 0 && nowNs - blockOpenedNs >= blockTimeoutNs)
        {
            counters.increment(FecCounters.BLOCKS_CLOSED_BY_TIMER);
            closeBlock();
            return 1;
        }
        return 0;
    }

    /**
     * @return when {@link #poll} should next run, or {@code Long.MAX_VALUE} if no block is open.
     */
    public long deadlineNs()
    {
        return count > 0 ? blockOpenedNs + blockTimeoutNs : Long.MAX_VALUE;
    }

    private void closeBlock()
    {
        for (int j = 0; j < m; j++)
        {
            final long shard = PARITY_BASE + (long)j * stride;
            ShardHeaderFlyweight.write(parity, shard, blockId, k + j, k, m, count);
            sink.onShard(parity, shard, ShardHeaderFlyweight.LENGTH + codedLength);
            zero(parity, shard + ShardHeaderFlyweight.LENGTH, codedLength);
            counters.increment(FecCounters.PARITY_SENT);
        }
        blockId++;
        count = 0;
        codedLength = 0;
    }

    static void zero(final MemorySegment segment, final long offset, final int length)
    {
        int p = 0;
        for (; p + 8 <= length; p += 8)
        {
            segment.set(ValueLayout.JAVA_LONG_UNALIGNED, offset + p, 0L);
        }
        for (; p < length; p++)
        {
            segment.set(ValueLayout.JAVA_BYTE, offset + p, (byte)0);
        }
    }

    static int align64(final int value)
    {
        return (value + 63) & ~63;
    }

    static int align8(final int value)
    {
        return (value + 7) & ~7;
    }

    @Override
    public void close()
    {
        arena.close();
    }
}
