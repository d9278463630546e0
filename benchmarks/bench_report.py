"""The HTML report at 10,000 cases x 2 variants: generation time, file size, first paint in headless Chromium.

Builds a realistic comparison in memory: 10,000 support-agent cases (a shared 2.5 KB system prompt, a
unique customer message, two tags each), two variants, one trial, outputs of 250-700 characters that
differ between the variants on a third of the cases, scorer explanations; the records have the shape
:func:`promptctl.evaluation.ab_store.records_of` returns. Then times
:func:`~promptctl.evaluation.report_model.build_report` (join, deltas, tags, redaction) and
:func:`~promptctl.evaluation.report_html.render_html` plus the write, and opens the file in headless
Chromium (Debian's ``/usr/bin/chromium`` through Playwright) to read the first contentful paint
(``performance.getEntriesByName('first-contentful-paint')``) and the time until the case matrix is
ready (the cases parsed, sorted and the first page drawn).

Targets (issue 15): the file under 25 MB, first paint under 2 s. Timings are noisy on a shared machine:
the median of ``--repeat`` page loads is reported.

Run: python benchmarks/bench_report.py [--cases 10000] [--repeat 3] [--keep FILE.html]
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from promptctl.evaluation.ab_store import request_sha256
from promptctl.evaluation.report_html import render_html
from promptctl.evaluation.report_model import build_report

SYSTEM = ("You are Ava, a senior customer-support agent for Acme Cloud, a managed hosting platform. " * 30)[:2500]
WORDS = ("deploy domain certificate invoice refund outage database backup region latency build cache token "
         "billing plan upgrade downgrade support escalate customer account password error timeout").split()
TAGS = ["billing", "outage", "security", "how-to", "refund", "dns", "postgres", "cli", "legal", "cancellation",
        "enterprise", "free", "pro", "injection", "data-loss", "performance"]


def sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def synthetic(cases: int, seed: int = 1) -> tuple[dict, list[dict], dict, list[dict]]:
    rng = random.Random(seed)
    labels = ["A", "B"]
    records: list[dict] = []
    requests: dict = {}
    case_rows: list[dict] = []
    values = {"A": [], "B": []}
    meta = []
    for i in range(cases):
        message = sentence(rng, rng.randint(12, 40))
        meta.append({"id": f"case-{i:05d}", "tags": rng.sample(TAGS, 2), "variables": {"customer_message": message},
                     "expected": r"(?i)\A\s*\[ESCALATE"})
        base = " ".join(sentence(rng, rng.randint(8, 16)) for _ in range(rng.randint(3, 6)))
        for v, label in enumerate(labels):
            output = base if (v == 0 or i % 3) else base.replace(".", ", and then some.", 2) + " " + sentence(rng, 10)
            passed = rng.random() < (0.72 if v == 0 else 0.75)
            body = {"model": "gpt-4.1-mini", "temperature": 0.3 if v else 0.0, "max_tokens": 800,
                    "messages": [{"role": "system", "content": SYSTEM}, {"role": "user", "content": message}]}
            sha = request_sha256(body)
            requests[sha] = body
            records.append({
                "case_index": i, "case_id": meta[-1]["id"], "variant": label, "trial": 0, "status": "ok",
                "output": output, "answer": None, "reasoning": None, "parsed": None, "score": float(passed),
                "passed": passed, "explanation": "/(?i)\\A\\s*\\[ESCALATE/", "input_tokens": 700 + len(message) // 4,
                "output_tokens": len(output) // 4, "cost_usd": 0.0004, "list_cost_usd": 0.0004,
                "latency_s": round(rng.uniform(0.4, 2.5), 3), "cached": False, "error": None, "run_id": None,
                "request_sha256": sha,
            })
            values[label].append(float(passed))
        case_rows.append({"index": i, "id": meta[-1]["id"], "values": {lb: values[lb][-1] for lb in labels}})
    variants = [{"label": lb, "spec": f"support-agent@{n + 1}", "ref": f"support-agent@{n + 1}", "provider": "openai",
                 "model": "gpt-4.1-mini", "strategy": "direct", "mean": sum(values[lb]) / cases,
                 "ci95": {"low": sum(values[lb]) / cases - 0.01, "high": sum(values[lb]) / cases + 0.01},
                 "passed": int(sum(values[lb])), "completed": cases, "errors": 0, "flaky_cases": [],
                 "cost_usd": 0.0004 * cases, "list_cost_usd": 0.0004 * cases, "cases": cases,
                 "tokens": {"input": 7_000_000, "output": 1_000_000}, "latency_s": {"p50": 1.2, "p95": 2.3},
                 "cached": 0} for n, lb in enumerate(labels)]
    result = {"ab_run_id": "0" * 32, "status": "completed", "created_at": "2026-12-06T00:00:00+00:00",
              "dataset": {"given": "cases.jsonl", "cases": cases, "sha256": "0" * 64}, "scorer": "regex",
              "judge": None, "metric": "pass", "alpha": 0.05, "trials": 1, "variants": variants,
              "comparisons": [{"baseline": "A", "candidate": "B", "difference": 0.03,
                               "ci95": {"low": 0.02, "high": 0.04},
                               "p_value": 0.0001, "p_adjusted": 0.0001, "test": "exact McNemar", "winner": "B",
                               "verdict": "B better", "n_pairs": cases, "alpha": 0.05,
                               "effect_size": {"name": "discordant odds ratio", "value": 1.3},
                               "sentence": "B better; B - A = +3.0 points"}],
              "cost_usd": {"models": 8.0, "judge": 0.0, "total": 8.0}, "cases": case_rows, "errors": [],
              "error_count": 0, "warnings": []}
    return result, records, requests, meta


def first_paint(path: Path, repeat: int) -> tuple[list[float], list[float]]:
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    paints, ready = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"])
        for _ in range(repeat):
            page = browser.new_page(viewport={"width": 1360, "height": 900})
            start = time.perf_counter()
            page.goto(path.as_uri(), wait_until="commit")
            page.wait_for_selector("body[data-ready=true]", timeout=60_000)
            ready.append(time.perf_counter() - start)
            fcp = page.evaluate("() => (performance.getEntriesByName('first-contentful-paint')[0] || {}).startTime")
            paints.append(float(fcp) / 1000.0)
            page.close()
        browser.close()
    return paints, ready


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", type=Path, default=None, help="keep the generated report here")
    args = parser.parse_args()
    result, records, requests, meta = synthetic(args.cases)
    start = time.perf_counter()
    model = build_report(result, records, requests, cases=meta, kind="ab")
    built = time.perf_counter() - start
    folder = Path(tempfile.mkdtemp(prefix="promptctl-report-"))
    path = args.keep or folder / "report.html"
    start = time.perf_counter()
    text = render_html(model)
    path.write_text(text, encoding="utf-8")
    rendered = time.perf_counter() - start
    size_mb = path.stat().st_size / 1e6
    paints, ready = first_paint(path, args.repeat)
    rows = [
        ("cases x variants", f"{args.cases:,} x 2", ""),
        ("report model (join, deltas, tags, redaction)", f"{built:.2f} s", ""),
        ("HTML render + write", f"{rendered:.2f} s", ""),
        ("generation total", f"{built + rendered:.2f} s", ""),
        ("file size", f"{size_mb:.1f} MB", "< 25 MB" + ("  met" if size_mb < 25 else "  NOT MET")),
        ("first contentful paint (median)", f"{statistics.median(paints):.2f} s",
         "< 2 s" + ("  met" if statistics.median(paints) < 2 else "  NOT MET")),
        ("matrix ready: cases parsed, sorted, drawn (median)", f"{statistics.median(ready):.2f} s", ""),
    ]
    width = max(len(r[0]) for r in rows)
    for name, value, target in rows:
        print(f"{name:<{width}}  {value:>12}  {target}")
    print(f"(page loads: {', '.join(f'{p:.2f}' for p in paints)} s to first paint; machine load noted by the caller)")
    if args.keep is None:
        shutil.rmtree(folder, ignore_errors=True)
    return 0 if size_mb < 25 and statistics.median(paints) < 2 else 1


if __name__ == "__main__":
    sys.exit(main())
