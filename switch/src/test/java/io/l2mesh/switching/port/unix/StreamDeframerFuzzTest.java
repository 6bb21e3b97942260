package io.l2mesh.switching.port.unix;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzz target: the unix stream port's length framing. Any byte stream, read in chunks of any size, gives
 * exactly the frames a straightforward reading of the stream gives, up to the first length no frame can have,
 * where the stream is broken; the buffer never overflows and never loses a partial record.
 */
class StreamDeframerFuzzTest
{
    private static final int MAX_FRAME = 2048;

    @FuzzTest
    void streams(final FuzzedDataProvider data)
    {
        fuzzerTestOneInput(data);
    }

    public static void fuzzerTestOneInput(final FuzzedDataProvider data)
    {
        final List<Integer> chunks = new ArrayList<>();
        final int chunkCount = data.consumeInt(1, 16);
        for (int i = 0; i < chunkCount; i++)
        {
            chunks.add(data.consumeInt(1, 3 * MAX_FRAME));
        }
        final byte[] stream = data.consumeRemainingAsBytes();
        final List<byte[]> expected = new ArrayList<>();
        final boolean expectBroken = reference(stream, expected);

        final List<byte[]> got = new ArrayList<>();
        boolean broken = false;
        try (Arena arena = Arena.ofConfined())
        {
            final StreamDeframer deframer = new StreamDeframer(arena, MAX_FRAME);
            int at = 0;
            int chunk = 0;
            while (!broken && (at < stream.length || deframer.next() > 0))
            {
                final int n = Math.min(Math.min(chunks.get(chunk++ % chunks.size()), deframer.room()),
                    stream.length - at);
                assertThat(deframer.room()).as("room for a whole record").isGreaterThan(0);
                MemorySegment.copy(stream, at, MemorySegment.ofAddress(deframer.fillAddress()).reinterpret(n),
                    ValueLayout.JAVA_BYTE, 0, n);
                deframer.filled(n);
                at += n;
                int length;
                while ((length = deframer.next()) > 0)
                {
                    final byte[] frame = new byte[length];
                    MemorySegment.copy(deframer.buffer(), ValueLayout.JAVA_BYTE, deframer.frameOffset(), frame, 0,
                        length);
                    got.add(frame);
                    deframer.consume(length);
                }
                broken = length == StreamDeframer.BROKEN;
                deframer.compact();
                if (n == 0 && !broken)
                {
                    break; // the stream ends inside a record
                }
            }
        }
        assertThat(broken).isEqualTo(expectBroken);
        assertThat(got).hasSameSizeAs(expected);
        for (int i = 0; i < got.size(); i++)
        {
            assertThat(Arrays.equals(got.get(i), expected.get(i))).as("frame %d", i).isTrue();
        }
    }

    /**
     * @return true if the stream is broken; the whole frames before that (or before its end) in {@code frames}.
     */
    private static boolean reference(final byte[] stream, final List<byte[]> frames)
    {
        final ByteBuffer in = ByteBuffer.wrap(stream);
        while (in.remaining() >= 4)
        {
            final int length = in.getInt();
            if (length <= 0 || length > MAX_FRAME)
            {
                return true;
            }
            if (in.remaining() < length)
            {
                return false;
            }
            final byte[] frame = new byte[length];
            in.get(frame);
            frames.add(frame);
        }
        return false;
    }
}
