"""Declared template variables: types, defaults, and validation with pydantic."""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import lru_cache
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    create_model,
    model_validator,
)

from promptctl import _yaml
from promptctl._yaml import as_source_text, plain
from promptctl.errors import InputError, VariableError, in_our_words
from promptctl.templating.history import HistoryMessage, describe_error, plain_history

VariableType = Literal[
    "string", "integer", "number", "boolean", "list", "object", "enum", "messages", "image", "document"
]
MEDIA_TYPES = ("image", "document")
"""Variable types whose values are media files (loaded by :func:`promptctl.templating.media.load_media`)."""


def _media_value(value: Any) -> Any:
    """Accept what can name media (text, a path, bytes, a Media part); loading happens at render time."""
    import os

    from promptctl.templating.prompt import Media

    if isinstance(value, (str, bytes, bytearray, Media)) or isinstance(value, os.PathLike):
        return value
    raise ValueError("expected a file path, an https:// URL or a data: URL")
YStr = Annotated[str, BeforeValidator(as_source_text)]


def json_if_text(value: Any) -> Any:
    """Parse a string holding JSON (``--var items='[1, 2]'``); anything else, or invalid JSON, is returned as is."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except (ValueError, RecursionError):
            return value
    return value


_PY_TYPES: dict[str, Any] = {
    "string": YStr,
    "integer": int,
    "number": float,
    "boolean": bool,
    "list": Annotated[list[Any], BeforeValidator(json_if_text)],
    "object": Annotated[dict[str, Any], BeforeValidator(json_if_text)],
    "messages": Annotated[list[HistoryMessage], BeforeValidator(json_if_text), AfterValidator(plain_history)],
    "image": Annotated[Any, BeforeValidator(_media_value)],
    "document": Annotated[Any, BeforeValidator(_media_value)],
}


class VariableSpec(BaseModel):
    """A declared variable in a version's front matter.

    Attributes:
        type: ``string``, ``integer``, ``number``, ``boolean``, ``list``, ``object``, ``enum``, or ``image`` /
            ``document`` (a file path, an ``https://`` URL or a ``data:`` URL; see
            :mod:`promptctl.templating.media`).
        description: What the variable holds.
        default: Value used when none is given; without one the variable is required. Checked against
            ``type`` when the front matter is parsed and kept in its coerced form (a ``string`` default
            keeps its YAML source text: ``1.10`` is ``"1.10"``, ``007`` is ``"007"``); ``null`` is allowed.
        values: The allowed values of an ``enum``.
        input: True when the value comes from an end user (untrusted input, kept inside a delimiter).
    """

    model_config = ConfigDict(extra="forbid")

    type: VariableType = "string"
    description: YStr | None = None
    default: Any = Field(default=None)
    values: list[YStr] | None = None
    input: bool = False

    @model_validator(mode="after")
    def _enum_has_values(self) -> VariableSpec:
        if self.type == "enum" and not self.values:
            raise ValueError("an enum variable needs a non-empty 'values' list")
        return self

    @model_validator(mode="after")
    def _coerce_default(self) -> VariableSpec:
        """Validate ``default`` against the declared type, as a given value would be, and keep the result."""
        if self.required or self.default is None:
            return self
        raw = self.default
        if self.type == "number" and isinstance(raw, int) and not isinstance(raw, bool):
            coerced: Any = int(raw)  # a whole-number default of a number variable stays as written (3, not 3.0)
        else:
            try:
                coerced = _adapter(self.type, tuple(self.values or ())).validate_python(raw)
            except ValidationError as exc:
                article = "an" if self.type in ("integer", "object") else "a"
                expected = f"one of {self.values}" if self.type == "enum" else f"{article} {self.type}"
                shown = as_source_text(raw) if isinstance(raw, (int, float)) else raw
                raise ValueError(
                    f"default {shown!r} is not {expected} ({in_our_words(exc.errors()[0]['msg'])})"
                ) from None
        self.default = plain(coerced)  # still in model_fields_set, so the variable stays optional
        return self

    @property
    def required(self) -> bool:
        """True when the variable has no default."""
        return "default" not in self.model_fields_set

    def python_type(self) -> Any:
        """The Python type values are validated against.

        ``enum`` values are strings (the front matter's ``values`` keep their YAML source text), so a
        number given from YAML (``--vars``, a default) is compared by its source text too.
        """
        if self.type == "enum":
            allowed = Literal[tuple(self.values or ())]  # type: ignore[valid-type]
            return Annotated[allowed, BeforeValidator(as_source_text)]
        return _PY_TYPES[self.type]


@lru_cache(maxsize=256)
def _adapter(type_: str, values: tuple[str, ...]) -> TypeAdapter[Any]:
    """The validator of one declared type (an ``enum`` with its values), built once per process.

    Building a pydantic validator costs about a millisecond; front matter is parsed for every version read.
    """
    return TypeAdapter(VariableSpec(type=type_, values=list(values) or None).python_type())  # type: ignore[arg-type]


_MODELS: dict[str, type[BaseModel]] = {}
_MODELS_MAX = 512


def _variables_model(specs: Mapping[str, VariableSpec]) -> type[BaseModel]:
    """The pydantic model validating values for ``specs``, built once per distinct set of declarations.

    Building it costs about a millisecond (pydantic compiles a validator); ``ab`` renders a version hundreds of
    times and ``lint`` renders a thousand versions that mostly declare the same variables.
    """
    key = _model_key(specs)
    model = _MODELS.get(key) if key is not None else None
    if model is None:
        fields: dict[str, Any] = {}
        for name, spec in specs.items():
            default = spec.default if not spec.required else None  # already checked and coerced by VariableSpec
            fields[name] = (spec.python_type() | None if not spec.required else spec.python_type(), default)
        model = create_model("Variables", __config__=ConfigDict(extra="allow"), **fields)
        if key is not None and len(_MODELS) < _MODELS_MAX:
            _MODELS[key] = model
    return model


def _model_key(specs: Mapping[str, VariableSpec]) -> str | None:
    """A text naming the declarations exactly, or None when a default is not plain data (never cached).

    ``repr`` of plain built-in values tells ``1``, ``1.0``, ``True`` and ``"1"`` apart, so two declarations
    share a model only when their names, types, enum values, requiredness and defaults are the same.
    """
    parts = []
    for name, spec in specs.items():
        if not spec.required and not _is_plain(spec.default):
            return None
        default = None if spec.required else spec.default
        parts.append((name, spec.type, tuple(spec.values or ()), spec.required, default))
    return repr(parts)


def _is_plain(value: Any) -> bool:
    kind = type(value)
    if kind in (str, int, float, bool, type(None)):
        return True
    if kind in (list, tuple):
        return all(_is_plain(v) for v in value)
    if kind is dict:
        return all(type(k) is str and _is_plain(v) for k, v in value.items())
    return False


def validate_variables(
    specs: Mapping[str, VariableSpec], values: Mapping[str, Any], *, where: str
) -> dict[str, Any]:
    """Validate values against declared variables and apply defaults.

    Values for undeclared names pass through unchanged (the caller warns about them).

    Args:
        specs: Declared variables by name.
        values: Given values (strings from ``--var``, or typed values from ``--vars`` / Python).
        where: Reference named in errors.

    Returns:
        A new dict: validated values, defaults for missing optional variables, extras unchanged.
        Required variables that are missing are left out (rendering reports the one it reaches).

    Raises:
        VariableError: A value does not fit its declared type (message names variable and expectation).
    """
    model = _variables_model(specs)
    given = {k: v for k, v in values.items()}
    try:
        checked = model.model_validate(given)
    except ValidationError as exc:
        err = exc.errors()[0]
        name = str(err["loc"][0]) if err["loc"] else "?"
        bad = specs.get(name)
        expected = "?" if bad is None else bad.type if bad.type != "enum" else f"one of {bad.values}"
        detail = in_our_words(str(err["msg"]))
        if bad is not None and bad.type == "messages":
            detail = describe_error(exc, skip=1)
        hint = f"pass a value of type {expected} for '{name}'"
        declared = f" (declared type: {expected})"
        if bad is not None and bad.type == "messages":
            hint = (f"'{name}' is a list of {{role: system|user|assistant, content: text or parts}} (see promptctl "
                    "help templates)")
        if bad is not None and bad.type == "enum":  # the message lists the values already: no second list
            from promptctl.errors import did_you_mean

            got = err.get("input")
            declared = f", not {got!r}" if isinstance(got, str | int | float | bool) else ""
            hint = (did_you_mean(str(got), [str(v) for v in bad.values or ()]) if got is not None else None) or \
                f"pass one of the values the front matter declares for '{name}'"
        raise VariableError(
            f"{where}: variable '{name}' is invalid: {detail}{declared}",
            hint=hint,
        ) from None
    result = dict(given)
    for name, spec in specs.items():
        if name in given or not spec.required:
            result[name] = getattr(checked, name)
    return result


def load_mapping(text: str, where: str) -> dict[str, Any]:
    """Parse JSON or YAML (core schema: strings stay strings) into a mapping.

    Raises:
        InputError: Not valid JSON/YAML (naming the line YAML stopped at: ``--vars - (stdin):1: not valid JSON
            or YAML: did not find expected ',' or ']'``), or not a mapping; both with a hint showing the form.
    """
    import yaml

    hint = "a JSON object or YAML mapping of variable names to values, e.g. ticket: \"I was charged twice\""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: nested too deeply for JSON; YAML says so
        try:
            data = _yaml.load(text)
        except yaml.YAMLError as exc:
            # where the unclosed construct starts ("while parsing a flow sequence"), else where YAML stopped
            mark = getattr(exc, "context_mark", None) or getattr(exc, "problem_mark", None)
            problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
            line = f":{mark.line + 1}" if mark is not None else ""
            raise InputError(f"{where}{line}: not valid JSON or YAML: {problem}", hint=hint) from None
    if data is None:  # an empty file, or only comments
        raise InputError(f"{where}: holds no mapping of variable names to values (it is empty)", hint=hint)
    if not isinstance(data, dict):
        kind = ("a list" if isinstance(data, list) else "true or false" if isinstance(data, bool)
                else "a number" if isinstance(data, (int, float)) else "a text" if isinstance(data, str)
                else f"a {type(data).__name__}")
        raise InputError(f"{where}: expected a mapping of variable names to values, not {kind}", hint=hint)
    return data
