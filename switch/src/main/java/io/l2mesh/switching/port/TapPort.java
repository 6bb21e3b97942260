package io.l2mesh.switching.port;

import io.l2mesh.switching.vlan.VlanRules;
import io.l2mesh.tuntap.FrameChannel;
import io.l2mesh.tuntap.TapDevice;

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
