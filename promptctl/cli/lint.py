"""``promptctl lint``: static checks of prompt versions (rules in docs/lint.md)."""

from __future__ import annotations

import os
import re
import sys
from enum import Enum
from typing import Annotated

import typer

from promptctl.cli.common import print_json, project


class SeverityOpt(str, Enum):  # noqa: UP042 - typer needs a str Enum for choices
    """Severity threshold choices."""

    error = "error"
    warning = "warning"
    info = "info"


def _severity(value: str) -> str:
    """The ``--severity`` threshold, checked in promptctl's words.

    Raises:
        InputError: Not error, warning or info (with a "did you mean").
    """
    from promptctl.errors import InputError, did_you_mean

    choices = [s.value for s in SeverityOpt]
    if value in choices:
        return value
    close = did_you_mean(value, choices)
    raise InputError(f"--severity {value!r} is not one of {', '.join(choices)}",
                     hint=close or "e.g. --severity error shows only errors")


def register(app: typer.Typer) -> None:
    """Add the ``lint`` command to the app."""
    app.command("lint")(lint)


def lint(
    refs: Annotated[
        list[str] | None,
        typer.Argument(metavar="REF", help="NAME (its drafts, labelled and latest versions) or NAME@N/@label. "
                       "Default: the whole registry."),
    ] = None,
    severity: Annotated[
        str, typer.Option("--severity", metavar="[error|warning|info]",
                          help="Show findings at or above this; exit 1 if there are any.")
    ] = SeverityOpt.warning.value,
    as_json: Annotated[bool, typer.Option("--json", help="Print findings as JSON.")] = False,
    all_versions: Annotated[
        bool, typer.Option("--all-versions", help="Check every version, superseded published ones too.")
    ] = False,
    explain: Annotated[
        str | None, typer.Option("--explain", metavar="RULE", help="Print a rule's rationale and fix, and exit.")
    ] = None,
    list_rules: Annotated[bool, typer.Option("--list-rules", help="List the rules and exit.")] = False,
    jobs: Annotated[
        int | None,
        typer.Option("--jobs", "-j", metavar="N", min=1,
                     help="Worker processes (default: one per CPU on big registries)."),
    ] = None,
) -> None:
    """Check prompt versions for anti-patterns and provider mistakes, offline. Exit 1 on findings at --severity."""
    from promptctl.errors import CheckFailed, InputError
    from promptctl.lint import all_rules, load_settings
    from promptctl.lint import lint as run_lint

    rules = all_rules()
    if explain is not None:
        rule = rules.get(explain.strip().upper())
        if rule is None:
            import difflib

            close = difflib.get_close_matches(explain.strip().upper(), list(rules), n=1)
            raise InputError(f"unknown lint rule '{explain}'",
                             hint=(f"did you mean {close[0]}? " if close else "") + "see promptctl lint --list-rules")
        sys.stdout.write(rule.describe())
        examples = _doc_examples(rule.id)
        if examples:
            sys.stdout.write("\nExamples (from promptctl help lint):\n\n" + examples + "\n")
        return
    if list_rules:
        if as_json:
            print_json([{"id": r.id, "severity": r.severity, "category": r.category, "title": r.title,
                         "rationale": r.rationale, "fix": r.fix} for r in rules.values()])
        else:
            for r in rules.values():
                sys.stdout.write(f"{r.id:<9}{r.severity:<8}{r.title}\n")
        return
    proj = project()
    settings = load_settings(proj.config.lint, proj.config.source)
    report = run_lint(proj.registry, refs or None, settings=settings, config=proj.config,
                      all_versions=all_versions, jobs=jobs)
    threshold = _severity(severity)
    shown = report.at_least(threshold)  # type: ignore[arg-type]
    if as_json:
        print_json(report.to_dict(threshold))  # type: ignore[arg-type]
    else:
        cwd = os.getcwd()
        for finding in shown:
            path = os.path.relpath(finding.file, cwd) if os.path.isabs(finding.file) else finding.file
            sys.stdout.write(finding.format(path if not path.startswith("..") else finding.file) + "\n")
    counts = report.counts()
    summary = (f"{len(report.checked)} version(s) checked: {counts['error']} error(s), {counts['warning']} warning(s), "
               f"{counts['info']} info")
    below = sum(counts.values()) - len(shown)
    if below:  # "2 info" and nothing listed read as lost findings
        lower = "info" if threshold == "warning" or not counts["warning"] else "warning"
        summary += f" ({below} below --severity {threshold} not listed: promptctl lint --severity {lower} lists them)"
    sys.stderr.write(summary + "\n")
    if shown:
        raise CheckFailed(f"{len(shown)} lint finding(s) at or above {threshold}",
                          hint="promptctl lint --explain RULE says why and how to fix or disable a rule")


def _doc_examples(rule_id: str) -> str:
    """The fenced examples of the rule's section in the packaged rule documentation (``promptctl help lint``)."""
    from promptctl.help import rule_section

    section = rule_section(rule_id) or ""
    return "\n\n".join(m.strip() for m in re.findall(r"^```[^\n]*\n.*?^```", section, re.M | re.S))
