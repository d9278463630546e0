"""The result of an A/B run, computed from its stored case results; and its markdown report.

:func:`build_result` reads nothing but the stored spec and rows, so a fresh run, a resumed run and a
rerun of a stored run give the same figures from the same results. Its dict is what
``promptctl ab --json`` prints and what ``ab_runs.result`` stores.

The metric:

- ``pass`` when every score is 0 or 1 and each case ran once: pass rates with Wilson intervals,
  McNemar's score test with Tango's interval of the difference;
- ``score`` otherwise (continuous scores such as a judge's rating or ``json_fields``, or
  ``--trials K`` > 1, where a case's value is its mean over trials, e.g. its pass rate): means and
  differences with the sign-flip permutation test and the interval that inverts it; with trials, also
  pass@k and pass^k per case and per variant;
- ``preference`` for the pairwise judge: wins in both orders, the paired test on the win indicators
  (a sign test), and the judge's agreement with itself across the two orders (Cohen's kappa).

See :mod:`promptctl.evaluation.stats` for the methods and their sources.

A case enters a comparison only when both variants completed every trial of it; errors are counted and
listed, never scored as failures.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from promptctl.types import prompt_cache_hit_rate, utc_now

RESULT_VERSION = 1
_MAX_ERRORS_LISTED = 20


def build_result(
    ab_run_id: str,
    spec: Mapping[str, Any],
    results: Sequence[Mapping[str, Any]],
    pairwise: Sequence[Mapping[str, Any]] = (),
    *,
    status: str = "completed",
    created_at: str | None = None,
    case_ids: Sequence[str] | None = None,
    warnings: Sequence[str] = (),
    stopped: str | None = None,
) -> dict[str, Any]:
    """Statistics of an A/B run from its stored rows.

    Args:
        ab_run_id: The A/B run's id.
        spec: Its stored spec (:meth:`~promptctl.evaluation.ab.ABPlan.spec`).
        results: Its ``ab_results`` rows.
        pairwise: Its ``ab_pairwise`` rows.
        status: ``completed``, ``stopped`` or ``interrupted``.
        created_at: When it started.
        case_ids: Case ids by index (default: from the rows).
        warnings: Notes to keep with the result.
        stopped: Why it stopped early, or None.

    Returns:
        The result dict. Keys: result_version, ab_run_id, status, stopped, created_at, computed_at,
        dataset, scorer, scorers, judge, metric, alpha, trials, variants (per variant: label, spec, ref,
        prompt, provider, model, strategy, executed, cases, completed, errors, mean, ci95, passed,
        pass_rate, pass_at_k and pass_hat_k {k: value} with trials, flaky_cases, cost_usd, list_cost_usd,
        cost_per_case_usd, judge_cost_usd, latency_s {p50, p95, mean}, tokens {input, output, cached_input}, cached
        (answers from the response cache), prompt_cache_hit_rate (the provider prompt cache: cached input tokens /
        input tokens, as the calls reported them, or None)),
        comparisons (see :meth:`~promptctl.evaluation.stats.Comparison.to_dict`; pairwise ones add wins,
        ties, flips, flip_rate and agreement), gates (per candidate: baseline, candidate, verdict,
        candidate_worse, lower_bound_95; see :func:`check_gates`), mde, cost_usd {models, judge, total},
        cases (per case: index, id, values {label: value or null}; with trials passes {label: "k/K"},
        pass_at_k and pass_hat_k {label: value} for k = K), errors (first 20), warnings.
    """
    from promptctl.evaluation import stats, stats_memo

    variants = spec["variants"]
    labels = [v["label"] for v in variants]
    k = len(variants)
    n_cases = int(spec["dataset"]["cases"])
    trials = int(spec.get("trials", 1))
    alpha = float(spec.get("alpha", 0.05))
    seed = int(spec.get("seed", 0))
    mde = float(spec.get("mde", stats.DEFAULT_MDE))
    ids = list(case_ids) if case_ids is not None else [""] * n_cases
    by_key: dict[tuple[int, int], list[Mapping[str, Any]]] = defaultdict(list)
    for row in results:
        by_key[(row["variant"], row["case_index"])].append(row)
        if case_ids is None and row.get("case_id"):
            ids[row["case_index"]] = row["case_id"]
    ok_scores = [r["score"] for r in results if r["status"] == "ok" and r["score"] is not None]
    is_pairwise = bool(spec.get("pairwise"))
    binary = trials == 1 and all(s in (0.0, 1.0) for s in ok_scores)
    metric = "preference" if is_pairwise else "pass" if binary else "score"

    # per case and variant: the mean over trials when every trial completed, else None
    values: list[list[float | None]] = [[None] * n_cases for _ in range(k)]
    passes: list[list[int | None]] = [[None] * n_cases for _ in range(k)]
    for (variant, case), rows in by_key.items():
        good = [r for r in rows if r["status"] == "ok"]
        if len(good) == trials and (is_pairwise or all(r["score"] is not None for r in good)):
            if not is_pairwise:
                values[variant][case] = sum(float(r["score"]) for r in good) / trials
            else:
                values[variant][case] = 0.0
            passes[variant][case] = sum(1 for r in good if r["passed"])
    out_variants = []
    for i, v in enumerate(variants):
        rows = [r for r in results if r["variant"] == i]
        ok = [r for r in rows if r["status"] == "ok"]
        completed = [x for x in values[i] if x is not None]
        entry: dict[str, Any] = {
            key: v.get(key) for key in ("label", "spec", "ref", "prompt", "provider", "model", "strategy", "executed")
        }
        entry.update(cases=n_cases, completed=len(completed), errors=sum(1 for r in rows if r["status"] != "ok"))
        if is_pairwise:
            entry.update(mean=None, ci95=None, passed=None, pass_rate=None)
        else:
            summary = stats_memo.summarise(completed, binary=binary, seed=seed)
            pass_count = sum(p for p in passes[i] if p is not None)
            trial_total = trials * len(completed)
            entry.update(mean=summary.to_dict()["mean"], ci95=summary.ci.to_dict() if summary.ci else None,
                         passed=pass_count, pass_rate=round(pass_count / trial_total, 6) if trial_total else None)
            if trials > 1:
                counts = [p for p in passes[i] if p is not None]
                entry.update(pass_at_k=_mean_over_cases(counts, trials, stats.pass_at_k),
                             pass_hat_k=_mean_over_cases(counts, trials, stats.pass_hat_k))
        flaky = [ids[c] for c in range(n_cases) if trials > 1 and passes[i][c] is not None
                 and 0 < (passes[i][c] or 0) < trials]
        entry["flaky_cases"] = flaky
        spent = _sum(r["cost_usd"] for r in rows)
        listed = _sum(r["list_cost_usd"] for r in ok)
        latencies = [float(r["latency_s"]) for r in ok if r["latency_s"] is not None]
        entry.update(
            cost_usd=spent, list_cost_usd=listed,
            cost_per_case_usd=round(listed / len(ok) * trials, 9) if listed is not None and ok else None,  # K trials
            judge_cost_usd=(_sum(r["judge_cost_usd"] for r in rows if r["judge_cost_usd"] is not None)
                            if spec.get("judge") else None),
            latency_s={"p50": _round(stats.percentile(latencies, 50)), "p95": _round(stats.percentile(latencies, 95)),
                       "mean": _round(sum(latencies) / len(latencies)) if latencies else None},
            tokens={"input": sum(int(r["input_tokens"] or 0) for r in ok),
                    "output": sum(int(r["output_tokens"] or 0) for r in ok),
                    "cached_input": sum(int(r.get("cached_input_tokens") or 0) for r in ok)},
            cached=sum(1 for r in ok if r["cached"]),
        )
        tokens = entry["tokens"]
        entry["prompt_cache_hit_rate"] = prompt_cache_hit_rate(tokens["cached_input"], tokens["input"])
        out_variants.append(entry)

    comparisons: list[dict[str, Any]] = []
    if is_pairwise:
        comparisons = _pairwise_comparisons(pairwise, labels, n_cases, trials, alpha, seed, mde)
    elif k >= 2:
        raw = []
        for i in range(1, k):
            paired = [c for c in range(n_cases) if values[0][c] is not None and values[i][c] is not None]
            raw.append(stats_memo.compare([values[0][c] for c in paired], [values[i][c] for c in paired],  # type: ignore
                                          binary=binary, labels=(labels[0], labels[i]), alpha=alpha, seed=seed,
                                          mde=mde))
        comparisons = [c.to_dict() for c in stats.adjust(raw)]
    gates = [{"baseline": c["baseline"], "candidate": c["candidate"], "verdict": c["verdict"],
              "candidate_worse": c["winner"] == c["baseline"], "lower_bound_95": c.get("lower_bound_95")}
             for c in comparisons]
    model_cost = _sum(v["cost_usd"] for v in out_variants)
    judge_cost = _sum([r["judge_cost_usd"] for r in results if r["judge_cost_usd"] is not None]
                      + [r["cost_usd"] for r in pairwise]) if spec.get("judge") else 0.0
    cases_out = []
    for c in range(n_cases):
        entry_case: dict[str, Any] = {"index": c, "id": ids[c],
                                      "values": {labels[i]: _round(values[i][c]) for i in range(k)}}
        if is_pairwise:
            entry_case.pop("values")
            entry_case["outcomes"] = {labels[r["candidate"]]: r["outcome"] for r in pairwise
                                      if r["case_index"] == c and r["trial"] == 0}
        if trials > 1:
            entry_case["passes"] = {labels[i]: (f"{passes[i][c]}/{trials}" if passes[i][c] is not None else None)
                                    for i in range(k)}
            if not is_pairwise:
                entry_case["pass_at_k"] = {labels[i]: (stats.pass_at_k(trials, passes[i][c] or 0, trials)
                                                       if passes[i][c] is not None else None) for i in range(k)}
                entry_case["pass_hat_k"] = {labels[i]: (stats.pass_hat_k(trials, passes[i][c] or 0, trials)
                                                        if passes[i][c] is not None else None) for i in range(k)}
        cases_out.append(entry_case)
    errors = [{"variant": labels[r["variant"]], "case": r["case_id"], "trial": r["trial"], "error": r["error"]}
              for r in results if r["status"] != "ok"]
    errors += [{"variant": labels[r["candidate"]], "case": ids[r["case_index"]], "trial": r["trial"],
                "error": f"pairwise judge: {r['error']}"} for r in pairwise if r["error"]]
    return {
        "result_version": RESULT_VERSION, "ab_run_id": ab_run_id, "status": status, "stopped": stopped,
        "created_at": created_at, "computed_at": utc_now(), "dataset": dict(spec["dataset"]),
        "scorer": spec.get("scorer"), "scorers": spec.get("scorers", {}), "judge": spec.get("judge"),
        "metric": metric, "alpha": alpha, "trials": trials, "variants": out_variants, "comparisons": comparisons,
        "gates": gates, "mde": mde, "cost_usd": {"models": model_cost, "judge": judge_cost,
                                   "total": None if model_cost is None or judge_cost is None
                                   else round(model_cost + judge_cost, 9)},
        "cases": cases_out, "errors": errors[:_MAX_ERRORS_LISTED], "error_count": len(errors),
        "warnings": list(warnings),
    }


def _pairwise_comparisons(rows: Sequence[Mapping[str, Any]], labels: list[str], n_cases: int, trials: int,
                          alpha: float, seed: int, mde: float) -> list[dict[str, Any]]:
    """Sign tests of pairwise wins (McNemar's test on win indicators), Holm-adjusted, with the judge's agreement."""
    from dataclasses import replace

    from promptctl.evaluation import stats, stats_memo
    from promptctl.evaluation.judges import order_agreement, summarise_pairwise

    raw = []
    summaries = []
    agreements = []
    for cand in range(1, len(labels)):
        judged = [r for r in rows if r["candidate"] == cand and r["error"] is None and r["outcome"]]
        summary = summarise_pairwise(labels[0], labels[cand], [(r["outcome"], bool(r["consistent"])) for r in judged])
        # one outcome per case (with --trials, the majority of its trials; a draw is a tie), so that repeated
        # judgements of one case do not count as independent evidence
        by_case: dict[int, list[str]] = defaultdict(list)
        for r in judged:
            by_case[r["case_index"]].append(r["outcome"])
        per_case = []
        for outcomes in by_case.values():
            net = outcomes.count("candidate") - outcomes.count("baseline")
            per_case.append("candidate" if net > 0 else "baseline" if net < 0 else "tie")
        base = [1.0 if o == "baseline" else 0.0 for o in per_case]
        other = [1.0 if o == "candidate" else 0.0 for o in per_case]
        comparison = stats_memo.compare(base, other, binary=True, labels=(labels[0], labels[cand]), alpha=alpha,
                                        seed=seed, mde=mde)
        agreements.append(order_agreement([(r["baseline_first"], r["candidate_first"]) for r in judged
                                           if r.get("baseline_first") and r.get("candidate_first")]))
        raw.append(replace(comparison, test="sign test (score form, ties dropped)",
                           effect_size={"name": "net win rate (candidate wins - baseline wins) / judged",
                                        "value": comparison.difference}))
        summaries.append(summary)
    out = []
    for comparison, summary, agreement in zip(stats.adjust(raw), summaries, agreements, strict=True):
        entry = comparison.to_dict()
        entry["metric"] = "preference"
        entry.pop("discordant", None)
        entry.update(summary.to_dict())
        entry["agreement"] = agreement
        out.append(entry)
    return out


def _mean_over_cases(counts: Sequence[int], trials: int, estimator: Any) -> dict[str, float] | None:
    """``{k: mean over cases of estimator(trials, passes, k)}`` for k = 1..trials, or None with no case."""
    if not counts:
        return None
    return {str(k): round(sum(estimator(trials, c, k) for c in counts) / len(counts), 6) for k in range(1, trials + 1)}


def parse_points(text: str, option: str) -> float:
    """A difference in percentage points (``3pts``, ``3pt``, ``3%``, ``3``) as a share (0.03).

    Raises:
        InputError: Not a number of points between 0 and 100.
    """
    from promptctl.errors import InputError

    raw = text.strip().lower()
    for suffix in ("points", "point", "pts", "pt", "%"):
        if raw.endswith(suffix):
            raw = raw[: -len(suffix)].strip()
            break
    try:
        value = float(raw)
    except ValueError:
        raise InputError(f"{option} must be a number of percentage points such as 3pts, not {text!r}",
                         hint=f"e.g. {option} 3pts") from None
    if not 0 <= value <= 100:
        raise InputError(f"{option} must be between 0 and 100 points, not {text!r}", hint=f"e.g. {option} 3pts")
    return value / 100


def parse_rate(text: str, option: str) -> float:
    """A pass rate or mean score threshold: a share from 0 to 1 (``0.9``) or a percentage (``90%``).

    Raises:
        InputError: Not a number, or outside 0-1 (``90`` without ``%`` is refused: it names 0.9 or 90%).
    """
    from promptctl.errors import InputError

    raw = text.strip()
    percent = raw.endswith("%")
    try:
        value = float(raw[:-1] if percent else raw)
    except ValueError:
        raise InputError(f"{option} must be a rate such as 0.9 or 90%, not {text!r}",
                         hint=f"e.g. {option} 0.9 (a pass rate of 90%)") from None
    if percent:
        value /= 100
    if not 0 <= value <= 1:
        as_percent = 1 < value <= 100 and not percent  # `--fail-under 95`: meant 95%
        raise InputError(f"{option} is a rate from 0 to 1 (or a percentage), not {text!r}",
                         hint=f"did you mean {option} {value / 100:g} or {option} {value:g}%?" if as_percent
                         else f"e.g. {option} 0.9 (a pass rate of 90%)")
    return value


def check_gates(result: Mapping[str, Any], *, fail_if_worse: bool = False,
                max_regression: float | None = None) -> dict[str, Any] | None:
    """The CI gates of ``promptctl ab``, checked for every candidate against the baseline.

    - ``--fail-if-worse``: fails when a candidate is significantly worse than the baseline (the verdict
      after Holm's correction).
    - ``--max-regression X``: non-inferiority; fails unless the one-sided 95% lower bound of
      (candidate - baseline) is at least ``-X``, i.e. unless the data show the candidate is at most X
      worse. Every candidate must pass on its own (an intersection-union test, so no correction is
      needed for several candidates).

    Args:
        result: The result dict (:func:`build_result`).
        fail_if_worse: Check the superiority gate.
        max_regression: The largest tolerated drop (a share: 0.03 = 3 points), or None.

    Returns:
        ``{"fail_if_worse", "max_regression", "failed", "checks"}``, ``checks`` one per candidate and gate:
        ``{"candidate", "gate" ("fail-if-worse" or "max-regression"), "passed", "text"}``; None when no gate
        was asked for.
    """
    if not fail_if_worse and max_regression is None:
        return None
    checks: list[dict[str, Any]] = []
    for gate in result.get("gates") or []:
        name = f"{gate['candidate']} vs {gate['baseline']}"
        if fail_if_worse:
            worse = bool(gate["candidate_worse"])
            checks.append({"candidate": gate["candidate"], "gate": "fail-if-worse", "passed": not worse,
                           "text": f"{name}: {'significantly worse' if worse else 'not significantly worse'} "
                                   "(--fail-if-worse)"})
        if max_regression is not None:
            bound = gate.get("lower_bound_95")
            ok = bound is not None and bound >= -max_regression - 1e-12
            shown = "no bound (no paired case)" if bound is None else f"one-sided 95% bound {bound * 100:+.1f} pts"
            checks.append({"candidate": gate["candidate"], "gate": "max-regression", "passed": ok,
                           "text": f"{name}: {shown} {'>=' if ok else '<'} {-max_regression * 100 + 0.0:g} pts "
                                   f"({'within' if ok else 'not shown within'} --max-regression "
                                   f"{max_regression * 100:g}pts)"})
    return {"fail_if_worse": fail_if_worse, "max_regression": max_regression,
            "failed": any(not c["passed"] for c in checks), "checks": checks}


def _sum(values: Any) -> float | None:
    total = 0.0
    for value in values:
        if value is None:
            return None
        total += float(value)
    return round(total, 9)


def _round(value: float | None, digits: int = 6) -> float | None:
    return None if value is None else round(float(value), digits)


# -- markdown -------------------------------------------------------------------------------------------------
def plural(count: int, word: str, words: str | None = None) -> str:
    """``1 case``, ``2 cases`` (``words``: an irregular plural)."""
    return f"{count} {word if count == 1 else (words or word + 's')}"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"


def usd_cell(value: float | None) -> str:
    """USD for a table cell: 4 decimals from $0.01, else 6, so a small spend never shows as $0.0000."""
    return "n/a" if value is None else f"${value:.4f}" if value >= 0.01 or value == 0 else f"${value:.6f}"


def _secs(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}s"


def variant_rows(result: Mapping[str, Any]) -> list[list[str]]:
    """Rows of the per-variant table (shared by the terminal table and the markdown report)."""
    rows = []
    for v in result["variants"]:
        ci = v.get("ci95")
        score = "-" if v["mean"] is None else _pct(v["mean"]) + (
            f" [{_pct(ci['low'])}, {_pct(ci['high'])}]" if ci else "")
        passed = "-" if v["passed"] is None else f"{v['passed']}/{v['completed'] * result['trials']}"
        tokens = f"{v['tokens']['input']:,} / {v['tokens']['output']:,}"
        if v.get("tokens", {}).get("cached_input"):
            tokens += f" ({v['prompt_cache_hit_rate']:.0%} from the prompt cache)"
        rows.append([v["label"], v["spec"], f"{v['provider']}:{v['model']}", score, passed, str(v["errors"]),
                     usd_cell(v["cost_usd"]), usd_cell(v["cost_per_case_usd"]), _secs(v["latency_s"]["p50"]),
                     _secs(v["latency_s"]["p95"]), tokens])
    return rows


VARIANT_HEADERS = ["", "variant", "model", "mean [95% CI]", "passed", "errors", "spent", "list price/case",
                   "p50", "p95", "tokens in / out"]
COST_NOTE = ("spent: what this run paid (cached answers are free); list price/case: one case's calls at list price, "
             "cached or not")
COMPARISON_HEADERS = ["comparison", "difference [95% CI]", "one-sided 95% bound", "test", "p", "p (Holm)", "verdict",
                      "planning advice"]


def comparison_rows(result: Mapping[str, Any]) -> list[list[str]]:
    """Rows of the comparison table."""
    rows = []
    for c in result["comparisons"]:
        diff = "-" if c["difference"] is None else f"{c['difference'] * 100:+.1f} pts"
        if c.get("ci95"):
            diff += f" [{c['ci95']['low'] * 100:+.1f}, {c['ci95']['high'] * 100:+.1f}]"
        if c["metric"] == "preference":
            kappa = (c.get("agreement") or {}).get("kappa")
            diff += (f" (wins {c['candidate_wins']}-{c['baseline_wins']}, ties {c['ties']}, "
                     f"flips {_pct(c['flip_rate'])}, order agreement kappa "
                     f"{'-' if kappa is None else f'{kappa:.2f}'})")
        mde = c.get("mde", 0.05) * 100
        needed = "-" if c["cases_needed"] is None else f"~{c['cases_needed']} cases for {mde:g} pts"
        bound = c.get("lower_bound_95")
        shown = "-" if bound is None else f">= {bound * 100:+.1f} pts"
        rows.append([f"{c['candidate']} vs {c['baseline']}", diff, shown, c["test"], _p(c["p_value"]),
                     _p(c["p_adjusted"]) if c["adjustment"] else "-", _verdict(c), needed])
    return rows


def case_rows(result: Mapping[str, Any], *, changed_only: bool = False,
              explanations: Mapping[tuple[str, str], str] | None = None) -> tuple[list[str], list[list[str]], int]:
    """The per-case table of a result, the largest regression first (for one variant: the lowest score first).

    Args:
        result: An ab or eval result (not pairwise).
        changed_only: Comparisons: only cases where a candidate's value differs from the baseline's;
            an evaluation: only cases that did not fully pass.
        explanations: ``(case id, label) -> text`` shown in a last ``why`` column (an evaluation).

    Returns:
        ``(headers, rows, total)``: rows of text, and how many cases qualified.
    """
    labels = [v["label"] for v in result["variants"]]
    binary = result["metric"] == "pass"

    def value(v: float | None) -> str:
        if v is None:
            return "error"
        return ("pass" if v == 1 else "fail") if binary else _pct(v)

    if result["metric"] == "preference":
        return [], [], 0
    picked = []
    for case in result["cases"]:
        values = [case["values"].get(label) for label in labels]
        if len(labels) == 1:
            if changed_only and values[0] is not None and values[0] >= 1:
                continue
            key = -1.0 if values[0] is None else values[0]
        else:
            deltas = [None if v is None or values[0] is None else v - values[0] for v in values[1:]]
            if changed_only and not any(d is None or abs(d) > 1e-12 for d in deltas):
                continue
            known = [d for d in deltas if d is not None]
            key = min(known) if known else -2.0
        picked.append((key, case["index"], case, values))
    picked.sort(key=lambda item: (item[0], item[1]))
    if len(labels) == 1:
        headers = ["case", "score", *(["passes"] if result["trials"] > 1 else []), "why"]
        rows = []
        for _, _, case, values in picked:
            why = (explanations or {}).get((case["id"], labels[0]), "")
            passes = [str((case.get("passes") or {}).get(labels[0]) or "-")] if result["trials"] > 1 else []
            rows.append([case["id"], value(values[0]), *passes, " ".join(why.split())[:300]])
        return headers, rows, len(picked)
    headers = ["case", f"{labels[0]} (baseline)", *(f"{label} change" for label in labels[1:])]
    rows = []
    for _, _, case, values in picked:
        changes = ["-" if v is None or values[0] is None else f"{(v - values[0]) * 100:+.0f} pts" if not binary
                   else {1.0: "fixed", -1.0: "broke", 0.0: "same"}.get(round(v - values[0], 6), f"{v - values[0]:+.2f}")
                   for v in values[1:]]
        rows.append([case["id"], value(values[0]), *changes])
    return headers, rows, len(picked)


def _verdict(c: Mapping[str, Any]) -> str:
    if not c.get("n_pairs"):
        return "no verdict (0 paired cases)"
    return c["verdict"] if c["winner"] else f"no significant difference at alpha {c['alpha']:g}"


def _verdict_line(c: Mapping[str, Any]) -> tuple[str, str]:
    """(the verdict, the rest of the comparison's sentence without it)."""
    sentence = str(c["sentence"])
    if not c.get("n_pairs"):
        return "no verdict", sentence.removeprefix("no verdict: ")
    verdict = _verdict(c)
    return verdict, sentence.removeprefix(verdict).removeprefix("; ")


def _p(p: float | None) -> str:
    from promptctl.evaluation.stats import format_p

    return "-" if p is None else format_p(p)


def to_markdown(result: Mapping[str, Any]) -> str:
    """A markdown report for a pull request: verdict, tables, flaky cases, errors, method and sources."""
    lines = [f"## promptctl ab: {' vs '.join(v['spec'] for v in result['variants'])}", ""]
    data = result["dataset"]
    scorer = result.get("scorer") or ", ".join(f"{k} ({n})" for k, n in sorted(result.get("scorers", {}).items()))
    lines.append(f"Dataset `{data['given']}` ({plural(data['cases'], 'case')}, sha256 `{data['sha256'][:12]}`), "
                 f"scorer {scorer or '-'}{', judge ' + result['judge'] if result.get('judge') else ''}, "
                 f"{plural(result['trials'], 'trial')} per case, alpha {result['alpha']:g}; "
                 f"A/B run `{result['ab_run_id']}` ({result['status']}).")
    lines.append("")
    for c in result["comparisons"]:
        verdict, details = _verdict_line(c)
        lines.append(f"- **{verdict}**: {details}" if details else f"- **{verdict}**")
    if result["comparisons"]:
        lines.append("")
    lines += _md_table(VARIANT_HEADERS[1:], [[f"{r[0]}: `{r[1]}`", *r[2:]] for r in variant_rows(result)])
    lines.append("")
    if result["comparisons"]:
        lines += _md_table(COMPARISON_HEADERS, comparison_rows(result))
        lines.append("")
    checked = result.get("gate")
    if checked:
        state = "**failed**" if checked["failed"] else "passed"
        lines += [f"CI gate {state}: " + "; ".join(c["text"] for c in checked["checks"]), ""]
    if result.get("trials", 1) > 1 and any(v.get("pass_at_k") for v in result["variants"]):
        ks = list(next(v["pass_at_k"] for v in result["variants"] if v.get("pass_at_k")))
        lines += _md_table(["variant", *[f"pass@{k}" for k in ks], *[f"pass^{k}" for k in ks]],
                           [[v["label"], *[_pct(v["pass_at_k"][k]) for k in ks],
                             *[_pct(v["pass_hat_k"][k]) for k in ks]]
                            for v in result["variants"] if v.get("pass_at_k")])
        lines.append("")
    for v in result["variants"]:
        if v["flaky_cases"]:
            shown = ", ".join(f"`{c}`" for c in v["flaky_cases"][:20])
            more = f" and {len(v['flaky_cases']) - 20} more" if len(v["flaky_cases"]) > 20 else ""
            lines.append(f"Flaky cases of {v['label']} (passed some trials, failed others): {shown}{more}")
    if result["errors"]:
        lines += ["", f"Errors ({result['error_count']}, not scored):", ""]
        lines += [f"- {e['variant']} `{e['case']}` trial {e['trial']}: {e['error']}" for e in result["errors"]]
    if result.get("stopped"):
        lines += ["", f"Stopped early: {result['stopped']}. Resume: `promptctl ab --resume {result['ab_run_id']}`"]
    cost = result["cost_usd"]
    lines += ["", f"Spent: models {usd_cell(cost['models'])}, judge {usd_cell(cost['judge'])} "
                  "(cached answers are free). "
                  f"List price/case: what one case's calls cost at list price, cached or not.", ""]
    lines.append(_method_note(result))
    return "\n".join(lines) + "\n"


def _method_note(result: Mapping[str, Any]) -> str:
    metric = result["metric"]
    if metric == "pass":
        how = ("Pass rates with Wilson 95% intervals; McNemar's score test on the discordant cases (Fagerland et al. "
               "2013) with Tango's (1998) score interval of the paired difference, its inversion, so the interval "
               "excludes 0 exactly when p < alpha")
    elif metric == "score":
        how = ("Mean per-case scores; paired sign-flip permutation test of the mean difference and the interval that "
               "inverts it on the same flips, so the interval excludes 0 exactly when p < alpha")
        if result.get("trials", 1) > 1:
            how += ("; pass@k (Chen et al. 2021, unbiased estimator) and pass^k (Yao et al. 2024) from each case's "
                    "trials")
    else:
        how = ("Pairwise judge run in both orders; a variant wins a case only when preferred in both (a disagreement "
               "is a tie and counts as a flip, Zheng et al. 2023); McNemar's score test on the per-case wins; "
               "order agreement as Cohen's kappa")
    several = len(result.get("comparisons", [])) > 1
    holm = ("; Holm's correction across candidates: the verdicts follow the Holm-adjusted p-values, the intervals "
            "are per comparison" if several else "")
    return (f"<sub>Method: {how}{holm}; one-sided 95% bound: the low end of the 90% interval of the same method "
            "(the --max-regression gate); planning: the fewest paired cases giving 80% power to detect the minimum "
            f"difference (--mde, {result.get('mde', 0.05) * 100:g} points) with this run's discordant share or SD of "
            "differences (planning advice, not a result). Computed with numpy and scipy.stats.</sub>")


def _md_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    def cell(text: str) -> str:
        return str(text).replace("|", "\\|").replace("\n", " ")

    out = ["| " + " | ".join(cell(h) for h in headers) + " |", "|" + "---|" * len(headers)]
    out += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return out
