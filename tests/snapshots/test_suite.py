"""Suite files: parsing, defaults, and errors that name the field."""

from __future__ import annotations

import re

import pytest

from promptctl.errors import InputError
from promptctl.evaluation.snapshots.suite import load_suite


def write(tmp_path, text):
    path = tmp_path / "prompts" / "greet" / "snapshots.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_and_case_overrides(tmp_path):
    path = write(tmp_path, """
ref: greet@production
providers: [openai, anthropic]
record_with: {provider: fake, model: m1}
cases:
  - id: a.1
    vars: vars.yaml
    variables: {name: NO, count: 1.10}
    checks: [exact, {scorer: contains, expected: [x, y], field: f}]
    record_with: {reply: hi}
  - id: b_2
    providers: [watsonx]
""")
    (tmp_path / "vars.yaml").write_text("name: Ada\nother: 1\n")
    suite = load_suite(path)
    assert suite.name == "greet" and suite.ref == "greet@production" and suite.strategy == "direct"
    a, b = suite.cases
    assert a.providers == ("openai", "anthropic") and b.providers == ("watsonx",)
    assert a.record_with.provider == "fake" and a.record_with.model == "m1" and a.record_with.reply == "hi"
    assert b.record_with.reply is None
    assert [c.to_dict() for c in a.checks] == [
        {"scorer": "exact"}, {"scorer": "contains", "expected": ["x", "y"], "field": "f"}]
    values = a.variables(tmp_path)
    assert values["name"] == "NO" and values["other"] == 1  # inline wins; YAML 1.2: NO stays a string
    assert str(values["count"].source) == "1.10"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("cases:\n  - id: a\n    chekcs: []\n", "cases.0.chekcs"),
        ("cases:\n  - id: a\n  - id: a\n", "case id 'a' is used twice"),
        ("cases:\n  - id: Has Space\n", "must be lower-case"),
        ("cases:\n  - id: a\n    providers: [openia]\n", "cases.0.providers.0"),
        ("record_with: {provider: openai, reply: hi}\ncases:\n  - id: a\n", "scripted reply for provider 'fake'"),
        ("- just a list\n", "a mapping with a 'cases' list"),
        ("cases: [\n", "invalid YAML"),
        # trial-21: a misspelt scorer was a failing item whose hint said to approve it with snapshot update
        ("cases:\n  - id: a\n    checks: [{scorer: contain, expected: [x]}]\n",
         "suite key 'cases.0.checks.0.scorer': unknown scorer 'contain' (did you mean 'contains'?)"),
        ("cases:\n  - id: a\n    checks: ['regx:^a']\n", "unknown scorer 'regx:^a' (did you mean 'regex'?)"),
    ],
)
def test_invalid_suites_name_the_problem(tmp_path, text, message):
    with pytest.raises(InputError, match=re.escape(message)):
        load_suite(write(tmp_path, text))


def test_missing_vars_file_names_the_case(tmp_path):
    suite = load_suite(write(tmp_path, "cases:\n  - id: a\n    vars: nope.yaml\n"))
    with pytest.raises(InputError, match="case 'a': cannot read vars file"):
        suite.cases[0].variables(tmp_path)


def test_ref_of_another_prompt_and_checks_without_expected_are_errors(recorded, cli):
    recorded.edit(recorded.suite, "providers: [anthropic, openai, watsonx]", "ref: other\nproviders: [openai]")
    result = cli("snapshot", "check")
    assert result.code == 2 and "names another prompt" in result.err
    recorded.edit(recorded.suite, "ref: other\nproviders: [openai]", "providers: [anthropic, openai, watsonx]")
    recorded.edit(recorded.suite, "{scorer: exact, field: vip, expected: true}", "exact")
    result = cli("snapshot", "check", "--case", "grace")
    assert result.code == 2 and "check 'exact' needs an expected value" in result.out
    refused = cli("snapshot", "record", "--case", "grace")
    assert refused.code == 2 and "case 'grace': check 'exact' needs an expected value" in refused.err


def test_a_bad_key_of_a_later_case_names_its_own_line(tmp_path):
    """trial-24: the third case's misspelt scorer was reported at the second case's checks line (11, not 15):
    the list index counted the '- ' items of nested lists too."""
    text = ("record_with: {provider: fake}\ncases:\n  - id: a\n    variables: {q: x}\n    checks:\n"
            "      - {scorer: contains, expected: [x]}\n  - id: b\n    checks:\n      - {scorer: exact, expected: y}\n"
            "  - id: c\n    checks:\n      - {scorer: containz, expected: z}\n")
    with pytest.raises(InputError, match=re.escape("snapshots.yaml:12: suite key 'cases.2.checks.0.scorer'")):
        load_suite(write(tmp_path, text))
