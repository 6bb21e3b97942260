package io.l2mesh.switching.vlan;

import io.l2mesh.switching.frame.FrameCheck;

import java.util.Arrays;
import java.util.BitSet;
import java.util.StringJoiner;

/**
 * The 802.1Q rules of one port: which VLAN an arriving frame belongs to, which VLANs the port carries, and
 * whether a frame leaves tagged. Immutable: a change replaces the whole object, so the datapath reads a
 * consistent set with one reference load.
 */
public final class VlanRules
{
    public static final int MIN_VID = 1;
    public static final int MAX_VID = 4094;
    public static final int DEFAULT_VLAN = 1;
    /** Returned by {@link #ingressVlan} when the port does not take the frame. */
    public static final int DROP = -1;
    /** No native VLAN on a trunk. */
    public static final int NONE = 0;

    private final VlanMode mode;
    private final int accessVlan;
    private final int nativeVlan;
    private final long[] allowed = new long[64];

    private VlanRules(final VlanMode mode, final int accessVlan, final int nativeVlan, final BitSet allowedVlans)
    {
        this.mode = mode;
        this.accessVlan = accessVlan;
        this.nativeVlan = nativeVlan;
        final long[] words = allowedVlans.toLongArray();
        System.arraycopy(words, 0, allowed, 0, Math.min(words.length, allowed.length));
    }

    public static VlanRules access(final int vlan)
    {
        checkVid("vlan", vlan);
        return new VlanRules(VlanMode.ACCESS, vlan, NONE, new BitSet());
    }

    /**
     * @param nativeVlan VLAN of untagged frames, or {@link #NONE} to drop them.
     */
    public static VlanRules trunk(final int[] allowedVlans, final int nativeVlan)
    {
        if (allowedVlans.length == 0 && nativeVlan == NONE)
        {
            throw new IllegalArgumentException("a trunk needs allowed VLANs or a native VLAN");
        }
        final BitSet set = new BitSet(4096);
        for (final int vlan : allowedVlans)
        {
            checkVid("allowed VLAN", vlan);
            set.set(vlan);
        }
        if (nativeVlan != NONE)
        {
            checkVid("native VLAN", nativeVlan);
        }
        return new VlanRules(VlanMode.TRUNK, NONE, nativeVlan, set);
    }

    public static void checkVid(final String what, final int vlan)
    {
        if (vlan < MIN_VID || vlan > MAX_VID)
        {
            throw new IllegalArgumentException(what + "=" + vlan + " out of range " + MIN_VID + ".." + MAX_VID);
        }
    }

    /**
     * @param tag the result of {@link FrameCheck#classify}: a VID, or {@link FrameCheck#UNTAGGED}.
     * @return the VLAN the frame belongs to, or {@link #DROP}.
     */
    public int ingressVlan(final int tag)
    {
        final boolean untagged = tag == FrameCheck.UNTAGGED || tag == 0;
        if (mode == VlanMode.ACCESS)
        {
            return untagged ? accessVlan : DROP;
        }
        if (untagged)
        {
            return nativeVlan == NONE ? DROP : nativeVlan;
        }
        return isAllowed(tag) ? tag : DROP;
    }

    /**
     * @return true when frames of {@code vlan} may leave through this port.
     */
    public boolean carries(final int vlan)
    {
        return mode == VlanMode.ACCESS ? vlan == accessVlan : vlan == nativeVlan || isAllowed(vlan);
    }

    /**
     * @return true when a frame of {@code vlan} leaves this port with an 802.1Q tag.
     */
    public boolean egressTagged(final int vlan)
    {
        return mode == VlanMode.TRUNK && vlan != nativeVlan;
    }

    private boolean isAllowed(final int vlan)
    {
        return (allowed[vlan >>> 6] & (1L << vlan)) != 0;
    }

    public VlanMode mode()
    {
        return mode;
    }

    public int accessVlan()
    {
        return accessVlan;
    }

    public int nativeVlan()
    {
        return nativeVlan;
    }

    /**
     * @return every VLAN the port carries, ascending.
     */
    public int[] vlans()
    {
        if (mode == VlanMode.ACCESS)
        {
            return new int[] {accessVlan};
        }
        final BitSet set = BitSet.valueOf(allowed);
        if (nativeVlan != NONE)
        {
            set.set(nativeVlan);
        }
        return set.stream().toArray();
    }

    public int[] allowedVlans()
    {
        return BitSet.valueOf(allowed).stream().toArray();
    }

    @Override
    public boolean equals(final Object o)
    {
        return o instanceof VlanRules other && mode == other.mode && accessVlan == other.accessVlan &&
            nativeVlan == other.nativeVlan && Arrays.equals(allowed, other.allowed);
    }

    @Override
    public int hashCode()
    {
        return Arrays.hashCode(allowed) * 31 + mode.hashCode() * 7 + accessVlan * 3 + nativeVlan;
    }

    @Override
    public String toString()
    {
        if (mode == VlanMode.ACCESS)
        {
            return "access vlan " + accessVlan;
        }
        final StringJoiner joiner = new StringJoiner(",", "trunk allowed ", "");
        for (final int vlan : allowedVlans())
        {
            joiner.add(Integer.toString(vlan));
        }
        return joiner + (nativeVlan == NONE ? "" : " native " + nativeVlan);
    }
}
