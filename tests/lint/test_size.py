"""SIZE: rendered input tokens against the context window."""

from __future__ import annotations

from promptctl.lint import LintSettings
from promptctl.lint.context import estimate_tokens
from tests.lint.conftest import GOOD, Project, edit


def test_size001_typical_input_over_the_share(project: Project) -> None:
    text = edit(GOOD, "variables:", "lint: {typical_input_tokens: 120000}\nvariables:")
    findings = project.found(text, "SIZE001")
    assert findings and "anthropic:claude-sonnet-4-6" in findings[0].message
    assert "above the 50% limit" in findings[0].message


def test_size001_long_template(project: Project) -> None:
    text = edit(GOOD, "Warm and direct.", "Warm and direct. " + "Background. " * 50_000)
    assert "SIZE001" in project.rules(text)


def test_size001_configurable_share(project: Project) -> None:
    text = edit(GOOD, "variables:", "lint: {typical_input_tokens: 120000}\nvariables:")
    project.write("p", text)
    project.publish("p")
    assert "SIZE001" not in {f.rule for f in project.lint(settings=LintSettings(context_share=0.9))}


def test_size001_small_prompt_passes(project: Project) -> None:
    assert "SIZE001" not in project.rules(GOOD)


def test_estimate() -> None:
    assert estimate_tokens("") == 0 and estimate_tokens("abcd") == 1 and estimate_tokens("abcde") == 2
