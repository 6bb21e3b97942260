package io.l2mesh.switching.offload;

import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The bulk checksum (16 bytes per step, little-endian, swapped at the end) gives the RFC 1071 sum of 16-bit
 * big-endian words for every length, offset and initial value.
 */
class ChecksumsTest
{
    private static int reference(final byte[] bytes, final int offset, final int length, final long initial)
    {
        long sum = initial;
        for (int i = 0; i < length; i += 2)
        {
            final int hi = bytes[offset + i] & 0xff;
            final int lo = i + 1 < length ? bytes[offset + i + 1] & 0xff : 0;
            sum += (hi << 8) | lo;
        }
        return Checksums.fold(sum);
    }

    @Test
    void shouldEqualTheWordByWordSumForEveryLengthAndOffset()
    {
        final Random random = new Random(5);
        final byte[] bytes = new byte[70_000];
        for (int round = 0; round < 3000; round++)
        {
            random.nextBytes(bytes);
            if (round % 7 == 0)
            {
                java.util.Arrays.fill(bytes, (byte)0xff); // sums that fold to all ones
            }
            final int offset = random.nextInt(64);
            final int length = round < 200 ? round : random.nextInt(round % 10 == 0 ? 65_536 : 2_000);
            final long initial = random.nextInt(1 << 20);
            assertThat(Checksums.fold(Checksums.sum(MemorySegment.ofArray(bytes), offset, length, initial)))
                .as("round %d, offset %d, length %d", round, offset, length)
                .isEqualTo(reference(bytes, offset, length, initial));
        }
    }
}
