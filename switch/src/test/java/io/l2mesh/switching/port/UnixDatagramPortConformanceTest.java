package io.l2mesh.switching.port;

import io.l2mesh.switching.buffer.FrameBatch;
import io.l2mesh.switching.buffer.LoopMemory;
import io.l2mesh.switching.port.unix.UnixDatagramPort;
import io.l2mesh.switching.port.unix.UnixPortSpec;
import io.l2mesh.switching.stats.DropReason;
import io.l2mesh.testkit.QemuDgramClient;
import org.junit.jupiter.api.io.TempDir;

import io.l2mesh.tuntap.Libc;

import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The port contract on a unix datagram port, with a client that sends as QEMU's {@code -netdev dgram} does (one
 * frame per datagram, from a socket of its own) as the VM.
 */
class UnixDatagramPortConformanceTest extends PortConformanceTest
{
    @TempDir
    Path dir;

    @Override
    protected Fixture open(final int loopCount, final int burstSize) throws Exception
    {
        final Path path = dir.resolve("vm.sock");
        final UnixDatagramPort port = UnixDatagramPort.open(0, UnixPortSpec.access("vm", path,
            UnixPortSpec.Framing.DGRAM, 1), loopCount, burstSize);
        final QemuDgramClient vm = new QemuDgramClient(dir.resolve("qemu.sock"), path);
        // The port answers the last address a datagram came from: the VM says hello once, and it is read here.
        final byte[] hello = frame(60, 0);
        hello[13] = 0x06;
        vm.send(hello);
        try (LoopMemory memory = new LoopMemory(1))
        {
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (!port.connected() && System.nanoTime() < deadline)
            {
                port.receive(LOOP, memory, new FrameBatch(1), Libc.newErrnoCapture(Arena.ofAuto()));
                Thread.sleep(1);
            }
        }
        return new Fixture()
        {
            @Override
            public Port port()
            {
                return port;
            }

            @Override
            public void inject(final byte[] frame)
            {
                vm.send(frame);
            }

            @Override
            public byte[] nextSent(final long timeoutMs) throws Exception
            {
                return vm.receive(timeoutMs);
            }

            @Override
            public DropReason injectHostile()
            {
                vm.send(new byte[70_000]); // longer than any slot: never cut short and passed on
                return DropReason.MALFORMED;
            }

            @Override
            public boolean released()
            {
                return !Files.exists(path);
            }

            @Override
            public void close()
            {
                vm.close();
            }
        };
    }
}
