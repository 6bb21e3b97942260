package io.l2mesh.tunnel;

import io.l2mesh.tuntap.SocketAddresses;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A peer's candidates: its own endpoints first, then its reflexive ones; no duplicates, nothing of the other
 * address family or unresolved, at most {@link PeerCandidates#MAX}; {@code announces} only for its own.
 */
class PeerCandidatesTest
{
    private static final InetSocketAddress LOCAL = new InetSocketAddress("198.18.1.2", 51820);
    private static final InetSocketAddress SEEN = new InetSocketAddress("198.18.0.2", 40001);

    private static MemorySegment sockaddr(final InetSocketAddress address)
    {
        final MemorySegment segment = Arena.ofAuto().allocate(SocketAddresses.MAX_LENGTH, 8);
        return segment.asSlice(0, SocketAddresses.write(segment, 0, address));
    }

    @Test
    void shouldPutTheOwnEndpointsFirstAndKeepOutWhatCannotBeSentTo()
    {
        final PeerCandidates candidates = PeerCandidates.of(List.of(LOCAL, LOCAL,
            InetSocketAddress.createUnresolved("home.example.net", 51820), new InetSocketAddress("2001:db8::1", 1)),
            List.of(LOCAL, SEEN), false);
        assertThat(candidates.addresses()).containsExactly(LOCAL, SEEN);
        assertThat(candidates.announces(sockaddr(LOCAL))).isTrue();
        assertThat(candidates.announces(sockaddr(SEEN))).as("reflexive: not its own").isFalse();
        assertThat(candidates.contains(sockaddr(SEEN))).isTrue();
        assertThat(candidates.contains(sockaddr(new InetSocketAddress("198.18.0.2", 40002)))).isFalse();
        assertThat(PeerCandidates.of(List.of(), List.of(), false)).isSameAs(PeerCandidates.NONE);
    }

    @Test
    void shouldHoldAtMostMaxCandidates()
    {
        final List<InetSocketAddress> many = new java.util.ArrayList<>();
        for (int i = 1; i <= 40; i++)
        {
            many.add(new InetSocketAddress("198.18.2." + i, 51820));
        }
        assertThat(PeerCandidates.of(many, many.reversed(), false).size()).isEqualTo(PeerCandidates.MAX);
    }

    @Test
    void shouldCarryAReflexiveEndpointInAControlTlvAndRefuseAMalformedOne()
    {
        final byte[] buffer = new byte[64];
        final int end = ControlMessage.putReflexive(buffer, 0, SEEN);
        assertThat(end).isEqualTo(ControlMessage.TLV_HEADER + 6);
        assertThat(ControlMessage.reflexiveOf(buffer, ControlMessage.TLV_HEADER, 6)).isEqualTo(SEEN);
        final InetSocketAddress v6 = new InetSocketAddress("2001:db8::7", 51820);
        ControlMessage.putReflexive(buffer, 0, v6);
        assertThat(ControlMessage.reflexiveOf(buffer, ControlMessage.TLV_HEADER, 18)).isEqualTo(v6);
        assertThat(ControlMessage.reflexiveOf(buffer, ControlMessage.TLV_HEADER, 7)).as("odd length").isNull();
        final byte[] zeroPort = new byte[8];
        assertThat(ControlMessage.reflexiveOf(zeroPort, 0, 6)).as("port 0, address 0.0.0.0").isNull();
    }

    @Test
    void shouldHoldAPairToItsAllowance()
    {
        final RelaySpec oneMbit = new RelaySpec(true, 1); // 1 Mbit/s: 125 000 bytes/s, 6 250 at once
        final RelayPair pair = new RelayPair(null);
        final long now = 1_000_000_000L;
        int passed = 0;
        for (int i = 0; i < 20; i++)
        {
            passed += pair.take(1000, now, oneMbit) ? 1 : 0;
        }
        assertThat(passed).as("a burst of 0.05 s at 1 Mbit/s").isBetween(6, 8);
        assertThat(pair.capped()).isEqualTo(20 - passed);
        assertThat(pair.take(1000, now + 1_000_000_000L, oneMbit)).as("a second later").isTrue();
    }
}
