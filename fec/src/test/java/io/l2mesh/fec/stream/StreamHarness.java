package io.l2mesh.fec.stream;

import io.l2mesh.fec.CodingLoop;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * An encoder and a decoder with a wire of captured shards between them. Frames carry their sequence number in
 * their first 4 bytes; {@link #expectedDeliveries} works out, from the shards that survived the channel and
 * independently of the decoder, which frames must be delivered.
 */
final class StreamHarness implements AutoCloseable
{
    final FecEncoder encoder;
    final FecDecoder decoder;
    final List<byte[]> wire = new ArrayList<>();
    final Map<Integer, byte[]> sentFrames = new HashMap<>();
    final Map<Integer, Integer> deliveries = new HashMap<>();
    final Map<Integer, byte[]> deliveredBytes = new HashMap<>();
    final Map<Long, Integer> frameAt = new HashMap<>(); // (block << 8 | index) -> sequence
    private final Arena arena = Arena.ofConfined();
    private final MemorySegment buffer = arena.allocate(20_000);
    private final Random random;
    private long nowNs;

    StreamHarness(final int k, final int m, final CodingLoop loop, final Random random)
    {
        this.random = random;
        encoder = new FecEncoder(k, m, FecEncoder.BLOCK_TIMEOUT_NS_DEFAULT, 9000, loop,
            (segment, offset, length) -> wire.add(segment.asSlice(offset, length).toArray(ValueLayout.JAVA_BYTE)));
        decoder = new FecDecoder(FecDecoder.WINDOW_BLOCKS_DEFAULT, 64, 32, 9000, loop, (segment, offset, length, r) ->
        {
            final byte[] frame = segment.asSlice(offset, length).toArray(ValueLayout.JAVA_BYTE);
            final int sequence = ByteBuffer.wrap(frame).getInt();
            deliveries.merge(sequence, 1, Integer::sum);
            deliveredBytes.put(sequence, frame);
        });
    }

    void send(final int sequence, final int length)
    {
        final byte[] frame = new byte[Math.max(4, length)];
        random.nextBytes(frame);
        ByteBuffer.wrap(frame).putInt(sequence);
        sentFrames.put(sequence, frame);
        MemorySegment.copy(frame, 0, buffer, ValueLayout.JAVA_BYTE, 16, frame.length);
        final int before = wire.size();
        encoder.onFrame(buffer, 16, frame.length, nowNs);
        final byte[] shard = wire.get(before);
        frameAt.put(key(ByteBuffer.wrap(shard).getInt(0), shard[4] & 0xff), sequence);
    }

    void advance(final long ns)
    {
        nowNs += ns;
        encoder.poll(nowNs);
    }

    void deliver(final List<byte[]> shards)
    {
        for (final byte[] shard : shards)
        {
            final MemorySegment s = arena.allocateFrom(ValueLayout.JAVA_BYTE, shard);
            decoder.onShard(s, 0, shard.length);
        }
    }

    /**
     * @return the sequences that must be delivered given these surviving shards.
     */
    java.util.Set<Integer> expectedDeliveries(final List<byte[]> survivors)
    {
        final Map<Integer, java.util.Set<Integer>> dataByBlock = new HashMap<>();
        final Map<Integer, java.util.Set<Integer>> parityByBlock = new HashMap<>();
        final Map<Integer, int[]> shapeByBlock = new HashMap<>();
        for (final byte[] shard : survivors)
        {
            final ByteBuffer b = ByteBuffer.wrap(shard);
            final int block = b.getInt(0);
            final int index = shard[4] & 0xff;
            final int k = shard[5] & 0xff;
            final int m = shard[6] & 0xff;
            final int count = shard[7] & 0xff;
            if (index < k)
            {
                dataByBlock.computeIfAbsent(block, x -> new java.util.HashSet<>()).add(index);
            }
            else
            {
                parityByBlock.computeIfAbsent(block, x -> new java.util.HashSet<>()).add(index);
                shapeByBlock.put(block, new int[] {k, m, count});
            }
        }
        final java.util.Set<Integer> expected = new java.util.HashSet<>();
        final java.util.Set<Integer> blocks = new java.util.HashSet<>(dataByBlock.keySet());
        blocks.addAll(parityByBlock.keySet());
        for (final int block : blocks)
        {
            final java.util.Set<Integer> data = dataByBlock.getOrDefault(block, java.util.Set.of());
            for (final int index : data)
            {
                expected.add(frameAt.get(key(block, index)));
            }
            final int[] shape = shapeByBlock.get(block);
            if (shape != null)
            {
                final int k = shape[0];
                final int count = shape[2];
                final int available = data.size() + (k - count) + parityByBlock.get(block).size();
                if (available >= k)
                {
                    for (int index = 0; index < count; index++)
                    {
                        expected.add(frameAt.get(key(block, index)));
                    }
                }
            }
        }
        return expected;
    }

    static long key(final int block, final int index)
    {
        return ((long)block << 8) | index;
    }

    @Override
    public void close()
    {
        encoder.close();
        decoder.close();
        arena.close();
    }
}
