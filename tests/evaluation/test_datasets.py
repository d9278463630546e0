"""Datasets: JSONL, CSV and YAML cases, validated with file and line before anything is sent."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from promptctl.evaluation.ab import plan_ab
from promptctl.evaluation.datasets import MISSING, DatasetError, load_dataset
from promptctl.registry.registry import Registry

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures" / "datasets"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_jsonl_cases(tmp_path):
    path = write(tmp_path, "d.jsonl", '{"id": "a", "vars": {"x": "1"}, "expected": {"k": 1}, "tags": ["t"]}\n\n'
                                      '{"variables": {"x": "2"}, "difficulty": "hard", "metadata": {"src": "s"}}\n')
    data = load_dataset(path)
    assert data.format == "jsonl" and len(data) == 2 and len(data.sha256) == 64
    first, second = data.cases
    assert first.id == "a" and first.expected == {"k": 1} and first.tags == ("t",) and first.line == 1
    assert second.id == "L3" and second.expected is MISSING and not second.has_expected
    assert second.difficulty == "hard" and second.metadata == {"src": "s"} and second.index == 1


def test_csv_cases_with_reserved_columns(tmp_path):
    path = write(tmp_path, "d.csv", 'id,question,expected,tags,metadata.source,vars.plan,scorer\n'
                                    'q1,"What, exactly?",42,"math;easy",book,,numeric\n'
                                    'q2,"multi\nline",{"a": 1},,,"pro",\n')
    data = load_dataset(path)
    q1, q2 = data.cases
    assert q1.variables == {"question": "What, exactly?"}  # empty cell: variable left out
    assert q1.expected == "42" and q1.tags == ("math", "easy") and q1.metadata == {"source": "book"}
    assert q1.scorer == "numeric" and q1.line == 2
    assert q2.variables == {"question": "multi\nline", "plan": "pro"} and q2.expected == {"a": 1}
    assert q2.line == 3


def test_yaml_list_and_mapping_forms(tmp_path):
    listed = write(tmp_path, "l.yaml", "- vars: {x: a}\n  expected: 'yes'\n- vars: {x: b}\n")
    assert [c.line for c in load_dataset(listed).cases] == [1, 3]
    mapped = write(tmp_path, "m.yaml", "scorer: contains\nrubric: be nice\ncases:\n  - id: one\n    vars: {x: a}\n"
                                       "    expected: NO\n")
    data = load_dataset(mapped)
    assert data.scorer == "contains" and data.rubric == "be nice"
    assert data.cases[0].expected == "NO"  # YAML 1.2 core schema: strings stay strings
    assert data.cases[0].line == 4


@pytest.mark.parametrize(
    ("name", "text", "line", "fragment"),
    [
        ("bad.jsonl", '{"vars": {"x": 1}}\n{"vars": {"x": 2}\n', 2, "invalid JSON"),
        ("bad.jsonl", '{"vars": {"x": 1}}\n{"expect": 3, "vars": {}}\n', 2, "did you mean 'expected'"),
        ("bad.jsonl", '{"vars": ["x"]}\n', 1, "'vars' must be a mapping"),
        ("bad.jsonl", '{"id": "a", "vars": {}}\n{"id": "a", "vars": {}}\n', 2, "duplicate case id 'a'"),
        ("bad.jsonl", '[1, 2]\n', 1, "must be a mapping"),
        ("bad.csv", "id,x\na,1\nb,2,3\n", 3, "3 cells, but the header has 2 columns"),
        # trial-21: the hint names the likely cause (a comma outside quotes, or a quote never closed)
        ("bad.csv", "id,x\na,1\nb,2,3\n", 3, "a cell holding a comma is written in double quotes"),
        ("bad.csv", 'id,x,y\na,"open,1\n', 2, "a double quote in this row is never closed"),
        ("bad.csv", 'id,x,y\na,"ok\nline",1\nb,"open,2\nc,3,4\n', 4,
         "a double quote opened on line 4 runs on to line 5: close it"),
        ("bad.csv", "id,x,x\n", 1, "duplicate column 'x'"),
        ("bad.yaml", "- vars: {x: 1}\n- vars: {x: 2}\n  tags: 5\n", 2, "'tags' must be a list"),
        ("bad.yaml", "- vars: {x: 1}\n- vars: [unclosed\n", 3, "invalid YAML"),
        ("bad.yaml", "cases: []\nscorr: exact\n", 1, "unknown top-level key 'scorr'"),
    ],
)
def test_bad_rows_report_file_and_line(tmp_path, name, text, line, fragment):
    path = write(tmp_path, name, text)
    with pytest.raises(DatasetError) as info:
        load_dataset(path)
    assert info.value.line == line
    assert str(info.value).startswith(f"{path}:{line}: ")
    assert fragment in str(info.value) or fragment in (info.value.hint or "")
    assert info.value.exit_code == 2


def test_file_level_errors(tmp_path):
    with pytest.raises(DatasetError, match="unknown dataset format"):
        load_dataset(write(tmp_path, "d.txt", "x"))
    with pytest.raises(DatasetError, match="cannot read"):
        load_dataset(tmp_path / "missing.jsonl")
    with pytest.raises(DatasetError, match="no cases"):
        load_dataset(write(tmp_path, "e.jsonl", "\n\n"))


def test_a_case_that_does_not_render_is_reported_before_any_call(tmp_path):
    # the second case lacks the required variable: planning fails at its line, so nothing can be sent
    path = write(tmp_path, "d.jsonl", json.dumps({"vars": {"problem": "1+1?"}, "expected": "2"}) + "\n"
                 + json.dumps({"vars": {"question": "1+1?"}, "expected": "2"}) + "\n")
    with pytest.raises(DatasetError) as info:
        plan_ab(Registry(ROOT / "prompts"), ["math-word-problem@1", "math-word-problem@1::temperature=0"], path,
                provider="fake")
    assert info.value.line == 2 and "problem" in str(info.value)


def test_a_scorer_that_needs_expected_is_checked_per_case(tmp_path):
    path = write(tmp_path, "d.jsonl", json.dumps({"vars": {"problem": "1+1?"}, "expected": "2"}) + "\n"
                 + json.dumps({"vars": {"problem": "2+2?"}}) + "\n")
    with pytest.raises(DatasetError, match="no 'expected' value") as info:
        plan_ab(Registry(ROOT / "prompts"), ["math-word-problem@1", "math-word-problem@1"], path, provider="fake",
                scorer="exact")
    assert info.value.line == 2


@pytest.mark.parametrize(
    ("prompt", "file", "scorer"),
    [
        ("ticket-triage", "ticket-triage.jsonl", "json_fields"),
        ("math-word-problem", "math-word-problem.csv", "numeric:0.01"),
        ("support-agent", "support-agent.yaml", "regex"),
    ],
)
def test_example_datasets_are_valid_for_their_prompts(prompt, file, scorer):
    data = load_dataset(FIXTURES / file)
    assert len(data) >= 30 and all(c.has_expected for c in data)
    assert all(c.tags and c.difficulty for c in data)
    refs = [f"{prompt}@1", f"{prompt}@2" if prompt == "support-agent" else f"{prompt}@1::openai:gpt-4.1"]
    plan = plan_ab(Registry(ROOT / "prompts"), refs, FIXTURES / file)
    assert plan.scorer_counts() == {scorer: len(data)}


def test_ticket_triage_expectations_follow_the_prompt_rules():
    for case in load_dataset(FIXTURES / "ticket-triage.jsonl"):
        want = case.expected
        assert set(want) == {"category", "priority", "needs_human"}
        if want["priority"] == "p1" or want["category"] == "other":
            assert want["needs_human"] is True, case.id


def test_support_agent_patterns_work_on_both_versions_reply_styles():
    import re

    cases = {c.id: c for c in load_dataset(FIXTURES / "support-agent.yaml")}
    v1 = "[ESCALATE: Security]\nHi Lukas, ..."
    v2 = "[ESCALATE: security, data_loss] Unknown deploys since last night.\nHi Lukas, ..."
    plain = "Hi there,\nHere is how to point your domain...\nAva, Acme Cloud Support"
    pattern = re.compile(cases["s02"].expected, re.MULTILINE)
    assert pattern.search(v1) and pattern.search(v2) and not pattern.search(plain)
    no_escalation = re.compile(cases["s01"].expected, re.MULTILINE)
    assert no_escalation.search(plain) and not no_escalation.search(v2)
    money = re.compile(cases["s05"].expected, re.MULTILINE)
    assert money.search("[ESCALATE: Money]\nHi") and money.search("[ESCALATE: refund] Annual plan.\nHi")


def test_a_utf16_dataset_says_so_and_how_to_save_it(tmp_path):
    """trial-24: Excel's "Unicode Text" CSV (UTF-16 with a byte order mark) was only "not UTF-8 text (byte 0)"."""
    path = tmp_path / "cases.csv"
    path.write_bytes("id,review,expected\nr1,good,positive\n".encode("utf-16"))
    with pytest.raises(DatasetError, match=r"cases\.csv: not UTF-8 text \(byte 0\): it is UTF-16$") as info:
        load_dataset(path)
    assert info.value.hint and info.value.hint.startswith("save it as UTF-8 (Excel: CSV UTF-8)")
