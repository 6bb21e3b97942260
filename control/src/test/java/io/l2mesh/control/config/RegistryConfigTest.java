package io.l2mesh.control.config;

import io.l2mesh.control.mesh.AuthorityKeys;
import io.l2mesh.control.mesh.NodeCertificate;
import io.l2mesh.tunnel.noise.KeyPair;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The {@code registry:} section: read, checked against the publishing port, written back unchanged; a node whose
 * certificate is not the authority's, has expired or names another key does not start.
 */
class RegistryConfigTest
{
    @TempDir
    Path dir;

    private final java.security.KeyPair authority = AuthorityKeys.generate();
    private final KeyPair node = KeyPair.generate();

    private String config(final byte[] certifiedKey, final long notAfter, final String publish) throws Exception
    {
        final Path key = dir.resolve("node.key");
        Files.writeString(key, node.privateBase64() + "\n");
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
        AuthorityKeys.write(authority, dir.resolve("authority" + System.nanoTime()));
        final Path pub = dir.resolve("authority.pub");
        Files.writeString(pub, AuthorityKeys.encode(authority.getPublic()));
        final long now = System.currentTimeMillis() / 1000;
        final Path cert = dir.resolve("node.cert");
        Files.writeString(cert, new NodeCertificate("n1", certifiedKey, now - 7200, notAfter, null)
            .sign(authority.getPrivate()));
        return """
            ports:
              - name: mesh0
                type: tunnel
                listen: 198.18.94.1:51820
                private-key-file: %s
            %s
                advertise: ["198.18.94.1", "[2001:db8::1]:4000"]
                peers: []
            registry:
              etcd: ["http://198.18.94.9:2379", "https://198.18.94.10:2379"]
              mesh: lab1
              lease-ttl: 5
              authority: %s
              certificate: %s
            """.formatted(key, publish, pub, cert);
    }

    @Test
    void shouldReadCheckAndWriteBackTheRegistrySection() throws Exception
    {
        final long now = System.currentTimeMillis() / 1000;
        final L2meshConfig config = ConfigFile.parse("r.yaml", config(node.publicKey(), now + 3600,
            "    registry: true"));
        assertThat(config.registry().prefix()).isEqualTo("/l2mesh/lab1/");
        assertThat(config.registry().nodeName()).isEqualTo("n1");
        assertThat(config.registry().leaseTtlSeconds()).isEqualTo(5);
        assertThat(config.registryPort().name()).isEqualTo("mesh0");
        assertThat(config.registryPort().tunnel().advertise()).containsExactly(
            new java.net.InetSocketAddress("198.18.94.1", 51820), new java.net.InetSocketAddress("2001:db8::1", 4000));
        final L2meshConfig again = ConfigFile.parse("w.yaml", ConfigWriter.toYaml(config));
        assertThat(again.registry()).isEqualTo(config.registry());
        assertThat(again.ports()).isEqualTo(config.ports());
    }

    @Test
    void shouldRefuseACertificateForAnotherKeyOrOutOfDate() throws Exception
    {
        final long now = System.currentTimeMillis() / 1000;
        assertThatThrownBy(() -> ConfigFile.parse("r.yaml", config(KeyPair.generate().publicKey(), now + 3600,
            "    registry: true"))).hasMessageContaining("registry.certificate")
            .hasMessageContaining("another tunnel key");
        assertThatThrownBy(() -> ConfigFile.parse("r.yaml", config(node.publicKey(), now - 60,
            "    registry: true"))).hasMessageContaining("registry.certificate").hasMessageContaining("expired");
        assertThatThrownBy(() -> ConfigFile.parse("r.yaml", config(node.publicKey(), now + 3600, "")))
            .hasMessageContaining("exactly one tunnel port has 'registry: true'");
    }
}
