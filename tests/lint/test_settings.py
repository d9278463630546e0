"""Disabling rules (front matter, project config), severity overrides and the [lint] table."""

from __future__ import annotations

from pathlib import Path

import pytest

from promptctl.config import load_config
from promptctl.errors import FrontMatterError, InputError
from promptctl.help import rule_section, topic_text
from promptctl.lint import LintSettings, all_rules, load_settings
from promptctl.registry.frontmatter import parse_version_text
from tests.lint.conftest import GOOD, Project, edit

NO_TONE = GOOD.replace('{% section "tone" %}\nWarm and direct.\n{% endsection %}\n', "")


def test_front_matter_disable_with_reason(project: Project) -> None:
    assert "SYS005" in project.rules(NO_TONE)
    disable = 'lint:\n  disable:\n    SYS005: "internal tool, tone does not matter"\n'
    text = edit(NO_TONE, "variables:", disable + "variables:")
    assert "SYS005" not in project.rules(text, name="q")


def test_front_matter_disable_requires_a_reason() -> None:
    for bad in ("[SYS005]", '{SYS005: ""}', "{SYS005: }", "{not-a-rule: why}"):
        with pytest.raises(FrontMatterError, match="lint.disable"):
            parse_version_text(f"---\nlint:\n  disable: {bad}\n---\nhi\n", where="x")
    front, _, _ = parse_version_text('---\nlint: {disable: {sys005: "why"}}\n---\nhi\n', where="x")
    assert front.lint.disable == {"SYS005": "why"}


def test_config_disable_and_severity(project: Project) -> None:
    settings = LintSettings(disable={"SYS005": "machine-facing prompts"}, severity={"SYS006": "error"})
    text = GOOD.replace('{% section "escalation" %}\nIf the question is unclear or about a refund, say that a '
                        "specialist will follow up.\n{% endsection %}\n", "")
    text = text.replace('{% section "tone" %}\nWarm and direct.\n{% endsection %}\n', "")
    project.write("p", text)
    project.publish("p")
    found = {f.rule: f.severity for f in project.lint(settings=settings)}
    assert "SYS005" not in found and found["SYS006"] == "error"


def test_load_settings_validates() -> None:
    settings = load_settings({"disable": {"sys005": "why"}, "severity": {"SIZE001": "error"}, "context_share": 0.7,
                              "typical_input_tokens": 300})
    assert settings.disable == {"SYS005": "why"} and settings.severity == {"SIZE001": "error"}
    assert settings.context_share == 0.7 and settings.typical_input_tokens == 300
    for table, message in [
        ({"disable": {"SYS005": ""}}, "without a reason"),
        ({"disable": ["SYS005"]}, "must be a table"),
        ({"disable": {"SYS05": "x"}}, "unknown lint rule"),
        ({"severity": {"SYS005": "fatal"}}, "must be one of"),
        ({"context_share": 2}, "between"),
        ({"typical_input_tokens": 1.5}, "integer"),
        ({"colour": "red"}, "unknown setting"),
    ]:
        with pytest.raises(InputError, match=message):
            load_settings(table, "promptctl.toml")


def test_did_you_mean_for_rule_ids() -> None:
    with pytest.raises(InputError) as info:
        load_settings({"disable": {"SYS05": "x"}})
    assert info.value.hint and "SYS005" in info.value.hint


def test_config_lint_table(tmp_path: Path) -> None:
    (tmp_path / "promptctl.toml").write_text('[lint]\ndisable = {SYS005 = "internal"}\ncontext_share = 0.25\n')
    config = load_config(tmp_path)
    settings = load_settings(config.lint, config.source)
    assert settings.disable == {"SYS005": "internal"} and settings.context_share == 0.25


def test_every_rule_is_documented_and_explainable() -> None:
    docs = topic_text("lint")  # the rule documentation ships in the package (docs/lint.md links to it)
    assert (Path(__file__).resolve().parents[2] / "docs" / "lint.md").read_text(encoding="utf-8") == docs
    for rule in all_rules().values():
        assert rule.severity in ("error", "warning", "info")
        assert rule.title and rule.rationale and rule.fix and rule.category
        assert f"### {rule.id}" in docs, f"docs/lint.md has no section for {rule.id}"
        assert rule_section(rule.id), f"docs/lint.md's section for {rule.id} is empty"
        text = rule.describe()
        assert rule.id in text and "lint: {disable:" in text and "[lint] disable" in text
