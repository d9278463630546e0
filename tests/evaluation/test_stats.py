"""Statistics of A/B comparisons: the issue's cases, simulations of error rate and power, intervals, Holm."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy.stats import binomtest

from promptctl.evaluation import stats


def _paired(n: int, both: int, a_only: int, b_only: int) -> tuple[list[float], list[float]]:
    a = [0.0] * n
    b = [0.0] * n
    i = 0
    for _ in range(both):
        a[i] = b[i] = 1.0
        i += 1
    for _ in range(a_only):
        a[i] = 1.0
        i += 1
    for _ in range(b_only):
        b[i] = 1.0
        i += 1
    return a, b


def test_mcnemar_150_cases_9_vs_5_is_not_significant():
    # A passes 9, B passes 5: 7 only by A, 3 only by B (2 by both) -> exact McNemar p = 0.34
    a, b = _paired(150, both=2, a_only=7, b_only=3)
    assert sum(a) == 9 and sum(b) == 5
    c = stats.compare(a, b, binary=True)
    assert c.test == "exact McNemar"
    assert (c.baseline_only, c.candidate_only) == (7, 3)
    assert c.p_value == pytest.approx(0.34375, abs=1e-9)
    assert round(c.p_value, 2) == 0.34
    assert c.p_value == pytest.approx(binomtest(3, 10, 0.5).pvalue)
    assert c.verdict == "no significant difference" and c.winner is None
    assert c.difference == pytest.approx(-4 / 150)
    assert "no significant difference at alpha 0.05" in c.sentence()
    # Connor (1987) with p10 = 7/150, p01 = 3/150
    assert c.cases_needed == 734
    assert c.cases_needed > 150


def test_zero_of_fifty_against_zero_of_fifty():
    c = stats.compare([0.0] * 50, [0.0] * 50, binary=True)
    assert c.p_value == 1.0 and c.winner is None and c.verdict == "no significant difference"
    assert c.difference == 0.0 and c.cases_needed is None
    assert c.effect_size["value"] is None
    summary = stats.summarise([0.0] * 50, binary=True)
    assert summary.mean == 0.0 and summary.passed == 0
    assert summary.ci is not None and summary.ci.low == 0.0 and 0 < summary.ci.high < 0.1
    text = json.dumps(c.to_dict(), allow_nan=False)  # no NaN, no infinity anywhere
    assert "NaN" not in text
    empty = stats.summarise([], binary=True)
    assert empty.mean is None and empty.ci is None


def test_aa_simulation_false_positive_rate_at_most_6_percent():
    # 1,000 A/A runs: both variants pass each of 200 cases with probability 0.6 (a scripted provider at a
    # fixed pass rate); the statistics run directly on the simulated outcomes.
    rng = np.random.default_rng(20231)
    winners = 0
    for _ in range(1000):
        a = (rng.random(200) < 0.6).astype(float)
        b = (rng.random(200) < 0.6).astype(float)
        winners += stats.compare(a, b, binary=True, intervals=False).winner is not None
    assert winners / 1000 <= 0.06


def test_power_simulation_finds_a_15_point_difference_in_80_percent():
    rng = np.random.default_rng(7)
    found = 0
    for _ in range(1000):
        a = (rng.random(200) < 0.50).astype(float)
        b = (rng.random(200) < 0.65).astype(float)
        found += stats.compare(a, b, binary=True, intervals=False).winner == "B"
    assert found / 1000 >= 0.80


def test_significant_difference_names_the_winner_both_ways():
    a, b = _paired(100, both=20, a_only=2, b_only=20)
    c = stats.compare(a, b, binary=True)
    assert c.winner == "B" and c.verdict == "B better" and c.p_value < 0.001
    assert c.ci is not None and c.ci.low > 0
    c = stats.compare(b, a, binary=True, labels=("A", "B"))
    assert c.winner == "A" and c.verdict == "A better"


def test_wilson_interval_matches_scipy():
    ci = stats.wilson_interval(9, 150)
    ref = binomtest(9, 150).proportion_ci(method="wilson")
    assert (ci.low, ci.high) == pytest.approx((ref.low, ref.high))
    assert stats.wilson_interval(0, 0) is None


def test_bootstrap_interval_contains_the_mean_and_is_reproducible():
    rng = np.random.default_rng(1)
    values = rng.random(80)
    one = stats.bootstrap_interval(values, seed=3)
    two = stats.bootstrap_interval(values, seed=3)
    assert one == two
    assert one.low < values.mean() < one.high and one.method.startswith("bootstrap")
    flat = stats.bootstrap_interval([0.5] * 10)
    assert (flat.low, flat.high, flat.method) == (0.5, 0.5, "degenerate")


def test_continuous_scores_use_a_paired_permutation_test():
    rng = np.random.default_rng(5)
    base = rng.random(60)
    better = np.clip(base + 0.15 + rng.normal(0, 0.05, 60), 0, 1)
    c = stats.compare(base, better, binary=False)
    assert c.test == "paired permutation" and c.p_value < 0.001 and c.winner == "B"
    assert c.effect_size["value"] > 1  # Cohen's d_z
    same = stats.compare(base, base, binary=False)
    assert same.p_value == 1.0 and same.winner is None and same.cases_needed is None
    # exact for small n: 2**5 = 32 sign flips, all differences positive -> p = 2/32
    small = stats.compare([0.1] * 5, [0.2, 0.3, 0.4, 0.5, 0.6], binary=False)
    assert small.p_value == pytest.approx(2 / 32)


def test_holm_step_down():
    assert stats.holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    assert stats.holm([0.5]) == [0.5]
    assert stats.holm([0.2, 0.9]) == pytest.approx([0.4, 0.9])


def test_holm_applies_with_more_than_two_variants():
    a, b = _paired(100, both=20, a_only=2, b_only=12)  # raw p ~ 0.013
    _, c = _paired(100, both=20, a_only=5, b_only=6)
    out = stats.compare_all([a, b, c], binary=True)
    assert [x.candidate for x in out] == ["B", "C"]
    assert all(x.adjustment == "holm" for x in out)
    assert out[0].p_adjusted == pytest.approx(min(1.0, 2 * out[0].p_value))
    assert out[0].p_adjusted >= out[0].p_value


def test_sample_size_formulas():
    # Connor (1987): psi = 0.3, delta = 0.1 -> n = (1.96*sqrt(.3) + 0.8416*sqrt(.29))^2 / .01
    expected = (1.959964 * math.sqrt(0.3) + 0.841621 * math.sqrt(0.29)) ** 2 / 0.01
    assert stats.cases_needed_paired_proportions(0.1, 0.2) == math.ceil(expected)
    assert stats.cases_needed_paired_proportions(0.1, 0.1) is None
    # d_z = 0.5: ((1.96 + 0.84) / 0.5)^2 + 1.96^2 / 2 = 31.4 + 1.9 -> 34
    assert stats.cases_needed_paired_means(0.1, 0.2) == 34
    assert stats.cases_needed_paired_means(0.0, 0.2) is None
