package io.l2mesh.switching.port;

import io.l2mesh.switching.stats.DropReason;
import io.l2mesh.switching.vlan.VlanRules;

import java.util.List;

/**
 * The port contract on {@link MemoryPort}, the port the forwarder's unit tests and {@code ctl trace} use.
 */
class MemoryPortConformanceTest extends PortConformanceTest
{
    @Override
    protected Fixture open(final int loopCount, final int burstSize)
    {
        final MemoryPort port = new MemoryPort(0, "mem0", VlanRules.access(1), 1500, false, loopCount, burstSize);
        return new Fixture()
        {
            private int taken;

            @Override
            public Port port()
            {
                return port;
            }

            @Override
            public void inject(final byte[] frame)
            {
                port.inject(frame);
            }

            @Override
            public byte[] nextSent(final long timeoutMs)
            {
                final List<byte[]> sent = port.sent();
                return taken < sent.size() ? sent.get(taken++) : null;
            }

            @Override
            public DropReason injectHostile()
            {
                port.inject(frame(14, 0)); // a header and nothing else: FrameCheck's to judge
                return null;
            }

            @Override
            public boolean released()
            {
                return port.closed();
            }

            @Override
            public void close()
            {
            }
        };
    }
}
