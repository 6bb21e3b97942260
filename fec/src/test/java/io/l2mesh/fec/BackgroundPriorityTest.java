package io.l2mesh.fec;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

class BackgroundPriorityTest
{
    /**
     * @return the calling thread's nice value, as the kernel reports it.
     */
    private static int niceOfCurrentThread() throws Exception
    {
        final String stat = Files.readString(Path.of("/proc/thread-self/stat"));
        // Fields after the command's closing parenthesis: state is field 3, nice is field 19.
        final String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Integer.parseInt(fields[19 - 3]);
    }

    @Test
    void shouldLowerOnlyTheCallingThreadToNice19() throws Exception
    {
        final AtomicReference<Object> seen = new AtomicReference<>();
        final Thread background = new Thread(() ->
        {
            try
            {
                final boolean lowered = BackgroundPriority.lowerCurrentThread();
                seen.set(lowered ? niceOfCurrentThread() : "refused");
            }
            catch (final Exception ex)
            {
                seen.set(ex);
            }
        });
        final int before = niceOfCurrentThread();
        background.start();
        background.join(10_000);
        assertThat(seen.get()).isEqualTo(BackgroundPriority.LOWEST);
        assertThat(niceOfCurrentThread()).as("the caller's own thread keeps its priority").isEqualTo(before);
    }
}
