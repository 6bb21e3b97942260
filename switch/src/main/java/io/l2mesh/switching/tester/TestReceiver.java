package io.l2mesh.switching.tester;

import org.HdrHistogram.Histogram;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The receiving end of one trial, attached to the port frames are to arrive on ({@code --to}): every loop that
 * reads a test frame of this trial there counts it here instead of switching it. Per loop (no sharing on the
 * datapath): frames, bytes, frames that came after a later one (reordered), and a latency histogram (HdrHistogram,
 * sized once: recording allocates nothing). Shared: a bitmap of the sequence numbers seen, set with an atomic
 * or, which tells duplicates apart across loops. Frames of another trial (a late one of the last size) are
 * counted as stale and not measured.
 * <p>
 * The control thread reads the results only after the trial's sender stopped, the receiver was detached from
 * its port, and every loop ran a command since (which orders their writes before the reads).
 */
public final class TestReceiver
{
    /** The latency histogram's range: 1 ns to 60 s, 3 significant digits. */
    static final long MAX_LATENCY_NANOS = 60_000_000_000L;
    private static final VarHandle BITS = MethodHandles.arrayElementVarHandle(long[].class);
    static final int RECEIVED = 0;
    static final int BYTES = 1;
    static final int REORDERED = 2;
    static final int DUPLICATES = 3;
    static final int STALE = 4;
    static final int BEYOND = 5;
    private static final int SLOTS = 6;

    private final int testId;
    private final long[] seen;
    private final long[][] counts;
    private final long[] highest;
    private final Histogram[] latency;

    /**
     * @param expected the most frames the trial may send (its bitmap's size).
     */
    public TestReceiver(final int testId, final int loops, final long expected)
    {
        this.testId = testId;
        this.seen = new long[(int)((expected + 63) >>> 6)];
        this.counts = new long[loops][SLOTS];
        this.highest = new long[loops];
        this.latency = new Histogram[loops];
        for (int i = 0; i < loops; i++)
        {
            highest[i] = -1;
            latency[i] = new Histogram(1, MAX_LATENCY_NANOS, 3);
        }
    }

    /**
     * Loop {@code loopId}: a test frame ({@code payload} from {@link TestFrame#payload}) arrived at
     * {@code nowNanos}.
     */
    public void receive(final int loopId, final MemorySegment segment, final long payload, final int length,
        final long nowNanos)
    {
        final long[] c = counts[loopId];
        if (TestFrame.testId(segment, payload) != testId)
        {
            c[STALE]++;
            return;
        }
        final long sequence = TestFrame.sequence(segment, payload);
        if (sequence < 0 || sequence >= (long)seen.length << 6)
        {
            c[BEYOND]++;
            return;
        }
        final long bit = 1L << (sequence & 63);
        if (((long)BITS.getAndBitwiseOr(seen, (int)(sequence >>> 6), bit) & bit) != 0)
        {
            c[DUPLICATES]++;
            return;
        }
        c[RECEIVED]++;
        c[BYTES] += length + TestFrame.FCS;
        if (sequence < highest[loopId])
        {
            c[REORDERED]++;
        }
        else
        {
            highest[loopId] = sequence;
        }
        final long latencyNanos = nowNanos - TestFrame.sentNanos(segment, payload);
        latency[loopId].recordValue(Math.max(1, Math.min(MAX_LATENCY_NANOS, latencyNanos)));
    }

    /**
     * @return a counter summed over loops ({@link #RECEIVED}, ...); after the trial only.
     */
    long count(final int slot)
    {
        long sum = 0;
        for (final long[] c : counts)
        {
            sum += c[slot];
        }
        return sum;
    }

    /**
     * @return every loop's latencies in one histogram; after the trial only.
     */
    Histogram latency()
    {
        final Histogram all = new Histogram(1, MAX_LATENCY_NANOS, 3);
        for (final Histogram h : latency)
        {
            all.add(h);
        }
        return all;
    }
}
