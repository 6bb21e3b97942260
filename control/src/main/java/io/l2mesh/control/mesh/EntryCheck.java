package io.l2mesh.control.mesh;

import java.security.PublicKey;
import java.util.Arrays;

/**
 * Whether a registry entry admits its node: its certificate verifies against the mesh authority, is valid now,
 * binds the entry's name (which is also its key's last segment) and tunnel key, and the authority's deny list
 * names neither. Write access to etcd alone therefore admits nobody.
 */
final class EntryCheck
{
    private EntryCheck()
    {
    }

    /**
     * @param keyName the last segment of the entry's etcd key.
     * @return the certificate that admits the entry.
     * @throws Refused with the reason.
     */
    static NodeCertificate admit(final String keyName, final NodeEntry entry, final PublicKey authority,
        final DenyList deny, final long nowSeconds)
    {
        if (!entry.name().equals(keyName))
        {
            throw new Refused(Refused.NAME_MISMATCH, "entry at nodes/" + keyName + " is named '" + entry.name() + "'");
        }
        final NodeCertificate cert = NodeCertificate.verify(entry.certificate(), authority, nowSeconds);
        if (!cert.name().equals(entry.name()))
        {
            throw new Refused(Refused.NAME_MISMATCH, "entry '" + entry.name() + "' carries the certificate of '" +
                cert.name() + "'");
        }
        if (!Arrays.equals(cert.publicKey(), entry.publicKey()))
        {
            throw new Refused(Refused.KEY_MISMATCH, "entry '" + entry.name() + "' has another tunnel key than its " +
                "certificate binds");
        }
        if (deny.denies(cert.name(), cert.publicKey()))
        {
            throw new Refused(Refused.REVOKED, "'" + cert.name() + "' is on the authority's deny list (serial " +
                deny.serial() + ")");
        }
        return cert;
    }
}
