"""The lint regression set: findings over real public prompts, judged by hand (tests/lint/corpus/).

Each judged sample in ``verdicts.yaml`` lists findings `promptctl lint` gave on the corpus of
benchmarks/lint_corpus.py (fabric patterns, Prompty samples, awesome-chatgpt-prompts), each judged
right, wrong or debatable. The prompts they were found on are kept in ``prompts/`` (see ATTRIBUTION.md).
A finding judged right must still be reported at warning or error (at any severity for the advice rules,
whose default is info); one judged wrong must not be reported at all; ``expect: info`` means it must be
reported, at info only.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from promptctl.lint import Finding, lint
from promptctl.lint.rules import ADVICE
from promptctl.registry.registry import Registry
from tests.lint.conftest import TODAY, corpus_script

CORPUS = Path(__file__).parent / "corpus"


@lru_cache(maxsize=1)
def _verdicts() -> dict[str, list[dict[str, Any]]]:
    text = (CORPUS / "verdicts.yaml").read_text(encoding="utf-8")  # 360 KB, read at collection by every worker
    data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506 - safe; libyaml
    return data["samples"]


@lru_cache(maxsize=1)
def _findings() -> dict[tuple[str, str], list[Finding]]:
    report = lint(Registry(CORPUS / "prompts"), None, today=TODAY, jobs=1)
    out: dict[tuple[str, str], list[Finding]] = {}
    for finding in report.findings:
        out.setdefault((finding.ref.partition("@")[0], finding.rule), []).append(finding)
    return out


CASES = [
    pytest.param(entry, id=f"{sample}:{entry['prompt']}:{entry['rule']}:{entry.get('expect') or entry['verdict']}")
    for sample, entries in _verdicts().items()
    for entry in entries
    if entry["verdict"] in ("right", "wrong") or entry.get("expect")
]


@pytest.mark.parametrize("entry", CASES)
def test_judged_finding(entry: dict[str, Any]) -> None:
    found = _findings().get((entry["prompt"], entry["rule"]), [])
    severities = sorted({f.severity for f in found})
    expect = entry.get("expect") or {"right": "fires", "wrong": "silent"}[entry["verdict"]]
    reason = f"{entry['prompt']} {entry['rule']} ({entry['verdict']}: {entry['reason']})"
    if expect == "fires" and entry["rule"] in ADVICE:
        assert found, f"no longer reported, even as advice: {reason}"
    elif expect == "fires":
        assert {"warning", "error"} & set(severities), f"no longer reported: {reason}"
    elif expect == "silent":
        assert not found, f"reported again ({severities}): {reason}"
    else:
        assert severities == [expect], f"expected {expect}, got {severities}: {reason}"


def test_every_judged_prompt_is_kept() -> None:
    kept = {p.name for p in (CORPUS / "prompts").iterdir() if p.is_dir()}
    judged = {e["prompt"] for entries in _verdicts().values() for e in entries}
    assert judged <= kept


def test_the_corpus_filter_leaves_out_the_judged_image_prompts_and_keeps_the_chat_prompts() -> None:
    """Every awesome-chatgpt-prompts row judged an image-model prompt is left out; every other judged one is kept."""
    script = corpus_script()
    media = {e["prompt"] for entries in _verdicts().values() for e in entries
             if any(k in e["reason"] for k in ("image-model", "image-tool", "drawing diagrams"))}
    assert len(media) >= 10
    judged = {e["prompt"] for entries in _verdicts().values() for e in entries if e["prompt"].startswith("awesome-")}
    left_out = set()
    for name in judged:
        body = (CORPUS / "prompts" / name / "v1.j2").read_text(encoding="utf-8")
        system = body.split("{% system %}", 1)[-1].split("{% endsystem %}", 1)[0]
        if script.is_media_prompt(system):
            left_out.add(name)
    assert left_out == media


def test_the_regression_set_passes_at_the_precision_goal() -> None:
    """Issue 20 item 7's goal: at least 85% of today's warning/error findings right, by the strict verdicts (the
    last strict sample that judged each (prompt, rule)); ``lint_corpus.py reapply`` prints the same figures."""
    findings = [f for found in _findings().values() for f in found]
    result = corpus_script().reapply(_verdicts(), findings)
    assert result["judged"] >= 300
    assert result["precision"] >= 0.85, result
