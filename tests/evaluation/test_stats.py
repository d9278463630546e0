"""Statistics of A/B comparisons: the issue's cases, simulations of error rate and power, intervals, Holm."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy.stats import binomtest, norm, permutation_test

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
    # A passes 9, B passes 5: 7 only by A, 3 only by B (2 by both) -> McNemar z = -4 / sqrt(10), p = 0.206
    a, b = _paired(150, both=2, a_only=7, b_only=3)
    assert sum(a) == 9 and sum(b) == 5
    c = stats.compare(a, b, binary=True)
    assert c.test == "McNemar score test"
    assert (c.baseline_only, c.candidate_only) == (7, 3)
    assert c.p_value == pytest.approx(2 * norm.sf(4 / math.sqrt(10)))
    assert c.verdict == "no significant difference" and c.winner is None
    assert c.difference == pytest.approx(-4 / 150)
    assert c.ci is not None and c.ci.low < 0 < c.ci.high and c.ci.method == "Tango score"
    assert "no significant difference at alpha 0.05" in c.sentence()
    # planning advice for the default 5-point mde with the observed 10/150 discordant share
    assert c.mde == 0.05 and c.cases_needed == stats.plan_pass_fail(0.05, 10 / 150)
    assert "planning: ~" in c.sentence() and "5-point difference" in c.sentence()


def test_zero_of_fifty_against_zero_of_fifty():
    c = stats.compare([0.0] * 50, [0.0] * 50, binary=True)
    assert c.p_value == 1.0 and c.winner is None and c.verdict == "no significant difference"
    assert c.difference == 0.0
    assert c.effect_size["value"] is None
    # never a zero-width interval: Tango with no discordant pair is +/- z^2 / (n + z^2)
    half = 1.959964**2 / (50 + 1.959964**2)
    assert c.ci is not None and (c.ci.low, c.ci.high) == pytest.approx((-half, half), abs=1e-6)
    summary = stats.summarise([0.0] * 50, binary=True)
    assert summary.mean == 0.0 and summary.passed == 0
    assert summary.ci is not None and summary.ci.low == 0.0 and 0 < summary.ci.high < 0.1
    text = json.dumps(c.to_dict(), allow_nan=False)  # no NaN, no infinity anywhere
    assert "NaN" not in text
    empty = stats.summarise([], binary=True)
    assert empty.mean is None and empty.ci is None


# -- the cases -------------------------------------------------------------------------------------
def test_one_vs_six_discordant_of_30_interval_and_verdict_agree():
    a, b = _paired(30, both=10, a_only=1, b_only=6)
    c = stats.compare(a, b, binary=True)
    assert c.difference == pytest.approx(5 / 30)
    # the old report said "no significant difference; +16.7 [+3.3, +33.3]": now the interval holds 0 too
    assert c.winner is None and c.p_value > 0.05
    assert c.ci.low < 0 < c.ci.high
    assert "B - A = +16.7 points [-0.8, +35.0]" in c.sentence()


def test_twenty_of_twenty_discordant_one_way_is_b_better_with_a_real_interval():
    c = stats.compare([0.0] * 20, [1.0] * 20, binary=True)
    assert c.verdict == "B better" and c.winner == "B"
    assert c.ci.low > 0 and c.ci.high - c.ci.low > 0.1 and c.ci.high == 1.0
    assert "+100.0 points [+100.0, +100.0]" not in c.sentence()
    ties = stats.compare([1.0] * 20, [1.0] * 20, binary=True)
    assert ties.ci.low < 0 < ties.ci.high  # all ties: not "[+0.0, +0.0]"


def test_interval_excludes_zero_exactly_when_the_test_rejects_every_table_of_30():
    n = 30
    b, c = np.array([(x, y) for x in range(n + 1) for y in range(n + 1 - x)]).T
    low, high = stats.tango_bounds(b, c, np.full(b.shape, n))
    p = np.array([stats.mcnemar_score(int(x), int(y)) for x, y in zip(b, c, strict=True)])
    assert np.array_equal((low > 0) | (high < 0), p < 0.05)
    assert np.all(high - low > 0.05)  # never zero-width


def test_score_interval_excludes_zero_exactly_when_the_permutation_test_rejects():
    rng = np.random.default_rng(11)
    base = rng.random((300, 30))
    shift = rng.choice([0.0, 0.05, 0.1], size=(300, 1))
    cand = np.clip(base + shift + rng.normal(0, 0.2, (300, 30)), 0, 1)
    p, low, high = stats.sign_flip_batch(cand - base, resamples=999)
    assert np.array_equal((low > 0) | (high < 0), p <= 0.05)
    assert 0.2 < np.mean(p <= 0.05) < 0.95 and np.all(high > low)
    # the p-value is scipy's own permutation test, as a mid-p, when every flip is enumerated
    x, y = base[0, :12], cand[0, :12]
    ref = permutation_test((x, y), lambda u, v, axis=-1: np.mean(v - u, axis=axis), permutation_type="samples",
                           vectorized=True)
    # mid-p: the two flips as extreme as the observed one (itself and its mirror) count half
    assert stats.paired_permutation(x, y) == pytest.approx(ref.pvalue - 1 / 2**12)
    # every difference equal: a real interval on the verdict's side of 0
    flat = stats.compare([0.5] * 30, [0.5] * 30, binary=False)
    assert flat.ci.low < 0 < flat.ci.high and flat.winner is None
    up = stats.compare([0.5] * 30, [0.6] * 30, binary=False)
    assert up.winner == "B" and 0 < up.ci.low < 0.1 < up.ci.high


def test_the_permutation_interval_handles_20000_cases_in_bounded_memory():
    import tracemalloc

    rng = np.random.default_rng(2)
    d = rng.normal(0.01, 0.2, 20_000)
    tracemalloc.start()
    p, ci = stats.sign_flip(d)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 200 * 2**20  # the flips are drawn in blocks, never all 9,998 x 20,000 at once (1.6 GB)
    assert ci.low < 0.01 < ci.high and p < 0.05
    # the blocks draw the same stream as one draw: same p-value as the plain flip matrix
    flips, _ = stats.sign_flips(40, 999, seed=0)
    small = rng.normal(0.05, 0.2, 40)
    hits = np.abs(flips @ small) > abs(small.sum())
    ties = np.isclose(np.abs(flips @ small), abs(small.sum()))
    assert stats.sign_flip(small, resamples=999)[0] == pytest.approx((hits.sum() + 0.5 * (ties.sum() + 1)) / 999)


def _pass_fail(rng, sims, n, psi, delta):
    """Discordant counts of ``sims`` simulated runs: baseline-only b, candidate-only c."""
    cells = rng.multinomial(n, [(psi - delta) / 2, (psi + delta) / 2, 1 - psi], size=sims)
    return cells[:, 0], cells[:, 1]


@pytest.mark.parametrize("n", [30, 100])
def test_pass_fail_coverage_and_aa_size_2000_simulations(n):
    rng = np.random.default_rng(n)
    for psi, delta in ((0.1, 0.0), (0.3, 0.0), (0.2, 0.1), (0.4, -0.1)):
        b, c = _pass_fail(rng, 2000, n, psi, delta)
        low, high = stats.tango_bounds(b, c, np.full(b.shape, n))
        coverage = np.mean((low <= delta) & (delta <= high))
        assert 0.93 <= coverage <= 0.97, (n, psi, delta, coverage)
        if delta == 0:
            z = np.abs(c - b) / np.sqrt(np.maximum(b + c, 1))
            size = np.mean(z > 1.959964)
            assert size <= 0.06, (n, psi, size)


def _scores(rng, sims, n, delta, kind):
    quality = rng.beta(2, 2, (sims, n))
    if kind == "continuous":
        a = np.clip(quality + rng.normal(0, 0.15, (sims, n)), 0, 1)
        b = np.clip(quality + delta + rng.normal(0, 0.15, (sims, n)), 0, 1)
    else:  # trials: 3 per case, each case's pass probability is its quality
        a = rng.binomial(3, quality) / 3
        b = rng.binomial(3, np.clip(quality + delta, 0, 1)) / 3
    return a, b


@pytest.mark.parametrize("n", [30, 100])
def test_score_coverage_and_aa_size_2000_simulations(n):
    rng = np.random.default_rng(100 + n)
    for kind in ("continuous", "trials"):
        a, b = _scores(rng, 2000, n, 0.0, kind)  # A/A: the true difference is 0
        p, low, high = stats.sign_flip_batch(b - a, resamples=499, seed=n)
        coverage = np.mean((low <= 0) & (0 <= high))
        assert 0.93 <= coverage <= 0.97 and np.mean(p <= 0.05) <= 0.06, (kind, coverage)


def test_max_regression_5pts_on_400_cases_with_10_percent_discordant():
    rng = np.random.default_rng(400)
    b, c = _pass_fail(rng, 2000, 400, 0.10, 0.0)
    lower = stats.tango_bounds(b, c, np.full(b.shape, 400), 0.90)[0]
    assert np.mean(lower >= -0.05) >= 0.90  # a true 0-point difference passes
    b, c = _pass_fail(rng, 2000, 400, 0.12, -0.10)
    lower = stats.tango_bounds(b, c, np.full(b.shape, 400), 0.90)[0]
    assert np.mean(lower < -0.05) >= 0.95  # a true 10-point drop fails


def test_planning_advice_gives_80_percent_power_at_the_mde():
    n = stats.plan_pass_fail(0.05, 0.15)
    assert stats.power_pass_fail(n, 0.15, 0.05) >= 0.80 > stats.power_pass_fail(n - 1, 0.15, 0.05) - 0.005
    rng = np.random.default_rng(5)
    b, c = _pass_fail(rng, 2000, n, 0.15, 0.05)
    z = (c - b) / np.sqrt(np.maximum(b + c, 1))
    assert 0.77 <= np.mean(np.abs(z) > 1.959964) <= 0.84
    assert stats.plan_scores(0.05, 0.2) == 128  # noncentral t: d = 0.25
    assert stats.plan_scores(0.05, 0.0) is None


def test_pass_at_k_and_pass_hat_k():
    assert stats.pass_at_k(3, 1, 1) == pytest.approx(1 / 3)
    assert stats.pass_at_k(3, 1, 3) == 1.0 and stats.pass_at_k(3, 0, 3) == 0.0
    assert stats.pass_at_k(5, 2, 2) == pytest.approx(1 - math.comb(3, 2) / math.comb(5, 2))
    assert stats.pass_hat_k(3, 2, 2) == pytest.approx(1 / 3) and stats.pass_hat_k(3, 3, 3) == 1.0
    assert stats.pass_hat_k(3, 2, 3) == 0.0
    with pytest.raises(ValueError):
        stats.pass_at_k(3, 1, 4)


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
    assert c.test == "paired permutation" and c.p_value < 0.001 and c.winner == "B" and c.ci.low > 0
    assert c.effect_size["value"] > 1  # Cohen's d_z
    same = stats.compare(base, base, binary=False)
    assert same.p_value == 1.0 and same.winner is None and same.cases_needed is None  # no spread: cannot size
    # exact for small n: 2**5 = 32 sign flips, all differences positive -> mid-p = (0 + 2 / 2) / 32
    small = stats.compare([0.1] * 5, [0.2, 0.3, 0.4, 0.5, 0.6], binary=False)
    assert small.p_value == pytest.approx(1 / 32)


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


def test_the_table_and_the_sentence_print_the_same_p_value():
    """4 of 30 discordant, all one way: z = 2, p = 0.0455003, stored as 0.0455; both places print 0.046."""
    from promptctl.evaluation.ab_report import comparison_rows

    comparison = stats.compare([1.0] * 30, [0.0] * 4 + [1.0] * 26, binary=True, labels=("A", "B"))
    record = comparison.to_dict()
    assert record["p_value"] == 0.0455
    row = comparison_rows({"comparisons": [record]})[0]
    assert row[4] == "0.046"
    assert "McNemar score test p = 0.046;" in record["sentence"]
    assert [stats.format_p(p) for p in (0.0004, 0.0009996, 0.012345, 0.994, 0.9951, 1.0)] == [
        "<0.001", "0.001", "0.012", "0.994", "1.0", "1.0"]


def _exact_power_by_enumeration(n: int, baseline_only: float, candidate_only: float) -> float:
    """Power of the two-sided McNemar score test at alpha 0.05, summed over every (b, c) of the multinomial.

    Independent of promptctl.evaluation.stats: plain arithmetic (math.comb, math.sqrt), no scipy.
    """
    z = 1.959963984540054  # the standard normal's 0.975 quantile
    rest = 1.0 - baseline_only - candidate_only
    total = 0.0
    for b in range(n + 1):
        for c in range(n - b + 1):
            if b + c == 0 or abs(c - b) <= z * math.sqrt(b + c):
                continue
            total += (math.comb(n, b) * math.comb(n - b, c) * baseline_only**b * candidate_only**c
                      * rest ** (n - b - c))
    return total


def test_planning_advice_matches_the_power_of_the_test_ab_runs_computed_independently():
    """The new-user trial read '~110 cases for 5 points' against Connor's closed form, ~155 (issue 20).

    Connor (1987): n = (z_a sqrt(psi) + z_b sqrt(psi - delta^2))^2 / delta^2; with psi = delta = 0.05:
    (1.959964 * 0.223607 + 0.841621 * 0.217945)^2 / 0.0025 = 154.6 -> 155. That is a normal approximation;
    the exact power of the score test ab runs is what the advice promises, and at 0% observed discordance
    (psi raised to the mde) it needs 110 cases.
    """
    connor = (1.959963984540054 * math.sqrt(0.05) + 0.8416212335729143 * math.sqrt(0.05 - 0.05**2)) ** 2 / 0.05**2
    assert math.ceil(connor) == 155 == stats.cases_needed_paired_proportions(0.0, 0.05)
    n = stats.plan_pass_fail(0.05, 0.0)
    assert n == 110
    assert _exact_power_by_enumeration(n, 0.0, 0.05) >= 0.80 > _exact_power_by_enumeration(n - 1, 0.0, 0.05)
    # with moderate discordance the exact figure and the closed form agree closely (Connor: 233.1 -> 234)
    n = stats.plan_pass_fail(0.10, 0.30)
    assert _exact_power_by_enumeration(n, 0.10, 0.20) >= 0.80 > _exact_power_by_enumeration(n - 1, 0.10, 0.20) - 0.005
    assert abs(n - 234) <= 8
    c = stats.compare([0.0] * 40, [0.0] * 40, binary=True)
    assert "~110 paired cases would detect a 5-point difference" in c.sentence()
    assert "0% observed, raised to the mde: the candidate never worse on a case" in c.sentence()
