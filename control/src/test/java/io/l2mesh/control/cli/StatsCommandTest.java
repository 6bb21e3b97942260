package io.l2mesh.control.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.l2mesh.control.protocol.ControlCodec;
import io.l2mesh.switching.stats.DropReason;
import org.junit.jupiter.api.Test;

import java.util.EnumSet;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code ctl stats} as people read it, against golden text: drop columns only where a port dropped something
 * (all with {@code --all}), human units with {@code -H}.
 */
class StatsCommandTest
{
    private static JsonNode ports(final String json) throws Exception
    {
        return ControlCodec.JSON.readTree(json);
    }

    private static final String TWO_PORTS = """
        [{"port":"tap0","rx_packets":1234567,"rx_bytes":1610612736,"tx_packets":12,"tx_bytes":900,
          "drops":{"no_route":3,"vlan":0}},
         {"port":"vm1","rx_packets":0,"rx_bytes":0,"tx_packets":999,"tx_bytes":1536,
          "drops":{"no_route":0,"not_connected":41}}]""";

    @Test
    void shouldShowOnlyTheDropColumnsSomePortCounted() throws Exception
    {
        assertThat(StatsCommand.table(ports(TWO_PORTS), false, false, false, EnumSet.noneOf(DropReason.class)))
            .isEqualTo("""
                port  rx_packets    rx_bytes  tx_packets  tx_bytes  drop_no_route  drop_not_connected
                tap0     1234567  1610612736          12       900              3                   0
                vm1            0           0         999      1536              0                  41
                """);
    }

    @Test
    void shouldShowEveryDropColumnWithAll() throws Exception
    {
        final String all = StatsCommand.table(ports(TWO_PORTS), false, true, false, EnumSet.noneOf(DropReason.class));
        for (final DropReason reason : DropReason.values())
        {
            assertThat(all.lines().findFirst().orElseThrow()).contains("drop_" + reason.label());
        }
    }

    @Test
    void shouldWriteHumanUnits() throws Exception
    {
        assertThat(StatsCommand.table(ports(TWO_PORTS), false, false, true, EnumSet.noneOf(DropReason.class)))
            .isEqualTo("""
                port  rx_packets  rx_bytes  tx_packets  tx_bytes  drop_no_route  drop_not_connected
                tap0        1.2M   1.5 GiB          12     900 B              3                   0
                vm1            0       0 B         999   1.5 KiB              0                  41
                """);
        assertThat(HumanUnits.bitsPerSecond(800)).isEqualTo("800 bit/s");
        assertThat(HumanUnits.bitsPerSecond(12_500_000)).isEqualTo("12.5 Mbit/s");
        assertThat(HumanUnits.count(999)).isEqualTo("999");
        assertThat(HumanUnits.count(1000)).isEqualTo("1.0k");
        assertThat(HumanUnits.bytes(1023)).isEqualTo("1023 B");
    }

    @Test
    void shouldKeepAColumnOnceShownWhileWatching() throws Exception
    {
        final Set<DropReason> shown = EnumSet.noneOf(DropReason.class);
        StatsCommand.table(ports(TWO_PORTS), true, false, false, shown);
        final String later = StatsCommand.table(ports("""
            [{"port":"tap0","rx_packets":1,"rx_bytes":60,"tx_packets":0,"tx_bytes":0,"rx_pps":1,"tx_pps":0,
              "rx_bps":480,"tx_bps":0,"drops":{}}]"""), true, false, false, shown);
        assertThat(later.lines().findFirst().orElseThrow()).isEqualTo("port  rx_packets  rx_bytes  tx_packets  " +
            "tx_bytes  rx_pps  tx_pps  rx_bps  tx_bps  drop_no_route  drop_not_connected");
    }
}
