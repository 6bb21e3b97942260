package io.l2mesh.control.config;

import com.fasterxml.jackson.databind.JsonNode;
import io.l2mesh.control.mesh.AuthorityKeys;
import io.l2mesh.control.mesh.NodeCertificate;
import io.l2mesh.control.mesh.Refused;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The {@code registry:} section ({@link RegistryConfig}). The authority's key and this node's certificate are
 * read and checked here, so a config with a certificate that is forged, expired, or for another key never starts.
 */
final class RegistrySection
{
    static final Set<String> KEYS = Set.of("etcd", "mesh", "lease-ttl", "authority", "certificate", "ca-file",
        "cert-file", "key-file");
    private static final int MAX_ENDPOINTS = 16;

    private RegistrySection()
    {
    }

    static RegistryConfig read(final ConfigReader in, final JsonNode node)
    {
        if (node == null)
        {
            return null;
        }
        final String path = "registry";
        in.requireObject(node, path, KEYS);
        final JsonNode list = node.get("etcd");
        if (list == null || !list.isArray() || list.isEmpty() || list.size() > MAX_ENDPOINTS)
        {
            throw in.error(list == null ? path : "registry.etcd", "'etcd' must list 1 to " + MAX_ENDPOINTS +
                " endpoints like http://198.18.0.1:2379");
        }
        final List<URI> etcd = new ArrayList<>();
        for (int i = 0; i < list.size(); i++)
        {
            final String where = "registry.etcd[" + i + "]";
            final URI uri;
            try
            {
                uri = new URI(list.get(i).asText());
            }
            catch (final java.net.URISyntaxException ex)
            {
                throw in.error(where, "'" + list.get(i).asText() + "' is not a URL: " + ex.getReason());
            }
            if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null ||
                uri.getPort() < 1 || uri.getPath() != null && !uri.getPath().isEmpty())
            {
                throw in.error(where, "'" + uri + "' is not like http://HOST:PORT or https://HOST:PORT");
            }
            etcd.add(uri);
        }
        final String mesh = in.text(node, path, "mesh", null);
        if (!NodeCertificate.NAME.matcher(mesh).matches())
        {
            throw in.error("registry.mesh", "'" + mesh + "': a mesh name is 1 to 63 of A-Z a-z 0-9 . _ -");
        }
        final int ttl = in.intValue(node, path, "lease-ttl", RegistryConfig.DEFAULT_LEASE_TTL, 2, 3600);
        final Path authorityFile = Path.of(in.text(node, path, "authority", null));
        final PublicKey authority;
        try
        {
            authority = AuthorityKeys.readPublic(authorityFile);
        }
        catch (final IOException | IllegalArgumentException ex)
        {
            throw in.error("registry.authority", authorityFile + ": " + ex.getMessage());
        }
        final Path certificateFile = Path.of(in.text(node, path, "certificate", null));
        final String certificate;
        final NodeCertificate cert;
        try
        {
            certificate = Files.readString(certificateFile, StandardCharsets.US_ASCII).strip();
            cert = NodeCertificate.verify(certificate, authority, System.currentTimeMillis() / 1000);
        }
        catch (final IOException | Refused ex)
        {
            throw in.error("registry.certificate", certificateFile + ": " + ex.getMessage());
        }
        final Path caFile = file(in, node, "ca-file");
        final Path certFile = file(in, node, "cert-file");
        final Path keyFile = file(in, node, "key-file");
        if ((certFile == null) != (keyFile == null))
        {
            throw in.error("registry." + (certFile == null ? "key-file" : "cert-file"),
                "cert-file and key-file go together (client authentication to etcd)");
        }
        return new RegistryConfig(etcd, mesh, ttl, authorityFile, authority, certificateFile, certificate, cert,
            caFile, certFile, keyFile);
    }

    private static Path file(final ConfigReader in, final JsonNode node, final String key)
    {
        final String name = in.text(node, "registry", key, "");
        if (name.isEmpty())
        {
            return null;
        }
        final Path file = Path.of(name);
        if (!Files.isReadable(file))
        {
            throw in.error("registry." + key, name + ": not a readable file");
        }
        return file;
    }

    /**
     * Checks that the registry and the ports agree: one tunnel port publishes, with the certificate's key.
     */
    static void check(final ConfigReader in, final RegistryConfig registry, final List<PortConfig> ports)
    {
        final List<Integer> publishing = new ArrayList<>();
        for (int i = 0; i < ports.size(); i++)
        {
            if (ports.get(i).tunnel() != null && ports.get(i).tunnel().registry())
            {
                publishing.add(i);
            }
        }
        if (registry == null)
        {
            if (!publishing.isEmpty())
            {
                throw in.error("ports[" + publishing.get(0) + "].registry", "'registry: true' needs a top-level " +
                    "'registry:' section (etcd, mesh, authority, certificate)");
            }
            return;
        }
        if (publishing.size() != 1)
        {
            throw in.error(publishing.isEmpty() ? "registry" : "ports[" + publishing.get(1) + "].registry",
                "exactly one tunnel port has 'registry: true' (the one this node is reached at)");
        }
        final PortConfig.Tunnel tunnel = ports.get(publishing.get(0)).tunnel();
        if (!java.util.Arrays.equals(tunnel.identity().publicKey(), registry.cert().publicKey()))
        {
            throw in.error("registry.certificate", registry.certificateFile() + ": certifies another tunnel key " +
                "than ports[" + publishing.get(0) + "]'s (" + tunnel.identity().publicBase64() + ")");
        }
    }
}
