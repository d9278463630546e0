"""Declared template variables: types, defaults, and validation with pydantic."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import (
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
from promptctl.errors import InputError, VariableError

VariableType = Literal["string", "integer", "number", "boolean", "list", "object", "enum"]
YStr = Annotated[str, BeforeValidator(as_source_text)]


def json_if_text(value: Any) -> Any:
    """Parse a string holding JSON (``--var items='[1, 2]'``); anything else, or invalid JSON, is returned as is."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


_PY_TYPES: dict[str, Any] = {
    "string": YStr,
    "integer": int,
    "number": float,
    "boolean": bool,
    "list": Annotated[list[Any], BeforeValidator(json_if_text)],
    "object": Annotated[dict[str, Any], BeforeValidator(json_if_text)],
}


class VariableSpec(BaseModel):
    """A declared variable in a version's front matter.

    Attributes:
        type: ``string``, ``integer``, ``number``, ``boolean``, ``list``, ``object`` or ``enum``.
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
                coerced = TypeAdapter(self.python_type()).validate_python(raw)
            except ValidationError as exc:
                article = "an" if self.type in ("integer", "object") else "a"
                expected = f"one of {self.values}" if self.type == "enum" else f"{article} {self.type}"
                shown = as_source_text(raw) if isinstance(raw, (int, float)) else raw
                raise ValueError(
                    f"default {shown!r} is not {expected} ({exc.errors()[0]['msg']})"
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
    fields: dict[str, Any] = {}
    for name, spec in specs.items():
        default = spec.default if not spec.required else None  # already checked and coerced by VariableSpec
        fields[name] = (spec.python_type() | None if not spec.required else spec.python_type(), default)
    model = create_model("Variables", __config__=ConfigDict(extra="allow"), **fields)
    given = {k: v for k, v in values.items()}
    try:
        checked = model.model_validate({k: v for k, v in given.items() if k in specs or k not in fields})
    except ValidationError as exc:
        err = exc.errors()[0]
        name = str(err["loc"][0]) if err["loc"] else "?"
        bad = specs.get(name)
        expected = "?" if bad is None else bad.type if bad.type != "enum" else f"one of {bad.values}"
        raise VariableError(
            f"{where}: variable '{name}' is invalid: {err['msg']} (declared type: {expected})",
            hint=f"pass a value of type {expected} for '{name}'",
        ) from None
    result = dict(given)
    for name, spec in specs.items():
        if name in given or not spec.required:
            result[name] = getattr(checked, name)
    return result


def load_mapping(text: str, where: str) -> dict[str, Any]:
    """Parse JSON or YAML (core schema: strings stay strings) into a mapping.

    Raises:
        InputError: Not valid JSON/YAML, or not a mapping.
    """
    import yaml

    try:
        data = json.loads(text)
    except ValueError:
        try:
            data = _yaml.load(text)
        except yaml.YAMLError as exc:
            raise InputError(f"{where}: not valid JSON or YAML: {str(exc).splitlines()[0]}") from None
    if not isinstance(data, dict):
        raise InputError(f"{where}: expected a mapping of variable names to values")
    return data
