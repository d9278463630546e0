"""Statistics of paired comparisons: intervals, paired tests, Holm's correction, sample sizes.

Everything here works on per-case values aligned by case (index ``i`` of every array is the same
case), so variants are compared *paired*: each case is its own control, which removes the case
difficulty from the comparison and needs far fewer cases than comparing two independent means.

Methods (all from :mod:`scipy.stats`, nothing hand-rolled except Holm's step-down and the two
closed-form sample-size formulas, each cited):

===========================  =================================================================
mean of pass/fail            Wilson score interval (Wilson 1927):
                             ``scipy.stats.binomtest(k, n).proportion_ci(method="wilson")``
mean of continuous scores    bootstrap BCa interval (Efron 1987): ``scipy.stats.bootstrap``,
                             percentile interval when BCa is undefined
paired difference            bootstrap BCa interval of the mean of per-case differences
paired test, pass/fail       exact McNemar test: ``scipy.stats.binomtest`` on the discordant
                             pairs, p = 0.5 (McNemar 1947; exact form, Fagerland et al. 2013)
paired test, scores          paired permutation test of the mean difference (Fisher 1935):
                             ``scipy.stats.permutation_test(..., permutation_type="samples")``,
                             exact when 2**n <= ``n_resamples``
several candidates           Holm's step-down correction of the p-values (Holm 1979)
pairwise preferences         sign test: ``scipy.stats.binomtest`` on the wins, ties dropped
cases needed, pass/fail      Connor (1987), sample size for McNemar's test
cases needed, scores         normal approximation for the paired t test with Guenther's (1981)
                             correction
===========================  =================================================================

References:
    Connor RJ (1987). Sample size for testing differences in proportions for the paired-sample
    design. Biometrics 43(1):207-211.
    Efron B (1987). Better bootstrap confidence intervals. JASA 82(397):171-185.
    Fagerland MW, Lydersen S, Laake P (2013). The McNemar test for binary matched-pairs data:
    mid-p and asymptotic are better than exact conditional. BMC Med Res Methodol 13:91.
    Guenther WC (1981). Sample size formulas for normal theory t tests. Am Stat 35(4):243-244.
    Holm S (1979). A simple sequentially rejective multiple test procedure. Scand J Stat 6:65-70.
    McNemar Q (1947). Note on the sampling error of the difference between correlated proportions
    or percentages. Psychometrika 12(2):153-157.
    Wilson EB (1927). Probable inference, the law of succession, and statistical inference.
    JASA 22(158):209-212.

``scipy`` and ``numpy`` are imported inside the functions, so importing this module is cheap.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

DEFAULT_ALPHA = 0.05
DEFAULT_POWER = 0.8
DEFAULT_RESAMPLES = 9999
DEFAULT_SEED = 0
NO_VERDICT = "no verdict"
"""The verdict of a comparison without any paired case (every case errored for one side)."""
"""Seed of the bootstrap and permutation resampling: the same data always gives the same figures."""


@dataclass(frozen=True)
class Interval:
    """A confidence interval.

    Attributes:
        low: Lower bound (same unit as the estimate).
        high: Upper bound.
        method: How it was computed (``wilson``, ``bootstrap BCa``, ``bootstrap percentile``,
            ``degenerate``: every value equal, so the interval is the point).
        confidence: Confidence level, e.g. 0.95.
    """

    low: float
    high: float
    method: str
    confidence: float = 0.95

    def to_dict(self) -> dict[str, Any]:
        """``{"low", "high", "method", "confidence"}``."""
        return {"low": _r(self.low), "high": _r(self.high), "method": self.method, "confidence": self.confidence}


@dataclass(frozen=True)
class Summary:
    """The mean of one variant's per-case values, with its interval.

    Attributes:
        n: Cases.
        mean: Mean per-case value in [0, 1] (the pass rate for pass/fail), or None when ``n == 0``.
        ci: Interval of the mean, or None when ``n == 0``.
        passed: Cases passed (pass/fail values only), else None.
    """

    n: int
    mean: float | None
    ci: Interval | None
    passed: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """``{"n", "mean", "ci95", "passed"}``."""
        return {"n": self.n, "mean": _r(self.mean), "ci95": self.ci.to_dict() if self.ci else None,
                "passed": self.passed}


@dataclass(frozen=True)
class Comparison:
    """A candidate against the baseline on the cases both completed.

    Attributes:
        baseline: Label of the baseline (``A``).
        candidate: Label of the candidate (``B``, ``C`` ...).
        n_pairs: Paired cases.
        binary: True for pass/fail values (exact McNemar), False for scores (permutation test).
        baseline_mean: Baseline's mean on the paired cases.
        candidate_mean: Candidate's mean on the paired cases.
        difference: ``candidate_mean - baseline_mean`` (score units; x100 = percentage points).
        ci: Interval of the difference, or None when there are no pairs or it was not computed.
        test: Name of the paired test.
        p_value: Two-sided p-value of the paired test (1.0 when nothing differs).
        p_adjusted: Holm-adjusted p-value (equal to ``p_value`` with one candidate).
        adjustment: ``holm`` with several candidates, else None.
        alpha: Significance level.
        baseline_only: Pass/fail: cases passed by the baseline only (discordant pairs).
        candidate_only: Pass/fail: cases passed by the candidate only.
        effect_size: ``{"name", "value"}``: the odds ratio of the discordant pairs (candidate-only /
            baseline-only; None when undefined) for pass/fail, Cohen's d_z (mean difference / SD of the
            differences) for scores.
        cases_needed: Paired cases a difference of the observed size would need to be detected with
            ``power`` at ``alpha`` (Connor 1987; Guenther 1981); None when no difference was observed.
        power: The power ``cases_needed`` is computed for.
        verdict: ``"<candidate> better"``, ``"<baseline> better"``, ``"no significant difference"``, or
            :data:`NO_VERDICT` (``"no verdict"``) when there is no paired case.
        winner: The better label, or None.
    """

    baseline: str
    candidate: str
    n_pairs: int
    binary: bool
    baseline_mean: float | None
    candidate_mean: float | None
    difference: float | None
    ci: Interval | None
    test: str
    p_value: float
    p_adjusted: float
    adjustment: str | None
    alpha: float
    baseline_only: int | None = None
    candidate_only: int | None = None
    effect_size: dict[str, Any] = field(default_factory=dict)
    cases_needed: int | None = None
    power: float = DEFAULT_POWER
    verdict: str = "no significant difference"
    winner: str | None = None

    @property
    def significant(self) -> bool:
        """True when the adjusted p-value is below alpha."""
        return self.p_adjusted < self.alpha

    def sentence(self) -> str:
        """One line: verdict, difference with its interval, test, p-value and cases needed.

        With no paired case there is no verdict: the line says so and nothing else.
        """
        if self.n_pairs == 0:
            return f"no verdict: no case was scored for both {self.baseline} and {self.candidate} (0 paired cases)"
        parts = [self.verdict if self.winner else f"no significant difference at alpha {self.alpha:g}"]
        if self.difference is not None:
            diff = f"{self.candidate} - {self.baseline} = {self.difference * 100:+.1f} points"
            if self.ci is not None:
                diff += f" [{self.ci.low * 100:+.1f}, {self.ci.high * 100:+.1f}]"
            parts.append(diff)
        p = f"{self.test} p = {_fmt_p(self.p_value)}"
        if self.adjustment:
            p += f" (Holm {_fmt_p(self.p_adjusted)})"
        parts.append(p)
        parts.append(f"{self.n_pairs} paired case{'' if self.n_pairs == 1 else 's'}")
        if not self.winner and self.cases_needed is not None:
            parts.append(f"~{self.cases_needed} cases would detect a difference this size "
                         f"({self.power:.0%} power)")
        return "; ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready view (the ``comparisons`` entries of an A/B result)."""
        return {
            "baseline": self.baseline, "candidate": self.candidate, "n_pairs": self.n_pairs,
            "metric": "pass" if self.binary else "score",
            "baseline_mean": _r(self.baseline_mean), "candidate_mean": _r(self.candidate_mean),
            "difference": _r(self.difference), "ci95": self.ci.to_dict() if self.ci else None,
            "test": self.test, "p_value": _r(self.p_value), "p_adjusted": _r(self.p_adjusted),
            "adjustment": self.adjustment, "alpha": self.alpha,
            "discordant": ({"baseline_only": self.baseline_only, "candidate_only": self.candidate_only}
                           if self.binary else None),
            "effect_size": self.effect_size, "cases_needed": self.cases_needed, "power": self.power,
            "verdict": self.verdict, "winner": self.winner, "sentence": self.sentence(),
        }


# -- intervals -------------------------------------------------------------------------------------
def wilson_interval(passed: int, n: int, confidence: float = 0.95) -> Interval | None:
    """Wilson score interval of a proportion (Wilson 1927), through ``scipy.stats.binomtest``.

    Args:
        passed: Successes.
        n: Trials (cases).
        confidence: Confidence level.

    Returns:
        The interval in [0, 1], or None when ``n == 0``.
    """
    if n == 0:
        return None
    from scipy.stats import binomtest

    ci = binomtest(int(passed), int(n)).proportion_ci(confidence_level=confidence, method="wilson")
    return Interval(float(ci.low), float(ci.high), "wilson", confidence)


def bootstrap_interval(
    values: Sequence[float], confidence: float = 0.95, *, seed: int = DEFAULT_SEED, resamples: int = DEFAULT_RESAMPLES
) -> Interval | None:
    """Bootstrap interval of a mean: BCa (Efron 1987), percentile when BCa is undefined.

    Args:
        values: Per-case values (shape ``(n,)``).
        confidence: Confidence level.
        seed: Resampling seed (reproducible figures).
        resamples: Bootstrap resamples.

    Returns:
        The interval; the point itself (method ``degenerate``) when every value is equal; None when
        there are no values.
    """
    import numpy as np

    data = np.asarray(values, dtype=float)
    if data.size == 0:
        return None
    if data.size == 1 or float(np.ptp(data)) == 0.0:
        return Interval(float(data[0]), float(data[0]), "degenerate", confidence)
    import warnings

    from scipy.stats import bootstrap

    for method in ("BCa", "percentile"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = bootstrap((data,), np.mean, confidence_level=confidence, n_resamples=resamples,
                               method=method, rng=np.random.default_rng(seed))
        low, high = float(result.confidence_interval.low), float(result.confidence_interval.high)
        if math.isfinite(low) and math.isfinite(high):
            return Interval(low, high, f"bootstrap {method}", confidence)
    return Interval(float(data.mean()), float(data.mean()), "degenerate", confidence)


def summarise(values: Sequence[float], *, binary: bool, confidence: float = 0.95, seed: int = DEFAULT_SEED) -> Summary:
    """Mean and interval of one variant's per-case values.

    Args:
        values: Per-case values in [0, 1] (shape ``(n,)``); 0/1 for pass/fail.
        binary: Pass/fail values: Wilson interval; else bootstrap.
        confidence: Confidence level.
        seed: Bootstrap seed.

    Returns:
        A :class:`Summary` (mean and interval None for no cases: never a division by zero).
    """
    n = len(values)
    if n == 0:
        return Summary(0, None, None, 0 if binary else None)
    mean = float(sum(values)) / n
    if binary:
        passed = int(round(sum(values)))
        return Summary(n, mean, wilson_interval(passed, n, confidence), passed)
    return Summary(n, mean, bootstrap_interval(values, confidence, seed=seed))


# -- paired tests ------------------------------------------------------------------------------------
def mcnemar_exact(baseline: Sequence[float] | Any, candidate: Sequence[float] | Any) -> tuple[float, int, int]:
    """Exact McNemar test of paired pass/fail outcomes (McNemar 1947; exact conditional form).

    Under the null hypothesis the discordant pairs split 50/50, so the p-value is that of a two-sided
    binomial test of ``candidate_only`` successes in ``baseline_only + candidate_only`` trials at 0.5
    (``scipy.stats.binomtest``).

    Args:
        baseline: Baseline outcomes, 0/1 per case (shape ``(n,)``).
        candidate: Candidate outcomes, aligned by case.

    Returns:
        ``(p_value, baseline_only, candidate_only)``; p = 1.0 with no discordant pairs.
    """
    b = sum(1 for x, y in zip(baseline, candidate, strict=True) if x >= 0.5 > y)
    c = sum(1 for x, y in zip(baseline, candidate, strict=True) if y >= 0.5 > x)
    if b + c == 0:
        return 1.0, b, c
    from scipy.stats import binomtest

    return float(binomtest(c, b + c, 0.5, alternative="two-sided").pvalue), b, c


def paired_permutation(
    baseline: Sequence[float] | Any, candidate: Sequence[float] | Any, *, seed: int = DEFAULT_SEED,
    resamples: int = DEFAULT_RESAMPLES,
) -> float:
    """Paired permutation test of the mean difference (Fisher 1935), two-sided.

    Each case's pair of values is swapped at random (``permutation_type="samples"``); the test is exact
    when ``2**n <= resamples``.

    Args:
        baseline: Baseline values per case (shape ``(n,)``).
        candidate: Candidate values, aligned by case.
        seed: Resampling seed.
        resamples: Random permutations when the exact test is too large.

    Returns:
        The p-value (1.0 when every difference is zero, or with no pairs).
    """
    import numpy as np

    a = np.asarray(baseline, dtype=float)
    b = np.asarray(candidate, dtype=float)
    if a.size == 0 or np.all(a == b):
        return 1.0
    from scipy.stats import permutation_test

    def statistic(x: Any, y: Any, axis: int = -1) -> Any:
        return np.mean(y - x, axis=axis)

    result = permutation_test((a, b), statistic, permutation_type="samples", vectorized=True,
                              n_resamples=resamples, alternative="two-sided", rng=np.random.default_rng(seed))
    return float(min(1.0, result.pvalue))


def sign_test(candidate_wins: int, baseline_wins: int) -> float:
    """Two-sided sign test of pairwise wins (ties dropped): ``scipy.stats.binomtest`` at 0.5.

    Returns:
        The p-value (1.0 when nobody won).
    """
    n = candidate_wins + baseline_wins
    if n == 0:
        return 1.0
    from scipy.stats import binomtest

    return float(binomtest(candidate_wins, n, 0.5).pvalue)


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm's step-down adjusted p-values (Holm 1979), in the input order.

    Sort the m p-values ascending; the i-th smallest (1-based) is adjusted to
    ``max_{j <= i} min(1, (m - j + 1) * p_(j))``. Rejecting where the adjusted value is below alpha
    controls the family-wise error rate at alpha, uniformly more powerful than Bonferroni.
    (``scipy.stats.false_discovery_control`` does Benjamini-Hochberg, which controls the false
    discovery rate instead, so it is not used here.)

    Args:
        p_values: Raw p-values.

    Returns:
        Adjusted p-values, same order and length.
    """
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    adjusted = [1.0] * m
    running = 0.0
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[index]))
        adjusted[index] = running
    return adjusted


# -- sample size -------------------------------------------------------------------------------------
def cases_needed_paired_proportions(
    baseline_only: float, candidate_only: float, *, alpha: float = DEFAULT_ALPHA, power: float = DEFAULT_POWER
) -> int | None:
    """Paired cases McNemar's test needs to detect a difference (Connor 1987).

    ``n = (z_{1-alpha/2} * sqrt(psi) + z_{power} * sqrt(psi - delta**2))**2 / delta**2`` with
    ``psi = p10 + p01`` (the share of discordant pairs) and ``delta = p01 - p10`` (the difference in
    pass rates), both estimated from the observed shares.

    Args:
        baseline_only: Share of cases passed by the baseline only (p10, in [0, 1]).
        candidate_only: Share passed by the candidate only (p01).
        alpha: Two-sided significance level.
        power: Wanted power.

    Returns:
        Cases (rounded up), or None when the shares are equal (no difference to detect).
    """
    delta = candidate_only - baseline_only
    psi = candidate_only + baseline_only
    if delta == 0 or psi <= 0:
        return None
    from scipy.stats import norm

    z_a, z_b = float(norm.ppf(1 - alpha / 2)), float(norm.ppf(power))
    n = (z_a * math.sqrt(psi) + z_b * math.sqrt(max(psi - delta**2, 0.0))) ** 2 / delta**2
    return max(int(math.ceil(n)), 1)


def cases_needed_paired_means(
    mean_difference: float, sd_difference: float, *, alpha: float = DEFAULT_ALPHA, power: float = DEFAULT_POWER
) -> int | None:
    """Paired cases a paired test needs to detect a mean difference (normal approximation).

    ``n = ((z_{1-alpha/2} + z_{power}) / d_z)**2 + z_{1-alpha/2}**2 / 2`` with ``d_z = mean / sd`` of the
    per-case differences; the second term is Guenther's (1981) correction for the t distribution.

    Args:
        mean_difference: Observed mean difference.
        sd_difference: Observed standard deviation of the differences (ddof 1).
        alpha: Two-sided significance level.
        power: Wanted power.

    Returns:
        Cases (rounded up, at least 2), or None when the mean difference is zero.
    """
    if mean_difference == 0:
        return None
    from scipy.stats import norm

    z_a, z_b = float(norm.ppf(1 - alpha / 2)), float(norm.ppf(power))
    if sd_difference <= 0:
        return 2
    d = abs(mean_difference) / sd_difference
    return max(int(math.ceil(((z_a + z_b) / d) ** 2 + z_a**2 / 2)), 2)


# -- comparisons -------------------------------------------------------------------------------------
def compare(
    baseline: Sequence[float],
    candidate: Sequence[float],
    *,
    binary: bool,
    labels: tuple[str, str] = ("A", "B"),
    alpha: float = DEFAULT_ALPHA,
    power: float = DEFAULT_POWER,
    intervals: bool = True,
    seed: int = DEFAULT_SEED,
) -> Comparison:
    """Compare a candidate with the baseline, paired case by case (one comparison, unadjusted).

    Args:
        baseline: Baseline values per case (shape ``(n,)``, in [0, 1]; 0/1 when ``binary``).
        candidate: Candidate values, aligned by case (same length).
        binary: Pass/fail values: exact McNemar test; else the paired permutation test.
        labels: ``(baseline label, candidate label)`` used in the verdict.
        alpha: Significance level.
        power: Power for ``cases_needed``.
        intervals: Compute the bootstrap interval of the difference (skip it in simulations).
        seed: Resampling seed.

    Returns:
        The :class:`Comparison`, with its verdict at ``alpha`` (see :func:`compare_all` for several).

    Raises:
        ValueError: The arrays differ in length.
    """
    import numpy as np

    if len(baseline) != len(candidate):
        raise ValueError(f"paired values differ in length: {len(baseline)} vs {len(candidate)}")
    a = np.asarray(baseline, dtype=float)
    b = np.asarray(candidate, dtype=float)
    n = int(a.size)
    mean_a = float(a.mean()) if n else None
    mean_b = float(b.mean()) if n else None
    diff = (mean_b - mean_a) if n and mean_a is not None and mean_b is not None else None
    d = b - a
    ci = bootstrap_interval(d, seed=seed) if intervals and n else None
    b_only = c_only = None
    if binary:
        p, b_only, c_only = mcnemar_exact(a, b)
        test = "exact McNemar"
        ratio = (c_only / b_only) if b_only else None
        effect = {"name": "discordant odds ratio (candidate-only / baseline-only)",
                  "value": _r(ratio) if ratio is not None else None}
        needed = cases_needed_paired_proportions(b_only / n, c_only / n, alpha=alpha, power=power) if n else None
    else:
        p = paired_permutation(a, b, seed=seed)
        test = "paired permutation"
        sd = float(d.std(ddof=1)) if n > 1 else 0.0
        dz = (float(d.mean()) / sd) if sd > 0 else None
        effect = {"name": "Cohen's d_z (mean difference / SD of differences)",
                  "value": _r(dz) if dz is not None else None}
        needed = cases_needed_paired_means(float(d.mean()), sd, alpha=alpha, power=power) if n else None
    comparison = Comparison(
        baseline=labels[0], candidate=labels[1], n_pairs=n, binary=binary, baseline_mean=mean_a,
        candidate_mean=mean_b, difference=diff, ci=ci, test=test, p_value=p, p_adjusted=p, adjustment=None,
        alpha=alpha, baseline_only=b_only, candidate_only=c_only, effect_size=effect, cases_needed=needed,
        power=power,
    )
    return _with_verdict(comparison)


def compare_all(
    values: Sequence[Sequence[float]],
    *,
    binary: bool,
    labels: Sequence[str] | None = None,
    alpha: float = DEFAULT_ALPHA,
    power: float = DEFAULT_POWER,
    seed: int = DEFAULT_SEED,
) -> list[Comparison]:
    """Compare every candidate with the first variant (the baseline), Holm-adjusted when there are several.

    Args:
        values: Per variant, the per-case values on the same paired cases (shape ``(k, n)``).
        binary: Pass/fail values.
        labels: Variant labels (default ``A``, ``B``, ``C`` ...).
        alpha: Family-wise significance level.
        power: Power for ``cases_needed``.
        seed: Resampling seed.

    Returns:
        ``k - 1`` comparisons (baseline vs each candidate, in order).
    """
    names = list(labels) if labels is not None else [chr(ord("A") + i) for i in range(len(values))]
    raw = [compare(values[0], values[i], binary=binary, labels=(names[0], names[i]), alpha=alpha, power=power,
                   seed=seed) for i in range(1, len(values))]
    return adjust(raw)


def adjust(comparisons: list[Comparison]) -> list[Comparison]:
    """Apply Holm's correction across comparisons (when there are two or more) and redo the verdicts."""
    if len(comparisons) < 2:
        return comparisons
    adjusted = holm([c.p_value for c in comparisons])
    return [_with_verdict(replace(c, p_adjusted=p, adjustment="holm")) for c, p in zip(comparisons, adjusted,
                                                                                         strict=True)]


def _with_verdict(c: Comparison) -> Comparison:
    if c.n_pairs == 0:
        return replace(c, verdict=NO_VERDICT, winner=None)
    if c.p_adjusted < c.alpha and c.difference is not None and c.difference != 0:
        winner = c.candidate if c.difference > 0 else c.baseline
        return replace(c, verdict=f"{winner} better", winner=winner)
    return replace(c, verdict="no significant difference", winner=None)


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0-100, linear interpolation, ``numpy.percentile``), or None for no values."""
    if not values:
        return None
    import numpy as np

    return float(np.percentile(np.asarray(values, dtype=float), q))


def _r(value: float | None, digits: int = 6) -> float | None:
    return None if value is None else round(float(value), digits)


def _fmt_p(p: float) -> str:
    return "<0.001" if p < 0.001 else f"{p:.3f}" if p < 0.995 else "1.0"
