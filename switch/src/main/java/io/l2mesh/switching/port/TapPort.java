package io.l2mesh.switching.port;

import io.l2mesh.switching.frame.MacAddresses;
import io.l2mesh.switching.vlan.VlanRules;
import io.l2mesh.tuntap.FrameChannel;
import io.l2mesh.tuntap.TapDevice;
import io.l2mesh.tuntap.TapOptions;
import io.l2mesh.tuntap.netlink.RtnlLink;

/**
 * A port on a TAP device: one queue of a multi-queue device per datapath loop ({@link FdPort}). With vnet_hdr
 * the kernel hands us GSO super-frames and partial checksums, and takes them back the same way.
 */
public final class TapPort extends FdPort
{
    private final TapDevice device;

    public TapPort(
        final int id, final TapDevice device, final VlanRules vlanRules, final int mtu, final int loopCount,
        final int burstSize)
    {
        super(id, device.name(), queues(device), device.vnetHdr(), vlanRules, mtu, loopCount, burstSize);
        this.device = device;
    }

    /**
     * Creates (or attaches to) the TAP device {@code spec} names with one queue per loop (at most), sets its MTU
     * and MAC if the spec gives them, and sets its link up.
     *
     * @throws io.l2mesh.tuntap.NativeError or {@link io.l2mesh.tuntap.netlink.NetlinkError} if the kernel refuses.
     */
    public static TapPort open(
        final int id, final TapPortSpec spec, final int loopCount, final int burstSize, final RtnlLink rtnl)
    {
        final int queues = spec.queues() == 0 ? loopCount : Math.min(spec.queues(), loopCount);
        final TapDevice device = TapDevice.open(
            new TapOptions(spec.name(), queues, queues > 1, spec.offloads(), spec.persistent()));
        try
        {
            if (spec.mtu() != 0)
            {
                rtnl.setMtu(device.name(), spec.mtu());
            }
            if (spec.mac() >= 0)
            {
                rtnl.setMac(device.name(), MacAddresses.toBytes(spec.mac()));
            }
            rtnl.setUp(device.name(), true);
            final int mtu = rtnl.get(device.name()).mtu();
            return new TapPort(id, device, spec.vlanRules(), mtu, loopCount, burstSize);
        }
        catch (final RuntimeException ex)
        {
            device.close();
            throw ex;
        }
    }

    private static FrameChannel[] queues(final TapDevice device)
    {
        final FrameChannel[] queues = new FrameChannel[device.queueCount()];
        for (int i = 0; i < queues.length; i++)
        {
            queues[i] = device.queue(i);
        }
        return queues;
    }

    @Override
    public String kind()
    {
        return "tap";
    }

    @Override
    public void close()
    {
        device.close();
    }
}
