package io.l2mesh.switching.port;

import io.l2mesh.tuntap.Libc;
import io.l2mesh.tuntap.RawSocket;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The far end of a port on a kernel interface (a TAP device, a veth end): an {@code AF_PACKET} socket on the
 * interface that faces the port. What it writes leaves that interface towards the port; what it reads is what the
 * port sent. Its frames carry a virtio-net header ({@code PACKET_VNET_HDR}), which it adds and strips.
 */
final class KernelFarEnd implements AutoCloseable
{
    private static final int VNET_HDR = 10;

    private final RawSocket socket;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment errno = Libc.newErrnoCapture(arena);
    private final MemorySegment buffer = arena.allocate(70_000, 64);

    KernelFarEnd(final String interfaceName)
    {
        socket = RawSocket.open(interfaceName, RawSocket.NO_FANOUT);
    }

    void send(final byte[] frame)
    {
        buffer.asSlice(0, VNET_HDR).fill((byte)0);
        MemorySegment.copy(frame, 0, buffer, ValueLayout.JAVA_BYTE, VNET_HDR, frame.length);
        final long n = socket.write(errno, buffer.address(), VNET_HDR + frame.length);
        if (n != VNET_HDR + frame.length)
        {
            throw new IllegalStateException("AF_PACKET write returned " + n);
        }
    }

    byte[] receive(final long timeoutMs) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        do
        {
            final long n = socket.read(errno, buffer.address(), buffer.byteSize());
            if (n > VNET_HDR)
            {
                return buffer.asSlice(VNET_HDR, n - VNET_HDR).toArray(ValueLayout.JAVA_BYTE);
            }
            Thread.sleep(1);
        }
        while (System.nanoTime() < deadline);
        return null;
    }

    /**
     * @return how many packet sockets are bound to the interface with index {@code ifIndex}, from
     * {@code /proc/net/packet}.
     */
    static long packetSocketsOn(final int ifIndex) throws Exception
    {
        return Files.readAllLines(Path.of("/proc/net/packet")).stream().skip(1)
            .map(line -> line.trim().split("\\s+"))
            .filter(fields -> fields.length > 4 && fields[4].equals(Integer.toString(ifIndex)))
            .count();
    }

    static void run(final String... command) throws Exception
    {
        final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        final String output = new String(process.getInputStream().readAllBytes());
        if (!process.waitFor(10, TimeUnit.SECONDS) || process.exitValue() != 0)
        {
            throw new IllegalStateException(String.join(" ", command) + " failed: " + output);
        }
    }

    @Override
    public void close()
    {
        socket.close();
        arena.close();
    }
}
