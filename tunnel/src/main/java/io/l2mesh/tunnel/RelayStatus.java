package io.l2mesh.tunnel;

import java.util.List;

/**
 * What a tunnel port relays, for the control plane ({@code relay show}, metrics).
 *
 * @param spec            whether it relays, and each pair's allowance.
 * @param forwarded       datagrams it passed on between two of its peers.
 * @param forwardedBytes  their bytes (each the sender's whole datagram and the peer id).
 * @param refused         datagrams it would not pass on, by reason ({@link #REFUSALS}).
 * @param delivered       datagrams a relay passed on to this node.
 * @param deliveryRefused ones it would not take (not from a relay of its, an unknown sender, another's session).
 * @param pairs           each pair (one direction) it relayed for.
 */
public record RelayStatus(RelaySpec spec, long forwarded, long forwardedBytes, long[] refused, long delivered,
    long deliveryRefused, List<Pair> pairs)
{
    /** The labels of {@link #refused}, in its order. */
    public static final List<String> REFUSALS = List.of(TunnelRelay.REFUSALS);

    /**
     * One pair: datagrams from {@code from} to {@code to} relayed, their bytes, and those over the allowance.
     */
    public record Pair(String from, String to, long packets, long bytes, long capped)
    {
    }
}
