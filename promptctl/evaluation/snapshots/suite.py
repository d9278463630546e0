"""Snapshot suite files: ``prompts/<name>/snapshots.yaml``.

A suite lists the cases of one prompt: the variables each case renders with,
the providers its request is rendered for, the checks its output must pass and
how its output is recorded::

    # prompts/ticket-triage/snapshots.yaml
    ref: ticket-triage@production      # optional; default: the prompt's name (latest published version,
                                       # or the newest draft when nothing is published yet)
    providers: [anthropic, openai, watsonx]   # default of every case; default: the prompt's own provider
    record_with: {provider: fake}      # default of every case; default: the prompt's own provider
    strategy: direct                   # how the output is recorded (default direct: one call of the
                                       # snapshotted request)
    cases:
      - id: node22-build               # lower-case letters, digits, '-', '_', '.'; the golden file's name
        description: A loud subject on a bug with a workaround
        vars: fixtures/ticket-triage/sample.yaml   # a JSON or YAML mapping, relative to the project root
        variables: {plan: pro}         # inline values; they win over `vars`
        providers: [openai]            # this case only
        record_with:
          provider: fake               # fake, openai, anthropic or watsonx
          model: ...                   # optional model override for the recording
          reply: '{"category": "bug", "priority": "p3", ...}'   # the fake provider's scripted reply
        checks:
          - json_schema                # a scorer spec alone
          - {scorer: exact, field: priority, expected: p3}
          - {scorer: contains, expected: [Node 22, NODE_VERSION]}

Checks are the scorers of :mod:`promptctl.evaluation.scorers` (``exact``,
``normalised``, ``contains``, ``regex[:PATTERN]``, ``json_schema[:FILE]``,
``numeric[:TOLERANCE]``, ``python:MODULE:FUNCTION``) with their ``expected``
value. ``field`` (a dotted path such as ``dates.0.iso``) applies the scorer to
one field of a JSON output (code fences allowed) instead of the whole text; a
non-string field value, and a non-string ``expected``, is compared as its JSON
text (``false``, ``3``, ``null``, ``["a", "b"]``), except that a list
``expected`` of ``contains`` still means "every item occurs". A missing field or
an output that is not JSON fails the check. ``python:MODULE:FUNCTION`` scorers
are imported with the project root on ``sys.path`` and receive
``case = {"id", "description", "variables"}``.
The file is parsed with the YAML 1.2 core schema, like front matter: ``NO``
stays a string.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator, model_validator

from promptctl import _yaml
from promptctl.errors import InputError
from promptctl.limits import read_input_text
from promptctl.registry.frontmatter import ProviderName
from promptctl.templating.variables import YStr

SUITE_FILE = "snapshots.yaml"
CASE_ID_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,79}$")


class RecordWith(BaseModel):
    """How a case's output is recorded.

    Attributes:
        provider: The provider that produces the output (``fake`` for a scripted reply).
        model: Model id for that provider; default the prompt's model for it.
        reply: The fake provider's scripted reply (required, and only used, with ``provider: fake``).
    """

    model_config = ConfigDict(extra="forbid")

    provider: ProviderName | None = None
    model: YStr | None = None
    reply: YStr | None = None

    def merged(self, override: RecordWith | None) -> RecordWith:
        """This (suite-level) setting with a case's fields laid over it."""
        if override is None:
            return self
        data = self.model_dump(exclude_none=True)
        data.update(override.model_dump(exclude_none=True))
        return RecordWith(**data)


def _check_spec(value: Any) -> Any:
    return {"scorer": value} if isinstance(value, str) else value


class CheckSpec(BaseModel):
    """One check on a case's output: a scorer spec, its expected value and an optional JSON field.

    Attributes:
        scorer: A scorer spec (see :func:`promptctl.evaluation.scorers.make_scorer`).
        expected: The value the scorer compares with (``None`` for scorers that need none).
        field: Dotted path into the JSON output (``priority``, ``dates.0.iso``); ``None``: the whole output.
    """

    model_config = ConfigDict(extra="forbid")

    scorer: YStr
    expected: Any = None
    field: YStr | None = None

    @field_validator("expected", mode="before")
    @classmethod
    def _plain(cls, value: Any) -> Any:
        return _yaml.plain(value)

    @field_validator("scorer")
    @classmethod
    def _known(cls, value: str) -> str:
        """An unknown scorer is an invalid suite (exit 2, ``FILE:LINE``), not a failing item to approve."""
        from promptctl.errors import did_you_mean
        from promptctl.evaluation.scorers import SCORER_NAMES

        name = value.partition(":")[0]
        if name not in (*SCORER_NAMES, "normalized", "json"):
            close = did_you_mean(name, SCORER_NAMES)
            raise ValueError(f"unknown scorer '{value}'" + (f" ({close})" if close else "")
                             + f"; checks take: {', '.join(SCORER_NAMES)}")
        return value

    def to_dict(self) -> dict[str, Any]:
        """The spec as written into golden files (``expected``/``field`` only when set)."""
        out: dict[str, Any] = {"scorer": self.scorer}
        if self.expected is not None:
            out["expected"] = self.expected
        if self.field is not None:
            out["field"] = self.field
        return out


class CaseSpec(BaseModel):
    """One case of a suite (see the module docstring for the fields)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    id: YStr
    description: YStr | None = None
    vars: YStr | None = None
    variables: dict[str, Any] = Field(default_factory=dict)
    providers: list[ProviderName] | None = None
    record_with: RecordWith | None = None
    checks: list[Annotated[CheckSpec, BeforeValidator(_check_spec)]] = Field(default_factory=list)

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not CASE_ID_RE.match(value):
            raise ValueError(f"case id {value!r} must be lower-case letters, digits, '-', '_' or '.' (it names a file)")
        return value

    @field_validator("variables", mode="before")
    @classmethod
    def _variables(cls, value: Any) -> Any:
        return {} if value is None else value


class SuiteSpec(BaseModel):
    """The whole suite file."""

    model_config = ConfigDict(extra="forbid")

    ref: YStr | None = None
    description: YStr | None = None
    providers: list[ProviderName] | None = None
    record_with: RecordWith = Field(default_factory=RecordWith)
    strategy: YStr = "direct"
    cases: list[CaseSpec] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_ids(self) -> SuiteSpec:
        seen: set[str] = set()
        for case in self.cases:
            if case.id in seen:
                raise ValueError(f"case id '{case.id}' is used twice")
            seen.add(case.id)
        return self


@dataclass(frozen=True)
class Case:
    """A case ready to run.

    Attributes:
        id: Case id (also the golden file's name).
        description: What the case covers.
        vars_file: The ``vars`` file, relative to the project root, or None.
        inline: Inline variables (win over the file's).
        providers: Providers the request is rendered for (None: the prompt's own provider).
        record_with: How the output is recorded (suite setting with the case's laid over it).
        checks: Checks on the output.
    """

    id: str
    description: str | None
    vars_file: str | None
    inline: dict[str, Any]
    providers: tuple[str, ...] | None
    record_with: RecordWith
    checks: tuple[CheckSpec, ...]

    def variables(self, root: Path) -> dict[str, Any]:
        """The case's variables: the ``vars`` file (relative to ``root``) with the inline values over it.

        Raises:
            InputError: The ``vars`` file is missing, unreadable or not a mapping.
        """
        values: dict[str, Any] = {}
        if self.vars_file:
            from promptctl.templating.variables import load_mapping

            path = root / self.vars_file
            try:
                text = read_input_text(path, what=f"case '{self.id}': vars file")
            except FileNotFoundError:
                raise InputError(
                    f"case '{self.id}': cannot read vars file {path}: no such file",
                    hint="`vars:` paths are relative to the project root",
                ) from None
            values.update(load_mapping(text, str(path)))
        values.update(self.inline)
        return values


@dataclass(frozen=True)
class Suite:
    """A parsed suite file.

    Attributes:
        name: The prompt's name (the suite's folder).
        path: The suite file.
        ref: The reference whose version the suite snapshots (None: see :meth:`default_ref`).
        providers: Default providers of the cases, or None.
        strategy: Strategy the outputs are recorded with (``direct`` by default).
        cases: The cases, in file order.
    """

    name: str
    path: Path
    ref: str | None
    providers: tuple[str, ...] | None
    strategy: str
    cases: tuple[Case, ...]

    def case(self, case_id: str) -> Case:
        """The case with this id.

        Raises:
            InputError: No such case (with the known ids).
        """
        for case in self.cases:
            if case.id == case_id:
                return case
        raise InputError(
            f"{self.path}: no case '{case_id}'", hint=f"cases: {', '.join(c.id for c in self.cases) or 'none'}"
        )


def load_suite(path: Path, name: str | None = None) -> Suite:
    """Read and validate a suite file.

    Args:
        path: ``prompts/<name>/snapshots.yaml``.
        name: The prompt's name; default the file's folder name.

    Returns:
        The :class:`Suite`.

    Raises:
        InputError: The file is missing, not YAML, or has an invalid field (the message names it).
    """
    try:
        text = read_input_text(path, what="snapshot suite", encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"cannot read snapshot suite {path}: no such file") from None
    try:
        data = _yaml.load(text) or {}
    except yaml.YAMLError as exc:
        raise InputError(f"{path}: invalid YAML: {' '.join(str(exc).split())}") from None
    if not isinstance(data, dict):
        raise InputError(f"{path}: a snapshot suite is a mapping with a 'cases' list")
    try:
        spec = SuiteSpec.model_validate(data)
    except ValidationError as exc:
        from promptctl.registry.frontmatter import field_error

        raise field_error(exc.errors()[0], text, str(path), model=SuiteSpec, what="suite key", topic="snapshots",
                          line_offset=0) from None
    cases = []
    for raw in spec.cases:
        record_with = spec.record_with.merged(raw.record_with)
        if record_with.reply is not None and record_with.provider not in (None, "fake"):
            raise InputError(
                f"{path}: case '{raw.id}': record_with.reply is a scripted reply for provider 'fake', "
                f"not '{record_with.provider}'",
                hint="remove the reply, or record with provider: fake",
            )
        cases.append(
            Case(
                id=raw.id,
                description=raw.description,
                vars_file=raw.vars,
                inline=dict(raw.variables),
                providers=tuple(raw.providers or spec.providers or ()) or None,
                record_with=record_with,
                checks=tuple(raw.checks),
            )
        )
    return Suite(
        name=name or path.parent.name,
        path=path,
        ref=spec.ref,
        providers=tuple(spec.providers) if spec.providers else None,
        strategy=spec.strategy,
        cases=tuple(cases),
    )
