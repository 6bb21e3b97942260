package io.l2mesh.switching.vlan;

import io.l2mesh.switching.frame.FrameCheck;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class VlanRulesTest
{
    @Test
    void shouldPutUntaggedAndPriorityTaggedFramesOfAccessPortInItsVlan()
    {
        final VlanRules rules = VlanRules.access(10);
        assertThat(rules.ingressVlan(FrameCheck.UNTAGGED)).isEqualTo(10);
        assertThat(rules.ingressVlan(0)).isEqualTo(10);
    }

    @Test
    void shouldDropTaggedFramesOnAccessPort()
    {
        assertThat(VlanRules.access(10).ingressVlan(10)).isEqualTo(VlanRules.DROP);
        assertThat(VlanRules.access(10).ingressVlan(20)).isEqualTo(VlanRules.DROP);
    }

    @Test
    void shouldAcceptOnlyAllowedVlansOnTrunk()
    {
        final VlanRules rules = VlanRules.trunk(new int[] {10, 20}, VlanRules.NONE);
        assertThat(rules.ingressVlan(10)).isEqualTo(10);
        assertThat(rules.ingressVlan(20)).isEqualTo(20);
        assertThat(rules.ingressVlan(30)).isEqualTo(VlanRules.DROP);
        assertThat(rules.ingressVlan(FrameCheck.UNTAGGED)).as("no native VLAN").isEqualTo(VlanRules.DROP);
    }

    @Test
    void shouldMapUntaggedTrunkFramesToNativeVlanAndSendItUntagged()
    {
        final VlanRules rules = VlanRules.trunk(new int[] {10, 20}, 1);
        assertThat(rules.ingressVlan(FrameCheck.UNTAGGED)).isEqualTo(1);
        assertThat(rules.carries(1)).isTrue();
        assertThat(rules.egressTagged(1)).isFalse();
        assertThat(rules.egressTagged(10)).isTrue();
        assertThat(rules.vlans()).containsExactly(1, 10, 20);
    }

    @Test
    void shouldCarryOnlyOwnVlanOnAccessPortAndNeverTag()
    {
        final VlanRules rules = VlanRules.access(10);
        assertThat(rules.carries(10)).isTrue();
        assertThat(rules.carries(11)).isFalse();
        assertThat(rules.egressTagged(10)).isFalse();
    }

    @Test
    void shouldRefuseOutOfRangeVids()
    {
        assertThatThrownBy(() -> VlanRules.access(0)).hasMessage("vlan=0 out of range 1..4094");
        assertThatThrownBy(() -> VlanRules.access(4095)).hasMessage("vlan=4095 out of range 1..4094");
        assertThatThrownBy(() -> VlanRules.trunk(new int[] {5000}, 0))
            .hasMessage("allowed VLAN=5000 out of range 1..4094");
        assertThatThrownBy(() -> VlanRules.trunk(new int[0], 0)).hasMessageContaining("needs allowed VLANs");
    }
}
