from __future__ import annotations

import pytest

from promptctl.errors import InputError
from promptctl.evaluation.scorers import make_scorer

SCHEMA = {
    "type": "object",
    "properties": {"category": {"enum": ["bug", "billing"]}, "p": {"type": "integer"}},
    "required": ["category", "p"],
    "additionalProperties": False,
}


def test_exact_and_normalised() -> None:
    assert make_scorer("exact")(" yes\n", "yes").passed
    assert not make_scorer("exact")("Yes", "yes").passed
    assert make_scorer("normalised")("So the answer is 1,234 apples.", "1234").passed
    assert make_scorer("normalised")("Final answer: $14.00", "14").passed
    assert not make_scorer("normalised")("Final answer: 15", "14").passed
    assert make_scorer("normalized")("A", "a").passed


def test_contains_regex_numeric() -> None:
    assert make_scorer("contains")("Please ESCALATE now", "escalate").passed
    assert not make_scorer("contains")("a b", ["a", "c"]).passed
    assert make_scorer("regex:^Answer: (APPROVE|REQUEST_CHANGES)$")("x\nAnswer: APPROVE", None).passed
    assert make_scorer("regex")("abc123", r"\d{3}").passed
    assert make_scorer("numeric:0.01")("Final answer: 3.141", "3.14").passed
    assert not make_scorer("numeric:0.0001")("Final answer: 3.141", "3.14").passed
    assert not make_scorer("numeric")("no numbers here", "3").passed


def test_json_schema() -> None:
    scorer = make_scorer("json_schema", output_schema=SCHEMA)
    assert scorer('{"category": "bug", "p": 2}').passed
    assert scorer('```json\n{"category": "bug", "p": 2}\n```').passed
    bad = scorer('{"category": "Option C", "p": "ten"}')
    assert not bad.passed and "category" in bad.detail
    assert not scorer("not json").passed
    assert not scorer.needs_expected


def test_python_scorer(tmp_path, monkeypatch) -> None:
    (tmp_path / "mychecks.py").write_text(
        "def polite(output, expected, case):\n    return 'please' in output.lower()\n"
        "def half(output, expected, case):\n    return 0.5\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    assert make_scorer("python:mychecks:polite")("Please wait", None).passed
    half = make_scorer("python:mychecks:half")("x")
    assert (half.value, half.passed) == (0.5, False)
    with pytest.raises(InputError):
        make_scorer("python:mychecks:nope")


def test_unknown_scorer_suggests() -> None:
    with pytest.raises(InputError) as exc:
        make_scorer("exactt")
    assert "exact" in (exc.value.hint or "")
    with pytest.raises(InputError):
        make_scorer("regex:(unclosed")


def test_exact_explains_a_failure_with_the_output_and_the_expected_value_cut_and_redacted() -> None:
    miss = make_scorer("exact")("refunds\n", "billing")
    assert not miss.passed and miss.detail == "output 'refunds', expected 'billing'"
    long = make_scorer("exact")("x" * 500 + " sk-proj-" + "A" * 40, "y")
    assert long.detail == f"output {'x' * 60 + '...'!r}, expected 'y'"
    key = "sk-proj-" + "Ab3" * 15
    leak = make_scorer("exact")(f"the key is {key}", "billing")
    assert key not in leak.detail and "***" in leak.detail
    assert make_scorer("normalised")("Final answer: 15", "14").detail == "answer '15', expected '14'"
