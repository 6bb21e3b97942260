package io.l2mesh.switching.frame;

import java.lang.foreign.MemorySegment;

/**
 * Classifies a received frame before anything else looks at it: well-formed untagged, well-formed 802.1Q-tagged
 * (and its VID), or a reason to drop it. Runs per frame: no allocation, result packed in an {@code int}.
 * <ul>
 *   <li>shorter than an Ethernet header, or tagged and shorter than header + tag: malformed (runt);</li>
 *   <li>longer than the port's MTU allows, unless it is a GSO super-frame: malformed (oversized);</li>
 *   <li>multicast source MAC: malformed (no station sends from a group address);</li>
 *   <li>VID 4095 (reserved): malformed; an 802.1ad S-tag outermost: unsupported tag.</li>
 * </ul>
 * Double-tagged 802.1Q frames are classified by their outer tag; the inner tag is payload, except where the
 * outer tag would be taken away and the inner one become the frame's tag: see {@link #hidesTag}.
 */
public final class FrameCheck
{
    /** A well-formed frame without a tag. */
    public static final int UNTAGGED = -1;
    /** Runt, oversized, bad source or reserved VID. */
    public static final int MALFORMED = -2;
    /** An outer tag type this switch does not bridge (802.1ad). */
    public static final int UNSUPPORTED_TAG = -3;

    public static final int RESERVED_VID = 0xfff;
    /** An old QinQ TPID some switches still take for a tag. */
    public static final int TPID_9100 = 0x9100;

    private FrameCheck()
    {
    }

    /**
     * @param maxFrameLength longest acceptable non-GSO frame (MTU + header + one tag).
     * @param superFrame     the frame came with a GSO virtio-net header, so it may exceed the MTU.
     * @return the outer VID (0..4094) for a tagged frame, {@link #UNTAGGED}, {@link #MALFORMED} or
     * {@link #UNSUPPORTED_TAG}.
     */
    public static int classify(
        final MemorySegment segment, final long frameOffset, final int frameLength, final int maxFrameLength,
        final boolean superFrame)
    {
        if (frameLength < EthernetFlyweight.HEADER_LENGTH || (!superFrame && frameLength > maxFrameLength))
        {
            return MALFORMED;
        }
        if (EthernetFlyweight.isMulticast(EthernetFlyweight.source(segment, frameOffset)))
        {
            return MALFORMED;
        }
        final int type = EthernetFlyweight.type(segment, frameOffset);
        if (type == EthernetFlyweight.TPID_8021Q)
        {
            if (frameLength < EthernetFlyweight.HEADER_LENGTH + EthernetFlyweight.VLAN_TAG_LENGTH)
            {
                return MALFORMED;
            }
            final int vid = EthernetFlyweight.tci(segment, frameOffset) & EthernetFlyweight.VID_MASK;
            return vid == RESERVED_VID ? MALFORMED : vid;
        }
        if (type == EthernetFlyweight.TPID_8021AD)
        {
            return UNSUPPORTED_TAG;
        }
        return UNTAGGED;
    }

    /**
     * VLAN hopping: true if the frame's next ethertype, after a priority tag (VID 0) when {@code tag} is 0 or
     * right after the MACs when it is untagged, is a tag protocol id (0x8100, 0x88a8, 0x9100). Such a frame
     * arriving untagged or priority-tagged (an access port, or a trunk's native VLAN) would lose its outer tag
     * here and leave carrying the inner one, which the next 802.1Q hop takes as its VLAN.
     *
     * @param tag what {@link #classify} returned for the frame.
     */
    public static boolean hidesTag(final MemorySegment segment, final long frameOffset, final int frameLength,
        final int tag)
    {
        final int at;
        if (tag == UNTAGGED)
        {
            at = EthernetFlyweight.MAC_PAIR_LENGTH;
        }
        else if (tag == 0)
        {
            at = EthernetFlyweight.MAC_PAIR_LENGTH + EthernetFlyweight.VLAN_TAG_LENGTH;
        }
        else
        {
            return false;
        }
        if (at + 2 > frameLength)
        {
            return false;
        }
        final int type = segment.get(EthernetFlyweight.SHORT_BE, frameOffset + at) & 0xffff;
        return type == EthernetFlyweight.TPID_8021Q || type == EthernetFlyweight.TPID_8021AD || type == TPID_9100;
    }
}
