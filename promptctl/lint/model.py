"""Lint data: severities, rules (data plus one small check each) and findings.

A rule is a :class:`Rule`: an id (``SYS002``), a default severity, a one-line title, a rationale,
a concrete fix, and a check function. Rules register themselves with the :func:`rule` decorator in
the modules of :mod:`promptctl.lint.rules`; :data:`RULES` maps ids to rules in registration order.

A check never touches the network. It receives a context (one prompt version, or one prompt's index
for prompt-scoped rules) and yields :class:`Hit` objects; the engine turns them into
:class:`Finding` objects, applying the severity overrides and the disables.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

Severity = Literal["error", "warning", "info"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")
_RANK = {"info": 0, "warning": 1, "error": 2}

Scope = Literal["version", "prompt"]


def severity_rank(severity: str) -> int:
    """Order of severities: info 0 < warning 1 < error 2.

    Raises:
        KeyError: Not a severity name.
    """
    return _RANK[severity]


def at_least(severity: str, threshold: str) -> bool:
    """True when ``severity`` is ``threshold`` or more severe."""
    return _RANK[severity] >= _RANK[threshold]


@dataclass(frozen=True)
class Hit:
    """What a check reports: a message, and where (best effort).

    Attributes:
        message: One line: what is wrong.
        line: 1-based line in ``file`` (the template line of the offending text or the front-matter field),
            or None to let the engine choose (the start of the template).
        file: The file the line refers to, when not the version file (e.g. the prompt's ``prompt.yaml``).
        fix: A fix more specific than the rule's, or None.
        severity: A severity for this finding other than the rule's default (e.g. PROV001 is info when only
            a secondary target is concerned), or None; the project's severity override still wins.
    """

    message: str
    line: int | None = None
    file: str | None = None
    fix: str | None = None
    severity: Severity | None = None


@dataclass(frozen=True)
class Rule:
    """One lint rule.

    Attributes:
        id: Stable id, letters then digits (``SYS002``); used to disable it and with ``--explain``.
        severity: Default severity (``error``, ``warning`` or ``info``); config can override it.
        title: One line naming the anti-pattern.
        rationale: Why it matters, in a few sentences (``--explain`` and docs/lint.md).
        fix: What to do about it, concretely.
        check: The check: a context in, hits out.
        category: Group of the rule (system prompt, output format, injection ...).
        scope: ``version`` (runs on each selected version) or ``prompt`` (runs once per prompt on its index).
        pipelines: Whether the rule also runs on chain versions whose body is empty (``strategy: chain`` with
            steps): rules about the template, the rendered messages and the provider request do not.
    """

    id: str
    severity: Severity
    title: str
    rationale: str
    fix: str
    check: Callable[[Any], Iterable[Hit]] = field(repr=False, compare=False)
    category: str = ""
    scope: Scope = "version"
    pipelines: bool = False

    def describe(self) -> str:
        """A multi-line explanation: id, severity, title, rationale, fix and how to disable the rule."""
        return (
            f"{self.id} ({self.severity}, {self.category}): {self.title}\n\n"
            f"{self.rationale}\n\n"
            f"Fix: {self.fix}\n\n"
            f"Disable for one version (front matter):  lint: {{disable: {{{self.id}: \"why\"}}}}\n"
            f"Disable for the project (promptctl.toml): [lint] disable = {{{self.id} = \"why\"}}\n"
            f"Docs: promptctl help lint (every rule; docs/lint.md#{self.id.lower()} in the source repository)\n"
        )


@dataclass(frozen=True)
class Finding:
    """One problem found in one prompt version.

    Attributes:
        rule: Rule id.
        severity: Effective severity (after config overrides).
        ref: The version, ``name@N`` (``name`` for prompt-scoped findings without a version).
        file: The file, as given to the registry (version file or ``prompt.yaml``).
        line: 1-based line in ``file``: the template line of the offending text, or the front-matter field.
        message: One line: what is wrong.
        fix: A concrete fix.
    """

    rule: str
    severity: Severity
    ref: str
    file: str
    line: int
    message: str
    fix: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: rule, severity, ref, file, line, message, fix."""
        return {
            "rule": self.rule, "severity": self.severity, "ref": self.ref, "file": self.file, "line": self.line,
            "message": self.message, "fix": self.fix,
        }

    def format(self, file: str | None = None) -> str:
        """``file:line: severity RULE ref: message (fix: ...)``; ``file`` overrides the path shown."""
        where = f"{file or self.file}:{self.line}"
        return f"{where}: {self.severity} {self.rule} {self.ref}: {self.message} (fix: {self.fix})"


RULES: dict[str, Rule] = {}
"""Every rule by id, in registration order (filled when :mod:`promptctl.lint.rules` is imported)."""


def rule(
    id: str,
    severity: Severity,
    title: str,
    *,
    rationale: str,
    fix: str,
    category: str,
    scope: Scope = "version",
    pipelines: bool = False,
) -> Callable[[Callable[[Any], Iterable[Hit]]], Callable[[Any], Iterable[Hit]]]:
    """Register the decorated function as the check of a new :class:`Rule`.

    Raises:
        ValueError: The id is already registered or the severity is unknown.
    """

    def register(check: Callable[[Any], Iterable[Hit]]) -> Callable[[Any], Iterable[Hit]]:
        if id in RULES:
            raise ValueError(f"lint rule {id} is registered twice")
        if severity not in _RANK:
            raise ValueError(f"lint rule {id}: unknown severity {severity!r}")
        RULES[id] = Rule(
            id=id, severity=severity, title=title, rationale=" ".join(rationale.split()), fix=" ".join(fix.split()),
            check=check, category=category, scope=scope, pipelines=pipelines,
        )
        return check

    return register
