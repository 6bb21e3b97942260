package io.l2mesh.tunnel.impair;

import java.util.PriorityQueue;
import java.util.SplittableRandom;

/**
 * One thread's impairment of one port: decides per packet whether it is lost, duplicated or held back, and keeps
 * held packets (copies) until they are due. Single owner: the thread that sends through it. Allocates only when
 * its pool of held-packet buffers must grow (delays with a high rate), never per packet in steady state.
 */
public final class ImpairmentStage
{
    /** What to do with a packet now. */
    public static final int DROP = 0;
    public static final int SEND = 1;
    public static final int HELD = 2;

    private final long[] counters;
    private final PriorityQueue<Held> queue = new PriorityQueue<>((a, b) ->
        a.dueNs != b.dueNs ? Long.compare(a.dueNs, b.dueNs) : Long.compare(a.order, b.order));
    private final java.util.ArrayDeque<Held> free = new java.util.ArrayDeque<>();
    private ImpairmentSpec spec = ImpairmentSpec.NONE;
    private SplittableRandom random;
    private boolean bad;
    private long lastDueNs;
    private long rateFreeAtNs;
    private long sequence;
    private int duplicates;

    /**
     * A packet held back: its bytes, where it goes, when.
     */
    public static final class Held
    {
        byte[] data = new byte[2048];
        java.lang.foreign.MemorySegment segment = java.lang.foreign.MemorySegment.ofArray(data);
        int length;
        long dueNs;
        long order;
        Object destination;

        public byte[] data()
        {
            return data;
        }

        /**
         * @return the bytes as a segment (made once per buffer, for sending).
         */
        public java.lang.foreign.MemorySegment segment()
        {
            return segment;
        }

        public int length()
        {
            return length;
        }

        public Object destination()
        {
            return destination;
        }
    }

    public ImpairmentStage(final ImpairmentCounters counters, final int thread)
    {
        this.counters = counters.row(thread);
    }

    /**
     * Takes a new spec (the port's, read once per packet).
     */
    private void use(final ImpairmentSpec next)
    {
        if (next != spec)
        {
            spec = next;
            random = new SplittableRandom(next.seed() != 0 ? next.seed() : System.nanoTime());
            bad = false;
        }
    }

    /**
     * Decides the fate of a packet of {@code length} bytes in {@code data}; for {@link #HELD} it has been copied.
     * After {@link #SEND}, {@link #duplicates()} tells how many extra copies to send.
     */
    public int apply(final ImpairmentSpec current, final byte[] data, final int offset, final int length,
        final Object destination, final long nowNs)
    {
        use(current);
        duplicates = 0;
        if (spec.burstGoodToBad() > 0)
        {
            bad = bad ? random.nextDouble() >= spec.burstBadToGood() : random.nextDouble() < spec.burstGoodToBad();
            if (bad && random.nextDouble() * 100 < spec.burstLossPercent())
            {
                ImpairmentCounters.increment(counters, ImpairmentCounters.LOST_BURST);
                return DROP;
            }
        }
        if (spec.lossPercent() > 0 && random.nextDouble() * 100 < spec.lossPercent())
        {
            ImpairmentCounters.increment(counters, ImpairmentCounters.LOST_RANDOM);
            return DROP;
        }
        if (spec.duplicatePercent() > 0 && random.nextDouble() * 100 < spec.duplicatePercent())
        {
            duplicates = 1;
            ImpairmentCounters.increment(counters, ImpairmentCounters.DUPLICATED);
        }
        if (!spec.holds())
        {
            ImpairmentCounters.increment(counters, ImpairmentCounters.PASSED);
            return SEND;
        }
        long due = nowNs + (long)(spec.delayMs() * 1e6);
        if (spec.jitterMs() > 0)
        {
            due += (long)(random.nextDouble() * spec.jitterMs() * 1e6);
        }
        due = Math.max(due, lastDueNs); // jitter alone does not reorder
        lastDueNs = due;
        if (spec.reorderPercent() > 0 && random.nextDouble() * 100 < spec.reorderPercent())
        {
            due += (long)(spec.reorderGapMs() * 1e6);
            ImpairmentCounters.increment(counters, ImpairmentCounters.REORDERED);
        }
        if (spec.rateKbps() > 0)
        {
            final long wireNs = length * 8L * 1_000_000L / spec.rateKbps();
            final long start = Math.max(nowNs, rateFreeAtNs);
            if (start - nowNs > ImpairmentSpec.MAX_QUEUE_MS * 1_000_000L)
            {
                ImpairmentCounters.increment(counters, ImpairmentCounters.RATE_DROPPED);
                return DROP;
            }
            rateFreeAtNs = start + wireNs;
            due = Math.max(due, rateFreeAtNs);
        }
        if (due <= nowNs && duplicates == 0)
        {
            ImpairmentCounters.increment(counters, ImpairmentCounters.PASSED);
            return SEND;
        }
        hold(data, offset, length, destination, due);
        if (duplicates > 0)
        {
            hold(data, offset, length, destination, due);
            duplicates = 0;
        }
        ImpairmentCounters.increment(counters, ImpairmentCounters.DELAYED);
        return HELD;
    }

    private void hold(final byte[] data, final int offset, final int length, final Object destination,
        final long due)
    {
        Held held = free.pollFirst();
        if (held == null)
        {
            held = new Held();
        }
        if (held.data.length < length)
        {
            held.data = new byte[length];
            held.segment = java.lang.foreign.MemorySegment.ofArray(held.data);
        }
        System.arraycopy(data, offset, held.data, 0, length);
        held.length = length;
        held.dueNs = due;
        held.order = sequence++;
        held.destination = destination;
        queue.add(held);
    }

    /**
     * @return extra copies to send after {@link #SEND}.
     */
    public int duplicates()
    {
        return duplicates;
    }

    /**
     * @return the next held packet that is due at {@code nowNs}, or null; give it back with {@link #release}.
     */
    public Held due(final long nowNs)
    {
        final Held head = queue.peek();
        return head != null && head.dueNs <= nowNs ? queue.poll() : null;
    }

    public void release(final Held held)
    {
        held.destination = null;
        free.addLast(held);
    }

    /**
     * @return when the next held packet is due, or {@code Long.MAX_VALUE}.
     */
    public long deadlineNs()
    {
        final Held head = queue.peek();
        return head == null ? Long.MAX_VALUE : head.dueNs;
    }

    public int heldPackets()
    {
        return queue.size();
    }
}
