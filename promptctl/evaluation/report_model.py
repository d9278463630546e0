"""The report model: one JSON-able dict holding everything the HTML report shows.

:func:`build_report` joins a run's result (:func:`~promptctl.evaluation.ab_report.build_result`), its
per-case records (:func:`~promptctl.evaluation.ab_store.records_of`), the dataset's cases and the
variants' prompt files into the model that :mod:`promptctl.evaluation.report_html` renders. Snapshot
checks build the same shape (:func:`promptctl.evaluation.snapshots.report.report_model`). Every string
in it has passed through :func:`promptctl.redaction.redact_all`.

Shape (``report_version`` 1)::

    {
      "report_version": 1,
      "kind": "ab" | "eval" | "snapshot",
      "title": str, "run_id": str | None, "created_at": str | None, "generated_at": str, "status": str,
      "metric": "pass" | "score" | "preference" | "snapshot",
      "dataset": {"given": str, "cases": int, "sha256": str} | None,
      "scorer": str | None, "judge": str | None, "alpha": float | None, "trials": int,
      "verdict": {"tone": "better" | "worse" | "same" | "pass" | "fail" | "none", "headline": str,
                  "details": [str]},
      "variants": [{"label", "spec", "ref", "provider", "model", "mean", "ci95": {"low", "high"} | None,
                    "passed", "completed", "errors", "flaky", "cost_usd", "list_cost_usd",
                    "tokens": {"input", "output"}, "latency_s": {"p50", "p95"}, "cache_hit_rate",
                    "prompt_cache_hit_rate"}],
      "comparisons": [{"baseline", "candidate", "difference", "ci95", "p_value", "p_adjusted", "test",
                       "effect_size": {"name", "value"} | None, "verdict", "winner", "sentence"}],
      "tags": [{"tag": str, "cases": int, "means": [float | None per variant]}],
      "cost_usd": {"models", "judge", "total"},
      "prompt_diffs": [{"baseline": label, "candidate": label, "front_matter": [[field, old, new]],
                        "template": str (unified diff), "tools": str (unified diff)}],
      "warnings": [str], "errors": [{"variant", "case", "trial", "error"}], "error_count": int,
      "cases": [{"index": int, "id": str, "tags": [str], "variables": {...}, "expected": any,
                 "values": [float | None per variant], "deltas": [float | None per variant],
                 "regression": float | None (ascending = worst first), "failed": bool, "flaky": bool,
                 "errored": bool,
                 "trials": [[record per trial] per variant],
                 "pairwise": [{"candidate", "trial", "baseline_first", "candidate_first",
                               "baseline_first_reason", "candidate_first_reason", "outcome",
                               "consistent", "error"}]}],
      "requests": {sha256: request body}
    }

A trial record is :func:`~promptctl.evaluation.ab_store.records_of`'s, without the keys repeated by its
place (case, variant). ``deltas`` are each variant's value minus the baseline's (0 for the baseline;
for ``preference``, +1 when the candidate won the case, -1 when the baseline did).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from promptctl.redaction import redact_all
from promptctl.types import utc_now

REPORT_VERSION = 1
_CASE_KEYS = ("case_index", "case_id", "variant")


def build_report(
    result: Mapping[str, Any],
    records: Sequence[Mapping[str, Any]],
    requests: Mapping[str, Any],
    *,
    cases: Sequence[Mapping[str, Any]] = (),
    judgements: Sequence[Mapping[str, Any]] = (),
    prompts: Sequence[Mapping[str, Any] | None] = (),
    kind: str | None = None,
) -> dict[str, Any]:
    """The report model of an A/B run or evaluation.

    Args:
        result: The run's result dict (``ab --json``).
        records: Its per-case records (:func:`~promptctl.evaluation.ab_store.records_of`).
        requests: Rendered request bodies by sha256 (same function).
        cases: The dataset's cases by index, each ``{"id", "tags", "variables", "expected"}``; empty when
            the dataset is no longer available (tags and variables are then missing from the report).
        judgements: Pairwise judgements (:func:`~promptctl.evaluation.ab_store.judgements_of`).
        prompts: Per variant, ``{"front_matter": dict, "template": str, "tools": list}`` of its prompt
            version, or None when it cannot be loaded.
        kind: ``ab`` or ``eval`` (default: ``eval`` for a single variant).

    Returns:
        The model (module docstring), redacted.
    """
    variants = list(result["variants"])
    labels = [v["label"] for v in variants]
    k = len(labels)
    kind = kind or ("eval" if k == 1 else "ab")
    metric = result["metric"]
    trials = int(result.get("trials") or 1)
    by_case: dict[int, list[list[dict[str, Any]]]] = defaultdict(lambda: [[] for _ in range(k)])
    for rec in records:
        slot = labels.index(rec["variant"])
        by_case[int(rec["case_index"])][slot].append({key: v for key, v in rec.items() if key not in _CASE_KEYS})
    pairs: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for j in judgements:
        pairs[int(j["case_index"])].append({key: v for key, v in j.items() if key not in ("case_index", "baseline")})
    out_cases = []
    for entry in result["cases"]:
        index = int(entry["index"])
        meta = cases[index] if index < len(cases) else {}
        trial_rows = by_case[index]
        if metric == "preference":
            values: list[float | None] = [None] * k
            outcomes = entry.get("outcomes", {})
            deltas: list[float | None] = [0.0]
            deltas += [
                {"candidate": 1.0, "baseline": -1.0, "tie": 0.0}.get(str(outcomes.get(label)), None)
                for label in labels[1:]]
        else:
            values = [entry["values"].get(label) for label in labels]
            base = values[0]
            deltas = [None if v is None or base is None else round(v - base, 6) for v in values]
        if kind == "eval":
            regression = values[0]
        else:
            candidates = [d for d in deltas[1:] if d is not None]
            regression = min(candidates) if candidates else None
        flat = [t for rows in trial_rows for t in rows]
        out_cases.append({
            "index": index, "id": entry["id"], "tags": list(meta.get("tags") or []),
            "variables": meta.get("variables"), "expected": meta.get("expected"),
            "values": values, "deltas": deltas, "regression": regression,
            "failed": any(t["status"] == "ok" and t["passed"] is False for t in flat)
            or any(o == "baseline" for o in (entry.get("outcomes") or {}).values()),
            "flaky": any(0 < sum(bool(t["passed"]) for t in rows) < len(rows) for rows in trial_rows
                         if len(rows) > 1),
            "errored": any(t["status"] != "ok" for t in flat),
            "trials": [sorted(rows, key=lambda t: t["trial"]) for rows in trial_rows],
            "pairwise": sorted(pairs.get(index, []), key=lambda p: (p["trial"], p["candidate"])),
        })
    out_variants = []
    for i, v in enumerate(variants):
        oks = [t for c in out_cases for t in c["trials"][i] if t["status"] == "ok"]
        out_variants.append({
            **{key: v.get(key) for key in ("label", "spec", "ref", "provider", "model", "strategy", "mean", "ci95",
                                           "passed", "completed", "errors", "cost_usd", "list_cost_usd",
                                           "tokens", "latency_s")},
            "cases": v.get("cases"), "flaky": len(v.get("flaky_cases") or []),
            "cache_hit_rate": round(sum(1 for t in oks if t["cached"]) / len(oks), 6) if oks else None,
            "prompt_cache_hit_rate": v.get("prompt_cache_hit_rate"),
        })
    return redact_all({
        "report_version": REPORT_VERSION, "kind": kind, "title": _title(kind, variants),
        "run_id": result.get("ab_run_id"), "created_at": result.get("created_at"), "generated_at": utc_now(),
        "status": result.get("status"), "metric": metric, "dataset": _dataset(result.get("dataset")),
        "scorer": result.get("scorer") or _scorers(result.get("scorers") or {}), "judge": result.get("judge"),
        "alpha": result.get("alpha"), "trials": trials, "verdict": verdict(result, kind),
        "variants": out_variants, "comparisons": [_comparison(c) for c in result.get("comparisons", [])],
        "tags": tag_means(out_cases, k), "cost_usd": result.get("cost_usd"),
        "prompt_diffs": prompt_diffs(labels, prompts), "warnings": list(result.get("warnings", [])),
        "errors": list(result.get("errors", [])), "error_count": result.get("error_count", 0),
        "cases": out_cases, "requests": dict(requests),
    })


def _title(kind: str, variants: Sequence[Mapping[str, Any]]) -> str:
    names = [str(v.get("spec") or v.get("label")) for v in variants]
    return f"eval {names[0]}" if kind == "eval" else " vs ".join(names)


def _dataset(data: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if not data:
        return None
    return {"given": data.get("given"), "cases": data.get("cases"), "sha256": data.get("sha256")}


def _scorers(counts: Mapping[str, Any]) -> str | None:
    return ", ".join(f"{name} ({n})" for name, n in sorted(counts.items())) or None


def _comparison(c: Mapping[str, Any]) -> dict[str, Any]:
    keep = ("baseline", "candidate", "difference", "ci95", "p_value", "p_adjusted", "test", "effect_size",
            "verdict", "winner", "sentence", "n_pairs", "candidate_wins", "baseline_wins", "ties", "flip_rate")
    return {key: c.get(key) for key in keep}


def verdict(result: Mapping[str, Any], kind: str) -> dict[str, Any]:
    """The headline of a run: which variant is better (or that none is), or an evaluation's score.

    Args:
        result: The run's result dict.
        kind: ``ab`` or ``eval``.

    Returns:
        ``{"tone", "headline", "details"}``: tone ``better``/``worse``/``same`` for a comparison (the last
        candidate against the baseline decides the tone, as ``--fail-if-worse`` does), ``pass``/``fail``
        for an evaluation (fail when any case failed or errored), ``none`` when nothing was scored.
    """
    details = [str(c.get("sentence")) for c in result.get("comparisons", []) if c.get("sentence")]
    if kind == "eval":
        v = result["variants"][0]
        if v.get("mean") is None:
            return {"tone": "none", "headline": "nothing was scored", "details": details}
        ci = v.get("ci95")
        what = "pass rate" if result["metric"] == "pass" else "mean score"
        interval = f" [{ci['low'] * 100:.1f}%, {ci['high'] * 100:.1f}%] (95% CI)" if ci else ""
        headline = f"{what} {v['mean'] * 100:.1f}%{interval}"
        failed = (v.get("passed") is not None and v["passed"] < v["completed"] * int(result.get("trials") or 1))
        return {"tone": "fail" if failed or v.get("errors") else "pass", "headline": headline, "details": details}
    comparisons = result.get("comparisons") or []
    if not comparisons:
        return {"tone": "none", "headline": "no comparison", "details": details}
    last = comparisons[-1]
    if not last.get("n_pairs"):
        return {"tone": "none", "headline": "no verdict: no case was scored for both variants", "details": details}
    if last.get("winner") == last.get("candidate"):
        tone = "better"
    elif last.get("winner") == last.get("baseline"):
        tone = "worse"
    else:
        tone = "same"
    headline = (str(last["verdict"]) if last.get("winner")
                else f"no significant difference at alpha {float(last.get('alpha') or 0.05):g}")
    return {"tone": tone, "headline": headline, "details": details}


def tag_means(cases: Sequence[Mapping[str, Any]], k: int) -> list[dict[str, Any]]:
    """Per tag: how many cases carry it and each variant's mean value over them (None when unscored)."""
    sums: dict[str, list[list[float]]] = defaultdict(lambda: [[] for _ in range(k)])
    counts: dict[str, int] = defaultdict(int)
    for case in cases:
        for tag in case["tags"]:
            counts[tag] += 1
            for i, value in enumerate(case["values"]):
                if value is not None:
                    sums[tag][i].append(float(value))
    return [{"tag": tag, "cases": counts[tag],
             "means": [round(sum(xs) / len(xs), 6) if xs else None for xs in sums[tag]]}
            for tag in sorted(counts)]


def prompt_diffs(labels: Sequence[str], prompts: Sequence[Mapping[str, Any] | None]) -> list[dict[str, Any]]:
    """Each candidate's prompt against the baseline's: changed front matter fields, template and tools diffs."""
    from promptctl.diff import flatten, unified

    if len(prompts) < 2 or prompts[0] is None:
        return []
    base = prompts[0]
    out = []
    for label, other in zip(labels[1:], prompts[1:], strict=False):
        if other is None:
            continue
        a, b = flatten(base.get("front_matter") or {}), flatten(other.get("front_matter") or {})
        fields = [[key, a.get(key), b.get(key)] for key in sorted(set(a) | set(b))
                  if key != "tools" and a.get(key) != b.get(key)]
        tools = unified(_json(base.get("tools")), _json(other.get("tools")), f"{labels[0]} tools", f"{label} tools")
        out.append({"baseline": labels[0], "candidate": label, "baseline_ref": base.get("ref"),
                    "candidate_ref": other.get("ref"), "front_matter": fields,
                    "template": unified(str(base.get("template") or ""), str(other.get("template") or ""),
                                        str(base.get("ref") or labels[0]), str(other.get("ref") or label)),
                    "tools": tools})
    return out


def _json(value: Any) -> str:
    return "" if not value else json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
