package io.l2mesh.switching.tester;

import io.l2mesh.switching.port.MemoryPort;
import io.l2mesh.switching.vlan.VlanRules;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The tester's sender paced by the clock it is given, and its receiver's counts: loss, duplicates, reordering,
 * stale frames of another trial, latency.
 */
class TesterTest
{
    private static final long SECOND = 1_000_000_000L;

    @Test
    void shouldSendAtTheRateForTheDurationAndStop()
    {
        final MemoryPort port = new MemoryPort(0, "m0", VlanRules.access(1), 1500, false, 1, 64);
        try (Arena arena = Arena.ofConfined())
        {
            final TestSender sender = new TestSender(port, 7, 128, 1_000, SECOND, 0, 3, 0x02_00_00_00_10_00L,
                0x02_00_00_00_20_00L, arena);
            final MemorySegment errno = arena.allocate(64);
            final long t0 = 1_000 * SECOND;
            assertThat(sender.run(0, t0, errno)).as("nothing due at the start: the next in 1 ms")
                .isEqualTo(t0 + 1_000_000);
            sender.run(0, t0 + SECOND / 2, errno);
            assertThat(sender.sent()).as("at most 256 per turn").isEqualTo(256);
            sender.run(0, t0 + SECOND / 2, errno);
            assertThat(sender.sent()).as("half a second at 1000/s, in two turns").isEqualTo(500);
            assertThat(sender.run(0, t0 + 2 * SECOND, errno)).as("done after its duration").isEqualTo(Long.MAX_VALUE);
            assertThat(sender.done()).isTrue();
            assertThat(sender.sent()).as("256 at most per turn: the rest of the second was not offered").isEqualTo(756);
            assertThat(TrialResult.of(128, 1_000, SECOND, sender, new TestReceiver(7, 1, 2_000)).senderLimited())
                .as("756 of 1000: the trial measured the sender").isTrue();
            final List<byte[]> frames = port.sent();
            assertThat(frames).hasSize(756);
            final byte[] first = frames.get(0);
            assertThat(first).hasSize(124).as("128 bytes with the FCS");
            final MemorySegment f = MemorySegment.ofArray(first);
            assertThat(TestFrame.isTestType(f, 0)).isTrue();
            final long payload = TestFrame.payload(f, 0, first.length);
            assertThat(payload).isEqualTo(14);
            assertThat(TestFrame.testId(f, payload)).isEqualTo(7);
            final byte[] experiment = first.clone();
            experiment[14] = 0; // the EtherType, but not the tester's magic: someone's experiment, switched as usual
            assertThat(TestFrame.payload(MemorySegment.ofArray(experiment), 0, experiment.length)).isEqualTo(-1);
            assertThat(TestFrame.sequence(MemorySegment.ofArray(frames.get(5)), payload)).isEqualTo(5);
            assertThat(f.get(ValueLayout.JAVA_BYTE, 11)).as("flow 0's source MAC").isEqualTo((byte)0x00);
            assertThat(MemorySegment.ofArray(frames.get(1)).get(ValueLayout.JAVA_BYTE, 11)).as("flow 1")
                .isEqualTo((byte)0x01);
            assertThat(port.counters().snapshot().txPackets()).isEqualTo(756);
        }
    }

    @Test
    void shouldCountLossDuplicatesReorderingAndStaleFramesAndMeasureLatency()
    {
        final MemoryPort port = new MemoryPort(0, "m0", VlanRules.access(1), 1500, false, 1, 64);
        try (Arena arena = Arena.ofConfined())
        {
            final TestSender sender = new TestSender(port, 9, 64, 10_000, SECOND, 100, 1, 0x02_00_00_00_10_00L,
                0x02_00_00_00_20_00L, arena);
            final MemorySegment errno = arena.allocate(64);
            sender.run(0, 0, errno);
            sender.run(0, SECOND / 100, errno); // 100 frames, tagged VLAN 100
            final List<byte[]> frames = port.sent();
            assertThat(frames).hasSize(100);
            final TestReceiver receiver = new TestReceiver(9, 2, 200);
            for (int i = 0; i < 100; i++)
            {
                if (i == 10 || i == 11)
                {
                    continue; // lost
                }
                final int index = i == 50 ? 51 : i == 51 ? 50 : i; // 50 and 51 swapped
                deliver(receiver, frames.get(index), 0);
            }
            deliver(receiver, frames.get(3), 1); // a duplicate, on the other loop
            final TestSender other = new TestSender(port, 8, 64, 10, SECOND, 0, 1, 1, 2, arena);
            port.clearSent();
            other.run(0, 0, errno);
            other.run(0, SECOND, errno);
            deliver(receiver, port.sent().get(0), 0); // another trial's
            final TrialResult result = TrialResult.of(64, 10_000, SECOND / 100, sender, receiver);
            assertThat(result.sent()).isEqualTo(100);
            assertThat(result.received()).isEqualTo(98);
            assertThat(result.lost()).isEqualTo(2);
            assertThat(result.loss()).isEqualTo(0.02);
            assertThat(result.duplicates()).isEqualTo(1);
            assertThat(result.reordered()).as("50 after 51").isEqualTo(1);
            assertThat(result.stale()).isEqualTo(1);
            assertThat(result.minUs()).isPositive();
            assertThat(result.maxUs()).isGreaterThanOrEqualTo(result.p99Us()).isGreaterThanOrEqualTo(result.p50Us());
        }
    }

    private static void deliver(final TestReceiver receiver, final byte[] frame, final int loop)
    {
        final MemorySegment f = MemorySegment.ofArray(frame);
        final long payload = TestFrame.payload(f, 0, frame.length);
        assertThat(payload).as("a test frame, behind its tag if any").isPositive();
        receiver.receive(loop, f, payload, frame.length, System.nanoTime());
    }
}
