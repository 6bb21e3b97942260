package io.l2mesh.tunnel;

import io.l2mesh.fec.ReedSolomon;

/**
 * Forward error correction on a tunnel port: off, or k data shards and m parity shards per block (a block also
 * closes after {@link #BLOCK_TIMEOUT_NS} so FEC adds at most that to a lost frame's recovery, nothing to the
 * others).
 *
 * @param k data shards per block (0: FEC off).
 * @param m parity shards per block.
 */
public record FecSpec(int k, int m)
{
    public static final FecSpec OFF = new FecSpec(0, 0);
    public static final long BLOCK_TIMEOUT_NS = 1_000_000L;

    public FecSpec
    {
        if (k != 0 || m != 0)
        {
            ReedSolomon.checkShape(k, m);
        }
    }

    public boolean on()
    {
        return k > 0;
    }

    @Override
    public String toString()
    {
        return on() ? "fec (" + k + ", " + m + ")" : "fec off";
    }
}
