package io.l2mesh.switching.fdb;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class MacTableTest
{
    private static final long SEC = 1_000_000_000L;
    private static final long A = 0x0200_0000_000aL;
    private static final long B = 0x0200_0000_000bL;
    private static final long C = 0x0200_0000_000cL;

    private final MacTable table = new MacTable(new MacLimits(100));

    @Test
    void shouldLearnSourceAndFindItPerVlan()
    {
        assertThat(table.learn(1, A, 3, 0)).isEqualTo(MacTable.LEARNED);
        assertThat(table.lookup(1, A)).isEqualTo(3);
        assertThat(table.lookup(2, A)).as("other VLAN").isEqualTo(MacTable.NO_PORT);
        assertThat(table.lookup(1, B)).isEqualTo(MacTable.NO_PORT);
    }

    @Test
    void shouldMoveMacToNewPortAndCountTheMove()
    {
        table.learn(1, A, 3, 0);
        table.learn(1, A, 4, SEC);
        assertThat(table.lookup(1, A)).isEqualTo(4);
        assertThat(table.moves()).isEqualTo(1);
        assertThat(table.limits().portCount(3)).isZero();
        assertThat(table.limits().portCount(4)).isEqualTo(1);
    }

    @Test
    void shouldAgeEntriesNotSeenWithinAgeingTime()
    {
        table.learn(1, A, 1, 0);
        table.learn(1, B, 1, 0);
        table.learn(1, B, 1, 8 * SEC); // refreshed
        assertThat(table.age(11 * SEC, 10 * SEC)).isEqualTo(1);
        assertThat(table.lookup(1, A)).isEqualTo(MacTable.NO_PORT);
        assertThat(table.lookup(1, B)).isEqualTo(1);
        assertThat(table.limits().globalCount()).isEqualTo(1);
    }

    @Test
    void shouldNeverAgeOrMoveStaticEntries()
    {
        table.addStatic(1, A, 7);
        table.learn(1, A, 2, SEC);
        assertThat(table.lookup(1, A)).isEqualTo(7);
        assertThat(table.age(1000 * SEC, SEC)).isZero();
        assertThat(table.lookup(1, A)).isEqualTo(7);
        assertThat(table.limits().globalCount()).as("static entries do not count").isZero();
    }

    @Test
    void shouldRefuseNewMacsBeyondPortLimitButKeepExistingOnes()
    {
        table.limits().portLimit(1, 2);
        assertThat(table.learn(1, A, 1, 0)).isEqualTo(MacTable.LEARNED);
        assertThat(table.learn(1, B, 1, 0)).isEqualTo(MacTable.LEARNED);
        assertThat(table.learn(1, C, 1, 0)).isEqualTo(MacTable.LIMIT_REACHED);
        assertThat(table.learn(1, A, 1, SEC)).as("known MAC keeps working").isEqualTo(MacTable.LEARNED);
        assertThat(table.learn(1, C, 2, 0)).as("other port has room").isEqualTo(MacTable.LEARNED);
        assertThat(table.lookup(1, C)).isEqualTo(2);
    }

    @Test
    void shouldRefuseNewMacsBeyondGlobalLimit()
    {
        final MacTable small = new MacTable(new MacLimits(2));
        small.learn(1, A, 1, 0);
        small.learn(1, B, 2, 0);
        assertThat(small.learn(1, C, 3, 0)).isEqualTo(MacTable.LIMIT_REACHED);
        assertThat(small.limits().portCount(3)).as("port quota given back").isZero();
        small.age(100 * SEC, SEC);
        assertThat(small.learn(1, C, 3, 100 * SEC)).as("room again after ageing").isEqualTo(MacTable.LEARNED);
    }

    @Test
    void shouldRefuseMoveIntoFullPort()
    {
        table.limits().portLimit(2, 1);
        table.learn(1, B, 2, 0);
        table.learn(1, A, 1, 0);
        assertThat(table.learn(1, A, 2, SEC)).isEqualTo(MacTable.LIMIT_REACHED);
        assertThat(table.lookup(1, A)).isEqualTo(1);
    }

    @Test
    void shouldFlushByPortAndVlan()
    {
        table.learn(1, A, 1, 0);
        table.learn(2, B, 1, 0);
        table.learn(1, C, 2, 0);
        table.addStatic(1, 0x0200_0000_00ffL, 1);
        assertThat(table.flush(1, 1, false)).isEqualTo(1);
        assertThat(table.lookup(2, B)).isEqualTo(1);
        assertThat(table.flush(MacTable.NO_PORT, 0, false)).isEqualTo(2);
        assertThat(table.size()).as("static survives a plain flush").isEqualTo(1);
        assertThat(table.flush(MacTable.NO_PORT, 0, true)).isEqualTo(1);
        assertThat(table.limits().globalCount()).isZero();
    }

    @Test
    void shouldCountEachMacOnceWhenLoopsRaceToLearnIt() throws Exception
    {
        final Thread[] threads = new Thread[4];
        for (int t = 0; t < threads.length; t++)
        {
            final int port = t;
            threads[t] = new Thread(() ->
            {
                for (long mac = 0; mac < 1000; mac++)
                {
                    table.learn(1, 0x0200_0000_0000L | mac, port % 2, 0);
                }
            });
        }
        final MacTable big = table;
        big.limits().globalLimit(10_000);
        for (final Thread thread : threads)
        {
            thread.start();
        }
        for (final Thread thread : threads)
        {
            thread.join(10_000);
        }
        assertThat(big.size()).isEqualTo(1000);
        assertThat(big.limits().globalCount()).isEqualTo(1000);
        assertThat(big.limits().portCount(0) + big.limits().portCount(1)).isEqualTo(1000);
    }
}
