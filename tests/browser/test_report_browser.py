"""The HTML report of ``promptctl ab`` opened in headless Chromium: read, sort, filter, drill in, stay inert.

The report is made as the issue's "done when" says: ``promptctl ab support-agent@1 support-agent@2
--dataset fixtures/datasets/support-agent.yaml --report r.html`` against the loopback server, through
the real OpenAI SDK. The loopback agent answers like a support agent, escalating with version 1's
trigger names or version 2's codes, and misses some escalations, so cases differ both ways; its
answer to the prompt-injection case carries markup that must stay text.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from promptctl.evaluation.datasets import load_dataset
from promptctl.testing import LoopbackLLMServer

from .conftest import REPORTS, ROOT

XSS = '<script>window.__xss = 1; alert("xss")</script><img src="x" onerror="window.__xss = 2">'
KEY = "sk-proj-" + "Z" * 40
_TRIGGERS = [
    (("refund", "paid", "charged"), "Money", "refund"),
    (("deploys", "api key", "leaked", "token"), "Security", "security"),
    (("502", "outage", "down"), "Outage", "outage"), (("cancel",), "Cancellation", "cancellation"),
    (("lost", "deleted"), "Data loss", "data_loss"), (("lawyer", "legal", "gdpr"), "Legal", "legal"),
]


def agent(body: dict[str, Any]) -> str:
    """A scripted support agent: escalates on trigger words, v1 by name and v2 by code; each misses some."""
    text = json.dumps(body)
    message = body["messages"][-1]["content"]
    message = message if isinstance(message, str) else " ".join(p.get("text", "") for p in message)
    v2 = "data_loss" in text
    low = message.lower()
    trigger = next(((code if v2 else name) for words, name, code in _TRIGGERS if any(w in low for w in words)), None)
    seed = sum(map(ord, message))
    if (seed % 5 == 0 and v2) or (seed % 7 == 0 and not v2):
        trigger = None
    head = f"[ESCALATE: {trigger}]\n" if trigger else ""
    reply = ("Thanks for reaching out. " + ("I have passed this to our specialist team. " if trigger else
             "Open the dashboard, go to Settings and follow the steps shown. ")
             + ("Reply here if anything is unclear. " if v2 else "Let us know if you need more help. ") + "- Ava")
    if "ignore all previous instructions" in low:
        reply += f" {XSS} (your key {KEY})"
    return head + reply


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """``promptctl ab ... --json --report r.html`` in this process, against the loopback server."""
    from tests.conftest import run_cli

    folder = tmp_path_factory.mktemp("report")
    path = folder / "r.html"
    runs: list[Any] = []
    with LoopbackLLMServer(agent, max_lifetime_s=120) as server:
        env = {**server.env(), "PROMPTCTL_DATABASE_URL": f"sqlite:///{folder / 'runs.db'}"}

        def run() -> None:  # in a thread: Playwright's sync API keeps an event loop running in this one
            runs.append(run_cli("ab", "support-agent@1", "support-agent@2", "--dataset",
                                "fixtures/datasets/support-agent.yaml", "--provider", "openai", "--model",
                                "gpt-4o-mini", "--json", "--report", str(path), cwd=ROOT, env=env))

        worker = threading.Thread(target=run)
        worker.start()
        worker.join(timeout=120)
    assert runs and runs[0].returncode == 0, runs[0].stderr if runs else "timed out"
    return path, json.loads(runs[0].stdout)


@pytest.fixture
def page(browser: Any, report: tuple[Path, dict[str, Any]]) -> Any:
    context = browser.new_context(viewport={"width": 1360, "height": 900})
    page = context.new_page()
    page.requests_seen = []
    page.dialogs_seen = []
    page.on("request", lambda request: page.requests_seen.append(request.url))
    page.on("dialog", lambda dialog: (page.dialogs_seen.append(dialog.message), dialog.dismiss()))
    page.goto(report[0].as_uri())
    page.wait_for_selector("body[data-ready=true]", timeout=15_000)
    yield page
    context.close()


def rows_until(page: Any, test: Any, timeout_s: float = 5.0) -> int:
    """Wait until the matrix's row count passes ``test`` (the page's CSP forbids wait_for_function's eval)."""
    deadline = time.monotonic() + timeout_s
    while True:
        count = page.locator("#matrix tbody tr[data-case]").count()
        if test(count) or time.monotonic() > deadline:
            assert test(count), count
            return count
        page.wait_for_timeout(50)


def worst(result: dict[str, Any]) -> float:
    deltas = [c["values"]["B"] - c["values"]["A"] for c in result["cases"]
              if c["values"]["A"] is not None and c["values"]["B"] is not None]
    return min(deltas)


def test_the_summary_shows_the_verdict_and_screenshots_are_kept(page, report):
    result = report[1]
    verdict = page.locator("#verdict").inner_text()
    comparison = result["comparisons"][0]
    expected = comparison["verdict"] if comparison["winner"] else "no significant difference"
    assert expected in verdict
    variants = page.locator("#variants").inner_text()
    assert "support-agent@1" in variants and "support-agent@2" in variants
    assert f"{result['variants'][0]['mean'] * 100:.1f}%" in variants  # the score with its interval
    assert page.locator("#plot circle").count() >= 2  # the inline SVG plot
    REPORTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(REPORTS / "report-summary.png"))
    assert (REPORTS / "report-summary.png").stat().st_size > 10_000


def test_sorting_by_regression_puts_the_worst_case_first(page, report):
    result = report[1]
    page.select_option("#sort", "id")
    assert page.locator("#matrix tbody tr").first.get_attribute("data-case") == "s01"
    page.select_option("#sort", "regression")
    first = page.locator("#matrix tbody tr").first.get_attribute("data-case")
    case = next(c for c in result["cases"] if c["id"] == first)
    assert worst(result) < 0  # the scripted agent makes version 2 miss some escalations version 1 caught
    assert case["values"]["B"] - case["values"]["A"] == worst(result)
    page.select_option("#sort", "improvement")
    best = page.locator("#matrix tbody tr").first.get_attribute("data-case")
    case = next(c for c in result["cases"] if c["id"] == best)
    assert case["values"]["B"] - case["values"]["A"] == max(
        c["values"]["B"] - c["values"]["A"] for c in result["cases"] if None not in c["values"].values())


def test_filtering_by_tag_hides_the_others(page):
    page.select_option("#tag", "security")
    rows = page.locator("#matrix tbody tr")
    ids = [rows.nth(i).get_attribute("data-case") for i in range(rows.count())]
    tagged = {c.id for c in load_dataset(ROOT / "fixtures/datasets/support-agent.yaml").cases if "security" in c.tags}
    assert set(ids) == tagged and 0 < len(ids) < 33
    assert page.locator("#count").inner_text().startswith(f"{len(ids)} of 33")
    page.select_option("#tag", "")
    page.check("#only-failed")
    assert 0 < page.locator("#matrix tbody tr").count() < 33
    page.uncheck("#only-failed")
    page.fill("#search", "namecheap")  # search reaches the variables through the outputs and ids
    rows_until(page, lambda n: n < 33)
    page.fill("#search", "s02")
    rows_until(page, lambda n: n == 1)


def test_opening_a_case_shows_both_outputs_and_the_word_diff(page, report):
    result = report[1]
    changed = next(c["id"] for c in result["cases"] if c["values"]["A"] != c["values"]["B"])
    page.select_option("#sort", "regression")
    page.fill("#search", changed)
    rows_until(page, lambda n: n == 1)
    page.locator("#matrix tbody tr").first.click()
    page.wait_for_selector("#overlay:not([hidden])")
    assert page.locator("#case-title").inner_text() == f"Case {changed}"
    outputs = page.locator("#outputs pre.output")
    assert outputs.count() == 2
    records = {r["variant"]: r for r in result["records"] if r["case_id"] == changed}
    assert outputs.nth(0).inner_text() == records["A"]["output"]
    assert outputs.nth(1).inner_text() == records["B"]["output"]
    diff = page.locator(".diffwrap pre")
    assert diff.locator("del").count() + diff.locator("ins").count() > 0
    assert "ESCALATE" in page.locator("#outputs .expl").first.inner_text()  # the regex scorer's explanation
    page.locator("#outputs details summary").first.click()  # the rendered request
    assert "--- system ---" in page.locator("#outputs details pre").first.inner_text()
    page.screenshot(path=str(REPORTS / "report-case.png"))
    page.keyboard.press("Escape")
    assert page.locator("#overlay").is_hidden()


def test_markup_in_an_output_is_text_never_executed_and_keys_are_redacted(page, report):
    page.fill("#search", "s16")
    rows_until(page, lambda n: n == 1)
    page.locator("#matrix tbody tr").first.click()
    page.wait_for_selector("#overlay:not([hidden])")
    shown = page.locator("#outputs pre.output").first.inner_text()
    assert XSS in shown  # shown as the characters it is made of
    assert page.evaluate("window.__xss") is None and page.dialogs_seen == []
    assert page.locator("#caseview script, #caseview img").count() == 0
    html = report[0].read_text(encoding="utf-8")
    assert KEY[8:] not in html and "sk-proj-***" in html and KEY[8:] not in shown
    assert html.count("<script") == 3  # the report's own: two JSON blocks and its script


def test_the_page_makes_no_network_request(page):
    page.locator("#matrix tbody tr").first.click()
    page.wait_for_selector("#overlay:not([hidden])")
    page.keyboard.press("j")
    assert [url for url in page.requests_seen if not url.startswith("file://")] == []
    assert len(page.requests_seen) == 1  # the file itself


def test_a_long_tag_in_the_plot_keeps_its_case_count(browser, report, tmp_path):
    long_tag = "no-escalation-needed-for-this-kind-of-ticket"
    cases = sum("no-escalation" in c.tags for c in load_dataset(ROOT / "fixtures/datasets/support-agent.yaml").cases)
    path = tmp_path / "long-tag.html"
    path.write_text(report[0].read_text(encoding="utf-8").replace("no-escalation", long_tag), encoding="utf-8")
    context = browser.new_context(viewport={"width": 1360, "height": 900})
    page = context.new_page()
    page.goto(path.as_uri())
    page.wait_for_selector("body[data-ready=true]", timeout=15_000)
    labels = page.locator("#plot text.lbl").evaluate_all("ns => ns.map(n => n.firstChild.textContent)")
    label = next(t for t in labels if t.startswith("no-escalation-"))
    assert label.endswith(f"… ({cases})") and len(label) <= 24, labels  # clipped, the count kept
    titles = page.locator("#plot text.lbl title").all_text_contents()
    assert f"{long_tag} ({cases})" in titles  # the full tag on hover
    context.close()
