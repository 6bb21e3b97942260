package io.l2mesh.tunnel.vxlan;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

import java.lang.foreign.MemorySegment;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzz target: VXLAN headers (RFC 7348) of any bytes: the flags check and the VNI never throw, the VNI has 24
 * bits, and what {@link VxlanHeader#write} writes reads back with valid flags.
 */
class VxlanHeaderFuzzTest
{
    @FuzzTest
    void headers(final FuzzedDataProvider data)
    {
        fuzzerTestOneInput(data);
    }

    public static void fuzzerTestOneInput(final FuzzedDataProvider data)
    {
        final int vni = data.consumeInt(0, (1 << 24) - 1);
        final byte[] bytes = data.consumeBytes(VxlanHeader.LENGTH);
        if (bytes.length < VxlanHeader.LENGTH)
        {
            return;
        }
        final MemorySegment header = MemorySegment.ofArray(bytes);
        assertThat(VxlanHeader.validFlags(header, 0)).as("the I flag").isEqualTo((bytes[0] & 0x08) != 0);
        assertThat(VxlanHeader.vni(header, 0)).as("bytes 4..6, big-endian")
            .isEqualTo((bytes[4] & 0xff) << 16 | (bytes[5] & 0xff) << 8 | (bytes[6] & 0xff));
        VxlanHeader.write(header, 0, vni);
        assertThat(VxlanHeader.validFlags(header, 0)).isTrue();
        assertThat(VxlanHeader.vni(header, 0)).isEqualTo(vni);
    }
}
