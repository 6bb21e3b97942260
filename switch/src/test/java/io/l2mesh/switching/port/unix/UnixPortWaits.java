package io.l2mesh.switching.port.unix;

import java.util.concurrent.TimeUnit;

/**
 * A client's {@code connect} returns once the kernel queued the connection; the port accepts it on its home
 * loop a moment later, and until then frames for the VM count {@code not_connected}. Tests that send to a VM
 * first wait for it here.
 */
public final class UnixPortWaits
{
    private UnixPortWaits()
    {
    }

    /**
     * @throws AssertionError if the port did not accept a VM within 10 s.
     */
    public static void awaitAttached(final UnixStreamPort port) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!port.connected())
        {
            if (System.nanoTime() > deadline)
            {
                throw new AssertionError("unix port " + port.name() + " accepted no VM within 10 s");
            }
            Thread.sleep(1);
        }
    }
}
