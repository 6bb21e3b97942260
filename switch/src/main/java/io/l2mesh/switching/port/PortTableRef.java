package io.l2mesh.switching.port;

/**
 * The published {@link PortTable}. Written by the control thread (one volatile store per change), read by the
 * loops once per burst.
 */
public final class PortTableRef
{
    private volatile PortTable table = PortTable.EMPTY;

    public PortTable get()
    {
        return table;
    }

    public void set(final PortTable table)
    {
        this.table = table;
    }
}
