"""Outputs kept per case, evaluations, the report model and its HTML (without a browser), redaction."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import re
from pathlib import Path

import pytest

from promptctl.errors import InputError
from promptctl.evaluation import ab_store
from promptctl.evaluation.ab import arun_ab, plan_ab
from promptctl.evaluation.ab_plan import plan_eval
from promptctl.evaluation.past_runs import (
    check_comparable,
    compare_baseline,
    compared_result,
    list_runs,
    report_for_run,
    stored_result,
)
from promptctl.evaluation.report_html import render_html
from promptctl.providers.fake import FakeProvider
from promptctl.redaction import MASK, redact, redact_all

ROOT = Path(__file__).resolve().parents[2]
A = "math-word-problem@1::strategy=direct"
B = "math-word-problem@1::strategy=direct::temperature=0.1"
KEY = "sk-ant-api03-" + "x" * 40


def dataset(tmp_path: Path, n: int) -> Path:
    path = tmp_path / "cases.jsonl"
    rows = [{"id": f"c{i:03d}", "vars": {"problem": f"[case {i}] What is {i} + {i}?"}, "expected": str(2 * i),
             "tags": ["even" if i % 2 == 0 else "odd"]} for i in range(n)]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def case_of(request) -> int:
    return int(re.search(r"\[case (\d+)\]", json.dumps(request.body)).group(1))


def reply(request) -> str:
    """Right on most cases; the variant at temperature 0.1 gets multiples of 4 wrong; case 3 leaks markup and a key."""
    i = case_of(request)
    wrong = request.body.get("temperature") == 0.1 and i % 4 == 0
    extra = f" <script>alert(1)</script> {KEY}" if i == 3 else ""
    return f"Working: {i} + {i}.{extra}\nFinal answer: {-1 if wrong else 2 * i}"


def run(plan, store):
    return asyncio.run(arun_ab(plan, store, clients={"fake": FakeProvider(reply)}))


def test_every_case_keeps_its_request_output_explanation_usage_and_cost(registry, store, tmp_path):
    plan = plan_ab(registry, [A, B], dataset(tmp_path, 8), provider="fake")
    result, _ = run(plan, store)
    records, requests = ab_store.records_of(store, result["ab_run_id"], ["A", "B"])
    assert len(records) == 16 and [r["variant"] for r in records[:2]] == ["A", "B"]
    first = records[0]
    assert first["output"].endswith("Final answer: 0") and first["answer"] is not None
    assert first["passed"] is True and first["explanation"]  # the scorer says why
    assert first["input_tokens"] > 0 and first["latency_s"] is not None and "cost_usd" in first
    body = requests[first["request_sha256"]]
    assert "[case 0]" in json.dumps(body) and body["messages"]
    # identical requests are stored once: 16 records, at most 16 bodies, each keyed by its hash
    assert len(requests) <= 16 and all(r["request_sha256"] in requests for r in records)
    wrong = next(r for r in records if r["variant"] == "B" and r["case_id"] == "c004")
    assert wrong["passed"] is False and "-1" in wrong["explanation"]


def test_eval_runs_one_variant_with_an_interval_and_no_comparison(registry, store, tmp_path):
    with pytest.raises(InputError, match="two variants"):
        plan_ab(registry, [A], dataset(tmp_path, 4), provider="fake")
    plan = plan_eval(registry, B, dataset(tmp_path, 20), provider="fake")
    assert plan.kind == "eval" and plan.spec()["kind"] == "eval"
    result, outcome = run(plan, store)
    assert outcome.status == "completed" and result["comparisons"] == [] and not result.get("gates")
    v = result["variants"][0]
    assert v["passed"] == 15 and v["mean"] == 0.75 and v["ci95"]["low"] < 0.75 < v["ci95"]["high"]
    listed = list_runs(store)
    assert listed[0]["kind"] == "eval" and listed[0]["verdict"].startswith("pass rate 75.0% [")
    model = report_for_run(store, registry, result["ab_run_id"][:10])
    assert model["kind"] == "eval" and model["verdict"]["tone"] == "fail"
    worst = sorted(model["cases"], key=lambda c: (c["regression"], c["index"]))[0]
    assert worst["id"] == "c000" and worst["failed"]


def test_compare_pairs_a_new_evaluation_with_an_earlier_run(registry, store, tmp_path):
    data = dataset(tmp_path, 24)
    first, _ = run(plan_eval(registry, A, data, provider="fake"), store)
    baseline = compare_baseline(store, first["ab_run_id"][:12])
    assert baseline["label"] == "A"
    second, _ = run(plan_eval(registry, B, data, provider="fake"), store)
    compared = compared_result(store, baseline, second)
    labels = [v["label"] for v in compared["variants"]]
    assert labels == ["A", "B"] and compared["variants"][0]["passed"] == 24 and compared["variants"][1]["passed"] == 18
    assert compared["comparisons"][0]["difference"] == pytest.approx(-0.25)
    with pytest.raises(InputError, match="another dataset"):
        check_comparable(baseline, "0" * 64)
    with pytest.raises(InputError, match="no variant 'Z'"):
        compare_baseline(store, first["ab_run_id"] + ":Z")


def test_the_report_model_sorts_regressions_tags_and_diffs_the_prompts(registry, store, tmp_path):
    plan = plan_ab(registry, [A, B], dataset(tmp_path, 12), provider="fake")
    result, _ = run(plan, store)
    model = report_for_run(store, registry, result["ab_run_id"])
    assert model["kind"] == "ab" and model["verdict"]["tone"] in ("same", "worse")
    regressions = [c for c in model["cases"] if c["regression"] is not None and c["regression"] < 0]
    assert sorted(c["id"] for c in regressions) == ["c000", "c004", "c008"]
    tags = {t["tag"]: t for t in model["tags"]}
    assert tags["odd"]["means"] == [1.0, 1.0] and tags["even"]["means"][1] == 0.5
    assert model["variants"][1]["cache_hit_rate"] == 0.0
    assert model["prompt_diffs"][0]["template"] == ""  # the same file: a parameter is what differs
    case3 = model["cases"][3]
    text = json.dumps(model)
    assert KEY not in text and MASK in case3["trials"][0][0]["output"]


def test_the_html_is_self_contained_inert_and_keeps_data_as_data(registry, store, tmp_path):
    plan = plan_ab(registry, [A, B], dataset(tmp_path, 6), provider="fake")
    result, _ = run(plan, store)
    model = report_for_run(store, registry, result["ab_run_id"])
    model["title"] = "</script><script>alert(1)</script>"
    html = render_html(model)
    # no network: no external resource at all, and a CSP that forbids any
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", html)
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html).group(1)
    assert "default-src 'none'" in csp
    script = re.search(r"<script>(.*?)</script>\n<script type", html, re.S).group(1)
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in csp  # only the report's own script may run
    # user data cannot close the JSON blocks; it round-trips exactly
    assert html.count("</script>") == 3 and "<script>alert(1)" not in html
    blocks = re.findall(r'<script type="application/json" id="([\w-]+)">(.*?)</script>', html, re.S)
    data = {name: json.loads(text) for name, text in blocks}
    assert data["summary-data"]["title"] == model["title"]
    assert len(data["cases-data"]["cases"]) == 6 and "cases" not in data["summary-data"]
    # repeated long strings (the system prompt of every request) are stored once and put back exactly
    cases = hydrate(data["cases-data"], data["cases-data"]["texts"])
    block = json.dumps(data["cases-data"], ensure_ascii=False, separators=(",", ":"))
    plain = json.dumps({"cases": model["cases"], "requests": model["requests"]}, ensure_ascii=False,
                       separators=(",", ":"))
    assert data["cases-data"]["texts"] and len(block) < len(plain)
    first = cases["cases"][0]["trials"][0][0]
    assert first["output"] == model["cases"][0]["trials"][0][0]["output"]
    assert cases["requests"][first["request"]] == model["requests"][model["cases"][0]["trials"][0][0]["request_sha256"]]
    assert "&lt;/script&gt;" in html  # the title in the header, escaped


def hydrate(item, texts):
    """A report's cases block with its interned strings (``{"\\u0000t": i}``) put back."""
    if isinstance(item, dict):
        if list(item) == ["\u0000t"]:
            return texts[item["\u0000t"]]
        return {k: hydrate(v, texts) for k, v in item.items()}
    if isinstance(item, list):
        return [hydrate(v, texts) for v in item]
    return item


def test_everything_a_report_holds_is_redacted_each_distinct_string_once(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "plain-secret-value-123")
    text = (f"key {KEY}, Authorization: Bearer abc.def-ghi_jkl012345, env plain-secret-value-123, "
            "AKIAABCDEFGHIJKLMNOP ghp_" + "a" * 36 + " ok")
    out = redact_all({"a": [text, 1, None], "b": {"c": (KEY,)}, "d": "plain words"})
    for secret in (KEY[6:], "abc.def-ghi", "plain-secret", "ABCDEFGHIJKLMNOP", "a" * 36):
        assert secret not in json.dumps(out)
    assert out["a"][0] == redact(text) and out["a"][1:] == [1, None] and out["d"] == "plain words"
    assert out["b"]["c"] == [redact(KEY)] and MASK in out["b"]["c"][0]


def test_an_unfinished_evaluation_names_eval_resume(store):
    run_id = ab_store.create_ab_run(store, {"kind": "eval", "variants": [{"spec": A}]})
    with pytest.raises(InputError) as caught:
        stored_result(store, run_id)
    assert str(caught.value) == f"run {run_id[:12]} has no result yet (status running)"
    assert caught.value.hint == f"finish it with: promptctl eval --resume {run_id}"
