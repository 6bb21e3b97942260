package io.l2mesh.switching.offload;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.l2mesh.switching.stats.DropReason;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzz target: a virtio-net header and a super-frame of any bytes through the software segmenter's parser and
 * cutter (what {@code GsoSegmenter} and the tunnel use). Never throws; either a drop reason or at most
 * {@link SegmentCutter#MAX_SEGMENTS} segments, each written exactly to its stated length inside its buffer.
 */
class SegmentCutterFuzzTest
{
    @FuzzTest
    void superFrames(final FuzzedDataProvider data)
    {
        fuzzerTestOneInput(data);
    }

    public static void fuzzerTestOneInput(final FuzzedDataProvider data)
    {
        final boolean tagged = data.consumeBoolean();
        final int vlan = data.consumeInt(1, 4094);
        final int mtu = data.consumeInt(68, 9000);
        final byte[] header = data.consumeBytes(VirtioNetHeader.LENGTH);
        final byte[] frame = data.consumeRemainingAsBytes();
        if (header.length < VirtioNetHeader.LENGTH || frame.length == 0)
        {
            return;
        }
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment in = arena.allocate(VirtioNetHeader.LENGTH + frame.length);
            MemorySegment.copy(header, 0, in, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, header.length);
            MemorySegment.copy(frame, 0, in, java.lang.foreign.ValueLayout.JAVA_BYTE, VirtioNetHeader.LENGTH,
                frame.length);
            final int headersLength = SegmentCutter.headersLength(in, 0, frame.length);
            if (headersLength < 0)
            {
                return;
            }
            assertThat(headersLength).isLessThanOrEqualTo(frame.length);
            final SegmentCutter cutter = new SegmentCutter();
            final DropReason refused = cutter.prepare(in, VirtioNetHeader.LENGTH, frame.length, headersLength,
                VirtioNetHeader.gsoType(in, 0), VirtioNetHeader.csumStart(in, 0), VirtioNetHeader.gsoSize(in, 0),
                mtu);
            if (refused != null)
            {
                return;
            }
            assertThat(cutter.count()).isBetween(1, SegmentCutter.MAX_SEGMENTS);
            for (int k = 0; k < cutter.count(); k++)
            {
                final int length = cutter.frameLength(k, tagged);
                assertThat(length).isPositive().isLessThanOrEqualTo(frame.length + 4);
                final MemorySegment out = arena.allocate(length);
                assertThat(cutter.write(k, out, 0, tagged, vlan)).isEqualTo(length);
            }
        }
    }
}
