package io.l2mesh.fec.stream;

import io.l2mesh.fec.ReedSolomon;

/**
 * Picks the parity count m for a fixed k from the loss rate the receiver reports, to keep the residual frame
 * loss at or below a target.
 * <p>
 * Model: shards are lost independently with probability p. A data frame stays lost when it is lost and at
 * least m of the other k + m - 1 shards of its block are lost too, so the residual loss is
 * {@code p · P(Binomial(k + m - 1, p) >= m)}. The smallest m meeting the target is taken. Hysteresis: m rises at
 * once when the loss rate needs it, but falls only when the lower m would meet the target even at
 * {@code (1 + HYSTERESIS)} times the reported loss, so a loss rate near a threshold does not make m flap.
 */
public final class AdaptiveParity
{
    public static final double TARGET_RESIDUAL_LOSS_DEFAULT = 1e-4;
    public static final double HYSTERESIS = 0.5;

    private final int k;
    private final int minM;
    private final int maxM;
    private final double targetResidualLoss;
    private int m;

    public AdaptiveParity(final int k, final int minM, final int maxM, final double targetResidualLoss)
    {
        ReedSolomon.checkShape(k, maxM);
        if (minM < 1 || minM > maxM)
        {
            throw new IllegalArgumentException("min m=" + minM + " must be in 1.." + maxM);
        }
        if (!(targetResidualLoss > 0 && targetResidualLoss < 1))
        {
            throw new IllegalArgumentException("target residual loss " + targetResidualLoss + " must be in (0, 1)");
        }
        this.k = k;
        this.minM = minM;
        this.maxM = maxM;
        this.targetResidualLoss = targetResidualLoss;
        this.m = minM;
    }

    public int m()
    {
        return m;
    }

    /**
     * Updates m from a reported loss rate (0..1) and returns it.
     */
    public int onLossReport(final double lossRate)
    {
        final double p = Math.clamp(Double.isNaN(lossRate) ? 0 : lossRate, 0.0, 1.0);
        final int needed = smallestM(p);
        if (needed > m)
        {
            m = needed;
        }
        else if (needed < m)
        {
            m = Math.max(needed, smallestM(Math.min(1.0, p * (1 + HYSTERESIS))));
        }
        return m;
    }

    /**
     * @return the smallest m in [minM, maxM] whose residual loss at {@code p} meets the target (maxM if none).
     */
    public int smallestM(final double p)
    {
        for (int candidate = minM; candidate <= maxM; candidate++)
        {
            if (residualLoss(k, candidate, p) <= targetResidualLoss)
            {
                return candidate;
            }
        }
        return maxM;
    }

    /**
     * {@code p · P(Binomial(k + m - 1, p) >= m)}: the expected fraction of frames lost after decoding.
     */
    public static double residualLoss(final int k, final int m, final double p)
    {
        if (p <= 0)
        {
            return 0;
        }
        if (p >= 1)
        {
            return 1;
        }
        final int n = k + m - 1;
        double below = 0; // P(X < m)
        double term = Math.pow(1 - p, n); // P(X = 0)
        for (int i = 0; i < m; i++)
        {
            below += term;
            term = term * (n - i) / (i + 1) * p / (1 - p);
        }
        return p * Math.max(0, 1 - below);
    }
}
