package io.l2mesh.tunnel.vxlan;

import io.l2mesh.switching.port.Port;
import io.l2mesh.switching.port.PortConformanceTest;
import io.l2mesh.switching.stats.DropReason;
import io.l2mesh.testkit.UdpPorts;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;

/**
 * The port contract on a VXLAN port, with a plain UDP socket as its one remote VTEP.
 */
class VxlanPortConformanceTest extends PortConformanceTest
{
    private static final int VNI = 4711;

    @Override
    protected Fixture open(final int loopCount, final int burstSize) throws Exception
    {
        final DatagramSocket vtep = new DatagramSocket(new InetSocketAddress("127.0.0.2", 0));
        final InetSocketAddress local = new InetSocketAddress("127.0.0.1", UdpPorts.free());
        final VxlanPort port = VxlanPort.open(0, VxlanPortSpec.access("vx0", local, VNI,
            List.of((InetSocketAddress)vtep.getLocalSocketAddress()), 1), loopCount, burstSize);
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
                final byte[] packet = ByteBuffer.allocate(8 + frame.length).put((byte)0x08).position(4)
                    .putInt(VNI << 8).put(frame).array();
                vtep.send(new DatagramPacket(packet, packet.length, local));
            }

            @Override
            public byte[] nextSent(final long timeoutMs) throws Exception
            {
                vtep.setSoTimeout((int)Math.max(1, timeoutMs));
                final DatagramPacket packet = new DatagramPacket(new byte[70_000], 70_000);
                try
                {
                    vtep.receive(packet);
                }
                catch (final SocketTimeoutException none)
                {
                    return null;
                }
                return Arrays.copyOfRange(packet.getData(), 8, packet.getLength());
            }

            @Override
            public DropReason injectHostile() throws Exception
            {
                final byte[] noVniFlag = new byte[8 + 60];
                vtep.send(new DatagramPacket(noVniFlag, noVniFlag.length, local)); // the I flag is not set
                return DropReason.MALFORMED;
            }

            @Override
            public boolean released()
            {
                return UdpPorts.bindable(local);
            }

            @Override
            public void close()
            {
                vtep.close();
            }
        };
    }
}
