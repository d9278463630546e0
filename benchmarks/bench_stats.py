"""The statistics of ``promptctl ab``, checked by simulation: every figure of issue 13 beside its goal.

Runs the functions ``ab`` uses (:mod:`promptctl.evaluation.stats`) on simulated paired data, vectorised
with numpy, seeded (the same figures every run):

1. Agreement: for every table of discordant counts at n = 30 and 100, and for 2,000 simulated score
   comparisons, the 95% interval excludes 0 exactly when p < 0.05 (goal: 0 disagreements).
2. Coverage of the 95% interval of the difference, 2,000 simulations each at n = 30 and 100, for
   pass/fail (few and many discordant cases, with and without a difference; also exactly, over every
   table of discordant counts, which the verdict uses), continuous scores, rubric
   scores (1-5) and trials (3 per case, per-case pass rates); goal 93-97%, and no zero-width interval.
   Also the coverage of a variant's mean score interval.
3. A/A size (goal <= 6%, alpha + 1 point) of the exact, mid-p and score (the one used) McNemar tests:
   exactly, maximised over the discordant share, and by simulation; and the power each has.
4. Planning advice (``--mde``): the recommended number of cases gives 80% +/- 2 points power
   (4,000 simulations per setting).
5. The non-inferiority gate (``--max-regression 5pts``) on 400 paired cases with about 10% discordant
   cases: a true 0-point difference passes in >= 90%, a true 10-point drop fails in >= 95%.
6. Self-consistency stopping: benchmarks/bench_consistency.py's table (200,000 questions per family).

The score simulations flip signs 1,999 times (``ab`` uses 9,999; the agreement holds for any number,
coverage changes by simulation noise only). Run::

    python benchmarks/bench_stats.py [--skip-consistency]
"""

from __future__ import annotations

import sys
import time

import numpy as np
from scipy.stats import binom, norm

from promptctl.evaluation import stats

SEED = 20261206
SIMS = 2000
FLIPS = 1999
Z = float(norm.ppf(0.975))


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


# -- generators ------------------------------------------------------------------------------------------
def pass_fail(rng: np.random.Generator, sims: int, n: int, psi: float, delta: float) -> tuple[np.ndarray, np.ndarray]:
    """Discordant counts (baseline-only b, candidate-only c) of ``sims`` runs of ``n`` paired cases."""
    cells = rng.multinomial(n, [(psi - delta) / 2, (psi + delta) / 2, 1 - psi], size=sims)
    return cells[:, 0], cells[:, 1]


def scores(rng: np.random.Generator, sims: int, n: int, delta: float, kind: str) -> tuple[np.ndarray, np.ndarray]:
    """Per-case values of baseline and candidate, shape ``(sims, n)`` each, in [0, 1]."""
    quality = rng.beta(2, 2, (sims, n))
    if kind == "continuous":  # e.g. json_fields or a similarity score: case quality plus noise, clipped
        a = np.clip(quality + rng.normal(0, 0.15, (sims, n)), 0, 1)
        b = np.clip(quality + delta + rng.normal(0, 0.15, (sims, n)), 0, 1)
    elif kind == "rubric":  # a judge's 1-5 rating, normalised to [0, 1]
        a = np.clip(np.round(1 + 4 * quality + rng.normal(0, 0.7, (sims, n))), 1, 5)
        b = np.clip(np.round(1 + 4 * (quality + delta) + rng.normal(0, 0.7, (sims, n))), 1, 5)
        a, b = (a - 1) / 4, (b - 1) / 4
    elif kind == "trials":  # --trials 3: each case's pass rate over 3 trials
        a = rng.binomial(3, quality) / 3
        b = rng.binomial(3, np.clip(quality + delta, 0, 1)) / 3
    elif kind == "trials, mostly passing":  # few flaky cases: most differences are 0
        quality = rng.beta(8, 1, (sims, n))
        a = rng.binomial(3, quality) / 3
        b = rng.binomial(3, np.clip(quality + delta, 0, 1)) / 3
    else:
        raise ValueError(kind)
    return a, b


def true_difference(kind: str, delta: float) -> float:
    """The population mean difference of a score scenario (1,000,000 simulated cases)."""
    if delta == 0:
        return 0.0
    a, b = scores(np.random.default_rng(1), 1, 1_000_000, delta, kind)
    return float((b - a).mean())


# -- 1. agreement --------------------------------------------------------------------------------------------
def agreement() -> None:
    print("1. The interval agrees with the test (95% interval excludes 0 exactly when p < 0.05)")
    for n in (30, 100):
        b, c = np.array([(x, y) for x in range(n + 1) for y in range(n + 1 - x)]).T
        low, high = stats.tango_bounds(b, c, np.full(b.shape, n))
        p = 2 * norm.sf(np.abs(c - b) / np.sqrt(np.maximum(b + c, 1)))
        p = np.where(b + c == 0, 1.0, p)
        disagree = int(np.sum(((low > 0) | (high < 0)) != (p < 0.05)))
        print(f"   pass/fail, n = {n:3}: every one of {b.size:5,} tables of discordant counts: {disagree} disagree, "
              f"narrowest interval {np.min(high - low) * 100:.1f} points   goal 0 and > 0: {verdict(disagree == 0)}")
    n = 30
    b, c = 1, 6
    low, high = stats.tango_bounds(b, c, n)
    p = stats.mcnemar_score(b, c)
    print(f"   the issue's case, 1 vs 6 discordant of 30: +16.7 points [{low * 100:+.1f}, {high * 100:+.1f}], "
          f"p = {p:.3f} (exact McNemar would say 0.125; the old bootstrap interval was [+3.3, +33.3])")
    low, high = stats.tango_bounds(0, 20, 20)
    print(f"   20 of 20 discordant one way: +100.0 points [{low * 100:+.1f}, {high * 100:+.1f}], "
          f"p = {stats.mcnemar_score(0, 20):.2g}: B better, width > 0: {verdict(high - low > 0)}")
    rng = np.random.default_rng(SEED)
    total = 0
    for kind in ("continuous", "rubric", "trials"):
        a, bb = scores(rng, SIMS, 30, 0.05, kind)
        p, low, high = stats.sign_flip_batch(bb - a, resamples=FLIPS)
        total += int(np.sum(((low > 0) | (high < 0)) != (p <= 0.05)))
    print(f"   scores, n = 30, {3 * SIMS:,} comparisons with a 5-point difference: {total} disagree   "
          f"goal 0: {verdict(total == 0)}")


def exact_coverage(n: int, psi: float, delta: float) -> float:
    """Exact coverage of Tango's interval: every (b, c) table weighted by its multinomial probability."""
    from scipy.stats import multinomial

    b, c = np.array([(x, y) for x in range(n + 1) for y in range(n + 1 - x)]).T
    low, high = stats.tango_bounds(b, c, np.full(b.shape, n))
    weights = multinomial.pmf(np.column_stack([b, c, n - b - c]), n, [(psi - delta) / 2, (psi + delta) / 2, 1 - psi])
    return float(np.sum(weights * ((low <= delta + 1e-12) & (delta - 1e-12 <= high))))


# -- 2. coverage ---------------------------------------------------------------------------------------------
def coverage() -> None:
    print("\n2. Coverage of the 95% interval of the difference (2,000 simulations each)   "
          "goal 93-97%, never zero-width")
    rng = np.random.default_rng(SEED + 1)
    for n in (30, 100):
        for psi, delta in ((0.1, 0.0), (0.1, 0.05), (0.3, 0.0), (0.2, 0.1), (0.4, -0.1), (0.05, 0.05)):
            b, c = pass_fail(rng, SIMS, n, psi, delta)
            low, high = stats.tango_bounds(b, c, np.full(b.shape, n))
            cover = float(np.mean((low <= delta + 1e-12) & (delta - 1e-12 <= high)))
            width = float(np.min(high - low))
            exact = exact_coverage(n, psi, delta)
            print(f"   pass/fail  n = {n:3}  discordant {psi:4.0%}  true difference {delta * 100:+5.1f}: coverage "
                  f"{cover:6.1%} (exactly {exact:6.2%}), narrowest {width * 100:4.1f} pts   "
                  f"{verdict(0.93 <= exact <= 0.97 and width > 0)}")
    for n in (30, 100):
        grid = [(psi, delta) for psi in np.arange(0.1, 0.95, 0.1)
                for delta in np.arange(-psi + 0.05, psi - 0.049, 0.05)]
        exact = np.array([exact_coverage(n, psi, delta) for psi, delta in grid])
        share = float(np.mean((exact >= 0.93) & (exact <= 0.97)))
        worst = grid[int(np.argmax(exact))]
        print(f"   pass/fail  n = {n:3}, exact coverage over {len(grid)} settings (discordant 10-90%, every difference "
              f"in steps of 5 points): {exact.min():.2%} to {exact.max():.2%} (highest at {worst[0]:.0%} discordant, "
              f"{worst[1] * 100:+.0f} points); {share:.1%} of settings in 93-97%")
    for n in (30, 100):
        for kind in ("continuous", "rubric", "trials", "trials, mostly passing"):
            for delta in (0.0, 0.05):
                truth = true_difference(kind, delta)
                a, b = scores(rng, SIMS, n, delta, kind)
                _, low, high = stats.sign_flip_batch(b - a, resamples=FLIPS, seed=n)
                cover = float(np.mean((low <= truth + 1e-12) & (truth - 1e-12 <= high)))
                width = float(np.min(high - low))
                print(f"   {kind:22} n = {n:3}  true difference {truth * 100:+5.2f}: coverage {cover:6.1%}, "
                      f"narrowest {width * 100:4.1f} pts   {verdict(0.93 <= cover <= 0.97 and width > 0)}")
    for n in (30, 100):
        for kind in ("continuous", "rubric", "trials"):
            a, _ = scores(rng, SIMS, n, 0.0, kind)
            big, _ = scores(np.random.default_rng(2), 1, 1_000_000, 0.0, kind)
            truth = float(big.mean())
            _, low, high = stats.sign_flip_batch(a - truth, resamples=FLIPS, seed=n)
            cover = float(np.mean((low <= 0) & (0 <= high)))
            print(f"   a variant's mean, {kind:10} n = {n:3}: coverage {cover:6.1%}   {verdict(0.93 <= cover <= 0.97)}")


# -- 3. size and power -----------------------------------------------------------------------------------------
def _rejects(nd: np.ndarray, c: np.ndarray, test: str) -> np.ndarray:
    low = np.minimum(c, nd - c)
    if test == "exact":
        p = np.minimum(1, 2 * binom.cdf(low, nd, 0.5))
    elif test == "mid-p":
        p = np.minimum(1, 2 * (binom.cdf(low, nd, 0.5) - binom.pmf(low, nd, 0.5) / 2))
    else:
        p = 2 * norm.sf(np.abs(2 * c - nd) / np.sqrt(np.maximum(nd, 1)))
    return (p < 0.05) & (nd > 0)


def exact_rate(n: int, psi: float, delta: float, test: str) -> float:
    """Exact rejection rate, by enumerating the discordant counts."""
    total = 0.0
    q = (psi + delta) / (2 * psi)
    for nd in range(1, n + 1):
        c = np.arange(nd + 1)
        total += binom.pmf(nd, n, psi) * float(np.sum(binom.pmf(c, nd, q) * _rejects(np.full(c.shape, nd), c, test)))
    return total


def size_and_power() -> None:
    print("\n3. A/A size of the paired tests (goal <= 6%: alpha + 1 point) and their power")
    rng = np.random.default_rng(SEED + 2)
    grid = np.linspace(0.02, 0.98, 49)
    for n in (30, 100, 200):
        for test in ("exact", "mid-p", "score"):
            rates = [exact_rate(n, psi, 0.0, test) for psi in grid]
            worst = int(np.argmax(rates))
            b, c = pass_fail(rng, SIMS, n, 0.2, 0.0)
            simulated = float(np.mean(_rejects(b + c, c, test)))
            used = " (used)" if test == "score" else ""
            print(f"   pass/fail n = {n:3} {test + used:13}: exact size at most {max(rates):5.2%} (discordant share "
                  f"{grid[worst]:.0%}); simulated at 20% discordant {simulated:5.2%}   {verdict(max(rates) <= 0.06)}")
    for kind in ("continuous", "rubric", "trials"):
        for n in (30, 100):
            a, b = scores(rng, SIMS, n, 0.0, kind)
            p, _, _ = stats.sign_flip_batch(b - a, resamples=FLIPS, seed=n)
            size = float(np.mean(p <= 0.05))
            print(f"   {kind:10} n = {n:3} permutation test: simulated A/A size {size:5.2%}   {verdict(size <= 0.06)}")
    for n in (30, 100):  # Holm across two candidates, A/A/A: family-wise error rate
        base = rng.random((SIMS, n)) < 0.6
        rejected = np.zeros(SIMS, dtype=bool)
        ps = []
        for _ in range(2):
            cand = rng.random((SIMS, n)) < 0.6
            b, c = (base & ~cand).sum(axis=1), (cand & ~base).sum(axis=1)
            ps.append(np.where(b + c == 0, 1.0, 2 * norm.sf(np.abs(c - b) / np.sqrt(np.maximum(b + c, 1)))))
        for row in range(SIMS):
            rejected[row] = min(stats.holm([ps[0][row], ps[1][row]])) < 0.05
        rate = float(rejected.mean())
        print(f"   pass/fail n = {n:3}, two candidates, Holm: family-wise error rate {rate:5.2%}   "
              f"{verdict(rate <= 0.06)}")
    print("   power (exact, by enumeration) of a 10-point difference, 20% discordant cases:")
    for n in (30, 60, 100):
        row = {t: exact_rate(n, 0.2, 0.1, t) for t in ("exact", "mid-p", "score")}
        print(f"     n = {n:3}: exact {row['exact']:5.1%}, mid-p {row['mid-p']:5.1%}, "
              f"score (used) {row['score']:5.1%}: +{(row['score'] - row['exact']) * 100:.1f} points over exact")


# -- 4. planning --------------------------------------------------------------------------------------------------
def planning() -> None:
    print("\n4. Planning advice (--mde): power at the recommended number of cases (4,000 simulations)   goal 78-82%")
    rng = np.random.default_rng(SEED + 3)
    for mde, psi in ((0.05, 0.10), (0.05, 0.30), (0.10, 0.20), (0.10, 0.40)):
        n = stats.plan_pass_fail(mde, psi)
        assert n is not None
        b, c = pass_fail(rng, 4000, n, psi, mde)
        power = float(np.mean(np.abs(c - b) > Z * np.sqrt(np.maximum(b + c, 1))))
        print(f"   pass/fail, mde {mde * 100:4.1f} pts, {psi:.0%} discordant: ~{n:5} cases -> power {power:6.1%}   "
              f"{verdict(0.78 <= power <= 0.82)}")
    for mde, kind in ((0.05, "continuous"), (0.05, "rubric"), (0.10, "trials")):
        a, b = scores(np.random.default_rng(4), 1, 200_000, mde, kind)
        truth = float((b - a).mean())
        sd = float((b - a).std(ddof=1))
        n = stats.plan_scores(truth, sd)
        assert n is not None
        hits = 0
        for _ in range(4):
            a, b = scores(rng, 1000, n, mde, kind)
            p, _, _ = stats.sign_flip_batch(b - a, resamples=FLIPS)
            hits += int(np.sum(p <= 0.05))
        power = hits / 4000
        print(f"   {kind:10} difference {truth * 100:4.1f} pts, SD {sd:.2f}: ~{n:4} cases -> power {power:6.1%}   "
              f"{verdict(0.78 <= power <= 0.82)}")


# -- 5. non-inferiority ---------------------------------------------------------------------------------------------
def non_inferiority() -> None:
    print("\n5. --max-regression 5pts on 400 paired cases, about 10% discordant (2,000 simulations)")
    rng = np.random.default_rng(SEED + 4)
    b, c = pass_fail(rng, SIMS, 400, 0.10, 0.0)
    lower = stats.tango_bounds(b, c, np.full(b.shape, 400), 0.90)[0]
    passed = float(np.mean(lower >= -0.05))
    print(f"   true difference   0 points: passes {passed:6.1%}   goal >= 90%: {verdict(passed >= 0.90)}")
    b, c = pass_fail(rng, SIMS, 400, 0.12, -0.10)
    lower = stats.tango_bounds(b, c, np.full(b.shape, 400), 0.90)[0]
    failed = float(np.mean(lower < -0.05))
    print(f"   true difference -10 points: fails  {failed:6.1%}   goal >= 95%: {verdict(failed >= 0.95)}")
    b, c = pass_fail(rng, SIMS, 400, 0.10, -0.05)
    lower = stats.tango_bounds(b, c, np.full(b.shape, 400), 0.90)[0]
    print(f"   true difference  -5 points (the margin): passes {np.mean(lower >= -0.05):6.1%} "
          "(a one-sided 95% bound: at most 5%)")


if __name__ == "__main__":
    started = time.perf_counter()
    agreement()
    coverage()
    size_and_power()
    planning()
    non_inferiority()
    if "--skip-consistency" not in sys.argv:
        print("\n6. Self-consistency stopping (benchmarks/bench_consistency.py)")
        sys.path.insert(0, __file__.rsplit("/", 1)[0])
        from bench_consistency import adaptive

        adaptive()
    print(f"\n{time.perf_counter() - started:.0f} s")
