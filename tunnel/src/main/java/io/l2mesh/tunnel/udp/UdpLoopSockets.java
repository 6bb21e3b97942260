package io.l2mesh.tunnel.udp;

import io.l2mesh.switching.stats.DropReason;
import io.l2mesh.switching.stats.PortCounters;
import io.l2mesh.tuntap.UdpSocket;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;

/**
 * The UDP side of a tunnel-like port (encrypted tunnels and VXLAN): one socket per datapath loop in an
 * {@code SO_REUSEPORT} group on the same address, so each loop reads and sends through its own, and per loop a
 * UDP GSO batch for sending and, where the kernel takes {@code UDP_GRO} and bursts are big enough, a GRO
 * receiver. Loop {@code i} touches only index {@code i}.
 */
public final class UdpLoopSockets implements AutoCloseable
{
    /** SO_RCVBUF and SO_SNDBUF of each socket: room for bursts of super-frames. */
    public static final int SOCKET_BUFFER = 4 << 20;

    private final UdpSocket[] sockets;
    private final UdpGsoBatch[] gso;
    private final UdpGroReceive[] gro; // null where GRO is off
    private final Arena arena = Arena.ofShared();

    private UdpLoopSockets(final UdpSocket[] sockets, final int burstSize, final boolean useGro)
    {
        this.sockets = sockets;
        this.gso = new UdpGsoBatch[sockets.length];
        this.gro = new UdpGroReceive[sockets.length];
        for (int i = 0; i < sockets.length; i++)
        {
            gso[i] = new UdpGsoBatch(arena);
            if (useGro && burstSize >= UdpSocket.MAX_SEGMENTS && sockets[i].enableGro())
            {
                gro[i] = new UdpGroReceive(arena);
            }
        }
    }

    /**
     * Binds {@code loopCount} sockets to {@code local}.
     *
     * @param useGro ask the kernel for UDP GRO (received trains of one flow in one read).
     * @throws io.l2mesh.tuntap.NativeError EADDRINUSE when something else has the address.
     */
    public static UdpLoopSockets bind(final InetSocketAddress local, final int loopCount, final int burstSize,
        final boolean useGro)
    {
        final UdpSocket[] sockets = new UdpSocket[loopCount];
        try
        {
            for (int i = 0; i < loopCount; i++)
            {
                sockets[i] = UdpSocket.bind(local, true, SOCKET_BUFFER);
            }
            return new UdpLoopSockets(sockets, burstSize, useGro);
        }
        catch (final RuntimeException ex)
        {
            for (final UdpSocket socket : sockets)
            {
                if (socket != null)
                {
                    socket.close();
                }
            }
            throw ex;
        }
    }

    /**
     * Sets every socket's SO_RCVBUF (any thread).
     */
    public void receiveBuffer(final int bytes)
    {
        for (final UdpSocket socket : sockets)
        {
            socket.receiveBuffer(bytes);
        }
    }

    public UdpSocket socket(final int loopId)
    {
        return sockets[loopId];
    }

    public UdpGsoBatch gso(final int loopId)
    {
        return gso[loopId];
    }

    /**
     * @return the loop's GRO receiver, or null if it reads datagram by datagram.
     */
    public UdpGroReceive gro(final int loopId)
    {
        return gro[loopId];
    }

    /**
     * @return true if datagrams of the loop's last GRO read are still to be taken.
     */
    public boolean pending(final int loopId)
    {
        return gro[loopId] != null && gro[loopId].pending();
    }

    /**
     * Sends what the loop's GSO batch gathered. Batched datagrams were counted as sent when they were gathered:
     * those the kernel would not take are counted again as drops, so the loss is not silent.
     */
    public void flush(final int loopId, final long[] portSlots, final MemorySegment errno)
    {
        final int failed = gso[loopId].send(sockets[loopId], errno);
        if (failed > 0)
        {
            PortCounters.drop(portSlots, DropReason.TX_ERROR, failed);
        }
    }

    @Override
    public void close()
    {
        for (final UdpSocket socket : sockets)
        {
            socket.close();
        }
        arena.close();
    }
}
