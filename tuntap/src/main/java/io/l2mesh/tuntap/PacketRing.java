package io.l2mesh.tuntap;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * A {@code TPACKET_V3} receive ring on an {@code AF_PACKET} socket: the kernel fills blocks of a shared mapping
 * with frames and hands a block over when it is full or its retire timer fires; we copy frames out and give the
 * block back. No syscall per frame, but a frame waits in an open block until one of the two happens (see
 * docs/BENCHMARKS.md for what that costs in latency). Single reader.
 * <p>
 * Layouts (linux/if_packet.h, x86-64): {@code struct tpacket_block_desc} has {@code block_status} at 8,
 * {@code num_pkts} at 12, {@code offset_to_first_pkt} at 16; {@code struct tpacket3_hdr} has
 * {@code tp_next_offset} at 0, {@code tp_snaplen} at 12, {@code tp_mac} at 24. With {@code PACKET_VNET_HDR} the
 * 10-byte virtio-net header sits just before the MAC header.
 */
final class PacketRing
{
    static final int PACKET_RX_RING = 5;
    static final int PACKET_VERSION = 10;
    static final int TPACKET_V3 = 2;
    private static final int TP_STATUS_KERNEL = 0;
    private static final int TP_STATUS_USER = 1;
    private static final int PROT_READ_WRITE = 3;
    private static final int MAP_SHARED = 1;
    private static final int VNET_HDR_LENGTH = 10;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;

    private final MemorySegment ring;
    private final long address;
    private final int blockSize;
    private final int blockCount;
    private int block;
    private int packetsLeft;
    private long packet; // offset of the next packet in the ring

    private PacketRing(final long address, final int blockSize, final int blockCount)
    {
        this.address = address;
        this.ring = MemorySegment.ofAddress(address).reinterpret((long)blockSize * blockCount);
        this.blockSize = blockSize;
        this.blockCount = blockCount;
    }

    /**
     * Sets {@code TPACKET_V3} and maps a receive ring on {@code fd} (after {@code PACKET_VNET_HDR}, before bind
     * is fine too).
     *
     * @param retireMillis how long the kernel keeps a block open that has frames but is not full.
     */
    static PacketRing map(final int fd, final int blockSize, final int blockCount, final int retireMillis,
        final String interfaceName)
    {
        try (Arena local = Arena.ofConfined())
        {
            final MemorySegment capture = Libc.newErrnoCapture(local);
            int rc = Libc.setsockoptInt(capture, fd, RawSocket.SOL_PACKET, PACKET_VERSION, TPACKET_V3);
            if (rc < 0)
            {
                throw new NativeError("PACKET_VERSION TPACKET_V3", -rc, interfaceName);
            }
            final int frameSize = 2048; // nominal in V3 (frames are packed); only frame_nr must be consistent
            final MemorySegment request = local.allocate(28, 4); // struct tpacket_req3
            request.set(INT, 0, blockSize);
            request.set(INT, 4, blockCount);
            request.set(INT, 8, frameSize);
            request.set(INT, 12, blockSize / frameSize * blockCount);
            request.set(INT, 16, retireMillis);
            request.set(INT, 20, 0);
            request.set(INT, 24, 0);
            rc = Libc.setsockopt(capture, fd, RawSocket.SOL_PACKET, PACKET_RX_RING, request);
            if (rc < 0)
            {
                throw new NativeError("PACKET_RX_RING", -rc, interfaceName);
            }
            final long mapped = Libc.mmap(capture, (long)blockSize * blockCount, PROT_READ_WRITE, MAP_SHARED, fd, 0);
            if (mapped < 0)
            {
                throw new NativeError("mmap(PACKET_RX_RING)", (int)-mapped, interfaceName);
            }
            return new PacketRing(mapped, blockSize, blockCount);
        }
    }

    /**
     * Copies the next frame, virtio-net header first, to {@code destination}.
     *
     * @return bytes copied, 0 if the ring holds no frame, or -1 if the frame does not fit (it is skipped).
     */
    long next(final long destination, final long capacity)
    {
        if (packetsLeft == 0 && !openBlock())
        {
            return 0;
        }
        final int snaplen = ring.get(INT, packet + 12);
        final int mac = ring.get(ValueLayout.JAVA_SHORT, packet + 24) & 0xffff;
        final int next = ring.get(INT, packet);
        final long length = snaplen + VNET_HDR_LENGTH;
        final long copied;
        if (length <= capacity)
        {
            MemorySegment.copy(ring, packet + mac - VNET_HDR_LENGTH, NativeMemory.ALL, destination, length);
            copied = length;
        }
        else
        {
            copied = -1;
        }
        packet += next;
        if (--packetsLeft == 0)
        {
            releaseBlock();
        }
        return copied;
    }

    private boolean openBlock()
    {
        final long desc = (long)block * blockSize;
        if ((ring.get(INT, desc + 8) & TP_STATUS_USER) == 0)
        {
            return false;
        }
        VarHandle.acquireFence(); // the frames were written before the kernel published the status
        packetsLeft = ring.get(INT, desc + 12);
        packet = desc + ring.get(INT, desc + 16);
        if (packetsLeft == 0)
        {
            releaseBlock();
            return false;
        }
        return true;
    }

    private void releaseBlock()
    {
        VarHandle.releaseFence(); // finish reading the block before handing it back
        ring.set(INT, (long)block * blockSize + 8, TP_STATUS_KERNEL);
        block = (block + 1) % blockCount;
    }

    void unmap()
    {
        try (Arena local = Arena.ofConfined())
        {
            Libc.munmap(Libc.newErrnoCapture(local), address, (long)blockSize * blockCount);
        }
    }
}
