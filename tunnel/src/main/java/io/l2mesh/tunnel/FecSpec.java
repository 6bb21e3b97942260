package io.l2mesh.tunnel;

import io.l2mesh.fec.ReedSolomon;

/**
 * Forward error correction on a tunnel port: off, or k data shards and m parity shards per block (a block also
 * closes after {@link #BLOCK_TIMEOUT_NS} so FEC adds at most that to a lost frame's recovery, nothing to the
 * others). Adaptive: each peer's m follows the loss that peer reports seeing from us, to keep the residual loss
 * at or below {@code target}; m starts at the given value.
 *
 * @param k        data shards per block (0: FEC off).
 * @param m        parity shards per block (adaptive: the starting value).
 * @param adaptive m per peer from its loss reports.
 * @param target   residual frame loss adaptive m aims for.
 */
public record FecSpec(int k, int m, boolean adaptive, double target)
{
    public static final FecSpec OFF = new FecSpec(0, 0);
    public static final long BLOCK_TIMEOUT_NS = 1_000_000L;
    public static final double TARGET_DEFAULT = 1e-4;
    /** Most parity shards adaptive FEC adds. */
    public static final int MAX_ADAPTIVE_M = 16;
    /** Largest k the config accepts (a decoder keeps room for a block's frames in the burst). */
    public static final int MAX_K = 32;

    public FecSpec
    {
        if (k != 0 || m != 0)
        {
            ReedSolomon.checkShape(k, m);
        }
        if (adaptive && (k == 0 || !(target > 0 && target < 0.5)))
        {
            throw new IllegalArgumentException("adaptive FEC needs k and a target residual loss in (0, 0.5)");
        }
    }

    public FecSpec(final int k, final int m)
    {
        this(k, m, false, TARGET_DEFAULT);
    }

    public static FecSpec adaptive(final int k, final int startM, final double target)
    {
        return new FecSpec(k, startM, true, target);
    }

    /**
     * @return the same code with {@code nextM} parity shards (adaptive changes).
     */
    public FecSpec withM(final int nextM)
    {
        return new FecSpec(k, nextM, adaptive, target);
    }

    public boolean on()
    {
        return k > 0;
    }

    @Override
    public String toString()
    {
        return !on() ? "fec off" : adaptive ? "fec adaptive (" + k + ", m from " + m + ", target " + target + ")" :
            "fec (" + k + ", " + m + ")";
    }
}
