package io.l2mesh.tunnel;

import io.l2mesh.switching.Frames;
import io.l2mesh.switching.Switch;
import io.l2mesh.switching.SwitchContext;
import io.l2mesh.switching.buffer.LoopMemory;
import io.l2mesh.switching.offload.VirtioNetHeader;
import io.l2mesh.switching.port.unix.UnixPortSpec;
import io.l2mesh.switching.port.unix.UnixPortWaits;
import io.l2mesh.switching.port.unix.UnixStreamPort;
import io.l2mesh.switching.vlan.VlanRules;
import io.l2mesh.testkit.QemuStreamClient;
import io.l2mesh.testkit.UdpPorts;
import io.l2mesh.tunnel.noise.KeyPair;
import io.l2mesh.tuntap.Errno;
import io.l2mesh.tuntap.Libc;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A tunnel port takes TCP super-frames whole and cuts them itself, to its MTU: with OpenSSL's AEAD each segment
 * is cut straight into the UDP GSO batch and sealed there; with FEC, a flood or the JDK's AEAD it is cut into the
 * work buffer. Either way the far node's host (no offloads, so nothing merges them again) gets complete TCP
 * segments with valid checksums that carry the super-frame's byte stream, PSH and FIN on the last only. The port
 * under test is driven as a loop drives it; the far end is a switch with a tunnel port and a unix port.
 */
@Timeout(60)
class TunnelSuperFrameTest
{
    private static final int LOOP = 0;
    private static final long HOST = 0x0200_0000_00b1L;
    private static final long VM = 0x0200_0000_00a1L;
    private static final int SEQ = 0x1000_0000;

    @TempDir
    Path dir;

    private final List<AutoCloseable> closing = new ArrayList<>();
    private final Arena arena = Arena.ofShared();
    private final MemorySegment errno = Libc.newErrnoCapture(arena);
    private final LoopMemory memory = new LoopMemory(4);
    private TunnelPort port;
    private TunnelPort farTunnel;
    private QemuStreamClient host;

    @AfterEach
    void close() throws Exception
    {
        for (int i = closing.size() - 1; i >= 0; i--)
        {
            closing.get(i).close();
        }
        memory.close();
        arena.close();
    }

    @Test
    void shouldCutIpv4SuperFramesIntoSegmentsSealedInPlace() throws Exception
    {
        open(FecSpec.OFF, false);
        final byte[] frame = Frames.tcp4(HOST, VM, 20_000, SEQ);
        assertThat(send(superFrame(frame, VirtioNetHeader.GSO_TCPV4, 34, 1448), false)).isEqualTo(frame.length);
        assertSegments(frame, 34, true, 1380 - 40);
    }

    @Test
    void shouldCutIpv6SuperFramesAndTaggedOnesGatheredFromIovecs() throws Exception
    {
        open(FecSpec.OFF, true);
        final byte[] frame = tag(Frames.tcp6(HOST, VM, 9_000, SEQ), 10);
        assertThat(send(superFrame(frame, VirtioNetHeader.GSO_TCPV6, 58, 1000), true)).isEqualTo(frame.length);
        assertSegments(Frames.tcp6(HOST, VM, 9_000, SEQ), 54, false, 1000);
    }

    @Test
    void shouldCutSuperFramesIntoFecShardsToo() throws Exception
    {
        open(new FecSpec(4, 2), false);
        final byte[] frame = Frames.tcp4(HOST, VM, 12_000, SEQ);
        assertThat(send(superFrame(frame, VirtioNetHeader.GSO_TCPV4, 34, 1200), false)).isEqualTo(frame.length);
        assertSegments(frame, 34, true, 1200);
    }

    @Test
    void shouldSealParityInPlaceSoThatTheFarEndRebuildsLostSegments() throws Exception
    {
        final LossyRelay relay = new LossyRelay(5);
        closing.add(relay);
        open(new FecSpec(4, 2), false, relay);
        relay.start();
        final byte[] frame = Frames.tcp4(HOST, VM, 12_000, SEQ);
        relay.dropping = true;
        assertThat(send(superFrame(frame, VirtioNetHeader.GSO_TCPV4, 34, 1200), false)).isEqualTo(frame.length);
        Thread.sleep(5);
        port.pollTimers(LOOP, System.nanoTime(), errno); // the last, partial block's parity
        final List<byte[]> segments = new ArrayList<>();
        for (int k = 0; k < 10; k++)
        {
            final byte[] segment = host.receive(5_000);
            assertThat(segment).as("segment %d of 10 (dropped %d datagrams) %s", k, relay.dropped.get(), diagnosis())
                .isNotNull();
            assertThat(Frames.ipv4TcpChecksumsValid(segment, 14)).isTrue();
            segments.add(segment);
        }
        segments.sort((x, y) -> Integer.compareUnsigned(Frames.u32(x, 38), Frames.u32(y, 38)));
        final ByteArrayOutputStream stream = new ByteArrayOutputStream();
        for (final byte[] segment : segments)
        {
            stream.write(segment, 54, segment.length - 54);
        }
        assertThat(stream.toByteArray()).isEqualTo(Arrays.copyOfRange(frame, 54, frame.length));
        assertThat(relay.dropped.get()).as("the relay lost some").isGreaterThan(0);
        // 16 datagrams (10 data shards, 3 blocks' parity) lose 3: #5 and #15 are parity, #10 is data, which
        // came back only because the parity sealed in the batch opened and decoded.
        assertThat(farTunnel.fecDecoded("near")[1]).as("frames the far end rebuilt from parity sealed in place")
            .isGreaterThanOrEqualTo(1).isLessThanOrEqualTo(relay.dropped.get());
    }

    @Test
    void shouldCompletePartialChecksumsAndRefuseWhatItCannotParse() throws Exception
    {
        open(FecSpec.OFF, false);
        final byte[] small = Frames.tcp4(HOST, VM, 100, SEQ);
        final byte[] partial = Frames.withVnetHeader(
            Frames.vnetHeader(VirtioNetHeader.F_NEEDS_CSUM, VirtioNetHeader.GSO_NONE, 0, 0, 34, 16), small);
        assertThat(send(partial, false)).isEqualTo(small.length);
        final byte[] got = host.receive(5_000);
        assertThat(got).as("%s", diagnosis()).isNotNull().hasSize(small.length);
        assertThat(Frames.ipv4TcpChecksumsValid(got, 14)).as("checksum completed before sealing").isTrue();

        final byte[] frame = Frames.tcp4(HOST, VM, 5_000, SEQ);
        assertThat(send(superFrame(frame, VirtioNetHeader.GSO_TCPV4, 5, 1448), false)).as("csum_start in the MACs")
            .isEqualTo(-Errno.EBADMSG);
        assertThat(send(superFrame(frame, VirtioNetHeader.GSO_TCPV6, 34, 1448), false)).as("IPv4 said to be IPv6")
            .isEqualTo(-Errno.EBADMSG);
        assertThat(send(superFrame(frame, VirtioNetHeader.GSO_TCPV4, 34, 0), false)).as("gso_size 0")
            .isEqualTo(-Errno.EBADMSG);
        final byte[] arp = Frames.ethernet(HOST, VM, 0x0806, 28);
        assertThat(send(superFrame(arp, VirtioNetHeader.GSO_TCPV4, 34, 1448), false)).as("not TCP at all")
            .isEqualTo(-Errno.EBADMSG);
        assertThat(send(new byte[VirtioNetHeader.LENGTH + 6], false)).as("shorter than an Ethernet header")
            .isEqualTo(-Errno.EBADMSG);
        assertThat(host.receive(300)).as("nothing of them crossed").isNull();
    }

    /**
     * Checks what the far host got: segments of at most {@code mss} payload bytes, each a valid TCP segment,
     * whose payloads in order are the original's.
     */
    private void assertSegments(final byte[] original, final int l4, final boolean v4, final int mss)
        throws Exception
    {
        final int headers = l4 + 20;
        final int payload = original.length - headers;
        final int expected = (payload + mss - 1) / mss;
        final ByteArrayOutputStream stream = new ByteArrayOutputStream();
        for (int k = 0; k < expected; k++)
        {
            final byte[] segment = host.receive(5_000);
            assertThat(segment).as("segment %d of %d %s", k, expected, diagnosis()).isNotNull();
            assertThat(v4 ? Frames.ipv4TcpChecksumsValid(segment, 14) : Frames.ipv6TcpChecksumValid(segment, 14))
                .as("checksums of segment %d", k).isTrue();
            assertThat(Frames.u32(segment, l4 + 4)).as("sequence of segment %d", k).isEqualTo(SEQ + k * mss);
            final int flags = segment[l4 + 13] & 0xff;
            assertThat(flags & 0x09).as("PSH|FIN of segment %d", k).isEqualTo(k == expected - 1 ?
                original[l4 + 13] & 0x09 : 0);
            assertThat(segment.length - headers).isLessThanOrEqualTo(mss);
            assertThat(Arrays.copyOfRange(segment, 0, 12)).isEqualTo(Arrays.copyOfRange(original, 0, 12));
            stream.write(segment, headers, segment.length - headers);
        }
        assertThat(stream.toByteArray()).as("the byte stream").isEqualTo(
            Arrays.copyOfRange(original, headers, original.length));
        assertThat(host.receive(200)).as("no more than that").isNull();
        assertThat(port.counters().snapshot().txSoftwareSegments()).isEqualTo(expected);
        assertThat(port.peerStatus().get(0).stats().txPackets()).isEqualTo(expected);
    }

    private String diagnosis()
    {
        return "near " + port.counters().snapshot() + " " + port.peerStatus() + " / far " +
            farTunnel.counters().snapshot() + " " + farTunnel.peerStatus();
    }

    private static byte[] superFrame(final byte[] frame, final int gsoType, final int csumStart, final int gsoSize)
    {
        return Frames.withVnetHeader(Frames.vnetHeader(VirtioNetHeader.F_NEEDS_CSUM, gsoType, csumStart + 20,
            gsoSize, csumStart, 16), frame);
    }

    private static byte[] tag(final byte[] frame, final int vlan)
    {
        final byte[] tagged = new byte[frame.length + 4];
        System.arraycopy(frame, 0, tagged, 0, 12);
        tagged[12] = (byte)0x81;
        tagged[14] = (byte)(vlan >> 8);
        tagged[15] = (byte)vlan;
        System.arraycopy(frame, 12, tagged, 16, frame.length - 12);
        return tagged;
    }

    /**
     * Sends {@code bytes} (virtio-net header and frame) from loop memory as one frame, or as two iovecs, and
     * flushes the burst.
     */
    private long send(final byte[] bytes, final boolean asIovecs)
    {
        final long header = memory.headerOffset(0);
        MemorySegment.copy(bytes, 0, memory.segment(), ValueLayout.JAVA_BYTE, header, bytes.length);
        final long sent;
        if (asIovecs)
        {
            final MemorySegment iov = arena.allocate(32, 8);
            iov.set(ValueLayout.JAVA_LONG, 0, memory.address() + header);
            iov.set(ValueLayout.JAVA_LONG, 8, 30);
            iov.set(ValueLayout.JAVA_LONG, 16, memory.address() + header + 30);
            iov.set(ValueLayout.JAVA_LONG, 24, bytes.length - 30);
            sent = port.sendv(LOOP, iov.address(), 2, errno);
        }
        else
        {
            sent = port.send(LOOP, memory.address() + header, bytes.length, errno);
        }
        port.flush(LOOP, errno);
        return sent;
    }

    private void open(final FecSpec fec, final boolean trunk) throws Exception
    {
        open(fec, trunk, null);
    }

    private void open(final FecSpec fec, final boolean trunk, final LossyRelay relay) throws Exception
    {
        final KeyPair nearKey = KeyPair.generate();
        final KeyPair farKey = KeyPair.generate();
        final InetSocketAddress nearAddress = new InetSocketAddress("127.0.0.1", UdpPorts.free());
        final InetSocketAddress farAddress = new InetSocketAddress("127.0.0.1", UdpPorts.free());
        // With a relay, both send through it (each sees the other at the relay's address, so none roams past it).
        final InetSocketAddress via = relay == null ? null : relay.between(nearAddress, farAddress);
        final Switch far = Switch.start(new SwitchContext().loops(1));
        closing.add(far);
        final TunnelPortSpec farSpec = rules(TunnelPortSpec.of("far", farAddress, farKey,
            List.of(new PeerSpec("near", nearKey.publicKey(), null, via == null ? nearAddress : via)), 10)
            .withFec(fec), trunk);
        farTunnel = far.addPort(id -> TunnelPort.open(id, farSpec, far.loopCount(), 64));
        final UnixPortSpec hostSpec = UnixPortSpec.access("host", dir.resolve("host.sock"),
            UnixPortSpec.Framing.STREAM, 10);
        final UnixStreamPort hostPort = far.addPort(id -> UnixStreamPort.open(id, hostSpec, far.loopCount(), 64));
        host = QemuStreamClient.connect(dir.resolve("host.sock"));
        closing.add(host);
        UnixPortWaits.awaitAttached(hostPort);
        port = TunnelPort.open(0, rules(TunnelPortSpec.of("near", nearAddress, nearKey,
            List.of(new PeerSpec("far", farKey.publicKey(), null, via == null ? farAddress : via)), 10).withFec(fec),
            trunk), 1, 4);
        if (relay != null)
        {
            relay.start();
        }
        closing.add(port::close);
        TunnelPortConformanceTest.handshake(port, farTunnel, errno);
        assertThat(port.acceptsOffloads() && port.cutsSuperFrames()).isTrue();
    }

    private static TunnelPortSpec rules(final TunnelPortSpec spec, final boolean trunk)
    {
        if (!trunk)
        {
            return spec;
        }
        return new TunnelPortSpec(spec.name(), spec.local(), spec.identity(), spec.suite(), spec.peers(),
            VlanRules.trunk(new int[] {10}, VlanRules.NONE), spec.mtu(), spec.macLimit(), spec.keepaliveSeconds(),
            spec.rekeySeconds(), spec.fec(), spec.impairment(), spec.relay());
    }

    /**
     * A UDP relay between the two nodes that loses every {@code n}th transport message of more than 200 bytes
     * from the near node to the far one while {@link #dropping} (keepalives and handshakes always pass).
     */
    private static final class LossyRelay implements AutoCloseable
    {
        final AtomicInteger dropped = new AtomicInteger();
        volatile boolean dropping;
        private final int n;
        private final DatagramSocket socket;
        private InetSocketAddress near;
        private InetSocketAddress far;
        private Thread thread;

        LossyRelay(final int n) throws Exception
        {
            this.n = n;
            this.socket = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
            socket.setSoTimeout(100);
        }

        InetSocketAddress between(final InetSocketAddress nearAddress, final InetSocketAddress farAddress)
        {
            near = nearAddress;
            far = farAddress;
            return (InetSocketAddress)socket.getLocalSocketAddress();
        }

        void start()
        {
            if (thread != null)
            {
                return;
            }
            thread = new Thread(this::run, "lossy-relay");
            thread.setDaemon(true);
            thread.start();
        }

        private void run()
        {
            final byte[] buffer = new byte[65_536];
            int counted = 0;
            while (!socket.isClosed())
            {
                try
                {
                    final DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
                    socket.receive(packet);
                    final boolean fromNear = packet.getSocketAddress().equals(near);
                    if (fromNear && dropping && buffer[0] == 4 && packet.getLength() > 200 && ++counted % n == 0)
                    {
                        dropped.incrementAndGet();
                        continue;
                    }
                    packet.setSocketAddress(fromNear ? far : near);
                    socket.send(packet);
                }
                catch (final java.net.SocketTimeoutException timeout)
                {
                    // look at isClosed again
                }
                catch (final java.io.IOException closed)
                {
                    return;
                }
            }
        }

        @Override
        public void close() throws Exception
        {
            socket.close();
            if (thread != null)
            {
                thread.join(2_000);
            }
        }
    }
}
