package io.l2mesh.switching.frame;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.l2mesh.switching.vlan.VlanRules;

import java.lang.foreign.MemorySegment;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzz target: Ethernet/VLAN classification of any bytes ({@link FrameCheck#classify}, {@link FrameCheck#hidesTag}
 * and an access and a trunk port's ingress decision). Never throws; the VID is in range; a tagged frame names
 * its VID; a frame the ingress takes gets a VLAN the port carries.
 */
class FrameCheckFuzzTest
{
    private static final VlanRules ACCESS = VlanRules.access(10);
    private static final VlanRules TRUNK = VlanRules.trunk(new int[] {10, 20, 4094}, 10);

    @FuzzTest
    void frames(final FuzzedDataProvider data)
    {
        fuzzerTestOneInput(data);
    }

    public static void fuzzerTestOneInput(final FuzzedDataProvider data)
    {
        final int maxFrame = data.consumeInt(14, 9018);
        final boolean superFrame = data.consumeBoolean();
        final byte[] frame = data.consumeRemainingAsBytes();
        final MemorySegment segment = MemorySegment.ofArray(frame);
        final int tag = FrameCheck.classify(segment, 0, frame.length, maxFrame, superFrame);
        assertThat(tag).isBetween(FrameCheck.UNSUPPORTED_TAG, 4094);
        if (tag >= 0)
        {
            assertThat(frame.length).isGreaterThanOrEqualTo(EthernetFlyweight.HEADER_LENGTH);
            FrameCheck.hidesTag(segment, 0, frame.length, tag);
        }
        else if (tag == FrameCheck.UNTAGGED)
        {
            FrameCheck.hidesTag(segment, 0, frame.length, tag);
        }
        if (tag >= FrameCheck.UNTAGGED)
        {
            for (final VlanRules rules : new VlanRules[] {ACCESS, TRUNK})
            {
                final int vlan = rules.ingressVlan(tag == FrameCheck.UNTAGGED ? VlanRules.NONE : tag);
                assertThat(vlan == VlanRules.DROP || rules.carries(vlan)).as("vlan %d", vlan).isTrue();
            }
        }
    }
}
