"""Static checks of prompt versions: anti-patterns and provider mistakes, before anything is sent.

Rules are data plus a small check each (:class:`~promptctl.lint.model.Rule`); they read one parsed
version, rendered once with placeholder values and adapted for each provider it names, and the same
model profiles the adapters use (:mod:`promptctl.adapters.profiles`). Nothing touches the network.

Usage::

    from promptctl.lint import lint, load_settings
    report = lint(Registry("prompts"), settings=load_settings(config.lint, config.source), config=config)
    for finding in report.at_least("warning"):
        print(finding.format())

The rules, their rationale and examples are documented in docs/lint.md; ``promptctl lint --explain RULE``
prints one.
"""

from __future__ import annotations

from promptctl.lint.engine import LintReport, lint, lint_prompt
from promptctl.lint.model import RULES, SEVERITIES, Finding, Hit, Rule, Severity, at_least
from promptctl.lint.rules import all_rules
from promptctl.lint.settings import LintSettings, load_settings

__all__ = [
    "RULES",
    "SEVERITIES",
    "Finding",
    "Hit",
    "LintReport",
    "LintSettings",
    "Rule",
    "Severity",
    "all_rules",
    "at_least",
    "lint",
    "lint_prompt",
    "load_settings",
]
