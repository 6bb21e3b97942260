package io.l2mesh.fec.stream;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class AdaptiveParityTest
{
    @Test
    void shouldComputeResidualLossFromBinomialModel()
    {
        // k=10, m=2, p=0.05: 0.05 · (1 - 0.95^11 - 11 · 0.05 · 0.95^10)
        final double expected = 0.05 * (1 - Math.pow(0.95, 11) - 11 * 0.05 * Math.pow(0.95, 10));
        assertThat(AdaptiveParity.residualLoss(10, 2, 0.05)).isCloseTo(expected, within(1e-12));
        assertThat(AdaptiveParity.residualLoss(10, 4, 0)).isZero();
        assertThat(AdaptiveParity.residualLoss(10, 1, 1)).isEqualTo(1);
    }

    @Test
    void shouldPickSmallestParityMeetingTarget()
    {
        final AdaptiveParity adaptive = new AdaptiveParity(10, 1, 20, 1e-4);
        assertThat(adaptive.smallestM(0.0)).isEqualTo(1);
        final int m = adaptive.smallestM(0.05);
        assertThat(AdaptiveParity.residualLoss(10, m, 0.05)).isLessThanOrEqualTo(1e-4);
        assertThat(AdaptiveParity.residualLoss(10, m - 1, 0.05)).isGreaterThan(1e-4);
        assertThat(adaptive.smallestM(0.10)).isGreaterThan(m);
    }

    @Test
    void shouldRaiseAtOnceButLowerOnlyWithMargin()
    {
        final AdaptiveParity adaptive = new AdaptiveParity(10, 1, 20, 1e-4);
        final int atFive = adaptive.onLossReport(0.05);
        assertThat(adaptive.onLossReport(0.10)).isGreaterThan(atFive);
        final int atTen = adaptive.m();
        // A small dip below the threshold keeps m; a clear drop lowers it.
        assertThat(adaptive.onLossReport(0.095)).isEqualTo(atTen);
        assertThat(adaptive.onLossReport(0.01)).isLessThan(atTen);
        assertThat(adaptive.onLossReport(Double.NaN)).isEqualTo(1);
    }

    @Test
    void shouldRefuseBadSettings()
    {
        assertThatThrownBy(() -> new AdaptiveParity(10, 0, 4, 1e-4)).hasMessageContaining("min m=0");
        assertThatThrownBy(() -> new AdaptiveParity(10, 1, 4, 0)).hasMessageContaining("target residual loss");
        assertThatThrownBy(() -> new AdaptiveParity(250, 1, 10, 1e-4)).hasMessageContaining("exceeds the limit");
    }
}
