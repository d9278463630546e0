"""Prompt chains: steps that run prompt versions in order, earlier outputs mapped to later variables.

A chain is a version file like any prompt (``prompts/<chain>/v<N>.j2``), so it is hashed, published,
labelled and locked the same way. Its front matter declares the chain's input variables and
``strategy: {name: chain, steps: [...]}``; its body is empty (nothing of it is sent)::

    variables:
      report: {type: string, input: true, description: The incident report}
    strategy:
      name: chain
      steps:
        - id: facts
          prompt: chain-extract-facts@1          # NAME@N, NAME@label, or NAME (latest published)
          inputs: {report: report}               # step variable <- source
        - id: summary
          prompt: chain-summarise@production
          inputs: {facts: steps.facts.output}
        - id: severity
          prompt: chain-classify-severity@1
          strategy: {name: cot, mode: manual, answer_marker: "Severity:"}
          inputs: {summary: steps.summary.output}
      output: steps.severity.output              # optional: the chain's output (default: the last step's)

Step keys: ``prompt`` (required), ``id`` (default ``step<n>``), ``provider``, ``model``,
``parameters`` (overrides), ``strategy`` (a name, or a mapping replacing the step prompt's own; its
``answer_*`` options are inherited when not given) and ``inputs``.

Sources (``inputs`` values and ``output``), never evaluated as templates:

- ``NAME`` or ``vars.NAME``: a chain variable;
- ``steps.ID.output`` (text), ``steps.ID.answer`` (extracted answer), ``steps.ID.reasoning``,
  ``steps.ID.parsed`` (structured output) and ``steps.ID.parsed.FIELD.SUB`` (a field; list items by
  number);
- ``{value: ...}``: a literal.

A step variable the inputs do not map but the chain declares under the same name is passed as is.
Values are passed as values: a step output containing ``{{ ... }}`` reaches the next prompt as that
text, never re-parsed as template.

Running: every step version is resolved first and pinned (name, number, sha256) in the run record,
so a run uses one set of versions even if a label moves; each step's record (inputs, output,
answer, parsed, usage, cost, status) is stored after the step, and every call is stored with its
step number. A failed chain stops at the failed step; ``promptctl run CHAIN --resume RUN_ID`` runs it
again from that step with the same pinned versions and variables, reusing the finished steps.

Rendering (``promptctl render CHAIN``): each step's request, with ``[[steps.ID.FIELD]]`` placeholders
for outputs not yet known (typed variables get a typed stand-in: ``[placeholder]`` for a list, 0 for
a number, the first value of an enum).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from promptctl.errors import InputError, PromptctlError, did_you_mean
from promptctl.executors.base import CallContext, ExecutorResult

FIELDS = ("output", "answer", "reasoning", "parsed")


@dataclass(frozen=True)
class Source:
    """Where a step variable's value comes from.

    Attributes:
        kind: ``var``, ``step`` or ``literal``.
        name: Chain variable name or step id.
        field: For ``step``: ``output``, ``answer``, ``reasoning`` or ``parsed``.
        path: Field path inside ``parsed``.
        value: For ``literal``: the value.
        text: The source as written.
    """

    kind: str
    name: str = ""
    field: str = "output"
    path: tuple[str, ...] = ()
    value: Any = None
    text: str = ""

    @classmethod
    def parse(cls, raw: Any, *, where: str) -> Source:
        """Parse a source expression (see the module docstring).

        Raises:
            InputError: Not a valid source.
        """
        if isinstance(raw, Mapping):
            if set(raw) != {"value"}:
                raise InputError(f"{where}: a literal input is written {{value: ...}}")
            return cls("literal", value=raw["value"], text=json.dumps(raw["value"], default=str))
        if not isinstance(raw, str) or not raw.strip():
            raise InputError(f"{where}: an input source must be a name, 'steps.ID.output' or {{value: ...}}")
        parts = raw.strip().split(".")
        if parts[0] == "steps":
            if len(parts) < 3 or parts[2] not in FIELDS or (len(parts) > 3 and parts[2] != "parsed"):
                close = did_you_mean(parts[2], FIELDS) if len(parts) > 2 and parts[2] not in FIELDS else None
                raise InputError(f"{where}: '{raw}' is not steps.ID.output|answer|reasoning|parsed[.FIELD...]",
                                 hint=close)
            return cls("step", parts[1], parts[2], tuple(parts[3:]), text=raw.strip())
        if parts[0] == "vars" and len(parts) == 2:
            return cls("var", parts[1], text=raw.strip())
        if len(parts) == 1:
            return cls("var", parts[0], text=raw.strip())
        raise InputError(f"{where}: '{raw}' is not a chain variable or a steps.ID.FIELD source")

    @property
    def placeholder(self) -> str:
        """``[[steps.ID.FIELD]]``, shown by ``render`` where the value is not known yet."""
        return f"[[{self.text}]]"


@dataclass(frozen=True)
class StepSpec:
    """One step of a chain (see the module docstring).

    Attributes:
        index: 1-based position.
        id: Step id.
        prompt: The prompt reference as written.
        provider: Provider override, or None.
        model: Model override (for the step's provider), or None.
        parameters: Parameter overrides.
        strategy: Strategy override: a name, a mapping with ``name``, or None.
        inputs: Step variable -> :class:`Source`.
    """

    index: int
    id: str
    prompt: str
    provider: str | None = None
    model: str | None = None
    parameters: dict[str, Any] = field(default_factory=dict)
    strategy: str | dict[str, Any] | None = None
    inputs: dict[str, Source] = field(default_factory=dict)


@dataclass(frozen=True)
class ChainSpec:
    """A parsed chain: its steps and its output source."""

    steps: tuple[StepSpec, ...]
    output: Source | None = None

    @classmethod
    def from_options(
        cls, options: Mapping[str, Any], *, where: str, variables: Mapping[str, Any] | None = None
    ) -> ChainSpec:
        """Parse ``strategy: {name: chain, steps, output}``.

        Args:
            options: The strategy options.
            where: Reference named in errors.
            variables: The chain's declared variables (sources must name one of them, when any are declared).

        Raises:
            InputError: No steps, a step without a prompt, a duplicate id, an unknown key, or a source
                naming a later or unknown step or an undeclared variable.
        """
        raw_steps = options.get("steps")
        if not isinstance(raw_steps, list) or not raw_steps:
            raise InputError(f"{where}: a chain needs a non-empty 'steps' list")
        known = ("id", "prompt", "provider", "model", "parameters", "strategy", "inputs")
        steps: list[StepSpec] = []
        for number, raw in enumerate(raw_steps, start=1):
            here = f"{where}: step {number}"
            if not isinstance(raw, Mapping) or not raw.get("prompt"):
                raise InputError(f"{here}: a step is a mapping with at least 'prompt: NAME@VERSION'")
            unknown = sorted(set(raw) - set(known))
            if unknown:
                raise InputError(f"{here}: unknown key(s) {', '.join(unknown)}", hint=f"step keys: {', '.join(known)}")
            step_id = str(raw.get("id") or f"step{number}")
            if any(s.id == step_id for s in steps):
                raise InputError(f"{here}: duplicate step id '{step_id}'")
            raw_inputs = raw.get("inputs") or {}
            inputs = {str(k): Source.parse(v, where=f"{here} input '{k}'") for k, v in raw_inputs.items()}
            for name, source in inputs.items():
                _check_source(source, steps, variables, where=f"{here} input '{name}'")
            steps.append(StepSpec(number, step_id, str(raw["prompt"]), raw.get("provider"), raw.get("model"),
                                  dict(raw.get("parameters") or {}), raw.get("strategy"), inputs))
        output = Source.parse(options["output"], where=f"{where}: output") if options.get("output") else None
        if output is not None:
            _check_source(output, steps, variables, where=f"{where}: output")
        return cls(tuple(steps), output)


def _check_source(source: Source, earlier: list[StepSpec], variables: Mapping[str, Any] | None, *,
                  where: str) -> None:
    if source.kind == "step" and source.name not in {s.id for s in earlier}:
        raise InputError(f"{where}: '{source.text}' names no earlier step",
                         hint=f"earlier steps: {', '.join(s.id for s in earlier) or 'none'}")
    if source.kind == "var" and variables and source.name not in variables:
        raise InputError(f"{where}: '{source.text}' is not a declared chain variable",
                         hint=f"declared: {', '.join(variables)}")


def unknown_parsed_field(source: Source, output_schema: Any) -> tuple[str, tuple[str, ...]] | None:
    """The field a ``steps.ID.parsed.FIELD`` source names that the step's closed output schema cannot have.

    A closed schema (``additionalProperties: false`` with ``properties``) lists every field its answer has; any
    other name is a typo that would fail only after the earlier steps were paid for. Used before a chain runs
    (``session.chain``) and by ``lint`` (REG006).

    Args:
        source: A step input or the chain output.
        output_schema: The JSON Schema the named step's prompt declares in ``output:`` (or None).

    Returns:
        ``(field, the schema's field names)`` when ``source`` names a field the schema does not have; else None
        (not a parsed-field source, no schema, or an open one).
    """
    if source.kind != "step" or source.field != "parsed" or not source.path or not isinstance(output_schema, Mapping):
        return None
    properties = output_schema.get("properties")
    if output_schema.get("additionalProperties") is not False or not isinstance(properties, Mapping):
        return None
    return None if source.path[0] in properties else (source.path[0], tuple(str(p) for p in properties))


# -- values ----------------------------------------------------------------------------------------
_MISSING = object()


def resolve(source: Source, variables: Mapping[str, Any], records: Mapping[str, Mapping[str, Any]]) -> Any:
    """The value of a source, from chain variables and finished step records (returns ``_MISSING`` if unknown).

    Raises:
        InputError: A ``parsed`` path that the step's output does not have.
    """
    if source.kind == "literal":
        return source.value
    if source.kind == "var":
        return variables.get(source.name, _MISSING)
    record = records.get(source.name)
    if record is None or record.get("status") != "ok":
        return _MISSING
    value = record.get(source.field)
    for key in source.path:
        if isinstance(value, list) and key.isdigit() and int(key) < len(value):
            value = value[int(key)]
        elif isinstance(value, Mapping) and key in value:
            value = value[key]
        else:
            raise InputError(f"chain: '{source.text}': step '{source.name}' produced no field '{key}'",
                             hint=f"its parsed output: {json.dumps(record.get('parsed'), default=str)[:200]}")
    return value


def step_variables(
    step: StepSpec,
    variables: Mapping[str, Any],
    records: Mapping[str, Mapping[str, Any]],
    declared: Mapping[str, Any],
    *,
    placeholders: bool = False,
) -> tuple[dict[str, Any], list[str]]:
    """A step's variables: mapped inputs plus same-named chain variables the step declares.

    Args:
        step: The step.
        variables: Chain variables.
        records: Finished step records by id.
        declared: The step prompt's declared variables (name -> :class:`VariableSpec`).
        placeholders: Put a typed placeholder where a value is not known yet (``render``), instead of raising.

    Returns:
        ``(values, names that hold placeholders)``.

    Raises:
        InputError: A source has no value yet (without ``placeholders``), or a step field mapped to a
            required variable is empty (e.g. ``steps.ID.answer`` of a step whose output had no answer line).
    """
    values: dict[str, Any] = {}
    pending: list[str] = []
    for name in declared:
        if name not in step.inputs and name in variables:
            values[name] = variables[name]
    for name, source in step.inputs.items():
        value = resolve(source, variables, records)
        if value is _MISSING:
            if not placeholders:
                raise InputError(f"chain step '{step.id}': input '{name}' ({source.text}) has no value")
            value = _typed_placeholder(source.placeholder, declared.get(name))
            pending.append(name)
        elif value is None and source.kind == "step" and getattr(declared.get(name), "required", False):
            raise InputError(f"chain step '{step.id}': input '{name}' ({source.text}) is empty: step "
                             f"'{source.name}' produced no {source.field}",
                             hint=f"make step '{source.name}' produce it (e.g. the answer line its strategy "
                                  f"looks for), or map steps.{source.name}.output instead")
        values[name] = value
    return values, pending


def _typed_placeholder(text: str, spec: Any) -> Any:
    kind = getattr(spec, "type", "string")
    if kind == "list":
        return [text]
    if kind == "object":
        return {"placeholder": text}
    if kind in ("integer", "number"):
        return 0
    if kind == "boolean":
        return False
    if kind == "enum":
        return (getattr(spec, "values", None) or [text])[0]
    return text


# -- running ---------------------------------------------------------------------------------------
ExecuteStep = Callable[[StepSpec, dict[str, Any], dict[str, Any]], Awaitable[ExecutorResult]]
"""``execute(step, variables, record) -> result``: run one step (the record holds its pinned version)."""


def new_record(step: StepSpec, pin: Mapping[str, Any]) -> dict[str, Any]:
    """A pending step record with its pinned version (``ref``, ``sha256``, provider, model, strategy)."""
    return {"index": step.index, "id": step.id, "prompt": step.prompt, **pin, "status": "pending", "inputs": None,
            "output": None, "answer": None, "reasoning": None, "parsed": None, "votes": None, "confidence": None,
            "samples_drawn": None, "usage": None, "cost_usd": None, "latency_s": None, "calls": 0, "error": None,
            "reused": False}


async def run_chain(
    spec: ChainSpec,
    variables: Mapping[str, Any],
    records: list[dict[str, Any]],
    execute: ExecuteStep,
    ctx: CallContext,
    *,
    declared: Callable[[StepSpec], Mapping[str, Any]],
    on_progress: Callable[[list[dict[str, Any]]], None] | None = None,
) -> ExecutorResult:
    """Run the steps in order, skipping those already ``ok`` in ``records`` (a resumed run).

    Args:
        spec: The chain.
        variables: Chain variables.
        records: One record per step (:func:`new_record`), updated in place.
        execute: Runs one step.
        ctx: Call context (the result's calls are those made now).
        declared: The declared variables of a step's prompt.
        on_progress: Called with the records after every step (to store them).

    Returns:
        The chain's result: ``output`` from ``spec.output`` (default the last step's output), ``answer``,
        ``reasoning``, ``parsed``, ``votes``, ``confidence`` of the last step, ``steps`` = the records.

    Raises:
        PromptctlError: The failing step's error, after its record is stored with status ``error``.
    """
    start = ctx.mark()
    warnings: list[str] = []
    by_id = {r["id"]: r for r in records}
    for step, record in zip(spec.steps, records, strict=True):
        if record.get("status") == "ok":
            record["reused"] = True
            continue
        values, _ = step_variables(step, variables, by_id, declared(step))
        record.update({"status": "running", "inputs": values, "error": None, "reused": False})
        try:
            result = await execute(step, values, record)
        except PromptctlError as exc:
            record.update({"status": "error", "error": str(exc)})
            if on_progress:
                on_progress(records)
            raise
        record.update({
            "status": "ok", "output": result.output, "answer": result.answer, "reasoning": result.reasoning,
            "parsed": result.parsed, "votes": result.votes, "confidence": result.confidence,
            "samples_drawn": result.samples_drawn, "usage": result.usage.to_dict(),
            "latency_s": round(result.latency_s, 6), "calls": len(result.calls),
            "details": result.details or None,
        })
        warnings += [f"step '{step.id}': {w}" for w in result.warnings]
        if on_progress:
            on_progress(records)
    last = records[-1]
    output = last["output"]
    if spec.output is not None:
        value = resolve(spec.output, variables, by_id)
        output = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return ExecutorResult(
        output=output or "", calls=ctx.calls_since(start), answer=last["answer"], reasoning=last["reasoning"],
        parsed=last["parsed"], votes=last["votes"], confidence=last["confidence"],
        samples_drawn=last["samples_drawn"], steps=records, warnings=warnings,
    )
