"""Comparing two variants' goal rates, with scipy rather than hand-written formulas.

The two-proportion z-test (pooled) is the chi-square test of the 2×2 table without
continuity correction: χ² = z², same p-value. ``scipy.stats.chi2_contingency`` computes
it; we report z with the sign of the difference. When an expected cell count is below 5
the normal approximation is poor, so Fisher's exact test (``scipy.stats.fisher_exact``)
gives the p-value instead, and the method says so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy import stats

ALPHA = 0.05


@dataclass(frozen=True)
class ProportionTest:
    z: float | None
    p_value: float | None
    method: str  # "z" (two-proportion z-test) | "fisher" | "none" (not enough data)

    @property
    def significant(self) -> bool:
        return self.p_value is not None and self.p_value < ALPHA


def two_proportion_test(
    successes_a: int, total_a: int, successes_b: int, total_b: int
) -> ProportionTest:
    """Does B's rate differ from A's? Two-sided."""
    if total_a <= 0 or total_b <= 0:
        return ProportionTest(None, None, "none")
    table = [
        [successes_a, total_a - successes_a],
        [successes_b, total_b - successes_b],
    ]
    if min(successes_a + successes_b, (total_a + total_b) - (successes_a + successes_b)) == 0:
        # Everyone (or no one) reached the goal: the rates are equal, nothing to test.
        return ProportionTest(0.0, 1.0, "z")
    result = stats.chi2_contingency(table, correction=False)
    difference = successes_b / total_b - successes_a / total_a
    z = math.copysign(math.sqrt(float(result.statistic)), difference)
    if float(result.expected_freq.min()) < 5:
        fisher = stats.fisher_exact(table, alternative="two-sided")
        return ProportionTest(z, float(fisher.pvalue), "fisher")
    return ProportionTest(z, float(result.pvalue), "z")
