"""Results of snapshot check, record and update: per check, per item, per case, per run."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from promptctl.errors import InputError
from promptctl.evaluation.snapshots.suite import CheckSpec

if TYPE_CHECKING:
    from promptctl.evaluation.scorers import Score


@dataclass(frozen=True)
class LiveResult:
    """``--live`` trials of one case.

    Attributes:
        trials: Trials run (K).
        passes: Trials whose output passed every check.
        threshold: Fraction of trials that must pass (0 < threshold <= 1).
        failures: One line per failed trial (its first failing check).
    """

    trials: int
    passes: int
    threshold: float
    failures: tuple[str, ...] = ()

    @property
    def needed(self) -> int:
        """Passing trials needed: ``ceil(threshold * trials)``, at least 1."""
        return max(1, math.ceil(self.threshold * self.trials - 1e-9))

    @property
    def passed(self) -> bool:
        """At least :attr:`needed` trials passed."""
        return self.passes >= self.needed

    @property
    def flaky(self) -> bool:
        """Some trials passed and some failed."""
        return 0 < self.passes < self.trials


@dataclass(frozen=True)
class ItemOutcome:
    """The result of one test item ``name@version::case::provider``.

    Attributes:
        id: The item id.
        provider: The provider part of the id.
        passed: Whether the item passes.
        reasons: Short reasons it fails (``request changed``, ``needs re-record``, ``check failed`` ...).
        details: The readable explanation: messages and unified diffs.
    """

    id: str
    provider: str
    passed: bool
    reasons: tuple[str, ...] = ()
    details: str = ""

    @property
    def message(self) -> str:
        """One line: ``ok`` or the reasons."""
        return "ok" if self.passed else "; ".join(self.reasons)


@dataclass
class CaseResult:
    """Everything ``check`` found for one case.

    Attributes:
        prompt: ``name@version`` of the pinned version (``name@?`` when it does not resolve).
        case: Case id.
        golden: The golden file path.
        providers: Providers rendered for.
        recorder: The provider that recorded (or is to record) the output.
        error: A rendering or check error that stopped the case.
        invalid: The error is invalid input (the suite, a vars file, the golden file or the template: an
            :class:`~promptctl.errors.InputError`), which ``snapshot check`` reports with exit 2, rather than a
            model's answer that never validated (exit 1).
        pin_problem: ``(kind, message)``: kind ``modified`` or ``needs re-record``.
        not_recorded: No golden file yet.
        request_diffs: Provider -> unified diff (empty when equal).
        checks: Check results on the recorded output (or the last live trial's).
        stale: Why the golden file is out of date although nothing fails (added check, variables ...).
        live: Live trials, when run.
        notes: Informational lines (not failures).
        elapsed_s: Time spent checking the case (seconds).
    """

    prompt: str
    case: str
    golden: Path
    providers: tuple[str, ...] = ()
    recorder: str = ""
    error: str | None = None
    invalid: bool = False
    pin_problem: tuple[str, str] | None = None
    not_recorded: bool = False
    request_diffs: dict[str, str] = field(default_factory=dict)
    checks: list[CheckResult] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    live: LiveResult | None = None
    notes: list[str] = field(default_factory=list)
    elapsed_s: float = 0.0

    @property
    def item_providers(self) -> tuple[str, ...]:
        """The provider part of each item id: rendered providers, then the recorder if not among them."""
        extra = (self.recorder,) if self.recorder and self.recorder not in self.providers else ()
        return self.providers + extra

    def item_id(self, provider: str) -> str:
        """``name@version::case::provider``."""
        return f"{self.prompt}::{self.case}::{provider}"

    def outcome(self, provider: str) -> ItemOutcome:
        """The result of the item for ``provider``."""
        reasons: list[str] = []
        details: list[str] = []
        if self.error:
            reasons.append("error")
            details.append(f"error: {self.error}")
        if self.not_recorded:
            reasons.append("not recorded")
            details.append(f"no golden file {self.golden}; record it: "
                           f"promptctl snapshot record {self.prompt.split('@')[0]} --case {self.case}")
        if self.pin_problem:
            kind, message = self.pin_problem
            reasons.append(kind)
            details.append(f"{kind}: {message}")
        diff = self.request_diffs.get(provider, "")
        if diff:
            reasons.append("request changed")
            details.append(f"rendered request for {provider} changed:\n{diff.rstrip()}")
        if provider == self.recorder and not self.error and not self.not_recorded:
            failing = [c for c in self.checks if not c.passed]
            if self.live is not None:
                live = self.live
                line = f"live: {live.passes}/{live.trials} trials passed (threshold {live.needed})"
                if not live.passed:
                    reasons.append("live trials failed")
                    details.append(line + "".join(f"\n  {f}" for f in live.failures))
                elif live.flaky:
                    details.append(line + " - flaky")
            elif failing:
                reasons.append("check failed")
                details.extend(f"check failed: {c.describe()}" for c in failing)
            if self.stale and not failing:
                reasons.append("golden file out of date")
                details.extend(f"out of date: {s}" for s in self.stale)
        details.extend(f"note: {n}" for n in self.notes if provider == self.recorder)
        return ItemOutcome(self.item_id(provider), provider, not reasons, tuple(reasons), "\n".join(details))

    def outcomes(self) -> list[ItemOutcome]:
        """One outcome per item."""
        return [self.outcome(p) for p in self.item_providers]

    @property
    def passed(self) -> bool:
        """Whether every item passes."""
        return all(o.passed for o in self.outcomes())

    @property
    def status(self) -> str:
        """``ok`` or the reasons of every failing item, deduplicated."""
        reasons: list[str] = []
        for outcome in self.outcomes():
            reasons.extend(r for r in outcome.reasons if r not in reasons)
        return "ok" if not reasons else ", ".join(reasons)


@dataclass
class CheckReport:
    """The result of ``snapshot check``.

    Attributes:
        cases: One result per case.
        orphans: Golden files whose case no longer exists in its suite.
        elapsed_s: Wall time (seconds).
        live: Whether outputs were re-run live.
    """

    cases: list[CaseResult] = field(default_factory=list)
    orphans: list[Path] = field(default_factory=list)
    elapsed_s: float = 0.0
    live: bool = False

    def outcomes(self) -> list[tuple[CaseResult, ItemOutcome]]:
        """Every item, case by case."""
        return [(case, outcome) for case in self.cases for outcome in case.outcomes()]

    @property
    def failed(self) -> list[tuple[CaseResult, ItemOutcome]]:
        """The failing items."""
        return [(c, o) for c, o in self.outcomes() if not o.passed]

    @property
    def passed(self) -> bool:
        """True when every item passes."""
        return not self.failed

    @property
    def flaky(self) -> list[CaseResult]:
        """Cases whose live trials disagreed."""
        return [c for c in self.cases if c.live is not None and c.live.flaky]


@dataclass(frozen=True)
class LiveOptions:
    """``--live`` settings: trials per case (K) and the fraction that must pass.

    Attributes:
        trials: K >= 1.
        threshold: Fraction of trials that must pass, in (0, 1]; ``1/K`` is classic pass@k.
        provider: Provider to run (default: the one that recorded the output).
        batch: Send every case's trials through the provider's batch API at once (``--batch``).
    """

    trials: int = 1
    threshold: float = 1.0
    provider: str | None = None
    batch: bool = False

    def __post_init__(self) -> None:
        if self.trials < 1:
            raise InputError("--trials must be at least 1")
        if not 0 < self.threshold <= 1:
            raise InputError("--threshold must be in (0, 1]", hint="e.g. --threshold 0.8: 4 of 5 trials must pass")


@dataclass
class CaseChange:
    """What ``record`` or ``update`` did to one golden file.

    Attributes:
        prompt: ``name@version``.
        case: Case id.
        golden: The file.
        written: Whether the file changed on disk.
        changes: One line per change (``created``, ``request for openai``, ``pin 1 -> 2`` ...).
        diff: Unified diffs of the changed parts.
        failing: Checks the (new) output fails.
        recorded_with: ``provider:model`` of a (re-)recorded output, else None.
    """

    prompt: str
    case: str
    golden: Path
    written: bool = False
    changes: list[str] = field(default_factory=list)
    diff: str = ""
    failing: list[str] = field(default_factory=list)
    recorded_with: str | None = None


@dataclass(frozen=True)
class CheckResult:
    """One check's result on one output."""

    spec: CheckSpec
    score: Score
    checked: str = ""

    @property
    def passed(self) -> bool:
        """Whether the output passes this check."""
        return self.score.passed

    def to_dict(self) -> dict[str, Any]:
        """Spec and result, as written into golden files."""
        return {**self.spec.to_dict(), "passed": self.score.passed, "value": float(self.score.value),
                "detail": self.score.detail}

    def describe(self) -> str:
        """``contains [expected ...] on field x: detail``."""
        where = f" on field '{self.spec.field}'" if self.spec.field else ""
        expected = f" {json.dumps(self.spec.expected, ensure_ascii=False)}" if self.spec.expected is not None else ""
        got = ""
        if not self.score.passed and self.checked and self.spec.scorer != "exact":  # exact's detail quotes it
            shown = self.checked if len(self.checked) <= 120 else self.checked[:117] + "..."
            got = f" (got {json.dumps(shown, ensure_ascii=False)})"
        return f"{self.spec.scorer}{expected}{where}: {self.score.detail}{got}"
