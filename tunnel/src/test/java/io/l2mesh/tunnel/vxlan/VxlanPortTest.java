package io.l2mesh.tunnel.vxlan;

import io.l2mesh.switching.Switch;
import io.l2mesh.switching.SwitchContext;
import io.l2mesh.switching.port.unix.UnixPortSpec;
import io.l2mesh.switching.port.unix.UnixPortWaits;
import io.l2mesh.switching.port.unix.UnixStreamPort;
import io.l2mesh.switching.stats.DropReason;
import io.l2mesh.testkit.QemuStreamClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A VXLAN port between a QEMU-framing client and two remote VTEPs played by plain UDP sockets on loopback
 * (127.0.0.2 and 127.0.0.3). Needs no root.
 */
class VxlanPortTest
{
    private static final int VNI = 0x12_3456;
    private static final long VM_MAC = 0x0200_0000_0001L;
    private static final long BEHIND_2 = 0x0200_0000_0002L;

    @TempDir
    Path dir;

    private final Switch sw = Switch.start(new SwitchContext().loops(2));
    private DatagramSocket vtep2;
    private DatagramSocket vtep3;
    private VxlanPort port;

    @AfterEach
    void close()
    {
        sw.close();
        vtep2.close();
        vtep3.close();
    }

    private QemuStreamClient start() throws Exception
    {
        vtep2 = new DatagramSocket(new InetSocketAddress("127.0.0.2", 0));
        vtep3 = new DatagramSocket(new InetSocketAddress("127.0.0.3", 0));
        vtep2.setSoTimeout(3_000);
        vtep3.setSoTimeout(3_000);
        final InetSocketAddress local = new InetSocketAddress("127.0.0.1", freeUdpPort());
        port = sw.addPort(id -> VxlanPort.open(id, VxlanPortSpec.access("vx0", local, VNI,
            List.of((InetSocketAddress)vtep2.getLocalSocketAddress(), (InetSocketAddress)vtep3.getLocalSocketAddress()),
            1), sw.loopCount(), 64));
        final UnixPortSpec vmSpec = UnixPortSpec.access("vm", dir.resolve("vm.sock"), UnixPortSpec.Framing.STREAM, 1);
        final UnixStreamPort vmPort = sw.addPort(id -> UnixStreamPort.open(id, vmSpec, sw.loopCount(), 64));
        final QemuStreamClient vm = QemuStreamClient.connect(dir.resolve("vm.sock"));
        UnixPortWaits.awaitAttached(vmPort); // the first frames go to the VM: it must be there
        return vm;
    }

    @Test
    void shouldFloodToEveryRemoteThenSendUnicastToTheLearnedOne() throws Exception
    {
        try (QemuStreamClient vm = start())
        {
            final byte[] broadcast = frame(0xffff_ffff_ffffL, VM_MAC, 60);
            vm.send(broadcast);
            for (final DatagramSocket vtep : List.of(vtep2, vtep3))
            {
                final byte[] packet = receive(vtep);
                assertThat(packet).as("a VXLAN packet to every remote").hasSize(8 + broadcast.length);
                assertThat(packet[0]).isEqualTo((byte)0x08);
                assertThat(ByteBuffer.wrap(packet).getInt(4) >>> 8).isEqualTo(VNI);
                assertThat(Arrays.copyOfRange(packet, 8, packet.length)).isEqualTo(broadcast);
            }

            final byte[] fromBehind2 = frame(VM_MAC, BEHIND_2, 100);
            send(vtep2, VNI, fromBehind2, port.spec().local());
            assertThat(vm.receive(3_000)).as("decapsulated").isEqualTo(fromBehind2);
            assertThat(port.learnedMacs()).isEqualTo(1);

            final byte[] unicast = frame(BEHIND_2, VM_MAC, 200);
            vm.send(unicast);
            assertThat(Arrays.copyOfRange(receive(vtep2), 8, 8 + unicast.length)).isEqualTo(unicast);
            vtep3.setSoTimeout(300);
            assertThat(tryReceive(vtep3)).as("nothing to the other remote").isNull();
        }
    }

    @Test
    void shouldDropAndCountWrongVniMalformedAndUnknownSenders() throws Exception
    {
        try (QemuStreamClient vm = start();
            DatagramSocket stranger = new DatagramSocket(new InetSocketAddress("127.0.0.9", 0)))
        {
            final InetSocketAddress local = port.spec().local();
            send(vtep2, VNI + 1, frame(VM_MAC, BEHIND_2, 60), local);
            send(stranger, VNI, frame(VM_MAC, BEHIND_2, 60), local);
            final byte[] noFlag = encapsulate(VNI, frame(VM_MAC, BEHIND_2, 60));
            noFlag[0] = 0;
            vtep2.send(new DatagramPacket(noFlag, noFlag.length, local));
            vtep2.send(new DatagramPacket(new byte[12], 12, local));
            final byte[] good = frame(VM_MAC, BEHIND_2, 64);
            send(vtep2, VNI, good, local);

            assertThat(vm.receive(3_000)).as("only the good packet gets through").isEqualTo(good);
            assertThat(port.counters().drops(DropReason.WRONG_VNI)).isEqualTo(1);
            assertThat(port.counters().drops(DropReason.UNKNOWN_PEER)).isEqualTo(1);
            assertThat(port.counters().drops(DropReason.MALFORMED)).isEqualTo(2);
            assertThat(vm.receive(200)).isNull();
        }
    }

    private static byte[] frame(final long dst, final long src, final int length)
    {
        final ByteBuffer b = ByteBuffer.allocate(length);
        b.putShort((short)(dst >>> 32)).putInt((int)dst).putShort((short)(src >>> 32)).putInt((int)src);
        b.putShort((short)0x88b5); // local experimental EtherType
        while (b.hasRemaining())
        {
            b.put((byte)b.position());
        }
        return b.array();
    }

    private static byte[] encapsulate(final int vni, final byte[] inner)
    {
        return ByteBuffer.allocate(8 + inner.length).putInt(0x0800_0000).putInt(vni << 8).put(inner).array();
    }

    private static void send(final DatagramSocket from, final int vni, final byte[] inner,
        final InetSocketAddress to) throws Exception
    {
        final byte[] packet = encapsulate(vni, inner);
        from.send(new DatagramPacket(packet, packet.length, to));
    }

    private static byte[] receive(final DatagramSocket socket) throws Exception
    {
        final byte[] packet = tryReceive(socket);
        assertThat(packet).as("a packet within the timeout").isNotNull();
        return packet;
    }

    private static byte[] tryReceive(final DatagramSocket socket) throws Exception
    {
        final DatagramPacket packet = new DatagramPacket(new byte[70_000], 70_000);
        try
        {
            socket.receive(packet);
        }
        catch (final SocketTimeoutException ex)
        {
            return null;
        }
        return Arrays.copyOf(packet.getData(), packet.getLength());
    }

    private static int freeUdpPort() throws Exception
    {
        try (DatagramSocket probe = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)))
        {
            return probe.getLocalPort();
        }
    }
}
