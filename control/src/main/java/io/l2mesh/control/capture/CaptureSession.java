package io.l2mesh.control.capture;

import io.l2mesh.switching.capture.CaptureRecord;
import io.l2mesh.switching.capture.CaptureTap;
import io.l2mesh.switching.port.Port;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One running capture: a {@link CaptureTap} on a port and a thread of its own that drains it into a pcap file,
 * until {@code count} frames, {@code duration}, or {@link #stop()}. The datapath never waits for it.
 */
public final class CaptureSession
{
    private static final Logger LOG = LoggerFactory.getLogger(CaptureSession.class);
    private static final int RING_BYTES_PER_LOOP = 8 * 1024 * 1024;

    private final Port port;
    private final Path file;
    private final long count;
    private final long deadlineNs;
    private final CaptureTap tap;
    private final PcapWriter writer;
    private final Thread thread;
    private final AtomicLong written = new AtomicLong();
    private final CountDownLatch finished = new CountDownLatch(1);
    private final long epochOffsetNs;
    private volatile boolean stopRequested;
    private volatile String error;

    private CaptureSession(final Port port, final Path file, final long count, final long durationNs,
        final int snaplen, final int loopCount, final Runnable onFinish) throws IOException
    {
        this.port = port;
        this.file = file;
        this.count = count;
        this.deadlineNs = durationNs > 0 ? System.nanoTime() + durationNs : Long.MAX_VALUE;
        this.epochOffsetNs = System.currentTimeMillis() * 1_000_000L - System.nanoTime();
        this.tap = new CaptureTap(loopCount, snaplen, Math.clamp(RING_BYTES_PER_LOOP / snaplen, 64, 4096));
        this.writer = new PcapWriter(file, snaplen);
        this.thread = new Thread(() -> run(onFinish), "l2mesh-capture-" + port.name());
        this.thread.setDaemon(true);
    }

    /**
     * Starts capturing {@code port} into {@code file}.
     *
     * @param count      frames to write, 0 for no limit.
     * @param durationNs how long, 0 for no limit.
     */
    public static CaptureSession start(final Port port, final Path file, final long count, final long durationNs,
        final int snaplen, final int loopCount, final Runnable onFinish) throws IOException
    {
        final CaptureSession session = new CaptureSession(port, file, count, durationNs, snaplen, loopCount,
            onFinish);
        port.capture(session.tap);
        session.thread.start();
        return session;
    }

    private void run(final Runnable onFinish)
    {
        try
        {
            while (!stopRequested && (count == 0 || written.get() < count) && System.nanoTime() < deadlineNs)
            {
                if (drainOnce() == 0)
                {
                    writer.flush();
                    Thread.sleep(1);
                }
            }
            port.capture(null);
            Thread.sleep(5); // let a burst that already read the tap finish before the last drain
            drainOnce();
        }
        catch (final IOException ex)
        {
            error = ex.getMessage();
            LOG.warn("capture of {} to {} failed: {}", port.name(), file, ex.toString());
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        finally
        {
            port.capture(null);
            try
            {
                writer.close();
            }
            catch (final IOException ex)
            {
                error = ex.getMessage();
            }
            finished.countDown();
            onFinish.run();
        }
    }

    private int drainOnce() throws IOException
    {
        int drained = 0;
        for (int loop = 0; loop < tap.loopCount(); loop++)
        {
            CaptureRecord record;
            while ((record = tap.poll(loop)) != null)
            {
                if (count == 0 || written.get() < count)
                {
                    writer.write(record.timestampNs() + epochOffsetNs, record.data(), record.capturedLength(),
                        record.originalLength());
                    written.incrementAndGet();
                }
                tap.release(loop, record);
                drained++;
            }
        }
        return drained;
    }

    public void stop()
    {
        stopRequested = true;
    }

    public boolean awaitFinished(final long timeoutMs) throws InterruptedException
    {
        return finished.await(timeoutMs, TimeUnit.MILLISECONDS);
    }

    public boolean isFinished()
    {
        return finished.getCount() == 0;
    }

    public Port port()
    {
        return port;
    }

    public Path file()
    {
        return file;
    }

    public long written()
    {
        return written.get();
    }

    public long dropped()
    {
        return tap.dropped();
    }

    public String error()
    {
        return error;
    }
}
