package io.l2mesh.control.server;

import io.l2mesh.control.protocol.ErrorCode;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Control requests by the client's role and by result: {@code ok}, or the error code that answered it in lower
 * case ({@code permission_denied}, {@code bad_request}, ...). Counted by the control loop, read by any thread
 * (the metrics exporter).
 */
public final class RequestCounters
{
    public static final String OK = "ok";
    private static final int RESULTS = ErrorCode.values().length + 1;

    private final AtomicLongArray counts = new AtomicLongArray(Role.values().length * RESULTS);

    void ok(final Role role)
    {
        counts.incrementAndGet(role.ordinal() * RESULTS);
    }

    void failed(final Role role, final ErrorCode code)
    {
        counts.incrementAndGet(role.ordinal() * RESULTS + 1 + code.ordinal());
    }

    /**
     * @param result {@link #OK} or one of {@link #results()}.
     * @return how many requests from clients of {@code role} ended with {@code result}.
     */
    public long count(final Role role, final String result)
    {
        final int index = results().indexOf(result);
        if (index < 0)
        {
            throw new IllegalArgumentException("no request result '" + result + "' (results: " + results() + ")");
        }
        return counts.get(role.ordinal() * RESULTS + index);
    }

    /**
     * @return every result label: {@link #OK}, then each {@link ErrorCode} in lower case.
     */
    public static List<String> results()
    {
        final List<String> labels = new ArrayList<>(RESULTS);
        labels.add(OK);
        for (final ErrorCode code : ErrorCode.values())
        {
            labels.add(code.name().toLowerCase(Locale.ROOT));
        }
        return labels;
    }
}
