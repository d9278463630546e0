"""The output schema of structured output: a JSON Schema from the front matter, or a pydantic model by path.

Sources, first found wins: the strategy's ``model`` option (``package.module:Model`` or
``package.module.Model``), the strategy's ``schema`` option (inline JSON Schema), the front matter's
``output.model``, then ``output.schema``. Import paths are resolved with the project root first on
``sys.path``, so models that live next to the prompts import as they do in the application.

A JSON Schema becomes a pydantic model with no declared fields whose JSON schema *is* the given
schema (so instructor's tool definitions, OpenAI's ``response_format`` and the prompt all carry it
verbatim) and whose validation is the schema's own, by the ``jsonschema`` validator of the schema's
draft (Draft 2020-12 when ``$schema`` is absent). Validation messages name the failing path:
``category: 'Option C' is not one of ['Option A', 'Option B']``.
"""

from __future__ import annotations

import copy
import importlib
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from promptctl.errors import InputError


@dataclass(frozen=True)
class OutputModel:
    """A structured output's model and schema.

    Attributes:
        model: The pydantic model answers are validated with.
        schema: Its JSON Schema (the front matter's verbatim, or the model's ``model_json_schema()``).
        name: Tool / schema name (``[A-Za-z0-9_-]``, at most 64 characters).
        source: ``schema`` or ``model:<import path>``.
    """

    model: type[BaseModel]
    schema: dict[str, Any]
    name: str
    source: str

    def validate(self, data: Any) -> Any:
        """Validate parsed JSON; return the object as JSON-ready data.

        Raises:
            pydantic.ValidationError: The data does not fit.
        """
        return dump(self.model.model_validate(data))


def dump(value: Any) -> Any:
    """A validated model instance as JSON-ready data."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    return value


def tool_name(text: str) -> str:
    """A valid tool/function name from any text (``ticket-triage`` -> ``ticket_triage``)."""
    cleaned = re.sub(r"[^A-Za-z0-9_-]+", "_", text).strip("_-") or "output"
    return cleaned[:64]


def output_model(output: Any, options: Mapping[str, Any], *, root: Path, where: str, default_name: str) -> OutputModel:
    """Find the output schema of a version run with structured output.

    Args:
        output: The front matter's ``output`` (:class:`~promptctl.registry.frontmatter.OutputSpec`) or None.
        options: Strategy options (``model``, ``schema``, ``name``).
        root: Project root, put first on ``sys.path`` for imports.
        where: Reference named in errors.
        default_name: Name used when the schema has no title (the prompt's name).

    Raises:
        InputError: No schema anywhere, an invalid JSON Schema, or a model path that does not import.
    """
    path = options.get("model") or (getattr(output, "model", None) if output is not None else None)
    schema = options.get("schema") or (getattr(output, "json_schema", None) if output is not None else None)
    name = options.get("name")
    if path:
        model = import_model(str(path), root=root, where=where)
        return OutputModel(model, model.model_json_schema(), tool_name(str(name or model.__name__)), f"model:{path}")
    if isinstance(schema, dict):
        title = name or schema.get("title") or default_name
        return OutputModel(schema_model(schema, tool_name(str(title)), where=where), copy.deepcopy(schema),
                           tool_name(str(title)), "schema")
    raise InputError(
        f"{where}: structured output needs an output schema",
        hint="add output: {format: json, schema: {...}} (JSON Schema) or output: {model: package.module:Model}",
    )


def import_model(path: str, *, root: Path, where: str) -> type[BaseModel]:
    """Import a pydantic model from ``package.module:Model`` (or ``package.module.Model``).

    Raises:
        InputError: The module or attribute is missing, or it is not a pydantic model.
    """
    module_name, sep, attr = path.partition(":")
    if not sep:
        module_name, _, attr = path.rpartition(".")
    if not module_name or not attr:
        raise InputError(f"{where}: output model {path!r} is not an import path", hint="use package.module:Model")
    added = str(root) not in sys.path
    if added:
        sys.path.insert(0, str(root))
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise InputError(f"{where}: cannot import output model module '{module_name}': {exc}") from None
    finally:
        if added:
            sys.path.remove(str(root))
    model = getattr(module, attr, None)
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        raise InputError(f"{where}: '{path}' is not a pydantic model class")
    return model


def schema_model(schema: dict[str, Any], name: str, *, where: str = "output schema") -> type[BaseModel]:
    """A pydantic model whose JSON schema is ``schema`` and whose validation is jsonschema's.

    Raises:
        InputError: The schema is not a valid JSON Schema.
    """
    import jsonschema

    cls = jsonschema.validators.validator_for(schema)
    try:
        cls.check_schema(schema)
    except jsonschema.SchemaError as exc:
        raise InputError(f"{where}: the output schema is not a valid JSON Schema: {exc.message}") from None
    validator = cls(schema)
    published = {"title": name, **copy.deepcopy(schema)}

    class SchemaOutput(BaseModel):
        model_config = ConfigDict(extra="allow")

        @model_validator(mode="before")
        @classmethod
        def _validate(cls, data: Any) -> Any:
            errors = sorted(validator.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path])
            if errors:
                raise ValueError("; ".join(_describe(e) for e in errors))
            if not isinstance(data, dict):
                raise ValueError("expected a JSON object")
            return data

        @classmethod
        def model_json_schema(cls, *args: Any, **kwargs: Any) -> dict[str, Any]:
            return copy.deepcopy(published)

    SchemaOutput.__name__ = SchemaOutput.__qualname__ = name
    SchemaOutput.__doc__ = str(schema.get("description") or f"The structured output `{name}`.")
    return SchemaOutput


def _describe(error: Any) -> str:
    path = ".".join(str(p) for p in error.absolute_path)
    return f"{path}: {error.message}" if path else str(error.message)


def error_text(exc: Exception) -> str:
    """A validation or JSON error as the text fed back to the model (no documentation links)."""
    if isinstance(exc, ValidationError):
        lines = []
        for err in exc.errors(include_url=False):
            loc = ".".join(str(p) for p in err["loc"]) or "(root)"
            message = str(err["msg"]).removeprefix("Value error, ")
            lines.append(f"{loc}: {message} (got {err.get('input')!r})" if loc != "(root)" else message)
        return "\n".join(lines)
    return str(exc)
