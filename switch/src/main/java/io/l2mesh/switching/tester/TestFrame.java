package io.l2mesh.switching.tester;

import io.l2mesh.switching.frame.EthernetFlyweight;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The traffic tester's frames (docs/wire-format.md, "Test frames"): EtherType {@value #ETHER_TYPE_HEX} (IEEE
 * 802's local experimental EtherType 1), optionally behind an 802.1Q tag, then
 * <pre>
 *  0        4          8            16              24      26
 *  | magic  | test id  | sequence   | send time ns  | flow  | padding to the frame size
 * </pre>
 * all big-endian. The switch never learns, floods or forwards a test frame (the EtherType and the magic): the port a
 * test receives on consumes it, a port that reflects sends it back, any other port drops it ({@code test_frame}).
 * A frame of the EtherType without the magic is someone else's experiment, switched as any other.
 */
public final class TestFrame
{
    public static final int ETHER_TYPE = 0x88B5;
    static final String ETHER_TYPE_HEX = "0x88B5";
    public static final int MAGIC = 0x4C324D54; // "L2MT"
    static final int MAGIC_AT = 0;
    static final int TEST_AT = 4;
    static final int SEQUENCE_AT = 8;
    static final int TIME_AT = 16;
    static final int FLOW_AT = 24;
    public static final int PAYLOAD = 26;
    /** The smallest and largest frame sizes, as RFC 2544 counts them (with the 4-byte FCS). */
    public static final int MIN_SIZE = 64;
    public static final int MAX_SIZE = 9018;
    static final int FCS = 4;
    private static final ValueLayout.OfLong LONG_BE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt INT_BE = EthernetFlyweight.INT_BE;
    private static final ValueLayout.OfShort SHORT_BE = EthernetFlyweight.SHORT_BE;

    private TestFrame()
    {
    }

    /**
     * @return the offset of the payload of the frame at {@code frame} if it is a test frame of ours (the
     * EtherType, behind at most one tag, and the magic), else -1.
     */
    public static long payload(final MemorySegment segment, final long frame, final int length)
    {
        final int type = EthernetFlyweight.type(segment, frame);
        final long at = type == EthernetFlyweight.TPID_8021Q ? frame + 18 : frame + 14;
        final int inner = type == EthernetFlyweight.TPID_8021Q ?
            Short.toUnsignedInt(segment.get(SHORT_BE, frame + 16)) : type;
        if (inner != ETHER_TYPE || at + PAYLOAD > frame + length || segment.get(INT_BE, at + MAGIC_AT) != MAGIC)
        {
            return -1;
        }
        return at;
    }

    /**
     * @return true if the frame at {@code frame} has the tester's EtherType (behind at most one tag), ours or not.
     */
    public static boolean isTestType(final MemorySegment segment, final long frame)
    {
        final int type = EthernetFlyweight.type(segment, frame);
        return type == ETHER_TYPE || type == EthernetFlyweight.TPID_8021Q &&
            Short.toUnsignedInt(segment.get(SHORT_BE, frame + 16)) == ETHER_TYPE;
    }

    static int testId(final MemorySegment segment, final long payload)
    {
        return segment.get(INT_BE, payload + TEST_AT);
    }

    static long sequence(final MemorySegment segment, final long payload)
    {
        return segment.get(LONG_BE, payload + SEQUENCE_AT);
    }

    static long sentNanos(final MemorySegment segment, final long payload)
    {
        return segment.get(LONG_BE, payload + TIME_AT);
    }

    static void writeHeader(final MemorySegment segment, final long payload, final int testId, final int flow)
    {
        segment.set(INT_BE, payload + MAGIC_AT, MAGIC);
        segment.set(INT_BE, payload + TEST_AT, testId);
        segment.set(SHORT_BE, payload + FLOW_AT, (short)flow);
    }

    static void stamp(final MemorySegment segment, final long payload, final long sequence, final long nowNanos)
    {
        segment.set(LONG_BE, payload + SEQUENCE_AT, sequence);
        segment.set(LONG_BE, payload + TIME_AT, nowNanos);
    }
}
