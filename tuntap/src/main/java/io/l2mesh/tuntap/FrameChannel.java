package io.l2mesh.tuntap;

import java.lang.foreign.MemorySegment;

/**
 * A non-blocking fd that moves one Ethernet frame per call: a TAP queue or an AF_PACKET socket. Calls take raw
 * addresses and a caller-owned errno capture, so they allocate nothing; would-block is 0, errors are
 * {@code -errno}.
 */
public interface FrameChannel
{
    int fd();

    /**
     * @return bytes read, 0 when nothing is waiting, or {@code -errno}.
     */
    long read(MemorySegment errnoCapture, long address, long capacity);

    /**
     * @return bytes written, 0 if the kernel would block, or {@code -errno}.
     */
    long write(MemorySegment errnoCapture, long address, long length);

    /**
     * Writes one frame gathered from {@code iovCount} iovecs at {@code iovAddress}.
     */
    long writev(MemorySegment errnoCapture, long iovAddress, int iovCount);
}
