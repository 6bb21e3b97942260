package io.l2mesh.tuntap;

import io.l2mesh.tuntap.netlink.RtnlLink;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code AF_PACKET} sockets of one raw port on a veth pair, against the real kernel: they share one fanout group,
 * and none of them sees a frame leaving the interface (its own, another member's, or another socket's), only what
 * arrives from the other end. Needs root.
 */
@Timeout(30)
class RawSocketIT
{
    private static final String RUN = Long.toString(ProcessHandle.current().pid() % 100_000);
    private static final int VNET_HDR = 10;

    private final String near = "l2rn" + RUN;
    private final String far = "l2rf" + RUN;
    private final Arena arena = Arena.ofConfined();
    private final MemorySegment errno = Libc.newErrnoCapture(arena);
    private final MemorySegment buffer = arena.allocate(2048, 64);

    @BeforeEach
    void veth() throws Exception
    {
        ip("link", "add", near, "type", "veth", "peer", "name", far);
        try (RtnlLink rtnl = new RtnlLink())
        {
            rtnl.setUp(near, true);
            rtnl.setUp(far, true);
        }
    }

    @AfterEach
    void clean() throws Exception
    {
        ip("link", "del", near);
        arena.close();
    }

    private static void ip(final String... args) throws Exception
    {
        final String[] command = new String[args.length + 1];
        command[0] = "ip";
        System.arraycopy(args, 0, command, 1, args.length);
        final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        assertThat(process.waitFor(10, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void shouldShareOneFanoutGroupAndNeverSeeFramesLeavingTheInterface() throws Exception
    {
        try (RawSocket first = RawSocket.open(near, RawSocket.NEW_FANOUT_GROUP);
            RawSocket second = RawSocket.open(near, first.fanoutGroup());
            RawSocket host = RawSocket.open(near, RawSocket.NO_FANOUT);
            RawSocket wire = RawSocket.open(far, RawSocket.NO_FANOUT))
        {
            assertThat(second.fanoutGroup()).isEqualTo(first.fanoutGroup());

            send(first, 0x11);
            send(second, 0x12);
            send(host, 0x13); // another sender on the interface, like the host's own stack
            assertThat(drain(wire, 3)).as("all three left through the veth").isEqualTo(3);
            assertThat(drain(first, 1) + drain(second, 1)).as("nothing leaving is ingress").isZero();

            send(wire, 0x21);
            send(wire, 0x22);
            assertThat(drain(first, 2) + drain(second, 2)).as("arrivals reach the group once each").isEqualTo(2);
        }
    }

    private void send(final RawSocket socket, final int tag)
    {
        buffer.fill((byte)0);
        final long frame = buffer.address() + VNET_HDR;
        for (int i = 0; i < 6; i++)
        {
            buffer.set(ValueLayout.JAVA_BYTE, VNET_HDR + i, (byte)0xff);
        }
        buffer.set(ValueLayout.JAVA_BYTE, VNET_HDR + 6, (byte)0x02);
        buffer.set(ValueLayout.JAVA_BYTE, VNET_HDR + 11, (byte)tag);
        buffer.set(ValueLayout.JAVA_BYTE, VNET_HDR + 12, (byte)0x88); // local experimental EtherType 88b5
        buffer.set(ValueLayout.JAVA_BYTE, VNET_HDR + 13, (byte)0xb5);
        assertThat(socket.write(errno, frame - VNET_HDR, VNET_HDR + 60)).isEqualTo(VNET_HDR + 60);
    }

    /**
     * @return frames of our EtherType read within a short wait (up to {@code expected}, then 100 ms more).
     */
    private int drain(final RawSocket socket, final int expected) throws InterruptedException
    {
        int frames = 0;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        while (System.nanoTime() < deadline)
        {
            final long n = socket.read(errno, buffer.address(), buffer.byteSize());
            if (n > VNET_HDR + 13 && buffer.get(ValueLayout.JAVA_BYTE, VNET_HDR + 12) == (byte)0x88 &&
                buffer.get(ValueLayout.JAVA_BYTE, VNET_HDR + 13) == (byte)0xb5)
            {
                if (++frames == expected)
                {
                    deadline = Math.min(deadline, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100));
                }
                continue;
            }
            if (n == 0)
            {
                Thread.sleep(5);
            }
        }
        return frames;
    }
}
