package io.l2mesh.tunnel;

/**
 * Where a tunnel port's peer came from. A peer from the config wins over one from the registry with the same
 * name or public key: adding it takes the registry's out, and the registry does not add over it.
 */
public enum PeerOrigin
{
    /** The config file, {@code peer add} or a reload. */
    CONFIG("config"),
    /** An entry of the mesh registry (etcd). */
    REGISTRY("registry");

    private final String label;

    PeerOrigin(final String label)
    {
        this.label = label;
    }

    public String label()
    {
        return label;
    }
}
