package io.l2mesh.switching.port;

import io.l2mesh.switching.stats.DropReason;
import io.l2mesh.switching.vlan.VlanRules;
import io.l2mesh.tuntap.Libc;
import io.l2mesh.tuntap.netlink.RtnlLink;

/**
 * The port contract on a raw ({@code AF_PACKET}) port on one end of a veth pair, with a packet socket on the
 * other end as the far end. Needs root.
 */
class RawPortConformanceIT extends PortConformanceTest
{
    private static final String RUN = Long.toString(ProcessHandle.current().pid() % 100_000);
    private static int count;

    @Override
    protected Fixture open(final int loopCount, final int burstSize) throws Exception
    {
        final String near = "l2cn" + RUN + "x" + ++count;
        final String far = "l2cf" + RUN + "x" + count;
        KernelFarEnd.run("ip", "link", "add", near, "type", "veth", "peer", "name", far);
        final RawPort port;
        final KernelFarEnd wire;
        try
        {
            for (final String end : new String[] {near, far})
            {
                KernelFarEnd.run("sysctl", "-q", "-w", "net.ipv6.conf." + end + ".disable_ipv6=1");
            }
            try (RtnlLink rtnl = new RtnlLink())
            {
                rtnl.setUp(far, true);
                port = RawPort.open(0, near, VlanRules.access(1), loopCount, burstSize, rtnl);
            }
            wire = new KernelFarEnd(far);
            awaitCarrying(port, wire, burstSize);
        }
        catch (final Exception | Error ex)
        {
            KernelFarEnd.run("ip", "link", "del", near);
            throw ex;
        }
        final int nearIndex = Libc.ifNameToIndex(near);
        return fixture(port, wire, near, nearIndex);
    }

    /**
     * A veth that was just set up drops what is sent on it until the kernel activates its queueing discipline
     * (link watch, up to a second later): probe until a frame arrives, so no test loses its first frames to that.
     */
    private static void awaitCarrying(final RawPort port, final KernelFarEnd wire, final int burstSize)
        throws InterruptedException
    {
        final byte[] probe = new byte[60];
        probe[0] = 0x02; // to a unicast MAC nobody has; from another
        probe[6] = 0x02;
        probe[11] = 0x7f;
        probe[12] = (byte)0x88;
        probe[13] = (byte)0xb5;
        try (io.l2mesh.switching.buffer.LoopMemory memory = new io.l2mesh.switching.buffer.LoopMemory(burstSize))
        {
            final io.l2mesh.switching.buffer.FrameBatch batch = new io.l2mesh.switching.buffer.FrameBatch(burstSize);
            final java.lang.foreign.MemorySegment errno = Libc.newErrnoCapture(java.lang.foreign.Arena.ofAuto());
            final long deadline = System.nanoTime() + 10_000_000_000L;
            while (System.nanoTime() < deadline)
            {
                wire.send(probe);
                Thread.sleep(20);
                batch.reset();
                if (port.receive(0, memory, batch, errno) > 0)
                {
                    break;
                }
            }
        }
        drain(port, burstSize); // the probes that were still on the way
    }

    private Fixture fixture(final RawPort port, final KernelFarEnd wire, final String near, final int nearIndex)
    {
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
                wire.send(frame);
            }

            @Override
            public byte[] nextSent(final long timeoutMs) throws Exception
            {
                return wire.receive(timeoutMs);
            }

            @Override
            public DropReason injectHostile()
            {
                wire.send(frame(14, 0)); // a header-only frame crosses the veth; FrameCheck judges it
                return null;
            }

            @Override
            public boolean released() throws Exception
            {
                return KernelFarEnd.packetSocketsOn(nearIndex) == 0;
            }

            @Override
            public void close() throws Exception
            {
                wire.close();
                KernelFarEnd.run("ip", "link", "del", near);
            }
        };
    }
}
