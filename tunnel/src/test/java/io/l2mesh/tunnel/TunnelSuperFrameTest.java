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
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

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
    void shouldCompletePartialChecksumsAndRefuseWhatItCannotParse() throws Exception
    {
        open(FecSpec.OFF, false);
        final byte[] small = Frames.tcp4(HOST, VM, 100, SEQ);
        final byte[] partial = Frames.withVnetHeader(
            Frames.vnetHeader(VirtioNetHeader.F_NEEDS_CSUM, VirtioNetHeader.GSO_NONE, 0, 0, 34, 16), small);
        assertThat(send(partial, false)).isEqualTo(small.length);
        final byte[] got = host.receive(5_000);
        assertThat(got).isNotNull().hasSize(small.length);
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
            assertThat(segment).as("segment %d of %d", k, expected).isNotNull();
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
        final KeyPair nearKey = KeyPair.generate();
        final KeyPair farKey = KeyPair.generate();
        final InetSocketAddress nearAddress = new InetSocketAddress("127.0.0.1", UdpPorts.free());
        final InetSocketAddress farAddress = new InetSocketAddress("127.0.0.1", UdpPorts.free());
        final Switch far = Switch.start(new SwitchContext().loops(1));
        closing.add(far);
        final TunnelPortSpec farSpec = rules(TunnelPortSpec.of("far", farAddress, farKey,
            List.of(new PeerSpec("near", nearKey.publicKey(), null, nearAddress)), 10).withFec(fec), trunk);
        farTunnel = far.addPort(id -> TunnelPort.open(id, farSpec, far.loopCount(), 64));
        final UnixPortSpec hostSpec = UnixPortSpec.access("host", dir.resolve("host.sock"),
            UnixPortSpec.Framing.STREAM, 10);
        final UnixStreamPort hostPort = far.addPort(id -> UnixStreamPort.open(id, hostSpec, far.loopCount(), 64));
        host = QemuStreamClient.connect(dir.resolve("host.sock"));
        closing.add(host);
        UnixPortWaits.awaitAttached(hostPort);
        port = TunnelPort.open(0, rules(TunnelPortSpec.of("near", nearAddress, nearKey,
            List.of(new PeerSpec("far", farKey.publicKey(), null, farAddress)), 10).withFec(fec), trunk), 1, 4);
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
            spec.rekeySeconds(), spec.fec(), spec.impairment());
    }
}
