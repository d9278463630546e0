"""promptfoo configs: prompts -> versions, tests -> dataset, assertions -> scorers, providers -> ab variants."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml

from promptctl.evaluation.datasets import load_dataset
from promptctl.interop import promptfoo, read_source
from promptctl.registry.registry import Registry
from promptctl.testing import LoopbackLLMServer

from .conftest import FIXTURES, import_into, messages, requests, run_cli

THREE_KINDS = FIXTURES / "edge" / "promptfoo-three-kinds"
ANSWERS = {"France": "Paris", "Japan": "The capital is TOKYO.", "Italy": "Rome.", "Spain": "madrid", "Peru": "Cusco"}


def promptfoo_passes(output: str, assertion: dict[str, Any]) -> bool:
    """promptfoo's documented semantics for the assertion types the fixture uses (written independently)."""
    kind, value = assertion["type"], assertion["value"]
    if kind == "equals":
        return output == value
    if kind == "icontains":
        return value.lower() in output.lower()
    if kind == "regex":
        return re.search(value, output) is not None
    raise AssertionError(kind)


def reply(body: dict[str, Any]) -> str:
    text = json.dumps(body["messages"])
    return next(answer for country, answer in ANSWERS.items() if country in text)


def test_three_assertion_kinds_give_the_same_pass_fail_per_case_under_promptctl_ab(tmp_path, monkeypatch, capsys):
    (tmp_path / "prompts").mkdir()
    code, out, err = run_cli(monkeypatch, capsys, tmp_path, {}, "import", str(THREE_KINDS / "promptfooconfig.yaml"))
    assert code == 0, err
    command = next(line.strip() for line in out.splitlines() if line.strip().startswith("promptctl ab "))
    assert command.split()[2:6] == ["capital-cities@1::openai:gpt-4.1-mini", "capital-cities@1::openai:gpt-4.1"
                                    "::temperature=0", "capital-cities@2::openai:gpt-4.1-mini",
                                    "capital-cities@2::openai:gpt-4.1::temperature=0"]
    config = yaml.safe_load((THREE_KINDS / "promptfooconfig.yaml").read_text())
    expected = {f"{i}-{re.sub(r'[^a-z0-9]+', '-', t['description'].lower()).strip('-')}":
                all(promptfoo_passes(ANSWERS[t["vars"]["country"]], a) for a in t["assert"])
                for i, t in enumerate(config["tests"], start=1)}
    assert list(expected.values()) == [True, True, False, False, False]  # the fixture exercises both outcomes
    with LoopbackLLMServer(reply, max_lifetime_s=60) as server:
        env = {**server.env(), "PROMPTCTL_DATABASE_URL": f"sqlite:///{tmp_path / 'runs.db'}"}
        code, out, err = run_cli(monkeypatch, capsys, tmp_path, env, *shlex.split(command)[1:], "--json")
    assert code == 0, err
    result = json.loads(out)
    for case in result["cases"]:
        for label, value in case["values"].items():
            assert (value == 1.0) is expected[case["id"]], (case["id"], label, value)
    assert len(result["variants"]) == 4


def test_getting_started_example_imports_two_versions_a_dataset_and_variants(registry: Registry, monkeypatch):
    [row] = import_into(registry, FIXTURES / "promptfoo" / "getting-started" / "promptfooconfig.yaml")
    assert row.created == ["getting-started@1", "getting-started@2"]
    assert messages(registry, "getting-started@1", {"language": "French", "input": "Hi"}) == [
        ("user", "Convert this English to French: Hi")]
    # beside promptctl init's own dataset, not in a second folder
    assert Path(row.dataset or "") == registry.root.parent / "fixtures" / "datasets" / "getting-started.yaml"
    data = load_dataset(Path(row.dataset or ""))
    assert [(c.scorer, c.expected) for c in data.cases] == [(r"regex:Bonjour\ le\ monde", data.cases[0].expected),
                                                           ("contains", "Dónde está la biblioteca")]
    assert row.ab_command is not None and "getting-started@2::openai:o4-mini" in row.ab_command
    # trial-21: the printed command names the dataset as a path to paste from the current folder
    monkeypatch.chdir(registry.root.parent)
    registry.root.joinpath("getting-started").rename(registry.root / "moved")
    [row] = import_into(registry, FIXTURES / "promptfoo" / "getting-started" / "promptfooconfig.yaml")
    assert row.ab_command is not None
    assert row.ab_command.endswith(" --dataset fixtures/datasets/getting-started.yaml")


def test_is_json_schema_goes_beside_the_dataset_and_unmapped_assertions_are_reported(registry: Registry):
    [row] = import_into(registry, FIXTURES / "promptfoo" / "json-output" / "promptfooconfig.yaml")
    dataset = Path(row.dataset or "")
    data = load_dataset(dataset)
    assert data.cases[0].scorer == "json_schema"
    assert data.cases[1].scorer == "json_schema:json-object-evals.schema1.json"
    schema = json.loads((dataset.parent / "json-object-evals.schema1.json").read_text())
    assert schema["required"] == ["color", "countries"]
    reported = [f.message for f in row.findings if f.kind == "reported"]
    assert sum("'javascript'" in m for m in reported) == 1 and any("contains-any' with transform" in m
                                                                   for m in reported)
    assert data.cases[0].metadata["promptfoo_assert"][0]["type"] == "javascript"
    [js] = [f for f in row.findings if "'javascript'" in f.message]  # one line naming both tests
    assert re.search(r"#tests\[\d+,\d+\]$", js.where)


def test_llm_rubric_becomes_a_judge_rubric_and_several_assertions_become_all(tmp_path: Path):
    config = tmp_path / "promptfooconfig.yaml"
    config.write_text(yaml.safe_dump({
        "prompts": ["Answer: {{q}}"], "providers": ["openai:gpt-4.1-mini", "anthropic:messages:claude-sonnet-4-6"],
        "tests": [
            {"vars": {"q": "a"}, "assert": [{"type": "llm-rubric", "value": "Polite and correct."}]},
            {"vars": {"q": "b"}, "assert": [{"type": "contains", "value": "x"}, {"type": "icontains-any",
                                                                                   "value": ["y", "z"]}]},
            {"vars": {"q": "c"}, "assert": [{"type": "contains-json"},
                                            {"type": "javascript", "value": "output.length < 9"}]},
        ]}))
    [prompt] = read_source(config)
    assert prompt.variants == ["::openai:gpt-4.1-mini", "::anthropic:claude-sonnet-4-6"]
    assert prompt.dataset is not None
    first, second, third = prompt.dataset.cases
    assert (first["scorer"], first["rubric"]) == ("judge", "Polite and correct.")
    assert second["scorer"] == "all"
    assert second["expected"] == [{"scorer": "regex:x"}, {"scorer": "regex:(?i)(?:y|z)"}]
    assert third["scorer"] == "contains_json" and third["metadata"]["promptfoo_assert"][0]["type"] == "javascript"


NEGATED = [{"type": "not-contains", "value": "Barcelona"}, {"type": "not-icontains", "value": "i.e."},
           {"type": "not-contains-any", "value": ["Lisbon", "Porto"]}]


@pytest.mark.parametrize("kind,output,passed", [
    (0, "Madrid", True), (0, "Barcelona", False), (0, "Madrid\nnot Barcelona", False), (0, "barcelona", True),
    (1, "Madrid, that is", True), (1, "Madrid, I.E. the capital", False), (1, "Madrid, ie", True),
    (2, "Madrid", True), (2, "Madrid\n\nPorto", False),
])
def test_not_contains_assertions_become_regex_scorers_that_pass_only_without_the_text(
        kind: int, output: str, passed: bool, tmp_path: Path):
    # before: no scorer, so `ab` sent the case to the LLM judge with no rubric
    from promptctl.evaluation.scorers import make_scorer

    config = tmp_path / "promptfooconfig.yaml"
    config.write_text(yaml.safe_dump({"prompts": ["Capital of {{c}}?"], "providers": ["openai:gpt-4.1-mini"],
                                      "tests": [{"vars": {"c": "Spain"}, "assert": [NEGATED[kind]]}]}))
    [prompt] = read_source(config)
    assert prompt.dataset is not None
    [case] = prompt.dataset.cases
    assert "metadata" not in case and not any(f.kind == "reported" for f in prompt.findings)
    assert make_scorer(case["scorer"])(output, None).passed is passed


def test_export_writes_back_negated_and_kept_assertions(registry: Registry, tmp_path: Path):
    config = tmp_path / "promptfooconfig.yaml"
    tests = [{"vars": {"c": "Spain"}, "assert": [a]} for a in NEGATED]
    tests.append({"vars": {"c": "Chile"}, "assert": [{"type": "javascript", "value": "output.length < 20"},
                                                    {"type": "cost", "threshold": 0.01}]})
    config.write_text(yaml.safe_dump({"prompts": ["Capital of {{c}}?"], "providers": ["openai:gpt-4.1-mini"],
                                      "tests": tests}))
    [row] = import_into(registry, config)
    text, _ = promptfoo.export(list(registry.versions(row.name)), Path(row.dataset or ""))
    assert [t.get("assert") for t in yaml.safe_load(text)["tests"]] == [t["assert"] for t in tests]


@pytest.mark.parametrize("output,passed", [("x and Z", True), ("X and z", False), ("x alone", False)])
def test_the_all_scorer_passes_only_when_every_check_passes(output: str, passed: bool):
    from promptctl.evaluation.scorers import make_scorer

    checks = [{"scorer": "regex:x"}, {"scorer": "regex:(?i)(?:y|z)"}]
    assert make_scorer("all")(output, checks).passed is passed


def test_export_then_import_gives_the_same_rendered_requests_and_tests(registry: Registry, tmp_path: Path):
    [row] = import_into(registry, THREE_KINDS / "promptfooconfig.yaml")
    versions = list(registry.versions("capital-cities"))
    text, notes = promptfoo.export(versions, Path(row.dataset or ""))
    out = tmp_path / "again"
    out.mkdir()
    (out / "promptfooconfig.yaml").write_text(text)
    exported = yaml.safe_load(text)
    assert [t["assert"] for t in exported["tests"]][:4] == [
        [{"type": "equals", "value": "Paris"}], [{"type": "icontains", "value": "tokyo"}],
        [{"type": "regex", "value": "^Rom[ae]$"}],
        [{"type": "icontains", "value": "madrid"}, {"type": "regex", "value": "^[A-Z]"}]]
    (tmp_path / "b").mkdir()
    again = Registry(tmp_path / "b")
    [row2] = import_into(again, out / "promptfooconfig.yaml")
    for n in (1, 2):
        assert requests(again, f"capital-cities@{n}", {"country": "Chile"}) == \
            requests(registry, f"capital-cities@{n}", {"country": "Chile"})
    cases = [(c.variables, c.scorer, c.expected) for c in load_dataset(Path(row2.dataset or "")).cases]
    assert [v for v, _, _ in cases] == [c.variables for c in load_dataset(Path(row.dataset or "")).cases]


def test_export_restores_contains_and_the_providers_of_an_imported_config(registry: Registry):
    [row] = import_into(registry, FIXTURES / "promptfoo" / "getting-started" / "promptfooconfig.yaml")
    text, _ = promptfoo.export(list(registry.versions("getting-started")), Path(row.dataset or ""))
    exported = yaml.safe_load(text)
    original = yaml.safe_load((FIXTURES / "promptfoo" / "getting-started" / "promptfooconfig.yaml").read_text())
    assert exported["providers"] == original["providers"]
    assert [t["assert"] for t in exported["tests"]] == [t["assert"] for t in original["tests"]]
    assert [t["vars"] for t in exported["tests"]] == [t["vars"] for t in original["tests"]]


@pytest.mark.parametrize("output,expected,passed", [
    ('Sure: {"color": "yellow"} done', None, True),
    ("no json here {oops}", None, False),
    ('[1, 2] and {"color": 3}', {"type": "object", "required": ["color"]}, True),
    ('{"shape": "round"}', {"type": "object", "required": ["color"]}, False),
])
def test_contains_json_scorer(output: str, expected: Any, passed: bool):
    from promptctl.evaluation.scorers import make_scorer

    assert make_scorer("contains_json")(output, expected).passed is passed


def test_a_default_test_assertion_is_reported_once_naming_every_test(tmp_path: Path):
    config = tmp_path / "promptfooconfig.yaml"
    config.write_text(yaml.safe_dump({
        "prompts": ["Capital of {{c}}?"], "providers": ["openai:gpt-4.1-mini"],
        "defaultTest": {"assert": [{"type": "cost", "threshold": 0.01}]},
        "tests": [{"vars": {"c": "Spain"}}, {"vars": {"c": "Peru"}},
                  {"vars": {"c": "Chad"}, "assert": [{"type": "javascript", "value": "output.length < 9"}]}]}))
    [prompt] = read_source(config)
    reported = [(f.where, f.message.split(" has no")[0]) for f in prompt.findings if f.kind == "reported"]
    assert reported == [(f"{config}#tests[1,2,3]", "assertion 'cost'"),
                        (f"{config}#tests[3]", "assertion 'javascript'")]
    assert prompt.dataset is not None
    assert all(c["metadata"]["promptfoo_assert"][0]["type"] == "cost" for c in prompt.dataset.cases)


@pytest.mark.parametrize("content", ["{bad", "[" * 100_000 + "]" * 100_000])
def test_a_broken_json_tests_file_is_one_error(tmp_path: Path, monkeypatch, capsys, content: str) -> None:
    (tmp_path / "promptfooconfig.yaml").write_text(
        'prompts:\n  - "Say {{topic}}"\nproviders: [openai:gpt-4o-mini]\ntests: file://bad.json\n')
    (tmp_path / "bad.json").write_text(content)
    (tmp_path / "prompts").mkdir()
    code, _, err = run_cli(monkeypatch, capsys, tmp_path, {}, "import", str(tmp_path / "promptfooconfig.yaml"))
    assert code == 2 and "Traceback" not in err
    assert "bad.json: not valid JSON" in err
