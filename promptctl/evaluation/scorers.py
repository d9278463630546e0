"""Deterministic scorers: how an output is checked against a case's expectation.

A scorer turns ``(output, expected)`` into a :class:`Score` in [0, 1] with a
pass/fail flag. They are shared by ``promptctl ab`` (scoring cases) and
``promptctl snapshot`` (checks on recorded outputs). LLM judges build on the
same :class:`Score` elsewhere.

Scorer specs (strings, as on the command line and in dataset or suite files):

===========================  ==================================================================
``exact``                    output (stripped) equals expected exactly
``normalised``               the extracted answer equals expected after :func:`normalise`
                             (numbers, currency, thousands separators, trailing zeros, case,
                             whitespace; see :mod:`promptctl.executors.answers`)
``contains``                 expected (a string, or every string of a list) occurs in the output,
                             case-insensitive
``regex:PATTERN``            the pattern matches the output (``re.search``, multiline); without a
                             pattern, ``expected`` is the pattern
``json_schema``              the output parses as JSON and is valid against the prompt's output
                             schema (or ``json_schema:path/to/schema.json``)
``numeric`` / ``numeric:T``  the extracted number is within absolute tolerance T (default 1e-6)
                             of expected
``python:module:function``   a function ``f(output, expected, case) -> bool | float | Score``
``contains_json``            a JSON object or array appears somewhere in the output (valid
                             against ``json_schema:FILE``-style schema in ``expected`` when given)
``all``                      every check in ``expected`` passes: a list of ``{scorer, expected}``
                             mappings (promptfoo's several assertions on one test); the score
                             is their mean
``tool_call[:MODE]``         the model called the tool ``expected.name`` with ``expected.arguments``
                             (a list: each call in order): ``exact`` (default) equal arguments,
                             ``subset`` the expected keys with equal values, ``schema`` arguments
                             valid against ``expected.arguments`` as a JSON Schema; no
                             ``arguments``: the name alone. Reads the tool calls of the output
                             (:func:`promptctl.types.tool_call_output`)
===========================  ==================================================================
"""

from __future__ import annotations

import importlib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from promptctl.errors import InputError
from promptctl.executors.answers import extract_answer, normalise, numbers_in
from promptctl.limits import read_input_text
from promptctl.redaction import redact


@dataclass(frozen=True)
class Score:
    """The result of one scorer on one output.

    Attributes:
        value: Score in [0, 1] (1 = best).
        passed: Whether the output passes (``value >= 1`` for binary scorers).
        detail: One line on why, for reports.
    """

    value: float
    passed: bool
    detail: str = ""

    @classmethod
    def binary(cls, passed: bool, detail: str = "") -> Score:
        """1.0 when passed, else 0.0."""
        return cls(1.0 if passed else 0.0, passed, detail)


ScoreFn = Callable[[str, Any, Mapping[str, Any]], Score]


@dataclass(frozen=True)
class Scorer:
    """A named scoring function.

    Attributes:
        spec: The spec it was built from (``exact``, ``regex:^ok``...).
        fn: ``fn(output, expected, case) -> Score``; ``case`` holds the case's variables and metadata.
        needs_expected: True when cases must carry an ``expected`` value.
    """

    spec: str
    fn: ScoreFn
    needs_expected: bool = True

    def __call__(self, output: str, expected: Any = None, case: Mapping[str, Any] | None = None) -> Score:
        """Score one output."""
        return self.fn(output, expected, case or {})


def _answer(output: str) -> str:
    extraction = extract_answer(output)
    return extraction.answer if extraction.answer is not None else normalise(output)


SHOWN_CHARS = 60
"""Most characters of an output or expected value a scorer's explanation quotes (a ``why`` cell stays one line)."""


def shown(text: str) -> str:
    """``text`` as a scorer's explanation quotes it: redacted, cut to :data:`SHOWN_CHARS` (``...`` marks a cut)."""
    text = redact(text)
    return repr(text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS] + "...")


def _exact(output: str, expected: Any, case: Mapping[str, Any]) -> Score:
    got, want = output.strip(), str(expected).strip()
    if got == want:  # the text snapshot golden files record
        return Score.binary(True, f"expected {str(expected)[:SHOWN_CHARS]!r}")
    return Score.binary(False, f"output {shown(got)}, expected {shown(want)}")


def _normalised(output: str, expected: Any, case: Mapping[str, Any]) -> Score:
    got, want = _answer(output), normalise(str(expected))
    return Score.binary(got == want, f"answer {shown(got)}, expected {shown(want)}")


def _contains(output: str, expected: Any, case: Mapping[str, Any]) -> Score:
    wanted = [str(e) for e in expected] if isinstance(expected, list) else [str(expected)]
    missing = [w for w in wanted if w.lower() not in output.lower()]
    return Score.binary(not missing, f"missing {missing}" if missing else "all found")


def _regex(pattern: str | None) -> ScoreFn:
    compiled = _compile(pattern) if pattern else None

    def score(output: str, expected: Any, case: Mapping[str, Any]) -> Score:
        regex = compiled or _compile(str(expected))
        return Score.binary(bool(regex.search(output)), f"/{regex.pattern}/")

    return score


def _compile(pattern: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern, re.MULTILINE)
    except re.error as exc:
        raise InputError(f"invalid regex scorer pattern {pattern!r}: {exc}") from None


def _json_schema(schema: Mapping[str, Any] | None) -> ScoreFn:
    def score(output: str, expected: Any, case: Mapping[str, Any]) -> Score:
        import jsonschema

        text = output.strip()
        fenced = re.fullmatch(r"```(?:json)?\s*(.*?)\s*```", text, re.DOTALL)
        try:
            data = json.loads(fenced.group(1) if fenced else text)
        except ValueError as exc:
            return Score.binary(False, f"not JSON: {exc}")
        if schema is None:
            return Score.binary(True, "valid JSON (no schema declared)")
        errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(data), key=lambda e: list(e.path))
        if errors:
            where = "/".join(str(p) for p in errors[0].path) or "(root)"
            return Score.binary(False, f"{where}: {errors[0].message}")
        return Score.binary(True, "valid against the schema")

    return score


def _numeric(tolerance: float) -> ScoreFn:
    def score(output: str, expected: Any, case: Mapping[str, Any]) -> Score:
        answer = extract_answer(output, fallback="last_number").answer
        found = numbers_in(answer or "")
        try:
            want = float(normalise(str(expected)).rstrip("%"))
        except ValueError:
            raise InputError(f"numeric scorer: expected value {expected!r} is not a number") from None
        if not found:
            return Score.binary(False, "no number in the output")
        got = float(found[0].rstrip("%"))
        return Score.binary(abs(got - want) <= tolerance, f"{got} vs {want} (tolerance {tolerance})")

    return score


def _python(path: str) -> ScoreFn:
    module_name, _, attr = path.rpartition(":")
    if not module_name or not attr:
        raise InputError(f"python scorer {path!r} is not MODULE:FUNCTION", hint="e.g. python:mychecks:is_polite")
    try:
        fn = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as exc:
        raise InputError(f"cannot import scorer {path!r}: {exc}", hint="is the module on PYTHONPATH?") from None

    def score(output: str, expected: Any, case: Mapping[str, Any]) -> Score:
        result = fn(output, expected, case)
        if isinstance(result, Score):
            return result
        if isinstance(result, bool):
            return Score.binary(result, path)
        value = float(result)
        if not 0.0 <= value <= 1.0:
            raise InputError(f"scorer {path} returned {value}, outside [0, 1]")
        return Score(value, value >= 1.0, path)

    return score


def _json_values(output: str) -> list[Any]:
    """Every JSON object or array embedded in ``output``, in order (``json.JSONDecoder.raw_decode``)."""
    decoder = json.JSONDecoder()
    found: list[Any] = []
    pos = 0
    while True:
        starts = [i for i in (output.find("{", pos), output.find("[", pos)) if i >= 0]
        if not starts:
            return found
        start = min(starts)
        try:
            value, end = decoder.raw_decode(output, start)
        except ValueError:
            pos = start + 1
            continue
        found.append(value)
        pos = end


def _contains_json(output: str, expected: Any, case: Mapping[str, Any]) -> Score:
    values = _json_values(output)
    if not values:
        return Score.binary(False, "no JSON object or array in the output")
    if not isinstance(expected, dict):
        return Score.binary(True, "JSON found")
    import jsonschema

    for value in values:
        if not list(jsonschema.Draft202012Validator(expected).iter_errors(value)):
            return Score.binary(True, "JSON valid against the schema found")
    return Score.binary(False, "JSON found, none valid against the schema")


def _all(output_schema: Mapping[str, Any] | None, base: Path | None) -> ScoreFn:
    built: dict[str, Scorer] = {}

    def score(output: str, expected: Any, case: Mapping[str, Any]) -> Score:
        checks = expected if isinstance(expected, list) else None
        if not checks or not all(isinstance(c, dict) and isinstance(c.get("scorer"), str) for c in checks):
            raise InputError("the 'all' scorer needs expected: a list of {scorer: SPEC, expected: VALUE} mappings")
        scores = []
        for check in checks:
            spec = check["scorer"]
            if spec.partition(":")[0] == "all":
                raise InputError("the 'all' scorer cannot contain another 'all'")
            scorer = built.get(spec) or make_scorer(spec, output_schema=output_schema, base=base)
            built[spec] = scorer
            scores.append((spec, scorer(output, check.get("expected"), case)))
        failed = [f"{spec}: {s.detail}" for spec, s in scores if not s.passed]
        value = sum(s.value for _, s in scores) / len(scores)
        return Score(value, not failed, "; ".join(failed) if failed else f"all {len(scores)} checks passed")

    return score


SCORER_NAMES = ("exact", "normalised", "contains", "regex", "json_schema", "numeric", "python", "contains_json", "all",
                "tool_call")
TOOL_CALL_MODES = ("exact", "subset", "schema")


def _tool_call(mode: str) -> ScoreFn:
    """The ``tool_call[:exact|subset|schema]`` scorer (see the module docstring)."""

    def matches(call: Any, want: Mapping[str, Any]) -> str | None:
        """Why ``call`` does not match ``want``, or None when it does."""
        if call.name != want.get("name"):
            return f"called {call.name}, expected {want.get('name')}"
        if "arguments" not in want:
            return None
        expected = want["arguments"]
        got = call.arguments
        if mode == "schema":
            import jsonschema

            try:
                jsonschema.validate(got, expected)
            except jsonschema.ValidationError as exc:
                return f"{call.name} arguments: {exc.message}"
            except jsonschema.SchemaError as exc:
                return f"expected schema is invalid: {exc.message}"
            return None
        if mode == "subset":
            if not isinstance(got, Mapping) or not isinstance(expected, Mapping):
                return f"{call.name} arguments {json.dumps(got)[:80]} are not an object"
            missing = {k: v for k, v in expected.items() if got.get(k, object()) != v}
            return f"{call.name} arguments differ at {sorted(missing)}: got {json.dumps(got)[:80]}" if missing else None
        return None if got == expected else f"{call.name} arguments {json.dumps(got)[:80]} != expected"

    def score(output: str, expected: Any, case: Mapping[str, Any]) -> Score:
        from promptctl.types import tool_calls_in

        wanted = expected if isinstance(expected, list) else [expected]
        if not all(isinstance(w, Mapping) and isinstance(w.get("name"), str) for w in wanted):
            raise InputError("tool_call scorer: expected is {name, arguments} or a list of them",
                             hint="expected: {name: get_weather, arguments: {city: Paris}}")
        found = tool_calls_in(output)
        if found is None or not found[1]:
            return Score.binary(False, "no tool call")
        calls = list(found[1])
        for want in wanted:  # each expected call matches a distinct call, in order
            reasons = [matches(call, want) for call in calls]
            hit = next((i for i, reason in enumerate(reasons) if reason is None), None)
            if hit is None:
                return Score.binary(False, next((r for r in reasons if r), "no tool call"))
            calls = calls[hit + 1:]
        return Score.binary(True, ", ".join(str(w["name"]) for w in wanted) + f" called ({mode} arguments)")

    return score


def make_scorer(spec: str, *, output_schema: Mapping[str, Any] | None = None, base: Path | None = None) -> Scorer:
    """Build a scorer from its spec string (see the module docstring).

    Args:
        spec: ``exact``, ``normalised``, ``contains``, ``regex[:PATTERN]``, ``json_schema[:FILE]``,
            ``numeric[:TOLERANCE]``, ``python:MODULE:FUNCTION``, ``contains_json`` or ``all``.
        output_schema: The prompt's declared JSON Schema, used by ``json_schema`` without a file.
        base: Folder that relative schema paths are read from.

    Raises:
        InputError: Unknown scorer, bad pattern, unreadable schema, or an import failure (with a hint).
    """
    name, _, arg = spec.partition(":")
    name = {"normalized": "normalised", "json": "json_schema"}.get(name, name)
    if name == "exact":
        return Scorer(spec, _exact)
    if name == "normalised":
        return Scorer(spec, _normalised)
    if name == "contains":
        return Scorer(spec, _contains)
    if name == "regex":
        return Scorer(spec, _regex(arg or None), needs_expected=not arg)
    if name == "json_schema":
        schema = output_schema
        if arg:
            path = (base or Path.cwd()) / arg
            try:
                schema = json.loads(read_input_text(path, what="JSON schema"))
            except (OSError, ValueError) as exc:
                raise InputError(f"cannot read JSON schema {path}: {exc}") from None
        return Scorer(spec, _json_schema(schema), needs_expected=False)
    if name == "numeric":
        try:
            tolerance = float(arg) if arg else 1e-6
        except ValueError:
            raise InputError(f"numeric scorer tolerance {arg!r} is not a number", hint="e.g. numeric:0.01") from None
        return Scorer(spec, _numeric(tolerance))
    if name == "python":
        return Scorer(spec, _python(arg))
    if name == "contains_json":
        return Scorer(spec, _contains_json, needs_expected=False)
    if name == "all":
        return Scorer(spec, _all(output_schema, base))
    if name == "tool_call":
        mode = arg or "exact"
        if mode not in TOOL_CALL_MODES:
            raise InputError(f"tool_call scorer mode '{mode}' is unknown", hint="tool_call, tool_call:subset or "
                             "tool_call:schema")
        return Scorer(spec, _tool_call(mode))
    import difflib

    close = difflib.get_close_matches(name, SCORER_NAMES, n=1)
    raise InputError(
        f"unknown scorer '{spec}'",
        hint=(f"did you mean '{close[0]}'? " if close else "") + f"scorers: {', '.join(SCORER_NAMES)}",
    )
