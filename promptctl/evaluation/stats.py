"""Statistics of paired comparisons: intervals that agree with their tests, gates, sample sizes, pass@k.

Everything here works on per-case values aligned by case (index ``i`` of every array is the same
case), so variants are compared *paired*: each case is its own control, which removes the case
difficulty from the comparison and needs far fewer cases than comparing two independent means.

The interval of a difference and its test are one computation: the interval is the set of differences
the test does not reject, so it excludes 0 exactly when the verdict is "significant" (before Holm's
correction, see :func:`adjust`). Methods:

===========================  =================================================================
mean of pass/fail            Wilson score interval (Wilson 1927):
                             ``scipy.stats.binomtest(k, n).proportion_ci(method="wilson")``
mean of continuous scores    the sign-flip interval below, applied to the values minus 0
paired test, pass/fail       McNemar's asymptotic test without continuity correction, the score
                             test of "no difference" (McNemar 1947): z = (c - b) / sqrt(b + c),
                             b, c the discordant pairs; recommended by Fagerland et al. (2013),
                             who found it almost as powerful as and close in size to the mid-p
                             test; the exact conditional test it replaces is conservative
interval, pass/fail          Tango's (1998) score interval for the difference of paired
                             proportions: the inversion of the same score test (at 0 Tango's
                             statistic is McNemar's z), recommended by Fagerland, Lydersen and
                             Laake (2014); never zero-width (no discordant pair of 30 gives
                             +/- 11.4 points)
paired test, scores          sign-flip permutation test of the mean difference (Fisher 1935),
                             two-sided: all 2**n flips when 2**n <= ``resamples``, else
                             ``resamples`` random flips with their mirror images; mid-p (Lancaster
                             1961): flips exactly as extreme as the observed count half, so it is
                             ``scipy.stats.permutation_test(..., permutation_type="samples")``'s
                             p-value less half the tied share
interval, scores             the inversion of that test on the same flips: every shift d0 for
                             which the test of the differences minus d0 does not reject
                             (Hartigan 1969; Good 2005, ch. 3); with every difference equal it
                             takes Tango's no-discordance half-width z**2 / (n + z**2)
non-inferiority bound        the lower bound of the two-sided 90% interval of the same method:
                             a one-sided 95% bound
several candidates           Holm's step-down correction of the p-values (Holm 1979)
pairwise preferences         the same paired test on per-case win indicators (a sign test)
planning (cases needed)      the fewest paired cases with >= 80% power for a minimum effect:
                             exact power of the score test over the discordant counts for
                             pass/fail, the noncentral t for scores (``scipy.stats.nct``)
pass@k, pass^k (trials)      Chen et al. (2021)'s unbiased pass@k, 1 - C(n-c, k) / C(n, k), and
                             pass^k = C(c, k) / C(n, k) (Yao et al. 2024), per case and averaged
===========================  =================================================================

References:
    Chen M, Tworek J, Jun H, et al. (2021). Evaluating large language models trained on code.
    arXiv:2107.03374 (the unbiased pass@k estimator, section 2.1).
    Fagerland MW, Lydersen S, Laake P (2013). The McNemar test for binary matched-pairs data:
    mid-p and asymptotic are better than exact conditional. BMC Med Res Methodol 13:91.
    Fagerland MW, Lydersen S, Laake P (2014). Recommended tests and confidence intervals for paired
    binomial proportions. Stat Med 33(16):2850-2875.
    Fisher RA (1935). The Design of Experiments. Oliver and Boyd.
    Good PI (2005). Permutation, Parametric, and Bootstrap Tests of Hypotheses, 3rd ed. Springer.
    Hartigan JA (1969). Using subsample values as typical values. JASA 64(328):1303-1317.
    Holm S (1979). A simple sequentially rejective multiple test procedure. Scand J Stat 6:65-70.
    Lancaster HO (1961). Significance tests in discrete distributions. JASA 56(294):223-234.
    McNemar Q (1947). Note on the sampling error of the difference between correlated proportions
    or percentages. Psychometrika 12(2):153-157.
    Tango T (1998). Equivalence test and confidence interval for the difference in proportions for
    the paired-sample design. Stat Med 17(8):891-908.
    Wilson EB (1927). Probable inference, the law of succession, and statistical inference.
    JASA 22(158):209-212.
    Yao S, Shinn N, Razavi P, Narasimhan K (2024). tau-bench: a benchmark for tool-agent-user
    interaction in real-world domains. arXiv:2406.12045 (pass^k).

``scipy`` and ``numpy`` are imported inside the functions, so importing this module is cheap. A caller that
waits for something else first (``ab`` waits for its provider calls) can have them imported meanwhile, in a
thread: :func:`prefetch`, then :func:`prefetched` before the first statistic.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

DEFAULT_ALPHA = 0.05
DEFAULT_POWER = 0.8
DEFAULT_RESAMPLES = 9999
DEFAULT_SEED = 0
"""Seed of the permutation resampling: the same data always gives the same figures."""
DEFAULT_MDE = 0.05
"""Minimum difference the planning advice sizes for: 5 points (``--mde``)."""
NO_VERDICT = "no verdict"
"""The verdict of a comparison without any paired case (every case errored for one side)."""


_prefetch: threading.Thread | None = None
_prefetch_lock = threading.Lock()


def prefetch() -> None:
    """Start importing ``scipy.stats`` (numpy with it) in a daemon thread, unless it is imported or under way.

    The import costs close to a second of CPU. ``ab`` starts it once its calls are in flight, so it runs while
    the event loop waits for the provider (the loop's own work is short; the two share the GIL) rather than
    after the last reply. Meanwhile the interpreter's switch interval is 1 ms instead of 5 ms, so a reply
    waits at most about 1 ms for the loop, except during the import's longest C calls (the calls in flight meanwhile
    record a little more latency). Nothing is computed in the thread; an import error there is left to the
    statistic that needs scipy, which raises it.
    """
    global _prefetch
    import sys

    with _prefetch_lock:
        if _prefetch is not None or "scipy.stats" in sys.modules:
            return

        def run() -> None:
            # the event loop gets the GIL back within 1 ms (not CPython's 5 ms) when a reply arrives, so that
            # the import adds little to the latency the calls in flight record
            interval = sys.getswitchinterval()
            sys.setswitchinterval(min(interval, 0.001))
            try:
                import scipy.stats  # noqa: F401
            except Exception:  # noqa: BLE001 - reported by the statistic that imports it
                pass
            finally:
                sys.setswitchinterval(interval)

        _prefetch = threading.Thread(target=run, name="promptctl-scipy-import", daemon=True)
        _prefetch.start()


def prefetched() -> None:
    """Wait until the import :func:`prefetch` started has ended (at once when none was started)."""
    thread = _prefetch
    if thread is not None:
        thread.join()


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
        lower_bound: One-sided 95% lower bound of the difference (the low end of the two-sided 90%
            interval of the same method): what the non-inferiority gate (``--max-regression``) checks.
        mde: Minimum difference the planning advice is for (a share; 0.05 = 5 points).
        cases_needed: Planning advice: paired cases that give ``power`` to detect a difference of
            ``mde`` at ``alpha``, with the nuisance figure of ``planning_basis`` taken from this run; None
            when it cannot be sized (scores without spread).
        planning_basis: What ``cases_needed`` assumes (the discordant share, or the SD of differences).
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
    lower_bound: float | None = None
    mde: float = DEFAULT_MDE
    cases_needed: int | None = None
    planning_basis: str = ""
    power: float = DEFAULT_POWER
    verdict: str = "no significant difference"
    winner: str | None = None

    @property
    def significant(self) -> bool:
        """True when the adjusted p-value is below alpha."""
        return self.p_adjusted < self.alpha

    def sentence(self) -> str:
        """One line: verdict, difference with its interval, test, p-value and planning advice.

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
        p = f"{self.test} p = {format_p(self.p_value)}"
        if self.adjustment:
            p += f" (Holm {format_p(self.p_adjusted)})"
        parts.append(p)
        parts.append(f"{self.n_pairs} paired case{'' if self.n_pairs == 1 else 's'}")
        if not self.winner and self.cases_needed is not None:
            parts.append(f"planning: ~{self.cases_needed} paired cases would detect a {self.mde * 100:g}-point "
                         f"difference with {self.power:.0%} power, {self.planning_basis}")
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
            "effect_size": self.effect_size, "lower_bound_95": _r(self.lower_bound), "mde": self.mde,
            "cases_needed": self.cases_needed, "planning_basis": self.planning_basis, "power": self.power,
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

    Kept for callers outside ``ab``; the comparisons use :func:`sign_flip` instead, whose interval
    agrees with its test and covers 95% from 30 cases (benchmarks/bench_stats.py).

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


def _z(confidence: float) -> float:
    from scipy.stats import norm

    return float(norm.ppf(0.5 + confidence / 2))


def tango_bounds(b: Any, c: Any, n: Any, confidence: float = 0.95) -> tuple[Any, Any]:
    """Tango's (1998) score interval for the difference of paired proportions, vectorised.

    The difference is ``(c - b) / n``, the candidate's pass rate minus the baseline's, with ``b`` the
    cases only the baseline passed and ``c`` those only the candidate passed. For a hypothesised
    difference d0 the score statistic is ``Z(d0) = (c - b - n d0) / sqrt(n (2 q + d0 (1 - d0)))`` with
    ``q`` the restricted maximum-likelihood estimate of the baseline-only probability under d0 (Tango
    1998, eq. 3); the interval is every d0 with ``|Z(d0)| < z_{1 - alpha/2}``, found by bisection
    (Z decreases in d0). At d0 = 0, Z is McNemar's ``(c - b) / sqrt(b + c)``.

    Args:
        b: Baseline-only counts (int or array).
        c: Candidate-only counts (same shape).
        n: Paired cases (same shape, > 0).
        confidence: Two-sided confidence level.

    Returns:
        ``(low, high)`` arrays (or floats) within [-1, 1].
    """
    import numpy as np

    b_ = np.asarray(b, dtype=float)
    c_ = np.asarray(c, dtype=float)
    n_ = np.asarray(n, dtype=float)
    z = _z(confidence)

    def score(d0: Any) -> Any:
        a2 = 2 * n_
        bb = -c_ - b_ + (2 * n_ - c_ + b_) * d0
        cc = -b_ * d0 * (1 - d0)
        q = (-bb + np.sqrt(np.maximum(bb * bb - 4 * a2 * cc, 0.0))) / (2 * a2)
        var = n_ * (2 * q + d0 * (1 - d0))
        with np.errstate(divide="ignore", invalid="ignore"):
            out = (c_ - b_ - n_ * d0) / np.sqrt(np.maximum(var, 1e-300))
        return out

    est = (c_ - b_) / n_
    eps = 1e-12

    def bound(target: float, far: float) -> Any:
        inside = est.copy()  # score(est) == 0: accepted
        outside = np.full_like(est, far)
        accepted_far = np.abs(score(np.clip(outside, -1 + eps, 1 - eps))) < z
        for _ in range(60):
            mid = (inside + outside) / 2
            ok = np.abs(score(mid)) < z
            inside = np.where(ok, mid, inside)
            outside = np.where(ok, outside, mid)
        return np.where(accepted_far, far, (inside + outside) / 2)

    low, high = bound(z, -1.0), bound(-z, 1.0)
    if np.ndim(low) == 0:
        return float(low), float(high)
    return low, high


def tango_interval(baseline_only: int, candidate_only: int, n: int, confidence: float = 0.95) -> Interval | None:
    """Tango's score interval of the paired difference in pass rates (see :func:`tango_bounds`).

    Returns:
        The interval of ``(candidate_only - baseline_only) / n``, or None when ``n == 0``.
    """
    if n == 0:
        return None
    low, high = tango_bounds(baseline_only, candidate_only, n, confidence)
    return Interval(float(low), float(high), "Tango score", confidence)


def sign_flips(n: int, resamples: int = DEFAULT_RESAMPLES, seed: int = DEFAULT_SEED) -> tuple[Any, bool]:
    """The sign-flip matrix of a paired permutation test: all 2**n flips, or random ones with their mirrors.

    Args:
        n: Paired cases.
        resamples: Flips drawn when ``2**n > resamples`` (rounded down to even: half drawn, half mirrored,
            so the null distribution is symmetric and the two-sided p-value is twice the smaller tail).
        seed: Seed of the random flips.

    Returns:
        ``(flips, exact)``: an ``(m, n)`` array of +1/-1 and whether it enumerates every flip.
    """
    import numpy as np

    if n <= 20 and 2**n <= resamples:
        grid = ((np.arange(2**n)[:, None] >> np.arange(n)[None, :]) & 1).astype(float)
        return 1.0 - 2.0 * grid, True
    half = max(resamples // 2, 1)
    drawn = np.where(np.random.default_rng(seed).random((half, n)) < 0.5, -1.0, 1.0)
    return np.vstack([drawn, -drawn]), False


def _flip_sums(d: Any, resamples: int, seed: int) -> tuple[tuple[Any, Any], bool]:
    """``((d @ flips.T, flips.sum(axis=1)), exact)`` for the flips of :func:`sign_flips`, built in blocks.

    The random flips are drawn in blocks of at most 4,000,000 signs (the same stream as one draw), so memory
    stays near 32 MB whatever the number of cases; the mirrored half is the negation of the drawn half.
    """
    import numpy as np

    n = d.shape[1]
    if n <= 20 and 2**n <= resamples:
        flips, exact = sign_flips(n, resamples)
        return (d @ flips.T, flips.sum(axis=1)), exact
    half = max(resamples // 2, 1)
    rng = np.random.default_rng(seed)
    drawn = np.empty((d.shape[0], half))
    signs = np.empty(half)
    step = max(1, 4_000_000 // n)
    for start in range(0, half, step):
        size = min(step, half - start)
        block = np.where(rng.random((size, n)) < 0.5, -1.0, 1.0)
        drawn[:, start:start + size] = d @ block.T
        signs[start:start + size] = block.sum(axis=1)
    return (np.hstack([drawn, -drawn]), np.concatenate([signs, -signs])), False


def _flip_p(sums: Any, flip_sums: Any, d0: Any, count: int, exact: bool) -> Any:
    """Two-sided mid-p sign-flip p-values of H0: mean difference = d0 (arrays over a batch of samples).

    Flips as extreme as the observed one count half (the mid-p of Lancaster 1961): per-case values on a
    few levels (rubric ratings, pass rates over trials) tie often, and counting ties in full makes the
    test conservative (A/A size 2-3% at 30 cases, benchmarks/bench_stats.py).

    ``sums`` (shape ``(k,)``): sum of each sample's differences; ``flip_sums`` (``(k, m)``): sum of the
    flipped differences per flip; with the flips' own sums ``s`` of signs, flipping ``d - d0`` gives
    ``flip_sums - d0 * s``.
    """
    import numpy as np

    observed = np.abs(sums - d0 * count)[:, None]
    flipped = np.abs(flip_sums[0] - d0[:, None] * flip_sums[1][None, :])
    tolerance = 1e-9 * observed + 1e-12
    beyond = (flipped > observed + tolerance).sum(axis=1)
    ties = (np.abs(flipped - observed) <= tolerance).sum(axis=1)
    m = flip_sums[1].size
    if exact:  # the identity flip is among the ties
        return (beyond + 0.5 * ties) / m
    return (beyond + 0.5 * (ties + 1)) / (m + 1)  # the observed flip counted once more, as a tie


def sign_flip_batch(
    differences: Any, confidence: float = 0.95, *, seed: int = DEFAULT_SEED,
    resamples: int = DEFAULT_RESAMPLES, bounds: tuple[float, float] = (-1.0, 1.0),
) -> tuple[Any, Any, Any]:
    """Paired sign-flip test of "mean difference 0" and the interval that inverts it, for a batch of samples.

    The interval is every shift d0 whose test (of the differences minus d0, on the same flips) has a
    p-value above ``1 - confidence``; it excludes 0 exactly when the p-value of the test at 0 is at or
    below ``1 - confidence``. Bisection (40 steps) from the mean outwards; the side holding 0 is bracketed
    at 0 so the agreement holds even where the p-value is not monotone. When every difference of a sample
    is equal, there is nothing to flip: the interval takes the half-width ``z**2 / (n + z**2)`` of
    Tango's interval with no discordant pair (and of Wilson's with 0 or n successes), kept on the
    verdict's side of 0.

    Args:
        differences: Per-case differences, shape ``(k, n)`` (k samples of n paired cases) or ``(n,)``.
        confidence: Confidence level of the interval.
        seed: Seed of the random flips.
        resamples: Random flips when ``2**n > resamples``.
        bounds: The range a mean can take (``(-1, 1)`` for differences of [0, 1] values).

    Returns:
        ``(p_values, low, high)``, arrays of shape ``(k,)`` (floats for a 1-d input).
    """
    import numpy as np

    d = np.asarray(differences, dtype=float)
    one = d.ndim == 1
    d = np.atleast_2d(d)
    k, n = d.shape
    flip_sums, exact = _flip_sums(d, resamples, seed)
    level = 1 - confidence
    sums = d.sum(axis=1)
    zero = np.zeros(k)
    p = np.minimum(1.0, _flip_p(sums, flip_sums, zero, n, exact))
    flat = np.ptp(d, axis=1) == 0
    p = np.where(flat & (np.abs(sums) <= 1e-12), 1.0, p)
    mean = sums / n
    reject = p <= level

    def bound(far: float) -> Any:
        toward_zero = (0 - mean) * (far - mean) > 0  # 0 lies on this side of the mean
        inside = np.where(toward_zero & ~reject, 0.0, mean)
        outside = np.where(toward_zero & reject, 0.0, far)
        far_ok = _flip_p(sums, flip_sums, outside, n, exact) > level
        far_ok &= ~(toward_zero & reject)
        for _ in range(40):
            mid = (inside + outside) / 2
            ok = _flip_p(sums, flip_sums, mid, n, exact) > level
            inside = np.where(ok, mid, inside)
            outside = np.where(ok, outside, mid)
        return np.where(far_ok, far, inside)

    low, high = bound(bounds[0]), bound(bounds[1])
    if flat.any():
        z = _z(confidence)
        half = z * z / (n + z * z)
        low = np.where(flat, np.maximum(mean - half, bounds[0]), low)
        high = np.where(flat, np.minimum(mean + half, bounds[1]), high)
        # keep the verdict: a rejected 0 stays outside, an accepted 0 inside
        low = np.where(flat & reject & (mean > 0), np.maximum(low, mean * (1 - half)), low)
        high = np.where(flat & reject & (mean < 0), np.minimum(high, mean * (1 - half)), high)
        low = np.where(flat & ~reject, np.minimum(low, 0.0), low)
        high = np.where(flat & ~reject, np.maximum(high, 0.0), high)
    if one:
        return float(p[0]), float(low[0]), float(high[0])
    return p, low, high


def sign_flip(
    differences: Sequence[float] | Any, confidence: float = 0.95, *, seed: int = DEFAULT_SEED,
    resamples: int = DEFAULT_RESAMPLES, bounds: tuple[float, float] = (-1.0, 1.0),
) -> tuple[float, Interval | None]:
    """The paired sign-flip test and its interval for one sample (see :func:`sign_flip_batch`).

    Returns:
        ``(p_value, interval)``: p = 1.0 and no interval with no pairs.
    """
    import numpy as np

    d = np.asarray(differences, dtype=float)
    if d.size == 0:
        return 1.0, None
    p, low, high = sign_flip_batch(d, confidence, seed=seed, resamples=resamples, bounds=bounds)
    return float(p), Interval(float(low), float(high), "sign-flip inversion", confidence)


def summarise(values: Sequence[float], *, binary: bool, confidence: float = 0.95, seed: int = DEFAULT_SEED) -> Summary:
    """Mean and interval of one variant's per-case values.

    Args:
        values: Per-case values in [0, 1] (shape ``(n,)``); 0/1 for pass/fail.
        binary: Pass/fail values: Wilson interval; else the sign-flip interval of the mean (within [0, 1]).
        confidence: Confidence level.
        seed: Resampling seed.

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
    _, ci = sign_flip(values, confidence, seed=seed, bounds=(0.0, 1.0))
    return Summary(n, mean, ci)


# -- paired tests ------------------------------------------------------------------------------------
def _discordant(baseline: Sequence[float] | Any, candidate: Sequence[float] | Any) -> tuple[int, int]:
    b = sum(1 for x, y in zip(baseline, candidate, strict=True) if x >= 0.5 > y)
    c = sum(1 for x, y in zip(baseline, candidate, strict=True) if y >= 0.5 > x)
    return b, c


def mcnemar_score(baseline_only: int, candidate_only: int) -> float:
    """McNemar's asymptotic test without continuity correction (the score test; Fagerland et al. 2013).

    ``z = (c - b) / sqrt(b + c)``, two-sided normal p-value (``scipy.stats.norm``).

    Returns:
        The p-value; 1.0 with no discordant pair.
    """
    total = baseline_only + candidate_only
    if total == 0:
        return 1.0
    from scipy.stats import norm

    z = abs(candidate_only - baseline_only) / math.sqrt(total)
    return float(min(1.0, 2 * norm.sf(z)))


def mcnemar_midp(baseline_only: int, candidate_only: int) -> float:
    """McNemar's mid-p test (Fagerland et al. 2013): the exact conditional p-value minus the observed point.

    ``p = 2 * (P(X <= min(b, c)) - P(X = min(b, c)) / 2)`` with X ~ Binomial(b + c, 1/2).

    Returns:
        The p-value; 1.0 with no discordant pair.
    """
    total = baseline_only + candidate_only
    if total == 0:
        return 1.0
    from scipy.stats import binom

    low = min(baseline_only, candidate_only)
    return float(min(1.0, 2 * (binom.cdf(low, total, 0.5) - binom.pmf(low, total, 0.5) / 2)))


def mcnemar_exact(baseline: Sequence[float] | Any, candidate: Sequence[float] | Any) -> tuple[float, int, int]:
    """Exact conditional McNemar test (McNemar 1947): ``scipy.stats.binomtest`` of c in b + c at 0.5.

    Conservative at the sizes ``ab`` sees (benchmarks/bench_stats.py); kept for comparison.

    Args:
        baseline: Baseline outcomes, 0/1 per case (shape ``(n,)``).
        candidate: Candidate outcomes, aligned by case.

    Returns:
        ``(p_value, baseline_only, candidate_only)``; p = 1.0 with no discordant pairs.
    """
    b, c = _discordant(baseline, candidate)
    if b + c == 0:
        return 1.0, b, c
    from scipy.stats import binomtest

    return float(binomtest(c, b + c, 0.5, alternative="two-sided").pvalue), b, c


def paired_permutation(
    baseline: Sequence[float] | Any, candidate: Sequence[float] | Any, *, seed: int = DEFAULT_SEED,
    resamples: int = DEFAULT_RESAMPLES,
) -> float:
    """Two-sided paired permutation (sign-flip) test of the mean difference (Fisher 1935), mid-p.

    The p-value of :func:`sign_flip` (exact when ``2**n <= resamples``; then it is
    ``scipy.stats.permutation_test(..., permutation_type="samples")``'s p-value less half the share of
    flips tied with the observed one).

    Returns:
        The p-value (1.0 when every difference is zero, or with no pairs).
    """
    import numpy as np

    a = np.asarray(baseline, dtype=float)
    b = np.asarray(candidate, dtype=float)
    if a.size == 0 or np.all(a == b):
        return 1.0
    return sign_flip(b - a, seed=seed, resamples=resamples)[0]


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
    """Connor's (1987) closed-form sample size for McNemar's test (the starting point of :func:`plan_pass_fail`).

    ``n = (z_{1-alpha/2} * sqrt(psi) + z_{power} * sqrt(psi - delta**2))**2 / delta**2`` with
    ``psi = p10 + p01`` (the share of discordant pairs) and ``delta = p01 - p10``.

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
    per-case differences; the second term is Guenther's (1981) correction for the t distribution
    (Guenther WC (1981), Sample size formulas for normal theory t tests, Am Stat 35(4):243-244).

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


def power_pass_fail(n: int, discordant: float, effect: float, alpha: float = DEFAULT_ALPHA) -> float:
    """Exact power of the score (McNemar) test on ``n`` paired cases, by enumeration of the discordant counts.

    The discordant count is Binomial(n, discordant); given it, the candidate-only count is Binomial with
    probability ``(discordant + effect) / (2 discordant)``; the test rejects when
    ``|2c - nd| > z sqrt(nd)``.

    Args:
        n: Paired cases.
        discordant: Share of cases where the variants disagree (psi, >= |effect|).
        effect: Difference in pass rates to detect (candidate - baseline, in [-1, 1]).
        alpha: Two-sided level.
    """
    import numpy as np
    from scipy.stats import binom

    z = _z(1 - alpha)
    nd = np.arange(n + 1)
    weight = binom.pmf(nd, n, discordant)
    q = min(max((discordant + effect) / (2 * discordant), 0.0), 1.0)
    half = z * np.sqrt(nd) / 2
    high = np.floor(nd / 2 + half)  # reject when c > nd/2 + half
    low = np.ceil(nd / 2 - half)  # or c < nd/2 - half
    reject = binom.sf(high, nd, q) + binom.cdf(low - 1, nd, q)
    # the boundary itself: |2c - nd| == z sqrt(nd) does not reject (strict), handled by floor/ceil above
    return float(np.sum(weight * np.where(nd > 0, reject, 0.0)))


def plan_pass_fail(effect: float, discordant: float, *, alpha: float = DEFAULT_ALPHA,
                   power: float = DEFAULT_POWER) -> int | None:
    """The fewest paired cases whose exact power (:func:`power_pass_fail`) reaches ``power``.

    Brackets Connor's (1987) closed form and bisects to an n with enough power whose predecessor has too
    little (the exact power saw-tooths by a few tenths of a point around the crossing); above 5,000
    cases the closed form is returned (the normal approximation is then accurate).

    The closed form is a normal approximation to the discordant counts, poor when they are few and all
    one way: for a 5-point difference with a 5% discordant share (every discordant case the candidate's)
    it gives 155 cases, while the score test then rejects as soon as 4 discordant cases are seen
    (``4 / sqrt(4) = 2 > 1.96``), which Binomial(n, 0.05) reaches with 80% probability at n = 110: the
    figure returned. ``tests/evaluation/test_stats.py`` checks both by enumerating the multinomial
    distribution of (baseline-only, candidate-only) counts directly, without scipy.

    Args:
        effect: Minimum difference to detect (a share, e.g. 0.05 for 5 points).
        discordant: Expected share of discordant cases; raised to ``|effect|`` when below it.
        alpha: Two-sided level.
        power: Wanted power.

    Returns:
        Cases, or None when ``effect`` is 0.
    """
    if effect == 0:
        return None
    psi = min(max(discordant, abs(effect)), 1.0)
    start = cases_needed_paired_proportions((psi - abs(effect)) / 2, (psi + abs(effect)) / 2, alpha=alpha,
                                            power=power) or 2
    if start > 5000:
        return start

    def enough(n: int) -> bool:
        return power_pass_fail(n, psi, abs(effect), alpha) >= power

    low, high = max(1, int(start * 0.7)), max(2, int(start * 1.3) + 2)
    while not enough(high):
        low, high = high, high * 2
    while high - low > 1:  # power rises with n but saw-tooths by a few tenths of a point: bisect the crossing
        mid = (low + high) // 2
        low, high = (low, mid) if enough(mid) else (mid, high)
    return high


def plan_scores(effect: float, sd: float, *, alpha: float = DEFAULT_ALPHA, power: float = DEFAULT_POWER) -> int | None:
    """The fewest paired cases giving ``power`` to a two-sided paired t test of ``effect`` (``scipy.stats.nct``).

    The permutation test's power is the t test's to within simulation noise (benchmarks/bench_stats.py).

    Args:
        effect: Minimum mean difference to detect (score units).
        sd: Standard deviation of the per-case differences.
        alpha: Two-sided level.
        power: Wanted power.

    Returns:
        Cases (at least 2), or None when ``effect`` is 0 or ``sd`` is not positive.
    """
    if effect == 0 or not sd > 0:
        return None
    from scipy.stats import nct, t

    def achieved(n: int) -> float:
        df = n - 1
        crit = float(t.ppf(1 - alpha / 2, df))
        nc = abs(effect) / sd * math.sqrt(n)
        return float(nct.sf(crit, df, nc) + nct.cdf(-crit, df, nc))

    n = max(2, (cases_needed_paired_means(effect, sd, alpha=alpha, power=power) or 2) - 3)
    while achieved(n) < power:
        n += 1
    return n


# -- trials ------------------------------------------------------------------------------------------
def pass_at_k(n: int, c: int, k: int) -> float:
    """Chen et al. (2021)'s unbiased estimator of pass@k: ``1 - C(n - c, k) / C(n, k)``.

    The chance that at least one of k trials drawn without replacement from the n run passes.

    Args:
        n: Trials run.
        c: Trials passed.
        k: Trials drawn (1 <= k <= n).

    Raises:
        ValueError: k outside 1..n.
    """
    if not 1 <= k <= n:
        raise ValueError(f"k must be between 1 and {n}, not {k}")
    return 1.0 - math.comb(n - c, k) / math.comb(n, k)


def pass_hat_k(n: int, c: int, k: int) -> float:
    """pass^k (Yao et al. 2024): the chance that all k trials drawn from the n run pass, ``C(c, k) / C(n, k)``.

    Raises:
        ValueError: k outside 1..n.
    """
    if not 1 <= k <= n:
        raise ValueError(f"k must be between 1 and {n}, not {k}")
    return math.comb(c, k) / math.comb(n, k)


# -- comparisons -------------------------------------------------------------------------------------
PASS_FAIL_TEST = "McNemar score test"
SCORE_TEST = "paired permutation"


def compare(
    baseline: Sequence[float],
    candidate: Sequence[float],
    *,
    binary: bool,
    labels: tuple[str, str] = ("A", "B"),
    alpha: float = DEFAULT_ALPHA,
    power: float = DEFAULT_POWER,
    mde: float = DEFAULT_MDE,
    intervals: bool = True,
    seed: int = DEFAULT_SEED,
) -> Comparison:
    """Compare a candidate with the baseline, paired case by case (one comparison, unadjusted).

    Pass/fail: McNemar's score test with Tango's interval; scores: the sign-flip permutation test with
    its inverted interval. Either way the ``1 - alpha`` interval excludes 0 exactly when ``p < alpha``.

    Args:
        baseline: Baseline values per case (shape ``(n,)``, in [0, 1]; 0/1 when ``binary``).
        candidate: Candidate values, aligned by case (same length).
        binary: Pass/fail values; else scores.
        labels: ``(baseline label, candidate label)`` used in the verdict.
        alpha: Significance level (the interval is at ``1 - alpha``).
        power: Power of the planning advice.
        mde: Minimum difference of the planning advice (a share: 0.05 = 5 points).
        intervals: Compute the intervals, the non-inferiority bound and the planning advice (skip them in
            simulations).
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
    ci = None
    lower = None
    b_only = c_only = None
    needed = None
    if binary:
        b_only, c_only = _discordant(a, b)
        p = mcnemar_score(b_only, c_only)
        test = PASS_FAIL_TEST
        ratio = (c_only / b_only) if b_only else None
        effect = {"name": "discordant odds ratio (candidate-only / baseline-only)",
                  "value": _r(ratio) if ratio is not None else None}
        if intervals and n:
            ci = tango_interval(b_only, c_only, n, 1 - alpha)
            lower = float(tango_bounds(b_only, c_only, n, 0.90)[0])
        share = (b_only + c_only) / n if n else 0.0
        needed = plan_pass_fail(mde, share, alpha=alpha, power=power) if n and intervals else None
        basis = (f"assuming a discordant share of {share:.0%}, as observed" if share >= mde else
                 f"assuming a discordant share of {mde:.0%} ({share:.0%} observed, raised to the mde: the "
                 "candidate never worse on a case, the least discordance such a difference allows)")
    else:
        test = SCORE_TEST
        if intervals and n:
            p, ci = sign_flip(d, 1 - alpha, seed=seed)
            lower = sign_flip(d, 0.90, seed=seed)[1].low if n else None  # type: ignore[union-attr]
        else:
            p = paired_permutation(a, b, seed=seed)
        sd = float(d.std(ddof=1)) if n > 1 else 0.0
        dz = (float(d.mean()) / sd) if sd > 0 else None
        effect = {"name": "Cohen's d_z (mean difference / SD of differences)",
                  "value": _r(dz) if dz is not None else None}
        needed = plan_scores(mde, sd, alpha=alpha, power=power) if n and intervals else None
        basis = f"assuming an SD of per-case differences of {sd:.3f}, as observed"
    comparison = Comparison(
        baseline=labels[0], candidate=labels[1], n_pairs=n, binary=binary, baseline_mean=mean_a,
        candidate_mean=mean_b, difference=diff, ci=ci, test=test, p_value=p, p_adjusted=p, adjustment=None,
        alpha=alpha, baseline_only=b_only, candidate_only=c_only, effect_size=effect, lower_bound=lower, mde=mde,
        cases_needed=needed, planning_basis=basis, power=power,
    )
    return _with_verdict(comparison)


def compare_all(
    values: Sequence[Sequence[float]],
    *,
    binary: bool,
    labels: Sequence[str] | None = None,
    alpha: float = DEFAULT_ALPHA,
    power: float = DEFAULT_POWER,
    mde: float = DEFAULT_MDE,
    seed: int = DEFAULT_SEED,
) -> list[Comparison]:
    """Compare every candidate with the first variant (the baseline), Holm-adjusted when there are several.

    Args:
        values: Per variant, the per-case values on the same paired cases (shape ``(k, n)``).
        binary: Pass/fail values.
        labels: Variant labels (default ``A``, ``B``, ``C`` ...).
        alpha: Family-wise significance level.
        power: Power of the planning advice.
        mde: Minimum difference of the planning advice.
        seed: Resampling seed.

    Returns:
        ``k - 1`` comparisons (baseline vs each candidate, in order).
    """
    names = list(labels) if labels is not None else [chr(ord("A") + i) for i in range(len(values))]
    raw = [compare(values[0], values[i], binary=binary, labels=(names[0], names[i]), alpha=alpha, power=power,
                   mde=mde, seed=seed) for i in range(1, len(values))]
    return adjust(raw)


def adjust(comparisons: list[Comparison]) -> list[Comparison]:
    """Apply Holm's correction across comparisons (when there are two or more) and redo the verdicts.

    The intervals stay per comparison (95%, unadjusted): with several candidates the verdict follows the
    Holm-adjusted p-value, so an interval can exclude 0 while the verdict is "no significant difference"
    (the report says so).
    """
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
    """The q-th percentile (0-100), or None for no values.

    ``numpy.percentile``'s default (``linear``, Hyndman and Fan 1996 type 7), computed with the same floating
    point steps as numpy's ``_lerp`` without importing numpy: the virtual index ``(n - 1) * q / 100``, and
    ``a + (b - a) * t``, or ``b - (b - a) * (1 - t)`` when ``t >= 0.5``.
    """
    if not values:
        return None
    ordered = sorted(float(v) for v in values)
    index = (len(ordered) - 1) * (q / 100)
    below = math.floor(index)
    a, b = ordered[below], ordered[min(below + 1, len(ordered) - 1)]
    t = index - below
    return b - (b - a) * (1 - t) if t >= 0.5 else a + (b - a) * t


def _r(value: float | None, digits: int = 6) -> float | None:
    return None if value is None else round(float(value), digits)


def format_p(p: float) -> str:
    """A p-value as printed everywhere (sentence, tables, report), from the value as stored.

    The stored record keeps p to 6 decimals; printing rounds that decimal half up to 3, so a p of
    0.0455003 (stored 0.0455) prints ``0.046`` in every place, never ``0.045`` from the binary float
    0.0455 = 0.04549999...

    Args:
        p: A p-value in [0, 1].

    Returns:
        ``<0.001``, three decimals, or ``1.0`` from 0.995 up.
    """
    from decimal import ROUND_HALF_UP, Decimal

    value = Decimal(repr(round(float(p), 6)))
    if value < Decimal("0.001"):
        return "<0.001"
    if value >= Decimal("0.995"):
        return "1.0"
    return str(value.quantize(Decimal("0.001"), rounding=ROUND_HALF_UP))
