package io.l2mesh.tuntap;

import io.l2mesh.tuntap.netlink.LinkInfo;
import io.l2mesh.tuntap.netlink.NetlinkError;
import io.l2mesh.tuntap.netlink.RtnlLink;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * TAP devices and rtnetlink against the real kernel. Needs root.
 */
class TapDeviceIT
{
    private static final String RUN = Long.toString(ProcessHandle.current().pid() % 100_000);

    @Test
    void shouldCreateMultiQueueDeviceAndRemoveItOnClose()
    {
        final String name = "l2q" + RUN;
        try (TapDevice tap = TapDevice.open(new TapOptions(name, 4, true, true, false)))
        {
            assertThat(tap.created()).isTrue();
            assertThat(tap.queueCount()).isEqualTo(4);
            assertThat(Libc.ifNameToIndex(name)).isPositive();
        }
        assertThat(Libc.ifNameToIndex(name)).isZero();
    }

    @Test
    void shouldKeepPersistentDeviceAndAttachToItAgain()
    {
        final String name = "l2p" + RUN;
        try
        {
            try (TapDevice tap = TapDevice.open(new TapOptions(name, 1, false, false, true)))
            {
                assertThat(tap.created()).isTrue();
            }
            assertThat(Libc.ifNameToIndex(name)).as("persistent device outlives us").isPositive();
            try (TapDevice again = TapDevice.open(new TapOptions(name, 1, false, false, true)))
            {
                assertThat(again.created()).isFalse();
            }
            assertThatThrownBy(() -> TapDevice.open(new TapOptions(name, 2, true, true, false)))
                .isInstanceOf(NativeError.class)
                .hasMessageContaining("TUNSETIFF attaching to existing tap '" + name + "'")
                .hasMessageContaining("EINVAL");
        }
        finally
        {
            try (Arena arena = Arena.ofConfined())
            {
                // Clear the persist flag so the device goes with our last fd.
                final MemorySegment capture = Libc.newErrnoCapture(arena);
                try (TapDevice tap = TapDevice.open(new TapOptions(name, 1, false, false, true)))
                {
                    Libc.ioctl(capture, tap.queue(0).fd(), Tun.TUNSETPERSIST, 0L);
                }
            }
        }
        assertThat(Libc.ifNameToIndex(name)).isZero();
    }

    @Test
    void shouldSetLinkStateMtuAndMacThroughRtnetlink()
    {
        final String name = "l2n" + RUN;
        try (TapDevice tap = TapDevice.open(new TapOptions(name, 1, false, true, false));
             RtnlLink link = new RtnlLink())
        {
            assertThat(tap.vnetHdr()).isTrue();
            link.setMtu(name, 9000);
            link.setMac(name, new byte[] {2, 0, 0, 0, 0x12, 0x34});
            link.setUp(name, true);
            LinkInfo info = link.get(name);
            assertThat(info.mtu()).isEqualTo(9000);
            assertThat(info.mac()).containsExactly(2, 0, 0, 0, 0x12, 0x34);
            assertThat(info.up()).isTrue();
            link.setUp(name, false);
            info = link.get(name);
            assertThat(info.up()).isFalse();

            assertThatThrownBy(() -> link.setMtu(name, 70_000))
                .isInstanceOf(NetlinkError.class)
                .hasMessageContaining("RTM_SETLINK mtu=70000 on " + name + ": EINVAL");
            assertThatThrownBy(() -> link.setUp("l2nosuchdev", true))
                .isInstanceOf(NetlinkError.class)
                .hasMessageContaining("ENODEV");
        }
    }

    @Test
    void shouldPassFramesBothWaysThroughQueue()
    {
        final String name = "l2f" + RUN;
        try (TapDevice tap = TapDevice.open(new TapOptions(name, 1, false, false, false));
             RtnlLink link = new RtnlLink();
             Arena arena = Arena.ofConfined())
        {
            link.setUp(name, true);
            final MemorySegment capture = Libc.newErrnoCapture(arena);
            final MemorySegment buffer = arena.allocate(2048);
            // The kernel sends IPv6 router solicitations or nothing at all; either way a read never blocks.
            final long read = tap.queue(0).read(capture, buffer.address(), buffer.byteSize());
            assertThat(read).isGreaterThanOrEqualTo(0);
            // A broadcast frame written into the device is taken by the kernel.
            for (int i = 0; i < 6; i++)
            {
                buffer.set(ValueLayout.JAVA_BYTE, i, (byte)0xff);
            }
            buffer.set(ValueLayout.JAVA_BYTE, 6, (byte)2);
            buffer.set(ValueLayout.JAVA_BYTE, 12, (byte)0x88);
            buffer.set(ValueLayout.JAVA_BYTE, 13, (byte)0xb5);
            assertThat(tap.queue(0).write(capture, buffer.address(), 60)).isEqualTo(60);
        }
    }

    @Test
    void shouldRecreateMissingTunNodeAsCharDevice10And200(
        @org.junit.jupiter.api.io.TempDir final java.nio.file.Path dir)
        throws Exception
    {
        final java.nio.file.Path node = dir.resolve("net").resolve("tun");
        TapDevice.ensureTunNode(node);
        final String stat = new String(new ProcessBuilder("stat", "-c", "%F %t,%T %a", node.toString()).start()
            .getInputStream().readAllBytes()).strip();
        assertThat(stat).isEqualTo("character special file a,c8 666");
        TapDevice.ensureTunNode(node); // idempotent
    }

    @Test
    void shouldExplainMissingPrivilegeAndBadNames()
    {
        assertThat(new NativeError("TUNSETIFF", Errno.EPERM).getMessage())
            .isEqualTo("TUNSETIFF: EPERM: needs CAP_NET_ADMIN (run as root or grant the capability)");
        assertThatThrownBy(() -> TapOptions.single("way-too-long-name0"))
            .hasMessage("interface name 'way-too-long-name0' is 18 characters, limit=15");
        assertThatThrownBy(() -> new TapOptions("ok", 2, false, false, false))
            .hasMessage("queueCount=2 needs multiQueue");
    }
}
