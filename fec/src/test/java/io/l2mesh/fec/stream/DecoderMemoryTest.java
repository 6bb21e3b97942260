package io.l2mesh.fec.stream;

import io.l2mesh.fec.TableCodingLoop;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * M1: what a sender can make a decoder hold is bounded by its budget, whatever the shard headers say.
 */
class DecoderMemoryTest
{
    private static final int FRAME = 1400;

    @Test
    void shouldReserveFromTheParentAndGiveBackOnRefusal()
    {
        final DecoderMemory port = new DecoderMemory(1000, null);
        final DecoderMemory one = new DecoderMemory(600, port);
        final DecoderMemory two = new DecoderMemory(600, port);
        assertThat(one.reserve(600)).isTrue();
        assertThat(one.reserve(1)).as("peer's own limit").isFalse();
        assertThat(two.reserve(500)).as("the port has 400 left").isFalse();
        assertThat(two.used()).as("nothing kept of a refusal").isZero();
        assertThat(two.reserve(400)).isTrue();
        assertThat(port.used()).isEqualTo(1000);
        one.release(600);
        assertThat(port.used()).isEqualTo(400);
        assertThat(two.reserve(200)).isTrue();
        assertThat(new DecoderMemory(10, null).reserve(Long.MAX_VALUE)).as("no overflow").isFalse();
    }

    /**
     * A hostile sender: shards with every block id in a wide range and every (k, m) up to the maxima. The decoder
     * holds no more than its budget, refuses the rest, and gives everything back when closed.
     */
    @Test
    void shouldHoldNoMoreThanItsBudgetWhateverShapesAndBlocksArrive()
    {
        final DecoderMemory port = new DecoderMemory(8L << 20, null);
        final DecoderMemory peer = new DecoderMemory(2L << 20, port);
        final List<Integer> frames = new ArrayList<>();
        final CodecCache codecs = new CodecCache(TableCodingLoop.INSTANCE, 4);
        final FecDecoder decoder = FecDecoder.within(peer, FecDecoder.WINDOW_BLOCKS_DEFAULT,
            FecDecoder.MAX_K_DEFAULT, FecDecoder.MAX_M_DEFAULT, FRAME, codecs, (s, o, l, r) -> frames.add(l));
        assertThat(decoder).isNotNull();
        int refused = 0;
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment shard = arena.allocate(ShardHeaderFlyweight.LENGTH + 2 + FRAME);
            int block = 0;
            for (int k = 2; k <= FecDecoder.MAX_K_DEFAULT; k++) // k = 1: a parity shard alone would rebuild
            {
                for (int m = 1; m <= FecDecoder.MAX_M_DEFAULT; m++)
                {
                    // The last parity shard of the block: allocates the block's slot, never completes a block.
                    ShardHeaderFlyweight.write(shard, 0, block++, k + m - 1, k, m, k);
                    if (!decoder.onShard(shard, 0, ShardHeaderFlyweight.LENGTH + 2 + FRAME))
                    {
                        refused++;
                    }
                    assertThat(peer.used()).isLessThanOrEqualTo(peer.limit());
                    assertThat(decoder.memoryBytes()).isEqualTo(peer.used());
                }
            }
            assertThat(refused).as("slots the budget refused").isPositive();
            assertThat(frames).as("nothing delivered from parity alone").isEmpty();

            // A well-formed block still decodes once old slots are free again (k = 1: one data shard).
            ShardHeaderFlyweight.write(shard, 0, block + 100, 0, 1, 1, 0);
            ShardHeaderFlyweight.frameLength(shard, ShardHeaderFlyweight.LENGTH, 60);
            decoder.onShard(shard, 0, ShardHeaderFlyweight.LENGTH + 2 + 60);
            assertThat(frames).containsExactly(60);
        }
        decoder.close();
        assertThat(peer.used()).as("all given back").isZero();
        assertThat(port.used()).isZero();
        assertThat(FecDecoder.within(new DecoderMemory(100, null), 16, 64, 32, FRAME, codecs, (s, o, l, r) -> { }))
            .as("a budget too small for the decoder's own objects").isNull();
    }

    @Test
    void shouldKeepNoMoreCodecsThanItsCapacity()
    {
        final CodecCache codecs = new CodecCache(TableCodingLoop.INSTANCE, 4);
        for (int k = 1; k <= 16; k++)
        {
            for (int m = 1; m <= 4; m++)
            {
                assertThat(codecs.get(k, m).dataShardCount()).isEqualTo(k);
            }
        }
        assertThat(codecs.size()).isEqualTo(4);
        assertThat(codecs.get(16, 4)).as("a recent one is kept").isSameAs(codecs.get(16, 4));
    }
}
