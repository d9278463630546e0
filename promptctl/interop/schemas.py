"""Input and output schemas: Picoschema to JSON Schema, and JSON Schema to declared variables.

Picoschema is Dotprompt's compact schema notation (https://google.github.io/dotprompt/reference/picoschema/).
:func:`picoschema_to_json_schema` follows the behaviour its reference implementation is tested against
(``spec/picoschema.yaml`` in google/dotprompt, run by ``tests/interop/test_dotprompt_spec.py``):

- a string is a scalar type, optionally with a description after a comma: ``number, the count``;
  ``any`` is the empty schema;
- a mapping with a JSON Schema ``type`` (or ``properties``) at the top level is JSON Schema already;
- otherwise a mapping of properties: ``name`` (required) or ``name?`` (optional, made nullable),
  ``name(array)``/``name(object)``/``name(enum)`` with an optional description after a comma
  (``tags(array, the tags): string``), and ``(*)`` for ``additionalProperties``.

A parenthetical scalar type (``count?(number): integer``) is refused, as the reference implementation (JS
``picoschema.ts``, Python ``dotpromptz``, Go, Java) refuses it ("parenthetical types must be 'object' or
'array'"): Genkit does not load such a file either. The importer then keeps the schema in metadata and declares
the variables the template reads (:mod:`promptctl.interop.dotprompt`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from promptctl.errors import InputError

SCALARS = ("any", "boolean", "integer", "null", "number", "string")
_JSON_TYPES = (*SCALARS, "object", "array")
Resolver = Callable[[str], "dict[str, Any] | None"]


def _split_description(text: str) -> tuple[str, str | None]:
    if "," not in text:
        return text.strip(), None
    kind, _, description = text.partition(",")
    return kind.strip(), description.strip() or None


def picoschema_to_json_schema(schema: Any, resolver: Resolver | None = None) -> dict[str, Any] | None:
    """Convert a Picoschema (or a JSON Schema, returned as is) to JSON Schema.

    Args:
        schema: The ``schema`` value of a Dotprompt ``input`` or ``output`` block.
        resolver: Finds a named schema (a type name that is not a scalar) as JSON Schema, or None.

    Returns:
        The JSON Schema, or None for an empty schema.

    Raises:
        InputError: A named type (a schema registered in code, which a file cannot carry) or a
            malformed property.
    """
    if not schema:
        return None
    if isinstance(schema, str):
        return _scalar(schema, resolver)
    if isinstance(schema, dict):
        if schema.get("type") in _JSON_TYPES:
            return dict(schema)
        if isinstance(schema.get("properties"), dict):
            return {**schema, "type": "object"}
    return _pico(schema, resolver)


def _scalar(text: str, resolver: Resolver | None) -> dict[str, Any]:
    kind, description = _split_description(text)
    named = resolver(kind) if resolver is not None and kind not in SCALARS else None
    if named is not None:
        return {**named, **({"description": description} if description else {})}
    if kind not in SCALARS:
        raise InputError(
            f"Picoschema: '{kind}' is not a scalar type (named schemas are registered in code, not in the file)",
            hint=f"use one of {', '.join(SCALARS)}, or write the schema out",
        )
    out: dict[str, Any] = {} if kind == "any" else {"type": kind}
    if description:
        out["description"] = description
    return out


def _pico(node: Any, resolver: Resolver | None) -> dict[str, Any]:
    if isinstance(node, str):
        return _scalar(node, resolver)
    if not isinstance(node, dict):
        raise InputError(f"Picoschema: expected a mapping or a type string, got {node!r}")
    out: dict[str, Any] = {"type": "object", "properties": {}, "required": [], "additionalProperties": False}
    for key, value in node.items():
        key = str(key)
        if key == "(*)":
            out["additionalProperties"] = _pico(value, resolver)
            continue
        name, paren, rest = key.partition("(")
        optional = name.endswith("?")
        prop_name = name[:-1] if optional else name
        if not optional:
            out["required"].append(prop_name)
        if not paren:
            prop = dict(_pico(value, resolver))
            if optional and isinstance(prop.get("type"), str):
                prop["type"] = [prop["type"], "null"]
            out["properties"][prop_name] = prop
            continue
        kind, description = _split_description(rest.rstrip(")"))
        if kind == "array":
            prop = {"type": ["array", "null"] if optional else "array", "items": _pico(value, resolver)}
        elif kind == "object":
            prop = _pico(value, resolver)
            if optional:
                prop["type"] = [prop["type"], "null"]
        elif kind == "enum":
            values = list(value or [])
            if optional and None not in values:
                values.append(None)
            prop = {"enum": values}
        else:
            scalar = kind in SCALARS
            raise InputError(
                f"Picoschema: '{key}': a parenthetical type is array, object or enum, not '{kind}' (Dotprompt's "
                "reference implementation rejects this schema too, so the file does not load in Genkit either)"
                + (f"; a {kind} property is written '{name}: {kind}'" + (", with a description after a comma" if
                   isinstance(value, str) else "") if scalar else ""),
                hint=f"write '{name}: {kind}' (or '{name}: {kind}, DESCRIPTION')" if scalar else
                "use name(array), name(object) or name(enum), or a scalar type name: TYPE")
        if description:
            prop["description"] = description
        out["properties"][prop_name] = prop
    if not out["required"]:
        del out["required"]
    return out


_TYPE_MAP = {"string": "string", "integer": "integer", "number": "number", "boolean": "boolean",
             "array": "list", "object": "object"}


def variables_from_json_schema(
    schema: dict[str, Any] | None, defaults: dict[str, Any] | None = None
) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """Declared promptctl variables for an object schema's properties.

    Types map as string, integer, number, boolean, ``array`` -> list, ``object`` -> object, ``enum`` ->
    enum (string values). An optional property gets a default: the schema's or ``defaults``' value, else
    ``""`` for strings (Handlebars renders a missing value as nothing) and ``null`` for other types.

    Args:
        schema: A JSON Schema of type object (None: no variables).
        defaults: Default values by variable name (Dotprompt ``input.default``).

    Returns:
        ``(variables, notes)``: front matter ``variables`` mapping, and notes on what had no equivalent.
    """
    variables: dict[str, dict[str, Any]] = {}
    notes: list[str] = []
    if not schema:
        return variables, notes
    if schema.get("type") not in ("object", ["object", "null"]) or not isinstance(schema.get("properties"), dict):
        notes.append(f"input schema of type {schema.get('type')!r} has no named variables; kept in metadata")
        return variables, notes
    required = set(schema.get("required") or [])
    defaults = defaults or {}
    for name, prop in schema["properties"].items():
        spec: dict[str, Any] = {}
        prop = prop if isinstance(prop, dict) else {}
        kind = prop.get("type")
        if isinstance(kind, list):
            kind = next((k for k in kind if k != "null"), None)
        if "enum" in prop:
            values = [v for v in prop["enum"] if v is not None]
            if all(isinstance(v, str) for v in values) and values:
                spec["type"] = "enum"
                spec["values"] = values
            else:
                spec["type"] = "string"
                notes.append(f"variable '{name}': enum of non-string values {values!r} declared as string")
        elif kind in _TYPE_MAP:
            spec["type"] = _TYPE_MAP[kind]
        elif kind is None:
            spec["type"] = "string"
            if prop:
                notes.append(f"variable '{name}': schema without a type declared as string")
        else:
            spec["type"] = "string"
            notes.append(f"variable '{name}': type {kind!r} declared as string")
        if prop.get("description"):
            spec["description"] = str(prop["description"])
        if name in defaults:
            spec["default"] = defaults[name]
        elif "default" in prop:
            spec["default"] = prop["default"]
        elif name not in required:
            spec["default"] = "" if spec["type"] == "string" else None
        variables[name] = spec
    return variables, notes
