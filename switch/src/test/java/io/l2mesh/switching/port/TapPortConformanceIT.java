package io.l2mesh.switching.port;

import io.l2mesh.switching.stats.DropReason;
import io.l2mesh.tuntap.Libc;
import io.l2mesh.tuntap.netlink.RtnlLink;

/**
 * The port contract on a TAP port (vnet_hdr, offloads), with the kernel's side of the TAP as the far end. Needs
 * root.
 */
class TapPortConformanceIT extends PortConformanceTest
{
    private static final String RUN = Long.toString(ProcessHandle.current().pid() % 100_000);
    private static int count;

    @Override
    protected Fixture open(final int loopCount, final int burstSize) throws Exception
    {
        final String name = "l2ct" + RUN + "x" + ++count;
        final RtnlLink rtnl = new RtnlLink();
        final TapPort port;
        try
        {
            port = TapPort.open(0, TapPortSpec.access(name, 1), loopCount, burstSize, rtnl);
        }
        finally
        {
            rtnl.close();
        }
        KernelFarEnd.run("sysctl", "-q", "-w", "net.ipv6.conf." + name + ".disable_ipv6=1");
        drain(port, burstSize); // what IPv6 sent while the TAP was up and it was not yet off
        final KernelFarEnd host = new KernelFarEnd(name);
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
                host.send(frame);
            }

            @Override
            public byte[] nextSent(final long timeoutMs) throws Exception
            {
                return host.receive(timeoutMs);
            }

            @Override
            public DropReason injectHostile()
            {
                host.send(frame(14, 0)); // the kernel lets a header-only frame through; FrameCheck judges it
                return null;
            }

            @Override
            public boolean released()
            {
                return Libc.ifNameToIndex(name) == 0; // the port made the TAP, so closing it removes the device
            }

            @Override
            public void close()
            {
                host.close();
            }
        };
    }
}
