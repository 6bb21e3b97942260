package io.l2mesh.switching.port;

import io.l2mesh.switching.buffer.FrameBatch;
import io.l2mesh.switching.buffer.LoopMemory;
import io.l2mesh.switching.port.unix.UnixPortSpec;
import io.l2mesh.switching.port.unix.UnixStreamPort;
import io.l2mesh.switching.stats.DropReason;
import io.l2mesh.testkit.QemuStreamClient;
import io.l2mesh.tuntap.Libc;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The port contract on a unix stream port, with a client that frames as QEMU's {@code -netdev stream} does (a
 * 4-byte big-endian length before each frame) as the VM.
 */
class UnixStreamPortConformanceTest extends PortConformanceTest
{
    @TempDir
    Path dir;

    @Override
    protected Fixture open(final int loopCount, final int burstSize) throws Exception
    {
        final Path path = dir.resolve("vm.sock");
        final UnixStreamPort port = UnixStreamPort.open(0, UnixPortSpec.access("vm", path,
            UnixPortSpec.Framing.STREAM, 1), loopCount, burstSize);
        final QemuStreamClient[] vm = {QemuStreamClient.connect(path)};
        awaitAttached(port);
        return new Fixture()
        {
            @Override
            public Port port()
            {
                return port;
            }

            @Override
            public void inject(final byte[] frame) throws Exception
            {
                if (vm[0] == null)
                {
                    vm[0] = QemuStreamClient.connect(path); // the VM comes back after a broken stream
                }
                vm[0].send(frame);
            }

            @Override
            public byte[] nextSent(final long timeoutMs) throws Exception
            {
                return vm[0].receive(timeoutMs);
            }

            @Override
            public DropReason injectHostile() throws Exception
            {
                // A length prefix beyond any frame: the stream can no longer be followed, the VM is hung up on.
                vm[0].sendRaw(ByteBuffer.allocate(8).putInt(0x7fff_0000).putInt(0).flip());
                vm[0].close();
                vm[0] = null;
                return DropReason.BROKEN_STREAM;
            }

            @Override
            public boolean released()
            {
                return !Files.exists(path);
            }

            @Override
            public void close() throws Exception
            {
                if (vm[0] != null)
                {
                    vm[0].close();
                }
            }
        };
    }

    /**
     * The port accepts the VM on its home loop's next receive.
     */
    static void awaitAttached(final UnixStreamPort port) throws Exception
    {
        try (LoopMemory memory = new LoopMemory(1))
        {
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (!port.connected() && System.nanoTime() < deadline)
            {
                port.receive(LOOP, memory, new FrameBatch(1), Libc.newErrnoCapture(Arena.ofAuto()));
                Thread.sleep(1);
            }
        }
    }
}
