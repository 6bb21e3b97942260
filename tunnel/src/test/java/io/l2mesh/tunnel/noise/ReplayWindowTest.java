package io.l2mesh.tunnel.noise;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Random;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class ReplayWindowTest
{
    @Test
    void shouldAcceptEachCounterOnceInAnyOrderWithinTheWindow()
    {
        final ReplayWindow window = new ReplayWindow();
        assertThat(window.accept(0)).isTrue();
        assertThat(window.accept(0)).isFalse();
        assertThat(window.accept(5)).isTrue();
        assertThat(window.accept(3)).as("late but inside").isTrue();
        assertThat(window.accept(3)).isFalse();
        assertThat(window.accept(5)).isFalse();
        assertThat(window.accept(-1)).isFalse();
    }

    /**
     * Current WireGuard's window: a message 8000 counters late (several loops share one counter, so packets of
     * one session reorder) is still taken once, as 8128 allow; the old 1984-counter window refused it.
     */
    @Test
    void shouldTakeMessagesUpTo8128CountersLate()
    {
        assertThat(ReplayWindow.WINDOW).isEqualTo(8128);
        final ReplayWindow window = new ReplayWindow();
        for (int counter = 0; counter <= 9_000; counter++)
        {
            if (counter != 1_000 && counter != 871)
            {
                assertThat(window.accept(counter)).isTrue();
            }
        }
        assertThat(window.accept(1_000)).as("8000 late").isTrue();
        assertThat(window.accept(1_000)).as("once").isFalse();
        assertThat(window.accept(871)).as("8129 late").isFalse();
    }

    @Test
    void shouldRefuseCountersOlderThanTheWindow()
    {
        final ReplayWindow window = new ReplayWindow();
        assertThat(window.accept(10_000)).isTrue();
        assertThat(window.accept(10_000 - ReplayWindow.WINDOW)).as("the oldest still accepted").isTrue();
        assertThat(window.accept(10_000 - ReplayWindow.WINDOW - 1)).isFalse();
        assertThat(window.accept(1_000_000)).as("a big jump clears the bitmap").isTrue();
        assertThat(window.accept(1_000_000 - 1)).isTrue();
        assertThat(window.accept(10_000)).isFalse();
    }

    @Test
    void shouldMatchASetModelUnderRandomReordering()
    {
        final long seed = Long.getLong("l2mesh.test.seed", System.nanoTime());
        System.out.println("ReplayWindowTest seed " + seed + " (-Dl2mesh.test.seed to repeat)");
        final Random random = new Random(seed);
        final ReplayWindow window = new ReplayWindow();
        final Set<Long> seen = new HashSet<>();
        long newest = -1;
        long next = 0;
        for (int i = 0; i < 200_000; i++)
        {
            // mostly in order, some late, some duplicated, some far behind
            final long counter = switch (random.nextInt(10))
            {
                case 0 -> Math.max(0, next - random.nextInt(3000));
                case 1 -> Math.max(0, next - 1);
                default -> next++;
            };
            final boolean expected = !seen.contains(counter) && (newest < 0 || counter > newest ||
                newest - counter <= ReplayWindow.WINDOW);
            assertThat(window.accept(counter)).as("counter %d after newest %d", counter, newest).isEqualTo(expected);
            if (expected)
            {
                seen.add(counter);
                newest = Math.max(newest, counter);
            }
        }
    }
}
