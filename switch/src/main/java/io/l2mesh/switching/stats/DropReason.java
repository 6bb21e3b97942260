package io.l2mesh.switching.stats;

/**
 * Why the datapath dropped a frame. One counter per reason per port; the label is what {@code stats} prints.
 */
public enum DropReason
{
    /** No port to send to: the destination sits on the ingress port, or the VLAN has no other port. */
    NO_ROUTE("no_route"),
    /** The ingress port does not take the frame's VLAN, or the egress port no longer carries it. */
    VLAN("vlan"),
    /**
     * VLAN hopping: a frame that arrived untagged on an access port, or priority-tagged (VID 0) anywhere, and
     * whose next ethertype is a tag (0x8100, 0x88a8, 0x9100) that would become its outer one.
     */
    NESTED_TAG("nested_tag"),
    /** The source MAC is new and its port (or tunnel peer) or the whole table is at its MAC limit. */
    MAC_LIMIT("mac_limit"),
    /** A tunnel peer sent from a MAC outside its {@code allowed-macs}, or from another peer's allowed MAC. */
    MAC_NOT_ALLOWED("mac_not_allowed"),
    /** The egress device would block (its queue is full). */
    QUEUE_FULL("queue_full"),
    /**
     * A frame that is a runt, oversized, from a multicast source, with a reserved VID or an unparseable GSO
     * header (or one whose {@code gso_size} is below 88 bytes or makes more than 1024 segments); or a datagram
     * that is no VXLAN packet, no tunnel message of a known type, no well-formed FEC shard, or longer than a slot.
     */
    MALFORMED("malformed"),
    /** Longer than the egress port's MTU and not segmentable. */
    MTU("mtu"),
    /** The egress device returned an error (down, gone). */
    TX_ERROR("tx_error"),
    /** The ingress or egress port is administratively down. */
    PORT_DOWN("port_down"),
    /** The egress port has no client to send to (no VM attached to a unix port yet). */
    NOT_CONNECTED("not_connected"),
    /** A unix stream client sent a length prefix no frame can have; it was disconnected. */
    BROKEN_STREAM("broken_stream"),
    /** A VXLAN packet from none of the remote VTEPs, or a tunnel packet whose receiver index no session has. */
    UNKNOWN_PEER("unknown_peer"),
    /** A VXLAN packet for a VNI the port does not carry. */
    WRONG_VNI("wrong_vni"),
    /** A tunnel packet whose authentication tag failed: forged, corrupted or for keys we no longer have. */
    DECRYPT("decrypt_failed"),
    /** A tunnel packet whose counter was seen before or is older than the replay window. */
    REPLAY("replayed"),
    /** A handshake message refused, or dropped because handshakes came faster than the agent's budget. */
    HANDSHAKE("handshake"),
    /** An FEC shard from a tunnel peer for which FEC is off. */
    FEC_OFF("fec_off"),
    /** An FEC shard whose stream or block would exceed the peer's or the port's FEC decoder memory. */
    FEC_MEMORY("fec_memory"),
    /** A broadcast beyond the ingress port's storm-control limit. */
    STORM_BROADCAST("storm_broadcast"),
    /** A multicast frame beyond the ingress port's storm-control limit. */
    STORM_MULTICAST("storm_multicast"),
    /** A frame to an unknown unicast MAC (to be flooded) beyond the ingress port's storm-control limit. */
    STORM_UNKNOWN_UNICAST("storm_unknown_unicast"),
    /** A traffic-tester frame (its EtherType and magic) on a port no test receives or reflects on: never switched. */
    TEST_FRAME("test_frame"),
    /** A datagram a relay would not pass on, or one relayed to us that we would not take (docs/nat.md). */
    RELAY("relay");

    private static final DropReason[] VALUES = values();

    private final String label;

    DropReason(final String label)
    {
        this.label = label;
    }

    public int id()
    {
        return ordinal();
    }

    public String label()
    {
        return label;
    }

    public static DropReason byId(final int id)
    {
        return VALUES[id];
    }

    public static int count()
    {
        return VALUES.length;
    }
}
