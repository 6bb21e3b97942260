package io.l2mesh.switching;

import io.l2mesh.switching.fdb.MacTable;
import io.l2mesh.switching.port.MemoryPort;
import io.l2mesh.switching.vlan.VlanRules;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SwitchTest
{
    private static final long A = 0x0200_0000_000aL;

    private final Switch sw = Switch.start(new SwitchContext().loops(2).ageingTimeNs(1_000_000_000L));

    @AfterEach
    void close()
    {
        sw.close();
    }

    private MemoryPort memoryPort(final String name, final VlanRules rules)
    {
        return sw.addPort(id -> new MemoryPort(id, name, rules, 1500, false, sw.loopCount(), 64));
    }

    @Test
    void shouldRebuildFloodGroupsAndForgetPortMacsWhenVlanRulesChange()
    {
        final MemoryPort p0 = memoryPort("p0", VlanRules.access(10));
        final MemoryPort p1 = memoryPort("p1", VlanRules.access(10));
        assertThat(sw.ports().floodGroup(10)).containsExactly(p0, p1);
        sw.macTable().learn(10, A, p1.id(), System.nanoTime());

        sw.setVlanRules("p1", VlanRules.trunk(new int[] {20}, VlanRules.NONE));

        assertThat(sw.ports().floodGroup(10)).containsExactly(p0);
        assertThat(sw.ports().floodGroup(20)).containsExactly(p1);
        assertThat(sw.macTable().lookup(10, A)).isEqualTo(MacTable.NO_PORT);
    }

    @Test
    void shouldApplyPortMacLimit()
    {
        final MemoryPort p0 = memoryPort("p0", VlanRules.access(1));
        sw.setMacLimit("p0", 1);
        assertThat(sw.macTable().learn(1, A, p0.id(), 0)).isEqualTo(MacTable.LEARNED);
        assertThat(sw.macTable().learn(1, A + 1, p0.id(), 0)).isEqualTo(MacTable.LIMIT_REACHED);
    }

    @Test
    void shouldForgetMacsAndFreeIdOfRemovedPort()
    {
        final MemoryPort p0 = memoryPort("p0", VlanRules.access(1));
        sw.macTable().learn(1, A, p0.id(), 0);
        assertThat(sw.removePort("p0")).isTrue();
        assertThat(sw.removePort("p0")).isFalse();
        assertThat(sw.macTable().size()).isZero();
        assertThat(sw.ports().ports()).isEmpty();
        assertThat(memoryPort("again", VlanRules.access(1)).id()).as("id reused").isEqualTo(p0.id());
    }

    @Test
    void shouldAgeLearnedMacsInTheBackground() throws InterruptedException
    {
        final MemoryPort p0 = memoryPort("p0", VlanRules.access(1));
        sw.macTable().learn(1, A, p0.id(), System.nanoTime());
        final long deadline = System.nanoTime() + 10_000_000_000L;
        while (sw.macTable().size() > 0 && System.nanoTime() < deadline)
        {
            Thread.sleep(50);
        }
        assertThat(sw.macTable().size()).as("aged within ageing time + one sweep period").isZero();
    }

    @Test
    void shouldRefuseDuplicateAndUnknownPortNames()
    {
        memoryPort("p0", VlanRules.access(1));
        assertThatThrownBy(() -> memoryPort("p0", VlanRules.access(1))).hasMessage("port 'p0' exists already");
        assertThatThrownBy(() -> sw.setMacLimit("nope", 3)).hasMessage("no port named 'nope'");
        assertThatThrownBy(() -> new SwitchContext().loops(-1).conclude()).hasMessage("loops=-1 out of range 1..256");
    }
}
