package io.l2mesh.bench;

import io.l2mesh.control.cli.ControlClient;
import io.l2mesh.control.protocol.ControlCodec;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Load on a running daemon's control socket (not JMH: it needs the daemon): {@code status} round-trip latency
 * from one client, then {@code status} commands per second from 8 concurrent clients.
 * usage: java -cp bench/target/benchmarks.jar io.l2mesh.bench.ControlLoad SOCKET [SECONDS]
 */
public final class ControlLoad
{
    private ControlLoad()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final Path socket = Path.of(args[0]);
        final long seconds = args.length > 1 ? Long.parseLong(args[1]) : 5;
        try (ControlClient client = ControlClient.connect(socket))
        {
            for (int i = 0; i < 2000; i++)
            {
                client.call("status", ControlCodec.JSON.createObjectNode()); // warm-up
            }
            final long[] latencies = new long[20_000];
            for (int i = 0; i < latencies.length; i++)
            {
                final long start = System.nanoTime();
                client.call("status", ControlCodec.JSON.createObjectNode());
                latencies[i] = System.nanoTime() - start;
            }
            Arrays.sort(latencies);
            System.out.printf("status round trip, 1 client: p50 %.1f us, p99 %.1f us (%d requests)%n",
                latencies[latencies.length / 2] / 1e3, latencies[latencies.length * 99 / 100] / 1e3, latencies.length);
        }
        final int clients = 8;
        final AtomicLong done = new AtomicLong();
        final CountDownLatch finished = new CountDownLatch(clients);
        final long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        for (int c = 0; c < clients; c++)
        {
            Thread.ofPlatform().start(() ->
            {
                try (ControlClient client = ControlClient.connect(socket))
                {
                    while (System.nanoTime() < deadline)
                    {
                        client.call("status", ControlCodec.JSON.createObjectNode());
                        done.incrementAndGet();
                    }
                }
                finally
                {
                    finished.countDown();
                }
            });
        }
        finished.await();
        System.out.printf("status from %d concurrent clients: %.0f commands/s over %d s%n", clients,
            done.get() / (double)seconds, seconds);
    }
}
