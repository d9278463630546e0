"""Run the rules over a registry: select versions, build one context per version, collect findings.

Per prompt, ``prompt.yaml`` is read once; prompt-scoped rules run on it, then each selected version is
loaded, rendered once (placeholder values) and adapted once per target provider, and every enabled
version rule reads that same context. Large registries are split across worker processes (``fork``)
when the platform has it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from promptctl.errors import PromptctlError
from promptctl.lint.context import VersionContext
from promptctl.lint.loading import load_version, read_prompt, select, selected_numbers
from promptctl.lint.model import SEVERITIES, Finding, Hit, Rule, Severity, at_least
from promptctl.lint.rules import all_rules
from promptctl.lint.rules.registry import PromptContext
from promptctl.lint.settings import LintSettings
from promptctl.registry.index import PromptIndex

if TYPE_CHECKING:
    from promptctl.config import ProjectConfig
    from promptctl.registry.registry import Registry

PARALLEL_MIN_PROMPTS = 64
"""Registries with at least this many prompts are linted by several processes (when ``jobs`` allows)."""


@dataclass
class LintReport:
    """The result of a lint run.

    Attributes:
        findings: Every finding, sorted by prompt, version, line and rule.
        checked: References of the versions checked (``name@N``), sorted.
    """

    findings: list[Finding] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """Number of findings per severity (``error``, ``warning``, ``info``)."""
        out: dict[str, int] = {s: 0 for s in SEVERITIES}
        for finding in self.findings:
            out[finding.severity] += 1
        return out

    def at_least(self, threshold: Severity) -> list[Finding]:
        """Findings at or above ``threshold``."""
        return [f for f in self.findings if at_least(f.severity, threshold)]

    def to_dict(self, threshold: Severity = "info") -> dict[str, Any]:
        """JSON-ready: findings at or above ``threshold``, versions checked, counts of all findings."""
        return {
            "findings": [f.to_dict() for f in self.at_least(threshold)],
            "checked": list(self.checked),
            "counts": self.counts(),
        }


def _sort_key(finding: Finding) -> tuple[str, int, int, str]:
    name, _, selector = finding.ref.partition("@")
    return name, int(selector) if selector.isdigit() else 0, finding.line, finding.rule


def _make(rule: Rule, hit: Hit, ref: str, file: str, default_line: int, settings: LintSettings) -> Finding:
    severity = settings.effective_severity(rule.id, rule.severity, hit.severity)
    return Finding(
        rule=rule.id, severity=severity, ref=ref, file=hit.file or file, line=hit.line or default_line,
        message=hit.message, fix=hit.fix or rule.fix,
    )


def _run(rule: Rule, context: Any, ref: str) -> Iterable[Hit]:
    try:
        return list(rule.check(context))
    except PromptctlError:
        raise
    except Exception as exc:
        exc.add_note(f"lint rule {rule.id} failed on {ref}")
        raise


def _located(message: str, path: str) -> tuple[str, int]:
    """A load error's message without the version file's own path, and its file line (1 when none is named).

    Errors name the file as ``PATH: why``, ``PATH:LINE: why`` (front matter fields, absolute or relative) or
    ``... line LINE ...``; the finding already names the file, so the path goes and the line becomes the finding's.
    """
    name = re.escape(Path(path).name)
    at = re.match(rf"^(?:[^\n]*[/\\])?{name}:(\d+): (.*)$", message, re.DOTALL)
    if at:
        return at.group(2), int(at.group(1))
    message = re.sub(rf"^(?:[^\n]*[/\\])?{name}: ", "", message, count=1)
    match = re.search(r"\bline (\d+)", message)
    return message, int(match.group(1)) if match else 1


def lint_prompt(
    registry: Registry,
    name: str,
    numbers: list[int] | None,
    *,
    settings: LintSettings,
    config: ProjectConfig | None = None,
    all_versions: bool = False,
    today: date | None = None,
    index: PromptIndex | None = None,
) -> LintReport:
    """Lint one prompt: its prompt-scoped rules, then each selected version.

    Args:
        registry: The registry.
        name: Prompt name.
        numbers: Version numbers to check, or None for the default selection (see :mod:`promptctl.lint.loading`).
        settings: Project lint settings (disables, severity overrides, thresholds).
        config: Project config (models per provider, prices), or None.
        all_versions: With ``numbers`` None, check every version file.
        today: Date deprecations are judged against (default: today).
        index: The prompt's index when already read (through the index cache); None: read it here.

    Returns:
        The findings and the versions checked.
    """
    rules = all_rules()
    report = LintReport()
    enabled = [r for r in rules.values() if r.id not in settings.disable]
    load_rule = rules["LOAD001"]
    try:
        prompt = read_prompt(registry, name, index)
    except PromptctlError as exc:
        index_file = str(registry.folder(name) / "prompt.yaml")
        if "LOAD001" not in settings.disable:
            report.findings.append(_make(load_rule, Hit(exc.message, 1), name, index_file, 1, settings))
        return report
    prompt_context = PromptContext(prompt, settings)
    for rule in (r for r in enabled if r.scope == "prompt"):
        for hit in _run(rule, prompt_context, name):
            report.findings.append(_make(rule, hit, name, str(prompt.index_path), 1, settings))
    version_rules = [r for r in enabled if r.scope == "version"]
    for number in selected_numbers(prompt, numbers, all_versions=all_versions):
        ref = f"{name}@{number}"
        if number not in prompt.files:
            if number in prompt.published and "REG005" not in settings.disable:
                hit = Hit(f"published {ref} is missing: {prompt.folder / f'v{number}.j2'} was deleted", 1)
                report.findings.append(_make(rules["REG005"], hit, ref, str(prompt.index_path), 1, settings))
            continue
        path = str(prompt.files[number])
        try:
            version = load_version(registry, prompt, number)
        except (PromptctlError, OSError) as exc:
            message = exc.message if isinstance(exc, PromptctlError) else str(exc)
            if "LOAD001" not in settings.disable:
                message, line = _located(message, path)
                report.findings.append(_make(load_rule, Hit(message, line), ref, path, 1, settings))
            continue
        report.checked.append(ref)
        context = VersionContext(version, settings, config, today)
        disabled = version.front_matter.lint.disable
        pipeline = context.is_pipeline
        for rule in version_rules:
            if rule.id in disabled or (pipeline and not rule.pipelines):
                continue
            for hit in _run(rule, context, ref):
                report.findings.append(_make(rule, hit, ref, path, version.body_line, settings))
    return report


_Item = tuple[str, list[int] | None, PromptIndex | None]
"""One prompt to lint: name, version numbers (None: the default selection), its index when already read."""
_Chunk = tuple[Path, list[_Item], LintSettings, Any, bool, date | None]


def _lint_chunk(args: _Chunk) -> LintReport:
    from promptctl.registry.registry import Registry

    root, items, settings, config, all_versions, today = args
    registry = Registry(root)
    total = LintReport()
    for name, numbers, index in items:
        part = lint_prompt(registry, name, numbers, settings=settings, config=config, all_versions=all_versions,
                           today=today, index=index)
        total.findings += part.findings
        total.checked += part.checked
    return total


def _warm_up() -> None:
    """Load what every version needs (Jinja2 environment, adapters, the fast renderer, SDK deprecations)."""
    from promptctl.adapters import adapt  # noqa: F401
    from promptctl.adapters.profiles import model_lifecycle
    from promptctl.lint import fastrender  # noqa: F401
    from promptctl.templating.environment import environment

    environment()
    model_lifecycle("anthropic", "")


def lint(
    registry: Registry,
    refs: list[str] | None = None,
    *,
    settings: LintSettings | None = None,
    config: ProjectConfig | None = None,
    all_versions: bool = False,
    today: date | None = None,
    jobs: int | None = None,
) -> LintReport:
    """Lint prompt versions of a registry, without any network call.

    Args:
        registry: The registry.
        refs: References to check (see :func:`promptctl.lint.loading.select`); None: the whole registry.
        settings: Lint settings (default: :class:`LintSettings` defaults).
        config: Project config, for models per provider and price overrides.
        all_versions: Check every version file, not only drafts, label targets and the latest published.
        today: Date deprecations are judged against (default: today).
        jobs: Worker processes; None: one per CPU when the registry has at least
            :data:`PARALLEL_MIN_PROMPTS` prompts, else 1.

    Returns:
        A :class:`LintReport`: findings sorted by prompt, version, line and rule.

    Raises:
        InputError, ReferenceNotFound: A reference is invalid or does not resolve.
    """
    settings = settings or LintSettings()
    selection = select(registry, refs, all_versions=all_versions)
    # every index read once, through the index cache (an invalid one is None here: lint_prompt reports it)
    items: list[_Item] = [
        (name, selection.prompts[name], None if isinstance(index, PromptctlError) else index)
        for name, index in registry.indexes(selection.names())
    ]
    workers = jobs if jobs is not None else (os.cpu_count() or 1) if len(items) >= PARALLEL_MIN_PROMPTS else 1
    workers = max(1, min(workers, len(items)))
    report = LintReport()
    if workers > 1 and registry.lock is None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        try:
            context = multiprocessing.get_context("fork")
        except ValueError:  # no fork on this platform: run in this process
            context = None
        if context is not None:
            _warm_up()  # import and build once here, so the forked workers inherit it
            chunks = [items[i::workers] for i in range(workers)]
            with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
                args = [(registry.root, chunk, settings, config, all_versions, today) for chunk in chunks]
                for part in pool.map(_lint_chunk, args):
                    report.findings += part.findings
                    report.checked += part.checked
            report.findings.sort(key=_sort_key)
            report.checked.sort(key=lambda r: (r.partition("@")[0], int(r.partition("@")[2])))
            return report
    for name, numbers, index in items:
        part = lint_prompt(registry, name, numbers, settings=settings, config=config, all_versions=all_versions,
                           today=today, index=index)
        report.findings += part.findings
        report.checked += part.checked
    report.findings.sort(key=_sort_key)
    report.checked.sort(key=lambda r: (r.partition("@")[0], int(r.partition("@")[2])))
    return report
