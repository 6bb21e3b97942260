package io.l2mesh.control.capture;

import io.l2mesh.switching.capture.CaptureRecord;
import io.l2mesh.switching.capture.CaptureTap;
import io.l2mesh.switching.port.Port;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One running capture: a {@link CaptureTap} on a port and a thread of its own that drains it into a pcap stream
 * written to a descriptor the client passed (the file it opened with its own rights), until one of its
 * {@link CaptureLimits} is reached or {@link #stop()}; it then says which ({@link #stopReason()}). The datapath
 * never waits for it.
 */
public final class CaptureSession
{
    private static final Logger LOG = LoggerFactory.getLogger(CaptureSession.class);
    private static final int RING_BYTES_PER_LOOP = 8 * 1024 * 1024;

    /**
     * Why a capture ended.
     */
    public enum StopReason
    {
        COUNT("frame count reached"),
        MAX_BYTES("size limit reached"),
        DURATION("duration reached"),
        REQUESTED("stopped by request"),
        ERROR("write failed");

        private final String text;

        StopReason(final String text)
        {
            this.text = text;
        }

        public String text()
        {
            return text;
        }
    }

    private final Port port;
    private final String label;
    private final CaptureLimits limits;
    private final long deadlineNs;
    private final CaptureTap tap;
    private final PcapWriter writer;
    private final Thread thread;
    private final AtomicLong written = new AtomicLong();
    private final AtomicLong bytes = new AtomicLong(PcapWriter.FILE_HEADER_BYTES);
    private final CountDownLatch finished = new CountDownLatch(1);
    private final long epochOffsetNs;
    private volatile boolean stopRequested;
    private volatile StopReason stopReason;
    private volatile String error;

    private CaptureSession(final Port port, final int fd, final String label, final CaptureLimits limits,
        final int snaplen, final int loopCount, final Runnable onFinish) throws IOException
    {
        this.port = port;
        this.label = label;
        this.limits = limits;
        this.deadlineNs = System.nanoTime() + limits.durationNs();
        this.epochOffsetNs = System.currentTimeMillis() * 1_000_000L - System.nanoTime();
        final DescriptorOutputStream out = new DescriptorOutputStream(fd);
        try
        {
            this.tap = new CaptureTap(loopCount, snaplen, Math.clamp(RING_BYTES_PER_LOOP / snaplen, 64, 4096));
            this.writer = new PcapWriter(out, snaplen);
        }
        catch (final IOException | RuntimeException ex)
        {
            out.close();
            throw ex;
        }
        this.thread = new Thread(() -> run(onFinish), "l2mesh-capture-" + port.name());
        this.thread.setDaemon(true);
    }

    /**
     * Starts capturing {@code port} into {@code fd}.
     *
     * @param fd    a descriptor open for writing, owned by the session from this call on: closed when it ends, or
     *              at once if it cannot start.
     * @param label what to call the output in reports (the file name the client gave), or null.
     */
    public static CaptureSession start(final Port port, final int fd, final String label, final CaptureLimits limits,
        final int snaplen, final int loopCount, final Runnable onFinish) throws IOException
    {
        final CaptureSession session = new CaptureSession(port, fd, label, limits, snaplen, loopCount, onFinish);
        port.capture(session.tap);
        session.thread.start();
        return session;
    }

    private void run(final Runnable onFinish)
    {
        try
        {
            while (stopReason == null)
            {
                if (stopRequested)
                {
                    stopReason = StopReason.REQUESTED;
                }
                else if (System.nanoTime() >= deadlineNs)
                {
                    stopReason = StopReason.DURATION;
                }
                else if (drainOnce() == 0)
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
            stopReason = StopReason.ERROR;
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            stopReason = StopReason.REQUESTED;
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
                stopReason = StopReason.ERROR;
            }
            LOG.info("capture of {}{} ended: {}{} ({} frames, {} bytes)", port.name(),
                label == null ? "" : " to " + label, stopReason.text(), error == null ? "" : ": " + error,
                written.get(), bytes.get());
            finished.countDown();
            onFinish.run();
        }
    }

    /**
     * Writes what the tap holds, up to the limits; frames past a limit are released unwritten.
     */
    private int drainOnce() throws IOException
    {
        int drained = 0;
        for (int loop = 0; loop < tap.loopCount(); loop++)
        {
            CaptureRecord record;
            while ((record = tap.poll(loop)) != null)
            {
                try
                {
                    write(record);
                }
                finally
                {
                    tap.release(loop, record);
                }
                drained++;
            }
        }
        return drained;
    }

    private void write(final CaptureRecord record) throws IOException
    {
        if (stopReason == StopReason.COUNT || stopReason == StopReason.MAX_BYTES || stopReason == StopReason.ERROR)
        {
            return;
        }
        final long size = PcapWriter.RECORD_HEADER_BYTES + record.capturedLength();
        if (bytes.get() + size > limits.maxBytes())
        {
            stopReason = StopReason.MAX_BYTES;
            return;
        }
        writer.write(record.timestampNs() + epochOffsetNs, record.data(), record.capturedLength(),
            record.originalLength());
        bytes.addAndGet(size);
        if (written.incrementAndGet() == limits.count())
        {
            stopReason = StopReason.COUNT;
        }
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

    /**
     * @return the output's name as the client gave it, or null.
     */
    public String label()
    {
        return label;
    }

    public CaptureLimits limits()
    {
        return limits;
    }

    public long written()
    {
        return written.get();
    }

    /**
     * @return bytes of pcap written so far, headers included: at most {@link CaptureLimits#maxBytes()}.
     */
    public long bytes()
    {
        return bytes.get();
    }

    public long dropped()
    {
        return tap.dropped();
    }

    /**
     * @return why it ended (set once it has), or null while it runs.
     */
    public StopReason stopReason()
    {
        return isFinished() ? stopReason : null;
    }

    public String error()
    {
        return error;
    }
}
