"""``snapshot check --live``: K trials per case, a pass threshold, flaky cases named."""

from __future__ import annotations

import itertools

from promptctl.evaluation.snapshots import LiveOptions, check
from promptctl.evaluation.snapshots.report import check_text, junit_xml
from promptctl.providers.fake import FakeProvider
from promptctl.store.runs import RunStore

GOOD = '{"greeting": "Hello Ada!", "vip": false}'
BAD = '{"greeting": "Hello there!", "vip": false}'


def flaky_factory(outputs):
    replies = itertools.cycle(outputs)
    calls = []

    def factory(name, case):
        calls.append((name, case.id))
        return FakeProvider([next(replies)])

    return factory, calls


def test_flaky_case_passes_a_threshold_and_is_named(recorded):
    factory, calls = flaky_factory([GOOD, BAD, GOOD])

    report = check(recorded.snap(), case_ids=["ada"], live=LiveOptions(trials=3, threshold=0.6),
                   provider_factory=factory)

    assert len(calls) == 3 and calls[0] == ("fake", "ada")
    (case,) = report.cases
    assert case.live is not None and (case.live.passes, case.live.trials, case.live.needed) == (2, 3, 2)
    assert case.live.flaky and report.passed
    assert [f"{c.prompt}::{c.case}" for c in report.flaky] == ["greet@1::ada"]
    text = check_text(report)
    assert "ok    greet@1::ada::fake  (flaky: 2/3 trials passed)" in text
    assert "flaky: greet@1::ada (2/3)" in text
    assert "live: 2/3 trials passed (flaky)" in junit_xml(report)


def test_flaky_case_fails_a_strict_threshold_with_the_failed_trial_named(recorded):
    factory, _ = flaky_factory([GOOD, BAD, GOOD])

    report = check(recorded.snap(), case_ids=["ada"], live=LiveOptions(trials=3, threshold=1.0),
                   provider_factory=factory)

    assert not report.passed
    (case, outcome), = report.failed
    assert outcome.id == "greet@1::ada::fake" and outcome.reasons == ("live trials failed",)
    assert "live: 2/3 trials passed (threshold 3)" in outcome.details
    assert "trial 2: contains [\"Ada\"] on field 'greeting': missing ['Ada']" in outcome.details


def test_pass_at_k_threshold_one_of_k(recorded):
    factory, _ = flaky_factory([BAD, BAD, GOOD])
    report = check(recorded.snap(), case_ids=["ada"], live=LiveOptions(trials=3, threshold=1 / 3),
                   provider_factory=factory)
    assert report.passed and report.cases[0].live.passes == 1


def test_cli_live_runs_k_calls_per_case_and_records_them(recorded, cli):
    result = cli("snapshot", "check", "--live", "--trials", "2", "--threshold", "1")

    assert result.code == 0, result.out + result.err
    assert "(2 cases, 1 prompt, live)" in result.out and "0 flaky" in result.out
    store = RunStore(f"sqlite:///{recorded.root / 'runs.db'}")
    try:
        runs = store.recent(100)
    finally:
        store.close()
    live_runs = [r for r in runs if r["provider"] == "fake"]
    assert len(live_runs) == 2 + 4  # two recordings, then 2 trials x 2 cases


def test_invalid_live_options(recorded, cli):
    assert cli("snapshot", "check", "--live", "--threshold", "0").code == 2
    assert cli("snapshot", "check", "--live", "--trials", "0").code == 2


def test_a_credentials_error_stops_the_live_check_with_exit_3_and_one_error_line(recorded, cli):
    result = cli("snapshot", "check", "--live", "--provider", "openai")  # no OPENAI_API_KEY in the environment

    assert result.code == 3, result.out + result.err
    assert result.err.splitlines()[0] == "error: no OpenAI API key: OPENAI_API_KEY is not set"
    assert result.err.count("error:") == 1 and result.err.startswith("error: ") and len(result.err.splitlines()) == 2
    assert result.out == ""  # stopped at the first case, not repeated for every item


def test_a_provider_error_stops_the_live_check(recorded):
    import pytest

    from promptctl.errors import ProviderError

    calls = []

    def factory(name, case):
        calls.append(case.id)
        return FakeProvider([ProviderError("fake: HTTP 529 overloaded", provider="fake", status=529)])

    with pytest.raises(ProviderError, match="overloaded"):
        check(recorded.snap(), live=LiveOptions(trials=3, threshold=1.0), provider_factory=factory)
    assert calls == ["ada"]
