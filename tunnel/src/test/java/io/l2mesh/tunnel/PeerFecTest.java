package io.l2mesh.tunnel;

import io.l2mesh.fec.TableCodingLoop;
import io.l2mesh.fec.stream.CodecCache;
import io.l2mesh.fec.stream.DecoderMemory;
import io.l2mesh.fec.stream.ShardHeaderFlyweight;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A peer's decoders are made within its budget and give their memory back when idle, keeping their counts.
 */
class PeerFecTest
{
    @Test
    void shouldCloseIdleDecodersAndGiveTheirMemoryBack()
    {
        final DecoderMemory port = new DecoderMemory(64L << 20, null);
        final DecoderMemory peer = new DecoderMemory(4L << 20, port);
        final int[] delivered = {0};
        final PeerFec fec = new PeerFec(TableCodingLoop.INSTANCE, new CodecCache(TableCodingLoop.INSTANCE, 4), peer,
            1500, (s, o, l, r) -> delivered[0]++);
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment shard = arena.allocate(ShardHeaderFlyweight.DATA_OVERHEAD + 100);
            for (int stream = 0; stream < 3; stream++)
            {
                ShardHeaderFlyweight.write(shard, 0, 7, 0, 10, 4, 0);
                ShardHeaderFlyweight.frameLength(shard, ShardHeaderFlyweight.LENGTH, 100);
                assertThat(fec.decoder(stream).onShard(shard, 0, ShardHeaderFlyweight.DATA_OVERHEAD + 100)).isTrue();
            }
            assertThat(delivered[0]).isEqualTo(3);
            assertThat(fec.liveDecoders()).isEqualTo(3);
            assertThat(peer.used()).isPositive();
            long now = 0;
            assertThat(fec.sweep(now)).as("first sweep a period away").isEqualTo(PeerFec.IDLE_NS);
            now += PeerFec.IDLE_NS;
            fec.sweep(now); // notes each stream's count
            ShardHeaderFlyweight.write(shard, 0, 8, 0, 10, 4, 0);
            fec.decoder(1).onShard(shard, 0, ShardHeaderFlyweight.DATA_OVERHEAD + 100); // stream 1 stays busy
            now += PeerFec.IDLE_NS;
            fec.sweep(now);
            assertThat(fec.liveDecoders()).as("the idle streams closed").isEqualTo(1);
            now += PeerFec.IDLE_NS;
            assertThat(fec.sweep(now)).as("nothing left to sweep").isEqualTo(Long.MAX_VALUE);
            assertThat(fec.liveDecoders()).isZero();
            assertThat(peer.used()).as("all memory given back").isZero();
            assertThat(port.used()).isZero();
            assertThat(fec.decoded()[0]).as("their counts are kept").isEqualTo(4);
        }
        fec.close();
    }

    @Test
    void shouldRefuseADecoderThePeersBudgetCannotHold()
    {
        final DecoderMemory peer = new DecoderMemory(100_000, null);
        final PeerFec fec = new PeerFec(TableCodingLoop.INSTANCE, new CodecCache(TableCodingLoop.INSTANCE, 4), peer,
            1500, (s, o, l, r) -> { });
        int made = 0;
        for (int stream = 0; stream < PeerFec.MAX_STREAMS; stream++)
        {
            if (fec.decoder(stream) != null)
            {
                made++;
            }
        }
        assertThat(made).as("decoders within 100 000 bytes").isPositive().isLessThan(5);
        assertThat(peer.used()).isLessThanOrEqualTo(100_000);
        fec.close();
        assertThat(peer.used()).isZero();
    }
}
