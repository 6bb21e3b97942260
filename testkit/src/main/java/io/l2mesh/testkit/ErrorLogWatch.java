package io.l2mesh.testkit;

import org.junit.jupiter.api.extension.AfterTestExecutionCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.function.Supplier;

/**
 * Fails a test whose switch or daemon recorded datapath errors the test did not expect (Aeron's
 * {@code SystemTestWatcher}). Register it as a field, hand it every error log the test creates, and name the errors
 * a test provokes on purpose:
 * <pre>{@code
 * @RegisterExtension
 * final ErrorLogWatch errorLog = new ErrorLogWatch();
 * ...
 * errorLog.watch("switch a", lab::errors);
 * errorLog.expect("read vm1"); // this test pulls the VM's socket away
 * }</pre>
 * The logs are read right after the test method, before {@code @AfterEach} tears the switches down; the watch
 * list is cleared for the next test.
 */
public final class ErrorLogWatch implements AfterTestExecutionCallback
{
    private record Source(String name, Supplier<? extends Collection<String>> errors)
    {
    }

    private final List<Source> sources = new ArrayList<>();
    private final List<String> expected = new ArrayList<>();

    /**
     * Checks {@code errors} (the distinct error texts so far) when the test method has run.
     */
    public void watch(final String name, final Supplier<? extends Collection<String>> errors)
    {
        sources.add(new Source(name, errors));
    }

    /**
     * Lets errors whose text contains {@code fragment} pass, for this test only.
     */
    public void expect(final String fragment)
    {
        expected.add(fragment);
    }

    @Override
    public void afterTestExecution(final ExtensionContext context)
    {
        final List<String> unexpected = new ArrayList<>();
        try
        {
            for (final Source source : sources)
            {
                for (final String error : source.errors().get())
                {
                    if (expected.stream().noneMatch(error::contains))
                    {
                        unexpected.add(source.name() + ": " + error);
                    }
                }
            }
        }
        finally
        {
            sources.clear();
            expected.clear();
        }
        if (!unexpected.isEmpty())
        {
            throw new AssertionError("unexpected datapath errors:\n  " + String.join("\n  ", unexpected));
        }
    }
}
