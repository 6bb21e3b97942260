package io.l2mesh.switching;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The test oracle for checksums is itself checked against published values, so a test that relies on it can fail.
 */
class FramesTest
{
    @Test
    void shouldSumTheRfc1071Example()
    {
        // RFC 1071 section 3: 00 01 f2 03 f4 f5 f6 f7 sums to dd f2 (carries folded).
        assertThat(Frames.onesComplementSum(new byte[] {0x00, 0x01, (byte)0xf2, 0x03, (byte)0xf4, (byte)0xf5,
            (byte)0xf6, (byte)0xf7})).isEqualTo(0xddf2);
        assertThat(Frames.onesComplementSum(new byte[] {0x01})).as("an odd byte is the high half").isEqualTo(0x0100);
    }

    @Test
    void shouldAcceptAKnownGoodIpv4HeaderAndRefuseItOneBitOff()
    {
        // A captured IPv4 header (Wikipedia's IPv4 checksum example) whose checksum field is b1e6.
        final byte[] header = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, (byte)0xb8, 0x61,
            (byte)0xc0, (byte)0xa8, 0x00, 0x01, (byte)0xc0, (byte)0xa8, 0x00, (byte)0xc7};
        assertThat(Frames.onesComplementSum(header)).isEqualTo(0xffff);
        header[19] ^= 1;
        assertThat(Frames.onesComplementSum(header)).isNotEqualTo(0xffff);
    }

    @Test
    void shouldTellAFrameWithACorruptTcpChecksumFromAGoodOne()
    {
        final byte[] frame = Frames.tcp4(0x0200_0000_0002L, 0x0200_0000_0001L, 100, 1);
        assertThat(Frames.ipv4TcpChecksumsValid(frame, 14)).as("a partial checksum is not a full one").isFalse();
    }
}
