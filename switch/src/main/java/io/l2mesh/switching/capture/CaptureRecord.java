package io.l2mesh.switching.capture;

/**
 * One captured frame: up to snaplen bytes of it, its real length and when it passed. Preallocated and reused.
 */
public final class CaptureRecord
{
    final byte[] data;
    int capturedLength;
    int originalLength;
    long timestampNs;

    CaptureRecord(final int snaplen)
    {
        this.data = new byte[snaplen];
    }

    public byte[] data()
    {
        return data;
    }

    public int capturedLength()
    {
        return capturedLength;
    }

    public int originalLength()
    {
        return originalLength;
    }

    /**
     * {@link System#nanoTime()} when the frame passed.
     */
    public long timestampNs()
    {
        return timestampNs;
    }
}
