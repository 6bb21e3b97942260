package io.l2mesh.switching.vlan;

/**
 * How a port treats 802.1Q tags.
 */
public enum VlanMode
{
    /** Untagged frames of one VLAN; tagged frames are dropped (priority tags, VID 0, count as untagged). */
    ACCESS,
    /** Tagged frames of the allowed VLANs; untagged frames belong to the native VLAN if there is one. */
    TRUNK
}
