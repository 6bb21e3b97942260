package io.l2mesh.fec.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.l2mesh.fec.TableCodingLoop;
import io.l2mesh.fec.stream.CodecCache;
import io.l2mesh.fec.stream.DecoderMemory;
import io.l2mesh.fec.stream.FecDecoder;

import java.lang.foreign.MemorySegment;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzz target: FEC shard headers and bodies into a {@link FecDecoder} with a small memory budget. Whatever the
 * shards, the decoder never throws, never delivers a frame longer than its maximum or outside the shard it came
 * from, and holds no more than its budget. Regression mode replays {@code FecDecoderFuzzTestInputs/}; bench/fuzz.sh
 * fuzzes.
 */
class FecDecoderFuzzTest
{
    private static final int MAX_FRAME = 1500;

    @FuzzTest
    void shards(final FuzzedDataProvider data)
    {
        fuzzerTestOneInput(data);
    }

    /**
     * The target, also for Jazzer's own driver (bench/fuzz.sh).
     */
    public static void fuzzerTestOneInput(final FuzzedDataProvider data)
    {
        final DecoderMemory memory = new DecoderMemory(1L << 20, null);
        final int[] delivered = {0};
        final FecDecoder decoder = FecDecoder.within(memory, 16, 64, 32, MAX_FRAME,
            new CodecCache(TableCodingLoop.INSTANCE, 4), (segment, offset, length, rebuilt) ->
            {
                assertThat(length).isBetween(0, MAX_FRAME);
                assertThat(offset + length).isLessThanOrEqualTo(segment.byteSize());
                delivered[0]++;
            });
        assertThat(decoder).isNotNull();
        try
        {
            while (data.remainingBytes() > 0)
            {
                final byte[] shard = data.consumeBytes(data.consumeInt(0, MAX_FRAME + 40));
                decoder.onShard(MemorySegment.ofArray(shard), 0, shard.length);
                assertThat(memory.used()).isLessThanOrEqualTo(memory.limit());
            }
            decoder.flush();
        }
        finally
        {
            decoder.close();
        }
        assertThat(memory.used()).isZero();
    }
}
