package io.l2mesh.tunnel;

import io.l2mesh.tuntap.SocketAddresses;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Where a peer may be reached, most preferred first, as the agent tries them (docs/nat.md): first the endpoints
 * the peer announces itself (its configured endpoint, what its DNS name resolves to, its registry entry's local
 * endpoints), then its reflexive ones (the addresses its other peers see it at, behind its NAT). Immutable: the
 * peer swaps the whole set when one source changes; socket addresses are made once, here, so sending to them
 * allocates nothing.
 */
final class PeerCandidates
{
    /** Most candidates kept per peer: registry entries carry at most 16 endpoints and 16 reflexive ones. */
    static final int MAX = 32;
    static final PeerCandidates NONE = new PeerCandidates(List.of(), 0);

    private final List<InetSocketAddress> addresses;
    private final MemorySegment[] sockaddrs;
    private final int announced;

    private PeerCandidates(final List<InetSocketAddress> addresses, final int announced)
    {
        this.addresses = List.copyOf(addresses);
        this.announced = announced;
        this.sockaddrs = new MemorySegment[addresses.size()];
        for (int i = 0; i < sockaddrs.length; i++)
        {
            final MemorySegment address = Arena.ofAuto().allocate(SocketAddresses.MAX_LENGTH, 8);
            sockaddrs[i] = address.asSlice(0, SocketAddresses.write(address, 0, addresses.get(i)));
        }
    }

    /**
     * @param announced the peer's own endpoints (duplicates and unresolved ones left out).
     * @param reflexive where others see it, after those (ones it also announces are left out).
     * @param ipv6      the listen address's family: candidates of the other family cannot be sent to.
     */
    static PeerCandidates of(final List<InetSocketAddress> announced, final List<InetSocketAddress> reflexive,
        final boolean ipv6)
    {
        final Set<InetSocketAddress> own = new LinkedHashSet<>();
        for (final InetSocketAddress a : announced)
        {
            if (usable(a, ipv6) && own.size() < MAX)
            {
                own.add(a);
            }
        }
        final List<InetSocketAddress> all = new ArrayList<>(own);
        for (final InetSocketAddress r : reflexive)
        {
            if (usable(r, ipv6) && !all.contains(r) && all.size() < MAX)
            {
                all.add(r);
            }
        }
        return all.isEmpty() ? NONE : new PeerCandidates(all, own.size());
    }

    private static boolean usable(final InetSocketAddress address, final boolean ipv6)
    {
        return address != null && !address.isUnresolved() && (address.getAddress() instanceof Inet6Address) == ipv6;
    }

    int size()
    {
        return sockaddrs.length;
    }

    MemorySegment sockaddr(final int i)
    {
        return sockaddrs[i];
    }

    List<InetSocketAddress> addresses()
    {
        return addresses;
    }

    /**
     * @return true if {@code sockaddr} is one of the candidates (no allocation).
     */
    boolean contains(final MemorySegment sockaddr)
    {
        return indexOf(sockaddr, sockaddrs.length) >= 0;
    }

    /**
     * @return true if the peer announces {@code sockaddr} itself: if not, it is behind a NAT as we see it, and we
     * tell it its reflexive endpoint.
     */
    boolean announces(final MemorySegment sockaddr)
    {
        return indexOf(sockaddr, announced) >= 0;
    }

    private int indexOf(final MemorySegment sockaddr, final int limit)
    {
        for (int i = 0; i < limit; i++)
        {
            if (sockaddrs[i].byteSize() == sockaddr.byteSize() &&
                MemorySegment.mismatch(sockaddrs[i], 0, sockaddr.byteSize(), sockaddr, 0, sockaddr.byteSize()) < 0)
            {
                return i;
            }
        }
        return -1;
    }
}
