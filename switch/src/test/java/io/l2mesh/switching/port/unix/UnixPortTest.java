package io.l2mesh.switching.port.unix;

import io.l2mesh.switching.Frames;
import io.l2mesh.switching.Switch;
import io.l2mesh.switching.SwitchContext;
import io.l2mesh.switching.port.Port;
import io.l2mesh.switching.stats.DropReason;
import io.l2mesh.testkit.QemuDgramClient;
import io.l2mesh.testkit.QemuStreamClient;
import io.l2mesh.tuntap.Libc;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Unix ports for QEMU VMs, driven by clients that frame like QEMU: a stream "VM" and a datagram "VM" talk to each
 * other through a two-loop switch. Needs no root.
 */
class UnixPortTest
{
    private static final long MAC_S = 0x0200_0000_0001L;
    private static final long MAC_D = 0x0200_0000_0002L;
    private static final long TIMEOUT_MS = 5_000;

    @TempDir
    Path dir;

    private final Switch sw = Switch.start(new SwitchContext().loops(2));

    @AfterEach
    void close()
    {
        sw.close();
    }

    private Port stream(final String name)
    {
        return add(sw, UnixPortSpec.access(name, dir.resolve(name + ".sock"), UnixPortSpec.Framing.STREAM, 1));
    }

    private Port dgram(final String name)
    {
        return add(sw, UnixPortSpec.access(name, dir.resolve(name + ".sock"), UnixPortSpec.Framing.DGRAM, 1));
    }

    static Port add(final Switch sw, final UnixPortSpec spec)
    {
        return sw.addPort(id -> spec.framing() == UnixPortSpec.Framing.DGRAM ?
            UnixDatagramPort.open(id, spec, sw.loopCount(), sw.context().burstSize()) :
            UnixStreamPort.open(id, spec, sw.loopCount(), sw.context().burstSize()), spec.macLimit());
    }

    @Test
    void shouldSwitchFramesAndTakeNewPortsWhileLoopsBusyPoll() throws Exception
    {
        // Busy-polling loops never block in epoll_wait: port changes still arrive as loop commands and frames
        // still flow both ways, also after the window ran out and the loops sleep again.
        try (Switch busy = Switch.start(new SwitchContext().loops(2).busyPollNs(50_000_000L)))
        {
            add(busy, UnixPortSpec.access("vm1", dir.resolve("vm1.sock"), UnixPortSpec.Framing.STREAM, 1));
            add(busy, UnixPortSpec.access("vm2", dir.resolve("vm2.sock"), UnixPortSpec.Framing.DGRAM, 1));
            try (QemuStreamClient s = QemuStreamClient.connect(dir.resolve("vm1.sock"));
                QemuDgramClient d = new QemuDgramClient(dir.resolve("qemu-vm2.sock"), dir.resolve("vm2.sock")))
            {
                final byte[] hello = Frames.ethernet(Frames.BROADCAST, MAC_D, 0x0806, 46);
                d.send(hello);
                assertThat(s.receive(TIMEOUT_MS)).as("broadcast from the dgram VM").isEqualTo(hello);
                for (int round = 0; round < 2; round++)
                {
                    for (int i = 0; i < 100; i++)
                    {
                        final byte[] there = Frames.ethernet(MAC_D, MAC_S, 0x0800, 46 + i * 13);
                        s.send(there);
                        assertThat(d.receive(TIMEOUT_MS)).as("round %d frame %d to vm2", round, i).isEqualTo(there);
                        final byte[] back = Frames.ethernet(MAC_S, MAC_D, 0x0800, 46 + i * 11);
                        d.send(back);
                        assertThat(s.receive(TIMEOUT_MS)).as("round %d frame %d to vm1", round, i).isEqualTo(back);
                    }
                    Thread.sleep(100); // past the window: the loops block again, and must wake for the next round
                }
                add(busy, UnixPortSpec.access("vm3", dir.resolve("vm3.sock"), UnixPortSpec.Framing.STREAM, 1));
                assertThat(busy.ports().ports()).hasSize(3);
            }
        }
    }

    @Test
    void shouldSwitchFramesBetweenStreamAndDatagramClients() throws Exception
    {
        stream("vm1");
        final Port dgramPort = dgram("vm2");
        try (QemuStreamClient s = QemuStreamClient.connect(dir.resolve("vm1.sock"));
            QemuDgramClient d = new QemuDgramClient(dir.resolve("qemu-vm2.sock"), dir.resolve("vm2.sock")))
        {
            final byte[] hello = Frames.ethernet(Frames.BROADCAST, MAC_D, 0x0806, 46);
            d.send(hello);
            assertThat(s.receive(TIMEOUT_MS)).as("broadcast from the dgram VM").isEqualTo(hello);
            assertThat(((UnixDatagramPort)dgramPort).connected()).isTrue();

            final byte[] reply = Frames.ethernet(MAC_D, MAC_S, 0x0800, 1400);
            s.send(reply);
            assertThat(d.receive(TIMEOUT_MS)).as("unicast to the learned dgram VM").isEqualTo(reply);

            for (int i = 0; i < 200; i++)
            {
                final byte[] frame = Frames.ethernet(MAC_S, MAC_D, 0x0800, 46 + i * 7);
                d.send(frame);
                assertThat(s.receive(TIMEOUT_MS)).as("frame %d", i).isEqualTo(frame);
            }
        }
    }

    @Test
    void shouldDisconnectAndCountBrokenPrefixThenAcceptNextClient() throws Exception
    {
        final Port port = stream("vm1");
        final UnixDatagramPort dgramPort = (UnixDatagramPort)dgram("vm2");
        try (QemuDgramClient d = new QemuDgramClient(dir.resolve("qemu-vm2.sock"), dir.resolve("vm2.sock")))
        {
            d.send(Frames.ethernet(Frames.BROADCAST, MAC_D, 0x0806, 46)); // the port learns where the VM is
            final long deadline = System.nanoTime() + TIMEOUT_MS * 1_000_000L;
            while (!dgramPort.connected() && System.nanoTime() < deadline)
            {
                Thread.sleep(2);
            }
            try (QemuStreamClient broken = QemuStreamClient.connect(dir.resolve("vm1.sock")))
            {
                broken.sendRaw(ByteBuffer.wrap(new byte[] {0x7f, (byte)0xff, (byte)0xff, (byte)0xff, 1, 2, 3}));
                assertThat(broken.awaitClose(TIMEOUT_MS)).as("closed by the port").isTrue();
            }
            assertThat(port.counters().drops(DropReason.BROKEN_STREAM)).isEqualTo(1);

            try (QemuStreamClient zero = QemuStreamClient.connect(dir.resolve("vm1.sock")))
            {
                zero.sendRaw(ByteBuffer.allocate(4));
                assertThat(zero.awaitClose(TIMEOUT_MS)).as("a zero length is no frame either").isTrue();
            }
            assertThat(port.counters().drops(DropReason.BROKEN_STREAM)).isEqualTo(2);

            try (QemuStreamClient next = QemuStreamClient.connect(dir.resolve("vm1.sock")))
            {
                final byte[] frame = Frames.ethernet(Frames.BROADCAST, MAC_S, 0x0806, 46);
                next.send(frame);
                assertThat(d.receive(TIMEOUT_MS)).as("the next client is switched").isEqualTo(frame);
            }
        }
    }

    @Test
    void shouldRefuseSecondClientAndServeReconnect() throws Exception
    {
        final UnixStreamPort port = (UnixStreamPort)stream("vm1");
        dgram("vm2");
        try (QemuDgramClient d = new QemuDgramClient(dir.resolve("qemu-vm2.sock"), dir.resolve("vm2.sock")))
        {
            try (QemuStreamClient first = QemuStreamClient.connect(dir.resolve("vm1.sock")))
            {
                awaitConnected(port, true);
                try (QemuStreamClient second = QemuStreamClient.connect(dir.resolve("vm1.sock")))
                {
                    assertThat(second.awaitClose(TIMEOUT_MS)).as("second client refused").isTrue();
                }
                assertThat(port.refusedClients()).isEqualTo(1);
                final byte[] frame = Frames.ethernet(Frames.BROADCAST, MAC_D, 0x0806, 46);
                d.send(frame);
                assertThat(first.receive(TIMEOUT_MS)).isEqualTo(frame);
            }
            awaitConnected(port, false);
            try (QemuStreamClient again = QemuStreamClient.connect(dir.resolve("vm1.sock")))
            {
                awaitConnected(port, true);
                final byte[] frame = Frames.ethernet(Frames.BROADCAST, MAC_D, 0x0806, 60);
                d.send(frame);
                assertThat(again.receive(TIMEOUT_MS)).as("the VM came back").isEqualTo(frame);
            }
            assertThat(port.connects()).isEqualTo(2);
        }
    }

    @Test
    void shouldDeliverFramesSentFromAnotherLoopWholeAndInOrder() throws Exception
    {
        final UnixStreamPort port = (UnixStreamPort)stream("vm1");
        final long seed = Long.getLong("l2mesh.test.seed", System.nanoTime());
        System.out.println("UnixPortTest seed " + seed + " (-Dl2mesh.test.seed to repeat)");
        final Random random = new Random(seed);
        final int count = 3000; // about 4 MB: wraps the 1 MiB ring and fills the socket buffer
        final byte[][] frames = new byte[count][];
        try (QemuStreamClient client = QemuStreamClient.connect(dir.resolve("vm1.sock"));
            Arena arena = Arena.ofConfined())
        {
            awaitConnected(port, true);
            final MemorySegment errno = Libc.newErrnoCapture(arena);
            final MemorySegment buffer = arena.allocate(70_000);
            // This thread plays datapath loop 1: the port hands its frames to the home loop (loop 0).
            int sent = 0;
            int received = 0;
            final long deadline = System.nanoTime() + 30_000_000_000L;
            while (received < count && System.nanoTime() < deadline)
            {
                if (sent < count)
                {
                    if (frames[sent] == null)
                    {
                        frames[sent] = Frames.ethernet(MAC_S, MAC_D, 0x0800, 46 + random.nextInt(1455));
                        frames[sent][14] = (byte)sent;
                        MemorySegment.copy(frames[sent], 0, buffer, ValueLayout.JAVA_BYTE, 0, frames[sent].length);
                    }
                    final long n = port.send(1, buffer.address(), frames[sent].length, errno);
                    if (n == frames[sent].length)
                    {
                        sent++;
                        continue;
                    }
                    assertThat(n).as("ring full is the only refusal").isZero();
                }
                final byte[] frame = client.receive(10);
                if (frame != null)
                {
                    assertThat(frame).as("frame %d", received).isEqualTo(frames[received]);
                    received++;
                }
            }
            assertThat(received).isEqualTo(count);
        }
    }

    @Test
    void shouldCountFramesForAnAbsentVmAsNotConnected() throws Exception
    {
        final Port absent = stream("vm1");
        dgram("vm2");
        try (QemuDgramClient d = new QemuDgramClient(dir.resolve("qemu-vm2.sock"), dir.resolve("vm2.sock")))
        {
            d.send(Frames.ethernet(Frames.BROADCAST, MAC_D, 0x0806, 46));
            final long deadline = System.nanoTime() + TIMEOUT_MS * 1_000_000L;
            while (absent.counters().drops(DropReason.NOT_CONNECTED) == 0 && System.nanoTime() < deadline)
            {
                Thread.sleep(5);
            }
            assertThat(absent.counters().drops(DropReason.NOT_CONNECTED)).isEqualTo(1);
        }
    }

    private static void awaitConnected(final UnixStreamPort port, final boolean connected) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TIMEOUT_MS * 1_000_000L;
        while (port.connected() != connected && System.nanoTime() < deadline)
        {
            Thread.sleep(2);
        }
        assertThat(port.connected()).isEqualTo(connected);
    }
}
