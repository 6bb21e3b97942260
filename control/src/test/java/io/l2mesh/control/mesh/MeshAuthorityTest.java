package io.l2mesh.control.mesh;

import io.l2mesh.tunnel.FecSpec;
import io.l2mesh.tunnel.noise.KeyPair;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Certificates, deny lists and entries: what the authority signs verifies, and everything else is refused with
 * the reason {@code registry show} counts.
 */
class MeshAuthorityTest
{
    private static final long NOW = 1_800_000_000L;
    private final java.security.KeyPair authority = AuthorityKeys.generate();
    private final KeyPair node = KeyPair.generate();

    private String cert(final String name, final byte[] key, final long from, final long to)
    {
        return new NodeCertificate(name, key, from, to, null).sign(authority.getPrivate());
    }

    private NodeEntry entry(final String name, final byte[] key, final String certificate)
    {
        return new NodeEntry(name, key, List.of(new InetSocketAddress("198.18.93.1", 51820)), 51820, 1380, null, 2,
            certificate);
    }

    private static String reason(final Runnable check)
    {
        try
        {
            check.run();
        }
        catch (final Refused refused)
        {
            return refused.reason();
        }
        return "accepted";
    }

    @Test
    void shouldAdmitAnEntryItsCertificateBindsAndNothingElse()
    {
        final String good = cert("n1", node.publicKey(), NOW - 10, NOW + 10);
        final NodeCertificate admitted = EntryCheck.admit("n1", entry("n1", node.publicKey(), good),
            authority.getPublic(), DenyList.EMPTY, NOW);
        assertThat(admitted.name()).isEqualTo("n1");
        assertThat(admitted.publicKey()).isEqualTo(node.publicKey());

        final String forged = new NodeCertificate("n1", node.publicKey(), NOW - 10, NOW + 10, null)
            .sign(AuthorityKeys.generate().getPrivate());
        assertThat(reason(() -> EntryCheck.admit("n1", entry("n1", node.publicKey(), forged), authority.getPublic(),
            DenyList.EMPTY, NOW))).isEqualTo(Refused.BAD_SIGNATURE);
        assertThat(reason(() -> EntryCheck.admit("n1", entry("n1", node.publicKey(), good), authority.getPublic(),
            DenyList.EMPTY, NOW + 10))).as("not-after has passed").isEqualTo(Refused.EXPIRED);
        assertThat(reason(() -> EntryCheck.admit("n1", entry("n1", node.publicKey(), good), authority.getPublic(),
            DenyList.EMPTY, NOW - 11))).isEqualTo(Refused.NOT_YET_VALID);
        assertThat(reason(() -> EntryCheck.admit("n1", entry("n1", KeyPair.generate().publicKey(), good),
            authority.getPublic(), DenyList.EMPTY, NOW))).isEqualTo(Refused.KEY_MISMATCH);
        assertThat(reason(() -> EntryCheck.admit("n2", entry("n2", node.publicKey(), good), authority.getPublic(),
            DenyList.EMPTY, NOW))).as("another node's certificate").isEqualTo(Refused.NAME_MISMATCH);
        assertThat(reason(() -> EntryCheck.admit("n9", entry("n1", node.publicKey(), good), authority.getPublic(),
            DenyList.EMPTY, NOW))).as("written under another key").isEqualTo(Refused.NAME_MISMATCH);
        final DenyList deny = new DenyList(3, Set.of(node.publicBase64()), Set.of());
        assertThat(reason(() -> EntryCheck.admit("n1", entry("n1", node.publicKey(), good), authority.getPublic(),
            deny, NOW))).isEqualTo(Refused.REVOKED);
    }

    @Test
    void shouldRefuseATamperedCertificate()
    {
        final String good = cert("n1", node.publicKey(), NOW - 10, NOW + 10);
        final String body = new String(Base64.getUrlDecoder().decode(good.substring(0, good.indexOf('.'))),
            StandardCharsets.UTF_8);
        final String longer = body.replace(Long.toString(NOW + 10), Long.toString(NOW + 999_999));
        final String tampered = Base64.getUrlEncoder().withoutPadding().encodeToString(longer.getBytes(
            StandardCharsets.UTF_8)) + good.substring(good.indexOf('.'));
        assertThat(reason(() -> NodeCertificate.verify(tampered, authority.getPublic(), NOW)))
            .isEqualTo(Refused.BAD_SIGNATURE);
        assertThat(reason(() -> NodeCertificate.verify("nonsense", authority.getPublic(), NOW)))
            .isEqualTo(Refused.MALFORMED);
        assertThat(reason(() -> NodeCertificate.verify("a.b", authority.getPublic(), NOW)))
            .isEqualTo(Refused.MALFORMED);
        assertThat(reason(() -> NodeCertificate.verify("x".repeat(SignedText.MAX_LENGTH + 1), authority.getPublic(),
            NOW))).isEqualTo(Refused.MALFORMED);
    }

    @Test
    void shouldCarryAllowedMacsAndRoundTripKeys() throws Exception
    {
        final long[] macs = {0x0200_0000_0001L, 0x0200_0000_0002L};
        final String text = new NodeCertificate("n1", node.publicKey(), NOW - 10, NOW + 10, macs)
            .sign(authority.getPrivate());
        assertThat(NodeCertificate.verify(text, authority.getPublic(), NOW).allowedMacs()).containsExactly(macs);
        assertThat(AuthorityKeys.publicKey(AuthorityKeys.encode(authority.getPublic())))
            .isEqualTo(authority.getPublic());
        assertThat(AuthorityKeys.privateKey(AuthorityKeys.encode(authority.getPrivate())).getEncoded())
            .isEqualTo(authority.getPrivate().getEncoded());
        assertThatThrownBy(() -> new NodeCertificate("bad/name", node.publicKey(), 1, 2, null))
            .hasMessageContaining("node name");
        assertThatThrownBy(() -> new NodeCertificate("n1", node.publicKey(), 1, 2, new long[] {0x0100_0000_0001L}))
            .hasMessageContaining("no station's MAC");
    }

    @Test
    void shouldSignAndVerifyADenyList()
    {
        final DenyList list = new DenyList(7, Set.of(node.publicBase64()), Set.of("n5"));
        final DenyList read = DenyList.verify(list.sign(authority.getPrivate()), authority.getPublic());
        assertThat(read).isEqualTo(list);
        assertThat(read.denies("n5", KeyPair.generate().publicKey())).isTrue();
        assertThat(read.denies("n1", node.publicKey())).isTrue();
        assertThat(read.denies("n1", KeyPair.generate().publicKey())).isFalse();
        assertThat(reason(() -> DenyList.verify(list.sign(AuthorityKeys.generate().getPrivate()),
            authority.getPublic()))).isEqualTo(Refused.BAD_SIGNATURE);
    }

    @Test
    void shouldRoundTripAnEntryAndRefuseMalformedOnes()
    {
        final NodeEntry entry = new NodeEntry("n1", node.publicKey(), List.of(new InetSocketAddress("198.18.93.1",
            51820), new InetSocketAddress("2001:db8::1", 51820)), 51820, 1380, new FecSpec(10, 4), 2, "c.s");
        assertThat(NodeEntry.parse(entry.toJson())).isEqualTo(entry);
        final NodeEntry adaptive = new NodeEntry("n1", node.publicKey(), List.of(), 51820, 1380,
            FecSpec.adaptive(8, 1, 0.001), 2, "c.s");
        assertThat(NodeEntry.parse(adaptive.toJson())).isEqualTo(adaptive);
        assertThat(reason(() -> NodeEntry.parse("{".getBytes(StandardCharsets.UTF_8)))).isEqualTo(Refused.MALFORMED);
        assertThat(reason(() -> NodeEntry.parse("[]".getBytes(StandardCharsets.UTF_8)))).isEqualTo(Refused.MALFORMED);
        assertThat(reason(() -> NodeEntry.parse(new byte[NodeEntry.MAX_BYTES + 1]))).isEqualTo(Refused.MALFORMED);
        final String json = new String(entry.toJson(), StandardCharsets.UTF_8);
        assertThat(reason(() -> NodeEntry.parse(json.replace("\"v\":1", "\"v\":9").getBytes(StandardCharsets.UTF_8))))
            .isEqualTo(Refused.VERSION);
        assertThat(reason(() -> NodeEntry.parse(json.replace("198.18.93.1:51820", "example.com:1")
            .getBytes(StandardCharsets.UTF_8)))).as("names are not resolved").isEqualTo(Refused.MALFORMED);
        assertThat(reason(() -> NodeEntry.parse(json.replace("\"k\":10", "\"k\":999")
            .getBytes(StandardCharsets.UTF_8)))).isEqualTo(Refused.MALFORMED);

        // The authority says who may relay: only then is an entry's "relay": true believed (MeshPeers).
        final NodeCertificate relayCert = new NodeCertificate("n2", node.publicKey(), NOW - 60, NOW + 3600, null,
            true);
        assertThat(NodeCertificate.verify(relayCert.sign(authority.getPrivate()), authority.getPublic(), NOW)
            .relay()).isTrue();
        assertThat(NodeCertificate.verify(new NodeCertificate("n2", node.publicKey(), NOW - 60, NOW + 3600, null)
            .sign(authority.getPrivate()), authority.getPublic(), NOW).relay()).isFalse();

        // Behind a NAT: where others see it, and whether it relays (both absent in an older node's entry).
        final NodeEntry natted = new NodeEntry("n2", node.publicKey(), List.of(new InetSocketAddress("198.18.201.2",
            51820)), List.of(new InetSocketAddress("198.18.200.2", 40001)), 51820, 1380, null, 2, "c.s", true);
        final String natJson = new String(natted.toJson(), StandardCharsets.UTF_8);
        assertThat(natJson).contains("\"reflexive\":[\"198.18.200.2:40001\"]", "\"relay\":true");
        assertThat(NodeEntry.parse(natted.toJson())).isEqualTo(natted);
        assertThat(NodeEntry.parse(entry.toJson()).reflexive()).isEmpty();
        assertThat(NodeEntry.parse(entry.toJson()).relay()).isFalse();
        assertThat(reason(() -> NodeEntry.parse(natJson.replace("[\"198.18.200.2:40001\"]", "\"x\"")
            .getBytes(StandardCharsets.UTF_8)))).as("reflexive not a list").isEqualTo(Refused.MALFORMED);
    }

    @Test
    void shouldAdvertiseNeitherLoopbackNorLinkLocalAddresses() throws Exception
    {
        final InetAddress any4 = InetAddress.getByName("0.0.0.0");
        assertThat(MeshRegistry.usable(InetAddress.getByName("198.18.93.1"), any4)).isTrue();
        assertThat(MeshRegistry.usable(InetAddress.getByName("127.0.0.1"), any4)).isFalse();
        assertThat(MeshRegistry.usable(InetAddress.getByName("169.254.1.1"), any4)).isFalse();
        assertThat(MeshRegistry.usable(InetAddress.getByName("2001:db8::1"), any4)).as("other family").isFalse();
        assertThat(MeshRegistry.usable(InetAddress.getByName("fe80::1"), InetAddress.getByName("::"))).isFalse();
        assertThat(MeshRegistry.usable(InetAddress.getByName("2001:db8::1"), InetAddress.getByName("::"))).isTrue();
        final InetSocketAddress specific = new InetSocketAddress("198.18.93.1", 51820);
        assertThat(MeshRegistry.localEndpoints(specific, Set.of())).containsExactly(specific);
        assertThat(MeshRegistry.localEndpoints(new InetSocketAddress(any4, 51820), Set.of("lo")))
            .allSatisfy(e -> assertThat(e.getAddress().isLoopbackAddress()).isFalse());
        assertThat(MeshPeers.endpoint(List.of(new InetSocketAddress("2001:db8::1", 1),
            new InetSocketAddress("198.18.93.1", 2)), specific)).isEqualTo(new InetSocketAddress("198.18.93.1", 2));
    }
}
