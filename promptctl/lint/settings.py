"""Project lint settings: the ``[lint]`` table of ``promptctl.toml`` (or ``[tool.promptctl.lint]``).

::

    [lint]
    disable = {SYS005 = "our prompts feed programs, not people"}   # rule id -> reason (required)
    severity = {SYS006 = "warning", SIZE001 = "error"}            # rule id -> error | warning | info
    context_share = 0.5            # SIZE001: input above this share of the model's context window
    typical_input_tokens = 1000    # tokens assumed per `input: true` variable when sizing a prompt
    min_system_lines = 8           # SYS007: a system prompt shorter than this many non-blank lines ...
    min_system_words = 150         # ... and this many words is "short"
    consistency_max_usd = 0.10     # STRAT004: USD of one self-consistency run (all samples) that needs a gate
    consistency_max_samples = 10   # STRAT004: more samples than this need a gate whatever the price
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from promptctl.errors import InputError
from promptctl.lint.model import SEVERITIES, Severity, at_least


@dataclass(frozen=True)
class LintSettings:
    """Thresholds, disabled rules and severity overrides of a lint run.

    Attributes:
        disable: Rule id -> reason, for the whole project.
        severity: Rule id -> severity that replaces the rule's default.
        context_share: SIZE001 fires when rendered input tokens exceed this share (0-1) of the context window.
        typical_input_tokens: Tokens assumed for each ``input: true`` variable (the value of a typical call);
            a version's ``lint.typical_input_tokens`` overrides it.
        min_system_lines: SYS007: fewer non-blank system-prompt lines than this ...
        min_system_words: ... and fewer words than this make a system prompt "short".
        consistency_max_usd: STRAT004: a self-consistency run (all samples, input plus output ceiling) that
            costs more than this (USD) needs a gate option.
        consistency_max_samples: STRAT004: more samples than this need a gate option whatever the price.
    """

    disable: dict[str, str] = field(default_factory=dict)
    severity: dict[str, Severity] = field(default_factory=dict)
    context_share: float = 0.5
    typical_input_tokens: int = 1000
    min_system_lines: int = 8
    min_system_words: int = 150
    consistency_max_usd: float = 0.10
    consistency_max_samples: int = 10

    def effective_severity(self, rule_id: str, default: Severity, weak: Severity | None = None) -> Severity:
        """The severity of one finding of a rule after the project's overrides.

        Args:
            rule_id: The rule.
            default: The rule's default severity.
            weak: The finding's own lower severity when the rule saw only weak evidence (e.g. SYS003 on a
                role-play persona), or None.

        Returns:
            The override when the project sets one (``severity = {SYS003 = "warning"}`` raises the rule's findings;
            weak-evidence findings stay at their own severity unless the override is lower still), else ``weak``
            or ``default``.
        """
        override = self.severity.get(rule_id)
        if override is None:
            return weak or default
        if weak is not None and at_least(override, weak):
            return weak
        return override


_NUMBERS: dict[str, tuple[type, float, float]] = {
    "context_share": (float, 0.0, 1.0),
    "typical_input_tokens": (int, 0, 10_000_000),
    "min_system_lines": (int, 0, 10_000),
    "min_system_words": (int, 0, 1_000_000),
    "consistency_max_usd": (float, 0.0, 1e9),
    "consistency_max_samples": (int, 1, 100_000),
}


def _check_rule_id(rule_id: str, where: str, known: set[str]) -> str:
    key = str(rule_id).upper()
    if key not in known:
        close = difflib.get_close_matches(key, sorted(known), n=1)
        raise InputError(
            f"{where}: unknown lint rule '{rule_id}'",
            hint=(f"did you mean {close[0]}? " if close else "") + "list the rules with: promptctl lint --list-rules",
        )
    return key


def load_settings(table: dict[str, Any] | None, source: Path | str | None = None) -> LintSettings:
    """Validate a ``[lint]`` table into :class:`LintSettings`.

    Args:
        table: The raw table (``ProjectConfig.lint``), or None for the defaults.
        source: The config file, named in errors.

    Raises:
        InputError: An unknown key or rule id, a disable without a reason, a bad severity or a number out
            of range.
    """
    from promptctl.lint.rules import all_rules

    where = f"{source or 'config'}: [lint]"
    table = dict(table or {})
    known_keys = {f.name for f in fields(LintSettings)}
    unknown = sorted(set(table) - known_keys)
    if unknown:
        raise InputError(f"{where}: unknown setting(s) {', '.join(unknown)}",
                         hint=f"known: {', '.join(sorted(known_keys))}")
    rule_ids = set(all_rules())
    disable: dict[str, str] = {}
    raw_disable = table.get("disable", {})
    if not isinstance(raw_disable, dict):
        raise InputError(f"{where}: 'disable' must be a table of rule id = \"reason\"",
                         hint='disable = {SYS005 = "why"}')
    for rule_id, reason in raw_disable.items():
        key = _check_rule_id(rule_id, where, rule_ids)
        if not isinstance(reason, str) or not reason.strip():
            raise InputError(f"{where}: rule {key} is disabled without a reason", hint=f'disable = {{{key} = "why"}}')
        disable[key] = reason.strip()
    severity: dict[str, Severity] = {}
    raw_severity = table.get("severity", {})
    if not isinstance(raw_severity, dict):
        raise InputError(f"{where}: 'severity' must be a table of rule id = \"error|warning|info\"")
    for rule_id, level in raw_severity.items():
        key = _check_rule_id(rule_id, where, rule_ids)
        if level not in SEVERITIES:
            from promptctl.errors import did_you_mean

            raise InputError(f"{where}: severity of {key} must be one of {', '.join(SEVERITIES)}, not {level!r}",
                             hint=did_you_mean(str(level), SEVERITIES))
        severity[key] = level
    numbers: dict[str, Any] = {}
    for name, (kind, low, high) in _NUMBERS.items():
        if name not in table:
            continue
        value = table[name]
        wrong_kind = kind is int and not isinstance(value, int)
        if isinstance(value, bool) or not isinstance(value, int | float) or wrong_kind:
            raise InputError(f"{where}: {name} must be {'an integer' if kind is int else 'a number'}, not {value!r}")
        if not low <= value <= high:
            raise InputError(f"{where}: {name} must be between {low:g} and {high:g}, not {value!r}")
        numbers[name] = kind(value)
    return LintSettings(disable=disable, severity=severity, **numbers)
