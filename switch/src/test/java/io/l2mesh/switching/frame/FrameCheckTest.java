package io.l2mesh.switching.frame;

import io.l2mesh.switching.Frames;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;

import static org.assertj.core.api.Assertions.assertThat;

class FrameCheckTest
{
    private static final long A = 0x0200_0000_0001L;
    private static final long B = 0x0200_0000_0002L;
    private static final int MAX = 1500 + 18;

    private static int classify(final byte[] frame, final boolean superFrame)
    {
        return FrameCheck.classify(MemorySegment.ofArray(frame), 0, frame.length, MAX, superFrame);
    }

    @Test
    void shouldAcceptUntaggedFrame()
    {
        assertThat(classify(Frames.ethernet(B, A, 0x0800, 46), false)).isEqualTo(FrameCheck.UNTAGGED);
    }

    @Test
    void shouldClassifyRuntAsMalformed()
    {
        assertThat(classify(new byte[13], false)).isEqualTo(FrameCheck.MALFORMED);
        assertThat(classify(new byte[0], false)).isEqualTo(FrameCheck.MALFORMED);
    }

    @Test
    void shouldClassifyTaggedRuntAsMalformed()
    {
        final byte[] frame = java.util.Arrays.copyOf(Frames.tagged(B, A, 10, 0x0800, 0), 16);
        assertThat(classify(frame, false)).isEqualTo(FrameCheck.MALFORMED);
    }

    @Test
    void shouldClassifyOversizedFrameAsMalformedUnlessSuperFrame()
    {
        final byte[] frame = Frames.ethernet(B, A, 0x0800, 1505);
        assertThat(classify(frame, false)).isEqualTo(FrameCheck.MALFORMED);
        assertThat(classify(frame, true)).isEqualTo(FrameCheck.UNTAGGED);
        assertThat(classify(Frames.tagged(B, A, 5, 0x0800, 1500), false)).isEqualTo(5);
    }

    @Test
    void shouldReturnVidOfTaggedFrame()
    {
        assertThat(classify(Frames.tagged(B, A, 100, 0x0800, 46), false)).isEqualTo(100);
        assertThat(classify(Frames.tagged(B, A, 0x2000 | 7, 0x0800, 46), false)).as("PCP bits ignored").isEqualTo(7);
        assertThat(classify(Frames.tagged(B, A, 0, 0x0800, 46), false)).as("priority tag").isZero();
    }

    @Test
    void shouldClassifyDoubleTaggedFrameByOuterTag()
    {
        final byte[] frame = Frames.tagged(B, A, 20, 0x8100, 50);
        frame[18] = 0x00;
        frame[19] = 30; // inner VID 30 is payload
        assertThat(classify(frame, false)).isEqualTo(20);
    }

    @Test
    void shouldRejectReservedVidAndServiceTag()
    {
        assertThat(classify(Frames.tagged(B, A, 4095, 0x0800, 46), false)).isEqualTo(FrameCheck.MALFORMED);
        final byte[] qinq = Frames.tagged(B, A, 10, 0x0800, 46);
        qinq[12] = (byte)0x88;
        qinq[13] = (byte)0xa8;
        assertThat(classify(qinq, false)).isEqualTo(FrameCheck.UNSUPPORTED_TAG);
    }

    @Test
    void shouldRejectMulticastSource()
    {
        assertThat(classify(Frames.ethernet(B, 0x0100_5e00_0001L, 0x0800, 46), false)).isEqualTo(FrameCheck.MALFORMED);
    }

    @Test
    void shouldRoundTripMacText()
    {
        assertThat(MacAddresses.format(MacAddresses.parse("02:aB:00:ff:10:01"))).isEqualTo("02:ab:00:ff:10:01");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> MacAddresses.parse("02:ab:00:ff:10"))
            .hasMessageContaining("invalid MAC");
    }
}
