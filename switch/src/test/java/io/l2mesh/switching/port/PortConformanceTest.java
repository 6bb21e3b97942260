package io.l2mesh.switching.port;

import io.l2mesh.switching.buffer.FrameBatch;
import io.l2mesh.switching.buffer.LoopMemory;
import io.l2mesh.switching.offload.VirtioNetHeader;
import io.l2mesh.switching.stats.DropReason;
import io.l2mesh.tuntap.Libc;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The {@link Port} contract, run against every port kind (Netty's testsuite, JCTools' {@code QueueSanityTest}):
 * a subclass opens one port of its kind and the far end it talks to (a QEMU client for a unix port, a VTEP for
 * VXLAN, another node for a tunnel, the kernel for TAP and raw ports), and this class drives the port through its
 * SPI exactly as a datapath loop does: {@code receive} into loop memory, {@code send} and {@code sendv} from it,
 * {@code flush} after a burst, {@code close} at the end. Frames cross the far end without a virtio-net header;
 * the suite adds and checks the header where the port {@link Port#acceptsOffloads takes one}.
 * <p>
 * Every wait is bounded; each test gets a fresh port and far end.
 */
@Timeout(60)
public abstract class PortConformanceTest
{
    /** Loop 0 of one: the loop that reads the port. */
    protected static final int LOOP = 0;
    private static final int BURST = 4;
    private static final long WAIT_MS = 5_000;
    private static final long SRC = 0x0200_00c0_0001L;
    private static final long DST = 0x0200_00c0_0002L;

    /**
     * One port under test and the far end it talks to.
     */
    protected interface Fixture extends AutoCloseable
    {
        Port port();

        /**
         * The far end sends {@code frame} (an Ethernet frame, no virtio-net header) towards the port.
         */
        void inject(byte[] frame) throws Exception;

        /**
         * @return the next frame the far end got from the port (no virtio-net header), or null after
         * {@code timeoutMs}.
         */
        byte[] nextSent(long timeoutMs) throws Exception;

        /**
         * The far end sends something no well-behaved peer sends (a broken length prefix, a datagram that is no
         * VXLAN, a forged tunnel packet, a header-only frame).
         *
         * @return the drop reason the port counts for it on receive, or null when the port hands it on as a frame
         * (the kernel checked it already; {@code FrameCheck} judges what is left).
         */
        DropReason injectHostile() throws Exception;

        /**
         * Called between receive attempts: gives a port with work of its own (handshakes, timers) its turn.
         */
        default void poll(final MemorySegment errno)
        {
        }

        /**
         * @return true once nothing the port opened is left (its socket, fd or device).
         */
        boolean released() throws Exception;

        /**
         * Closes the far end only: the suite closes the port.
         */
        @Override
        void close() throws Exception;
    }

    /**
     * @param loopCount datapath loops the port is built for ({@link #LOOP} is the one driven here).
     */
    protected abstract Fixture open(int loopCount, int burstSize) throws Exception;

    /**
     * Reads and discards what the kernel put on a port that just came up (IPv6 multicast reports, probes), until
     * 100 ms pass with nothing: a fixture's set-up calls it, so no test sees frames it did not send.
     */
    protected static void drain(final Port port, final int burstSize) throws InterruptedException
    {
        try (LoopMemory scratch = new LoopMemory(burstSize))
        {
            final FrameBatch frames = new FrameBatch(burstSize);
            final MemorySegment errnoScratch = Libc.newErrnoCapture(Arena.ofAuto());
            final long deadline = System.nanoTime() + 5_000_000_000L;
            int quiet = 0;
            while (quiet < 5 && System.nanoTime() < deadline)
            {
                Thread.sleep(20);
                frames.reset();
                quiet = port.receive(LOOP, scratch, frames, errnoScratch) > 0 ? 0 : quiet + 1;
            }
        }
    }

    private Fixture fixture;
    private Port port;
    private boolean portClosed;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment errno = Libc.newErrnoCapture(arena);
    private final LoopMemory memory = new LoopMemory(BURST);
    private final FrameBatch batch = new FrameBatch(BURST);

    @BeforeEach
    void openPort() throws Exception
    {
        fixture = open(1, BURST);
        port = fixture.port();
    }

    @AfterEach
    void closePort() throws Exception
    {
        try
        {
            if (port != null && !portClosed)
            {
                port.close();
            }
        }
        finally
        {
            try
            {
                if (fixture != null)
                {
                    fixture.close();
                }
            }
            finally
            {
                memory.close();
                arena.close();
            }
        }
    }

    /**
     * An Ethernet frame of {@code length} bytes: unicast to DST, a local experimental EtherType, a payload
     * numbered from {@code tag}.
     */
    protected static byte[] frame(final int length, final int tag)
    {
        final byte[] f = new byte[length];
        for (int i = 0; i < 6; i++)
        {
            f[i] = (byte)(DST >>> (40 - 8 * i));
            f[6 + i] = (byte)(SRC >>> (40 - 8 * i));
        }
        f[12] = (byte)0x88;
        f[13] = (byte)0xb5;
        for (int i = 14; i < length; i++)
        {
            f[i] = (byte)(tag + i);
        }
        return f;
    }

    /**
     * Receives (as a loop does, also while {@link Port#pendingInput}) until {@code count} frames came or the wait
     * ran out, polling the fixture between tries.
     */
    private List<byte[]> receive(final int count) throws Exception
    {
        final List<byte[]> frames = new ArrayList<>();
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
        while (frames.size() < count && System.nanoTime() < deadline)
        {
            batch.reset();
            final int n = port.receive(LOOP, memory, batch, errno);
            assertThat(n).as("receive returns frames or 0, never an error on a healthy port")
                .isGreaterThanOrEqualTo(0).isLessThanOrEqualTo(batch.capacity()).isEqualTo(batch.count());
            for (int i = 0; i < n; i++)
            {
                if (!port.acceptsOffloads())
                {
                    assertThat(memory.segment().asSlice(batch.headerOffset(i), VirtioNetHeader.LENGTH)
                        .toArray(ValueLayout.JAVA_BYTE)).as("a port without offloads zeroes the header")
                        .containsOnly((byte)0);
                }
                final byte[] frame = memory.segment().asSlice(batch.frameOffset(i), batch.frameLength(i))
                    .toArray(ValueLayout.JAVA_BYTE);
                if (ours(frame))
                {
                    frames.add(frame); // not what the host's own stack sends on a TAP or veth (IPv6, say)
                }
            }
            if (n == 0 || !port.pendingInput(LOOP))
            {
                fixture.poll(errno);
                if (n == 0)
                {
                    Thread.sleep(1);
                }
            }
        }
        return frames;
    }

    private static boolean ours(final byte[] frame)
    {
        return frame.length >= 14 && frame[12] == (byte)0x88 && frame[13] == (byte)0xb5;
    }

    /**
     * Copies {@code frame} into loop memory after a virtio-net header when the port takes one.
     *
     * @return the address and length to send.
     */
    private long[] stage(final byte[] frame, final int slot)
    {
        final long at = memory.headerOffset(slot);
        int length = frame.length;
        long start = at + VirtioNetHeader.LENGTH;
        if (port.acceptsOffloads())
        {
            VirtioNetHeader.clear(memory.segment(), at);
            start = at;
            length += VirtioNetHeader.LENGTH;
        }
        MemorySegment.copy(frame, 0, memory.segment(), ValueLayout.JAVA_BYTE, at + VirtioNetHeader.LENGTH,
            frame.length);
        return new long[] {memory.address() + start, length};
    }

    private long send(final byte[] frame) throws Exception
    {
        final long[] staged = stage(frame, 0);
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
        long sent;
        do
        {
            sent = port.send(LOOP, staged[0], (int)staged[1], errno);
            port.flush(LOOP, errno);
            if (sent <= 0)
            {
                fixture.poll(errno); // a tunnel may still be shaking hands: try again, as a later burst would
                Thread.sleep(5);
            }
        }
        while (sent <= 0 && System.nanoTime() < deadline);
        return sent;
    }

    private byte[] nextSent(final byte[] expected) throws Exception
    {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
        while (System.nanoTime() < deadline)
        {
            final byte[] got = fixture.nextSent(50);
            if (got != null && (expected == null || Arrays.equals(got, expected)))
            {
                return got;
            }
            fixture.poll(errno);
        }
        return null;
    }

    @Test
    void shouldReceiveNothingWhenNothingCame() throws Exception
    {
        batch.reset();
        assertThat(port.receive(LOOP, memory, batch, errno)).isZero();
        assertThat(batch.count()).isZero();
        assertThat(port.counters().snapshot().totalDrops()).isZero();
    }

    @Test
    void shouldReceiveWhatTheFarEndSentWhole() throws Exception
    {
        final byte[] frame = frame(98, 1);
        fixture.inject(frame);
        assertThat(receive(1)).singleElement().isEqualTo(frame);
    }

    @Test
    void shouldReceiveMoreFramesThanOneBatchHoldsInOrder() throws Exception
    {
        final List<byte[]> frames = new ArrayList<>();
        for (int i = 0; i < 2 * BURST + 1; i++) // fits a unix datagram queue (net.unix.max_dgram_qlen 10)
        {
            frames.add(frame(60 + i * 37, i));
            fixture.inject(frames.get(i));
        }
        assertThat(receive(frames.size())).as("every frame, in order, at most a batch per receive")
            .containsExactlyElementsOf(frames);
    }

    @Test
    void shouldSendAFrameTheFarEndGetsWhole() throws Exception
    {
        final byte[] frame = frame(1000, 7);
        assertThat(send(frame)).as("bytes sent").isPositive();
        assertThat(nextSent(frame)).isEqualTo(frame);
    }

    @Test
    void shouldSendAFrameGatheredFromIovecs() throws Exception
    {
        final byte[] frame = frame(300, 9);
        final long[] staged = stage(frame, 0);
        final int[] cuts = {0, 11, 70, (int)staged[1]};
        final MemorySegment iov = arena.allocate(16L * (cuts.length - 1), 8);
        for (int i = 0; i + 1 < cuts.length; i++)
        {
            iov.set(ValueLayout.JAVA_LONG, i * 16L, staged[0] + cuts[i]);
            iov.set(ValueLayout.JAVA_LONG, i * 16L + 8, cuts[i + 1] - cuts[i]);
        }
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
        long sent;
        do
        {
            sent = port.sendv(LOOP, iov.address(), cuts.length - 1, errno);
            port.flush(LOOP, errno);
            if (sent <= 0)
            {
                fixture.poll(errno);
                Thread.sleep(5);
            }
        }
        while (sent <= 0 && System.nanoTime() < deadline);
        assertThat(sent).as("bytes sent").isPositive();
        assertThat(nextSent(frame)).isEqualTo(frame);
    }

    @Test
    void shouldBeDoneWithTheBytesWhenSendReturns() throws Exception
    {
        final byte[] frame = frame(200, 3);
        send(frame(200, 50)); // any session or connection set up first
        nextSent(null);
        final long[] staged = stage(frame, 0);
        assertThat(port.send(LOOP, staged[0], (int)staged[1], errno)).isPositive();
        memory.segment().asSlice(staged[0] - memory.address(), staged[1]).fill((byte)0x5a); // the loop reuses it
        port.flush(LOOP, errno);
        assertThat(nextSent(frame)).as("what was there when send returned").isEqualTo(frame);
    }

    @Test
    void shouldCountHostileInputAndKeepWorking() throws Exception
    {
        final DropReason reason = fixture.injectHostile();
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
        while (reason != null && port.counters().snapshot().drops(reason) == 0 && System.nanoTime() < deadline)
        {
            batch.reset();
            assertThat(port.receive(LOOP, memory, batch, errno)).isGreaterThanOrEqualTo(0);
            fixture.poll(errno);
            Thread.sleep(1);
        }
        if (reason != null)
        {
            assertThat(port.counters().snapshot().drops(reason)).as("counted as " + reason.label()).isPositive();
        }
        final byte[] good = frame(64, 5);
        fixture.inject(good);
        assertThat(receive(reason == null ? 2 : 1)).as("the port still works").last().isEqualTo(good);
    }

    @Test
    void shouldReleaseEverythingOnClose() throws Exception
    {
        assertThat(fixture.released()).isFalse();
        portClosed = true;
        port.close();
        assertThat(fixture.released()).as("socket, fd or device gone").isTrue();
    }
}
