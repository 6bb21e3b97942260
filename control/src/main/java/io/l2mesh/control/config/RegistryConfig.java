package io.l2mesh.control.config;

import io.l2mesh.control.mesh.NodeCertificate;

import java.net.URI;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.List;

/**
 * The {@code registry:} section (docs/registry.md): the etcd cluster this node registers in and whose entries
 * become its peers, the mesh (key prefix {@code /l2mesh/<mesh>/}), the lease, the mesh authority's public key and
 * this node's certificate (read and checked when the config is).
 *
 * @param etcd            client endpoints, {@code http://} or {@code https://}.
 * @param mesh            the mesh's name.
 * @param leaseTtlSeconds how long the entry outlives the node.
 * @param authorityFile   the authority's public key file; {@code authority} is what it holds.
 * @param certificateFile this node's certificate; {@code certificate} is its text, {@code cert} what it says.
 * @param caFile          for https: the CA that signed etcd's certificate, or null for the JDK's.
 * @param certFile        for https client authentication: this node's certificate (PEM), or null.
 * @param keyFile         and its private key (PKCS#8 PEM), or null.
 */
public record RegistryConfig(List<URI> etcd, String mesh, int leaseTtlSeconds, Path authorityFile,
    PublicKey authority, Path certificateFile, String certificate, NodeCertificate cert, Path caFile, Path certFile,
    Path keyFile)
{
    public static final int DEFAULT_LEASE_TTL = 10;

    public RegistryConfig
    {
        etcd = List.copyOf(etcd);
    }

    /**
     * @return the key prefix of this mesh, {@code /l2mesh/<mesh>/}.
     */
    public String prefix()
    {
        return "/l2mesh/" + mesh + "/";
    }

    /**
     * @return this node's name in the mesh (its certificate's).
     */
    public String nodeName()
    {
        return cert.name();
    }
}
