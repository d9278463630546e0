"""Plain-text and JUnit XML reports of ``snapshot check`` (no terminal library: the CLI adds colour)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path

from promptctl.evaluation.snapshots.results import CaseChange, CaseResult, CheckReport, ItemOutcome


def plural(count: int, word: str, words: str | None = None) -> str:
    """``1 case``, ``2 cases`` (``words``: an irregular plural)."""
    return f"{count} {word if count == 1 else (words or word + 's')}"


def _rel(path: Path, root: Path | None) -> str:
    if root is not None and path.is_relative_to(root):
        return path.relative_to(root).as_posix()
    return str(path)


def check_text(report: CheckReport, *, root: Path | None = None, quiet: bool = False) -> str:
    """The human report: one line per item (``ok``/``FAIL``), then the details of each failure.

    Args:
        report: The check report.
        root: Project root, to show paths relative to it.
        quiet: Leave out the lines of passing items.
    """
    lines: list[str] = []
    for case, outcome in report.outcomes():
        if outcome.passed and quiet:
            continue
        flaky = case.live is not None and case.live.flaky and outcome.provider == case.recorder
        mark = "ok  " if outcome.passed else "FAIL"
        suffix = "" if outcome.passed else f"  {outcome.message}"
        if flaky:
            suffix += f"  (flaky: {case.live.passes}/{case.live.trials} trials passed)"  # type: ignore[union-attr]
        lines.append(f"{mark}  {outcome.id}{suffix}")
    for case, outcome in report.failed:
        lines.append("")
        lines.append(f"=== {outcome.id}: {outcome.message}")
        lines.append(f"golden file: {_rel(case.golden, root)}")
        lines.append(outcome.details)
    if report.flaky:
        lines.append("")
        lines.append("flaky: " + ", ".join(f"{c.prompt}::{c.case} ({c.live.passes}/{c.live.trials})"  # type: ignore[union-attr]
                                           for c in report.flaky))
    for path in report.orphans:
        lines.append(f"warning: {_rel(path, root)} belongs to no case of its suite "
                     "(delete it, or run 'promptctl snapshot update' to remove it)")
    return "\n".join(lines) + ("\n" if lines else "")


def summary_line(report: CheckReport) -> str:
    """``snapshot check: 63 ok, 0 failing (21 cases, 7 prompts, replayed) in 0.41 s``."""
    items = report.outcomes()
    failing = len(report.failed)
    prompts = len({c.prompt for c in report.cases})
    mode = "live" if report.live else "replayed"
    flaky = f", {len(report.flaky)} flaky" if report.live else ""
    return (f"snapshot check: {len(items) - failing} ok, {failing} failing{flaky} "
            f"({plural(len(report.cases), 'case')}, {plural(prompts, 'prompt')}, {mode}) in {report.elapsed_s:.2f} s")


def junit_xml(report: CheckReport, *, root: Path | None = None) -> str:
    """JUnit XML: one ``<testsuite>`` per prompt version, one ``<testcase>`` per item.

    ``classname`` is ``name@version``, ``name`` is ``case::provider`` (so CI tools show the item id
    ``name@version::case::provider``); a failing item has a ``<failure>`` whose message is the reasons and
    whose text holds the diffs. Flaky live cases carry their trial counts in ``<system-out>``.
    """
    suites: dict[str, list[tuple[CaseResult, ItemOutcome]]] = {}
    for case, outcome in report.outcomes():
        suites.setdefault(case.prompt, []).append((case, outcome))
    failing_total = len(report.failed)
    root_el = ET.Element("testsuites", {
        "name": "promptctl snapshot check", "tests": str(len(report.outcomes())), "failures": str(failing_total),
        "errors": "0", "skipped": "0", "time": f"{report.elapsed_s:.3f}",
    })
    for prompt, items in suites.items():
        failures = sum(1 for _, o in items if not o.passed)
        seconds = sum(c.elapsed_s / max(len(c.item_providers), 1) for c, _ in items)
        suite_el = ET.SubElement(root_el, "testsuite", {
            "name": prompt, "tests": str(len(items)), "failures": str(failures), "errors": "0", "skipped": "0",
            "time": f"{seconds:.3f}",
        })
        for case, outcome in items:
            per_item = case.elapsed_s / max(len(case.item_providers), 1)
            case_el = ET.SubElement(suite_el, "testcase", {
                "classname": prompt, "name": f"{case.case}::{outcome.provider}",
                "file": _rel(case.golden, root), "time": f"{per_item:.4f}",
            })
            if not outcome.passed:
                failure = ET.SubElement(case_el, "failure", {"message": outcome.message, "type": "snapshot"})
                failure.text = outcome.details
            live = case.live
            if live is not None and outcome.provider == case.recorder:
                out = ET.SubElement(case_el, "system-out")
                out.text = f"live: {live.passes}/{live.trials} trials passed" + (" (flaky)" if live.flaky else "")
    ET.indent(root_el)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root_el, encoding="unicode") + "\n"


def changes_text(changes: Sequence[CaseChange], removed: Sequence[Path] = (), *, root: Path | None = None,
                 verb: str = "updated") -> str:
    """What ``record``/``update`` wrote: a line per case, then the diffs of changed files."""
    lines: list[str] = []
    for change in changes:
        what = ", ".join(change.changes) if change.changes else "no change"
        via = f" with {change.recorded_with}" if change.recorded_with else ""
        status = verb if change.written else "unchanged"
        lines.append(f"{status}  {change.prompt}::{change.case}{via}  {_rel(change.golden, root)}"
                     + (f"  ({what})" if change.written else ""))
        lines.extend(f"      check failing: {f}" for f in change.failing)
    for change in changes:
        if change.written and change.diff:
            lines.append("")
            lines.append(f"=== {change.prompt}::{change.case}")
            lines.append(change.diff.rstrip())
    for path in removed:
        lines.append(f"removed  {_rel(path, root)} (its case is no longer in the suite)")
    return "\n".join(lines) + ("\n" if lines else "")


def report_dict(report: CheckReport, *, root: Path | None = None) -> dict[str, object]:
    """``check --json``: summary counts and one record per item (id, passed, reasons, details, golden file)."""
    items = []
    for case, outcome in report.outcomes():
        record: dict[str, object] = {
            "id": outcome.id, "prompt": case.prompt, "case": case.case, "provider": outcome.provider,
            "passed": outcome.passed, "reasons": list(outcome.reasons), "details": outcome.details,
            "golden": _rel(case.golden, root),
        }
        if case.live is not None and outcome.provider == case.recorder:
            record["live"] = {"trials": case.live.trials, "passes": case.live.passes, "needed": case.live.needed,
                              "flaky": case.live.flaky}
        items.append(record)
    return {
        "passed": report.passed,
        "items": items,
        "failing": len(report.failed),
        "cases": len(report.cases),
        "live": report.live,
        "flaky": [f"{c.prompt}::{c.case}" for c in report.flaky],
        "orphans": [_rel(p, root) for p in report.orphans],
        "elapsed_s": round(report.elapsed_s, 6),
    }


def report_model(report: CheckReport, *, root: Path | None = None) -> dict[str, object]:
    """The HTML report model (:mod:`promptctl.evaluation.report_model`, ``kind`` ``snapshot``) of a check.

    One "case" per item (``prompt@version::case::provider``), tagged with its prompt and provider; a
    changed request or failed check is ``failed`` and carries its reasons and diff.

    Args:
        report: The check report.
        root: Project root, to show golden files relative to it.

    Returns:
        The redacted model.
    """
    from promptctl.evaluation.report_model import REPORT_VERSION
    from promptctl.redaction import redact_all
    from promptctl.types import utc_now

    items = report.outcomes()
    failing = len(report.failed)
    cases = []
    for index, (case, outcome) in enumerate(items):
        live = case.live if case.live is not None and outcome.provider == case.recorder else None
        flaky = bool(live is not None and live.flaky)
        cases.append({
            "index": index, "id": outcome.id, "tags": [case.prompt, outcome.provider],
            "variables": None, "expected": None, "values": [1.0 if outcome.passed else 0.0], "deltas": [0.0],
            "regression": 1.0 if outcome.passed else 0.0, "failed": not outcome.passed, "flaky": flaky,
            "errored": case.error is not None,
            "trials": [[{"trial": 0, "status": "ok" if case.error is None else "error", "passed": outcome.passed,
                         "explanation": "; ".join(outcome.reasons) or None, "diff": outcome.details or None,
                         "golden": _rel(case.golden, root), "error": case.error,
                         "live": f"{live.passes}/{live.trials} live trials passed" if live is not None else None}]],
            "pairwise": [],
        })
    headline = (f"{failing} of {len(items)} snapshot items changed or failing" if failing
                else f"all {len(items)} snapshot items unchanged")
    details = [summary_line(report)] + [f"orphan golden file: {_rel(p, root)}" for p in report.orphans]
    tags = sorted({t for c in cases for t in c["tags"]})  # type: ignore[attr-defined]
    return redact_all({  # type: ignore[no-any-return]
        "report_version": REPORT_VERSION, "kind": "snapshot", "title": "snapshot check" + (" (live)" if report.live
                                                                                         else ""),
        "run_id": None, "created_at": None, "generated_at": utc_now(), "status": "failed" if failing else "passed",
        "metric": "snapshot", "dataset": None, "scorer": None, "judge": None, "alpha": None,
        "trials": 1, "verdict": {"tone": "fail" if failing else "pass", "headline": headline, "details": details},
        "variants": [{"label": "A", "spec": "golden files", "passed": len(items) - failing, "completed": len(items)}],
        "comparisons": [], "tags": [{"tag": t, "cases": sum(1 for c in cases if t in c["tags"]),  # type: ignore
                                     "means": [None]} for t in tags],
        "cost_usd": None, "prompt_diffs": [], "warnings": [], "errors": [], "error_count": 0,
        "cases": cases, "requests": {},
    })
