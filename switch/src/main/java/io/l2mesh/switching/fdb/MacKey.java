package io.l2mesh.switching.fdb;

/**
 * The MAC table key: {@code vlan << 48 | mac}, so one VLAN's stations never meet another's.
 */
public final class MacKey
{
    private static final long MAC_MASK = 0xffff_ffff_ffffL;

    private MacKey()
    {
    }

    public static long pack(final int vlan, final long mac)
    {
        return ((long)vlan << 48) | (mac & MAC_MASK);
    }

    public static int vlan(final long key)
    {
        return (int)(key >>> 48);
    }

    public static long mac(final long key)
    {
        return key & MAC_MASK;
    }
}
