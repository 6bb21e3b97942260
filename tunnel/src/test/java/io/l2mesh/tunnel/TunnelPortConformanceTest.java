package io.l2mesh.tunnel;

import io.l2mesh.switching.Switch;
import io.l2mesh.switching.SwitchContext;
import io.l2mesh.switching.buffer.FrameBatch;
import io.l2mesh.switching.buffer.LoopMemory;
import io.l2mesh.switching.port.Port;
import io.l2mesh.switching.port.PortConformanceTest;
import io.l2mesh.switching.port.unix.UnixPortSpec;
import io.l2mesh.switching.port.unix.UnixPortWaits;
import io.l2mesh.switching.port.unix.UnixStreamPort;
import io.l2mesh.switching.stats.DropReason;
import io.l2mesh.testkit.QemuStreamClient;
import io.l2mesh.testkit.UdpPorts;
import io.l2mesh.tunnel.noise.KeyPair;
import io.l2mesh.tuntap.Libc;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The port contract on an encrypted tunnel port. The far end is another node, run as l2mesh runs (a switch with
 * a tunnel port to ours and a unix port whose client is its host): what that host sends crosses the tunnel to the
 * port under test, and what the port sends comes out at that host. The session is set up before each test.
 */
class TunnelPortConformanceTest extends PortConformanceTest
{
    @TempDir
    Path dir;

    @Override
    protected Fixture open(final int loopCount, final int burstSize) throws Exception
    {
        final KeyPair nearKey = KeyPair.generate();
        final KeyPair farKey = KeyPair.generate();
        final InetSocketAddress nearAddress = new InetSocketAddress("127.0.0.1", UdpPorts.free());
        final InetSocketAddress farAddress = new InetSocketAddress("127.0.0.1", UdpPorts.free());
        final Switch far = Switch.start(new SwitchContext().loops(1));
        final TunnelPort farTunnel;
        final QemuStreamClient host;
        final TunnelPort port;
        try
        {
            final TunnelPortSpec farSpec = TunnelPortSpec.of("far", farAddress, farKey,
                List.of(new PeerSpec("near", nearKey.publicKey(), null, nearAddress)), 1);
            farTunnel = far.addPort(id -> TunnelPort.open(id, farSpec, far.loopCount(), 64));
            final UnixPortSpec hostSpec = UnixPortSpec.access("host", dir.resolve("host.sock"),
                UnixPortSpec.Framing.STREAM, 1);
            final UnixStreamPort hostPort = far.addPort(id -> UnixStreamPort.open(id, hostSpec, far.loopCount(), 64));
            host = QemuStreamClient.connect(dir.resolve("host.sock"));
            UnixPortWaits.awaitAttached(hostPort);
            port = TunnelPort.open(0, TunnelPortSpec.of("near", nearAddress, nearKey,
                List.of(new PeerSpec("far", farKey.publicKey(), null, farAddress)), 1), loopCount, burstSize);
        }
        catch (final Exception | Error ex)
        {
            far.close();
            throw ex;
        }
        final Arena arena = Arena.ofShared();
        final MemorySegment errno = Libc.newErrnoCapture(arena);
        handshake(port, farTunnel, errno);
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
                host.send(frame);
            }

            @Override
            public byte[] nextSent(final long timeoutMs) throws Exception
            {
                return host.receive(timeoutMs);
            }

            @Override
            public DropReason injectHostile() throws Exception
            {
                // A forged transport packet: the right type and length, a receiver index no session has.
                final byte[] forged = new byte[80];
                ThreadLocalRandom.current().nextBytes(forged);
                ByteBuffer.wrap(forged).putInt(0, 0x04_00_00_00);
                try (DatagramSocket attacker = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0)))
                {
                    attacker.send(new DatagramPacket(forged, forged.length, nearAddress));
                }
                return DropReason.UNKNOWN_PEER;
            }

            @Override
            public void poll(final MemorySegment errno)
            {
                port.pollTimers(LOOP, System.nanoTime(), errno);
            }

            @Override
            public boolean released()
            {
                return UdpPorts.bindable(nearAddress);
            }

            @Override
            public void close() throws Exception
            {
                try
                {
                    host.close();
                }
                finally
                {
                    far.close();
                    arena.close();
                }
            }
        };
    }

    /**
     * Drives the port under test as a loop would (receive, timers) until both ends have a session.
     */
    static void handshake(final TunnelPort port, final TunnelPort far, final MemorySegment errno)
        throws InterruptedException
    {
        try (LoopMemory memory = new LoopMemory(4))
        {
            final FrameBatch batch = new FrameBatch(4);
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!(port.peerStatus().get(0).up() && far.peerStatus().get(0).up()) && System.nanoTime() < deadline)
            {
                batch.reset();
                port.receive(LOOP, memory, batch, errno);
                port.pollTimers(LOOP, System.nanoTime(), errno);
                Thread.sleep(1);
            }
        }
        if (!port.peerStatus().get(0).up() || !far.peerStatus().get(0).up())
        {
            throw new AssertionError("no session within 10 s: " + port.peerStatus() + " / " + far.peerStatus());
        }
    }
}
