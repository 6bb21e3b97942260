package io.l2mesh.tunnel;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the handshake DoS defence did, per port ({@code l2mesh ctl handshake show}). Loops and the agent count
 * (a {@link LongAdder} each: handshake messages are not frames, and a flood spreads over threads).
 */
final class HandshakeCounters
{
    /** Initiations and responses whose mac1 was wrong: dropped on the loop, nothing else spent. */
    static final int MAC1_BAD = 0;
    /** Initiations with a valid mac2 while under load: queued. */
    static final int MAC2_VALID = 1;
    /** Cookie replies sent (initiations without a valid mac2 while under load). */
    static final int COOKIE_SENT = 2;
    /** Initiations with a valid mac2 refused by their source's token bucket. */
    static final int COOKIE_RATE_LIMITED = 3;
    /** Cookie replies from a peer we initiated to, taken. */
    static final int COOKIE_RECEIVED = 4;
    /** Cookie replies refused: for no initiation of ours, or not opening with its mac1. */
    static final int COOKIE_REFUSED = 5;
    /** Queued initiations shed because the agent's budget was spent. */
    static final int BUDGET_SPENT = 6;
    /** Handshake messages dropped because their queue was full. */
    static final int QUEUE_FULL = 7;
    /** Initiations without a valid mac2 under load, dropped unanswered: the port's cookie replies were at their cap. */
    static final int COOKIE_CAPPED = 8;

    private static final String[] LABELS = {
        "handshake_mac1_bad", "handshake_mac2_valid", "cookie_sent", "cookie_rate_limited", "cookie_received",
        "cookie_refused", "handshake_budget_spent", "handshake_queue_full", "cookie_capped"};

    private final LongAdder[] values = new LongAdder[LABELS.length];

    HandshakeCounters()
    {
        for (int i = 0; i < values.length; i++)
        {
            values[i] = new LongAdder();
        }
    }

    void increment(final int counter)
    {
        values[counter].increment();
    }

    long get(final int counter)
    {
        return values[counter].sum();
    }

    /**
     * @return every counter by its label, in a stable order.
     */
    Map<String, Long> snapshot()
    {
        final Map<String, Long> result = new LinkedHashMap<>();
        for (int i = 0; i < LABELS.length; i++)
        {
            result.put(LABELS[i], values[i].sum());
        }
        return result;
    }
}
