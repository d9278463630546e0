from __future__ import annotations

import pytest

from promptctl.executors.answers import extract_answer, normalise, numbers_in


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("The total is 72 clips, altogether.", "72"),
        ("The answer is 3.14", "3.14"),
        ("final answer: -0.25", "-0.25"),
        ("So the answer is 1,234 apples.", "1234"),
        ("Step 1: 3 + 4 = 7\nStep 2: 7 * 2 = 14\nFinal answer: $14.00", "14"),
        ("Reasoning: the bug is real.\nAnswer: REQUEST_CHANGES", "request_changes"),
        ("<thinking>looks fine</thinking>\n<answer>APPROVE</answer>", "approve"),
        ("Severity: SEV2\nJustification: partial outage", None),
        ("**Final answer:** 30.5", "30.5"),
    ],
)
def test_extraction_cases(text: str, answer: str | None) -> None:
    assert extract_answer(text).answer == answer


def test_reasoning_kept_apart() -> None:
    result = extract_answer("First add 2 and 2.\nThen double it.\nFinal answer: 8")
    assert result.reasoning == "First add 2 and 2.\nThen double it."
    assert result.method == "marker" and result.raw == "8"
    tagged = extract_answer("<thinking>a</thinking><answer> 42 </answer>")
    assert tagged.reasoning == "<thinking>a</thinking>" and tagged.answer == "42"


def test_regex_and_custom_marker_and_fallback() -> None:
    assert extract_answer("Severity: SEV2\nJustification: x", markers=("severity",)).answer == "sev2"
    assert extract_answer("verdict=[B] then verdict=[A]", regex=r"verdict=\[(\w)\]").answer == "a"
    assert extract_answer("we get 10 then 12 apples").answer is None
    assert extract_answer("we get 10 then 12 apples", fallback="last_number").answer == "12"


@pytest.mark.parametrize(
    ("raw", "norm"),
    [
        ("1,234", "1234"), ("$1,234.50", "1234.5"), ("3.140", "3.14"), ("10.0", "10"), ("-0.250", "-0.25"),
        ("100", "100"), ("1000000", "1000000"), ("0.0", "0"), ("-0", "0"), ("50%", "50%"), ("A", "a"),
        ("  The  Answer ", "the answer"), ("'Option A'.", "option a"), ("1,5", "1,5"), ("1.234.567", "1.234.567"),
        ("", ""), (None, ""), ("1e5", "1e5"), ("007", "7"), ("10.", "10"),
    ],
)
def test_normaliser_never_drops_significant_digits(raw: str | None, norm: str) -> None:
    assert normalise(raw) == norm


def test_numbers_in() -> None:
    assert numbers_in("1,234 apples and 3.50 pears, not v2 or 1.2.3") == ["1234", "3.5"]
