package io.l2mesh.switching.fdb;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One learned or static station. Mutated in place by the datapath loops (refresh, move), so no entry is
 * allocated per frame. Fields are read and written with opaque access: each field is independent, a reader
 * needs only a recent value, never an ordering between fields.
 */
public final class MacEntry
{
    private static final VarHandle PORT_ID;
    private static final VarHandle LAST_SEEN_NS;

    static
    {
        try
        {
            final MethodHandles.Lookup lookup = MethodHandles.lookup();
            PORT_ID = lookup.findVarHandle(MacEntry.class, "portId", int.class);
            LAST_SEEN_NS = lookup.findVarHandle(MacEntry.class, "lastSeenNs", long.class);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new ExceptionInInitializerError(ex);
        }
    }

    private final long key;
    private final boolean isStatic;
    @SuppressWarnings("unused") // accessed through PORT_ID
    private int portId;
    @SuppressWarnings("unused") // accessed through LAST_SEEN_NS
    private long lastSeenNs;

    MacEntry(final long key, final int portId, final long nowNs, final boolean isStatic)
    {
        this.key = key;
        this.isStatic = isStatic;
        this.portId = portId;
        this.lastSeenNs = nowNs;
    }

    public long key()
    {
        return key;
    }

    public int vlan()
    {
        return MacKey.vlan(key);
    }

    public long mac()
    {
        return MacKey.mac(key);
    }

    public boolean isStatic()
    {
        return isStatic;
    }

    public int portId()
    {
        return (int)PORT_ID.getOpaque(this);
    }

    void portId(final int portId)
    {
        PORT_ID.setOpaque(this, portId);
    }

    public long lastSeenNs()
    {
        return (long)LAST_SEEN_NS.getOpaque(this);
    }

    void lastSeenNs(final long nowNs)
    {
        LAST_SEEN_NS.setOpaque(this, nowNs);
    }
}
