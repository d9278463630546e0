"""The project side of snapshots: suites, pinned versions, rendering a case, running its checks.

:class:`SnapshotProject` finds the suites (``prompts/<name>/snapshots.yaml``) and golden files
(``snapshots/<name>/<case>.yaml``) of a project and resolves each suite's reference to the version
that is pinned now (:meth:`SnapshotProject.pin`). :func:`render_case` renders a case for its providers
without any network; :func:`run_checks` runs its checks (the scorers of
:mod:`promptctl.evaluation.scorers`) on an output.
"""

from __future__ import annotations

import json
import re
import sys
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from promptctl.errors import InputError
from promptctl.evaluation.snapshots.results import CheckResult
from promptctl.evaluation.snapshots.suite import SUITE_FILE, Case, Suite, load_suite

if TYPE_CHECKING:
    from promptctl.config import ProjectConfig
    from promptctl.providers.base import Provider
    from promptctl.registry.lock import Lockfile
    from promptctl.registry.registry import PromptVersion, Registry
    from promptctl.types import ProviderRequest

SNAPSHOTS_DIR = "snapshots"
ProviderFactory = Callable[[str, Case], "Provider | None"]
"""``factory(provider_name, case) -> Provider`` for recording and live trials; None: the default client."""


# -- project and pins ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Target:
    """A suite and the reference whose version it is checked against."""

    suite: Suite
    ref: str


@dataclass(frozen=True)
class Pin:
    """The version a target resolves to now.

    Attributes:
        ref: The reference resolved.
        version: The loaded version (possibly ``modified``).
        sha256: The pinned sha256: the lock entry's when locked, else the version file's.
        source: ``registry`` or the lockfile path.
        problem: Why the pinned bytes are not trustworthy (a published version's file changed, or the file
            no longer matches the lock), else None.
    """

    ref: str
    version: PromptVersion
    sha256: str
    source: str
    problem: str | None = None

    @property
    def display(self) -> str:
        """``name@N``: the first part of every test id."""
        return f"{self.version.name}@{self.version.number}"


class SnapshotProject:
    """A project's registry, config, lock and snapshot folders.

    Args:
        config: The project config; default :func:`promptctl.config.load_config` from the working directory.

    Attributes:
        root: Project root. Golden files live in ``root/snapshots/<name>/<case>.yaml``.
        registry: The prompt registry (no lock: locks are applied per reference, see :meth:`pin`).
        lock: ``root/promptctl.lock`` when it exists.
    """

    def __init__(self, config: ProjectConfig | None = None) -> None:
        from promptctl.config import load_config
        from promptctl.registry.lock import LOCK_FILE, Lockfile
        from promptctl.registry.registry import Registry

        self.config = config or load_config()
        self.root = self.config.root
        self.registry: Registry = Registry(self.config.prompts_dir)
        lock_path = self.root / LOCK_FILE
        self.lock: Lockfile | None = Lockfile.read(lock_path) if lock_path.is_file() else None
        self.snapshots_dir = self.root / SNAPSHOTS_DIR
        self._suites: dict[str, Suite] = {}
        self._pins: dict[str, Pin] = {}

    # -- suites -------------------------------------------------------------------------------------
    def suite_path(self, name: str) -> Path:
        """``prompts/<name>/snapshots.yaml``."""
        return self.registry.folder(name) / SUITE_FILE

    def golden_path(self, name: str, case_id: str) -> Path:
        """``snapshots/<name>/<case>.yaml``."""
        return self.snapshots_dir / name / f"{case_id}.yaml"

    def suite_names(self) -> list[str]:
        """Prompts that have a suite file, sorted."""
        return [n for n in self.registry.names() if self.suite_path(n).is_file()]

    def suite(self, name: str) -> Suite:
        """The suite of prompt ``name`` (cached).

        Raises:
            InputError: No suite file, or an invalid one.
        """
        if name not in self._suites:
            path = self.suite_path(name)
            if not path.is_file():
                self.registry.index(name)  # unknown prompt: ReferenceNotFound with "did you mean"
                raise InputError(
                    f"prompt '{name}' has no snapshot suite",
                    hint=f"create {path.relative_to(self.root) if path.is_relative_to(self.root) else path}",
                )
            suite = load_suite(path, name)
            if suite.ref is not None:
                from promptctl.registry.registry import Reference

                if Reference.parse(suite.ref).name != name:
                    raise InputError(f"{path}: ref '{suite.ref}' names another prompt than '{name}'")
            self._suites[name] = suite
        return self._suites[name]

    def targets(self, refs: Sequence[str] = ()) -> list[Target]:
        """The suites to work on: one per reference given, or every suite with its own ``ref``.

        A reference's name picks the suite and its selector (``@3``, ``@production``) the version.

        Raises:
            InputError: A reference is invalid or its prompt has no suite.
        """
        from promptctl.registry.registry import Reference

        if not refs:
            return [Target(s, s.ref or s.name) for s in (self.suite(n) for n in self.suite_names())]
        out = []
        for ref in refs:
            parsed = Reference.parse(ref)
            suite = self.suite(parsed.name)
            out.append(Target(suite, str(parsed) if parsed.selector is not None else (suite.ref or suite.name)))
        return out

    # -- pins ---------------------------------------------------------------------------------------
    def pin(self, ref: str) -> Pin:
        """Resolve a reference to the pinned version (cached).

        A reference in ``promptctl.lock`` pins the locked version and sha256. A bare name of a prompt with
        no published version pins its newest draft. A published version whose file changed is loaded
        anyway and flagged (``Pin.problem``).

        Raises:
            ReferenceNotFound, InputError: The reference does not resolve.
        """
        if ref in self._pins:
            return self._pins[ref]
        from promptctl.registry.registry import Reference

        parsed = Reference.parse(ref)
        key = str(parsed)
        entry = self.lock.entries.get(key) if self.lock is not None else None
        if entry is not None:
            version = self.registry.load(entry.name, entry.version, allow_modified=True)
            problem = None
            if version.sha256 != entry.sha256:
                from promptctl.registry.registry import distinct_prefixes

                locked, now = distinct_prefixes(entry.sha256, version.sha256)
                problem = (
                    f"{version.path} no longer matches {self.lock.path.name}: {key} is locked to "  # type: ignore[union-attr]
                    f"sha256 {locked}, the file has {now}"
                )
            pin = Pin(key, version, entry.sha256, str(self.lock.path.name), problem)  # type: ignore[union-attr]
        else:
            if parsed.selector is None and not self.registry.index(parsed.name).versions:
                drafts = self.registry.version_numbers(parsed.name)
                if not drafts:
                    from promptctl.errors import ReferenceNotFound

                    raise ReferenceNotFound(f"prompt '{parsed.name}' has no version")
                version = self.registry.load(parsed.name, drafts[-1])
            else:
                version = self.registry.get(parsed, allow_modified=True)
            problem = None
            if version.modified:
                assert version.published is not None
                from promptctl.registry.registry import distinct_prefixes

                now, recorded = distinct_prefixes(version.sha256, version.published.sha256)
                problem = (
                    f"published version {version.ref} was modified: {version.path} has sha256 "
                    f"{now}, published as {recorded}"
                )
            pin = Pin(key, version, version.published.sha256 if version.modified else version.sha256,  # type: ignore[union-attr]
                      "registry", problem)
        self._pins[ref] = pin
        return pin

    def credential_env(self) -> list[str]:
        """Environment variables configured as API keys (``api_key_env``), for the credential guard."""
        return [str(s["api_key_env"]) for s in self.config.providers.values() if s.get("api_key_env")]


# -- rendering and checks ---------------------------------------------------------------------------
@dataclass
class Rendered:
    """A case rendered for its providers."""

    variables: dict[str, Any]
    requests: dict[str, ProviderRequest]


def case_providers(case: Case, pin: Pin) -> tuple[str, ...]:
    """The providers a case renders for: the case's or suite's list, else the prompt's own provider."""
    if case.providers:
        return case.providers
    own = pin.version.front_matter.provider
    return (own,) if own else ("openai",)


def render_case(project: SnapshotProject, pin: Pin, case: Case) -> Rendered:
    """Render a case for each of its providers (no network).

    Raises:
        InputError: The version is a chain (it has no request of its own: snapshot its steps' prompts).
        PromptctlError: Variables, template or adapter errors.
    """
    from promptctl.adapters import build_request

    if pin.version.front_matter.strategy.name == "chain":
        raise InputError(
            f"{pin.display} is a chain: it sends no request of its own",
            hint="snapshot the prompts its steps reference instead (each has its own suite)",
        )
    variables = case.variables(project.root)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # extra-variable notes are not snapshot failures
        prompt = pin.version.prompt(variables)
    requests = {
        provider: build_request(pin.version.front_matter, prompt, provider=provider, config=project.config,
                                where=pin.version.display)
        for provider in case_providers(case, pin)
    }
    return Rendered(variables=variables, requests=requests)


_FENCE = re.compile(r"```(?:json)?\s*(.*?)\s*```", re.DOTALL)


def _json_field(output: str, path: str) -> tuple[bool, Any]:
    text = output.strip()
    fenced = _FENCE.fullmatch(text)
    try:
        data: Any = json.loads(fenced.group(1) if fenced else text)
    except ValueError as exc:
        return False, f"output is not JSON ({exc})"
    for part in path.split("."):
        if isinstance(data, dict) and part in data:
            data = data[part]
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return False, f"field '{path}' is not in the output"
    return True, data


def run_checks(
    project: SnapshotProject, pin: Pin, case: Case, output: str, variables: Mapping[str, Any]
) -> list[CheckResult]:
    """Run a case's checks on an output (no network).

    Raises:
        InputError: A check's scorer spec is invalid, cannot be imported, or lacks its expected value.
    """
    from promptctl.evaluation.scorers import Score, make_scorer

    output_spec = pin.version.front_matter.output
    schema = output_spec.json_schema if output_spec is not None else None
    if str(project.root) not in sys.path and any(c.scorer.startswith("python:") for c in case.checks):
        sys.path.insert(0, str(project.root))  # python:MODULE:FUNCTION scorers import from the project root
    info = {"id": case.id, "description": case.description, "variables": dict(variables)}
    results = []
    for spec in case.checks:
        scorer = make_scorer(spec.scorer, output_schema=schema, base=project.root)
        if scorer.needs_expected and spec.expected is None:
            raise InputError(
                f"{case_where(project, pin, case)}: check '{spec.scorer}' needs an expected value",
                hint=f"write it as {{scorer: {spec.scorer}, expected: ...}}",
            )
        text, expected = output, spec.expected
        if spec.field:
            found, value = _json_field(output, spec.field)
            if not found:
                results.append(CheckResult(spec, Score.binary(False, str(value))))
                continue
            text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
            contains_list = isinstance(expected, list) and spec.scorer.partition(":")[0] == "contains"
            if expected is not None and not isinstance(expected, str) and not contains_list:
                expected = json.dumps(expected, ensure_ascii=False)
        results.append(CheckResult(spec, scorer(text, expected, info), text))
    return results


def case_where(project: SnapshotProject, pin: Pin, case: Case) -> str:
    """``prompts/<name>/snapshots.yaml case '<id>'`` for messages."""
    path = project.suite_path(pin.version.name)
    shown = path.relative_to(project.root) if path.is_relative_to(project.root) else path
    return f"{shown} case '{case.id}'"




def display_path(project: SnapshotProject, path: Path) -> str:
    """``path`` relative to the project root when it is inside it."""
    return str(path.relative_to(project.root)) if path.is_relative_to(project.root) else str(path)
