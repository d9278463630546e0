"""TOOL: tool definitions the model cannot use well (no description, untyped or undeclared parameters).

A version's tools are its front matter's ``tools:`` list, or the tools file it names (loaded through the
registry). The JSON Schema itself is validated when the file loads (a front matter error); these rules
look at what valid schemas still leave out. OpenAI's function-calling guide and Anthropic's tool-use
guide both ask for a detailed description of every tool and typed, described parameters.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from promptctl.lint.context import VersionContext
from promptctl.lint.model import Hit, rule
from promptctl.lint.rules.caching import loaded_tools

CATEGORY = "tools"

_TYPED = ("type", "$ref", "enum", "const", "anyOf", "oneOf", "allOf")
"""Keys of a property schema that say what its values are."""


def _properties(tool: Any) -> dict[str, Any]:
    props = tool.parameters.get("properties") if isinstance(tool.parameters, dict) else None
    return props if isinstance(props, dict) else {}


@rule(
    "TOOL001", "warning", "A tool without a description",
    rationale="""The model chooses a tool, and decides whether to call one at all, from its name and description;
    both providers' tool guides call the description the most important part of a tool definition. A tool with
    none is called on a guess from its name.""",
    fix="Add a description: what the tool does, when to call it (and when not), and what it returns.",
    category=CATEGORY,
)
def tool_has_description(ctx: VersionContext) -> Iterator[Hit]:
    """A tool whose description is missing or blank."""
    for tool in loaded_tools(ctx.version) or []:
        if not (tool.description or "").strip():
            yield Hit(f"tool '{tool.name}' has no description", ctx.field_line("tools"))


@rule(
    "TOOL002", "warning", "A tool parameter without a type",
    rationale="""A parameter whose schema gives no type (nor enum, const or a combination) lets the model send
    anything: a number as text, a list for one value. The call then fails in your code, not in the schema.""",
    fix="Give the parameter a type (string, integer, number, boolean, array, object), or an enum of its values.",
    category=CATEGORY,
)
def parameters_have_types(ctx: VersionContext) -> Iterator[Hit]:
    """A top-level property of a tool's parameters whose schema has none of the typing keywords."""
    for tool in loaded_tools(ctx.version) or []:
        untyped = [name for name, schema in _properties(tool).items()
                   if isinstance(schema, dict) and not any(key in schema for key in _TYPED)]
        if untyped:
            yield Hit(f"tool '{tool.name}': parameter(s) without a type: {', '.join(untyped)}",
                      ctx.field_line("tools"))


@rule(
    "TOOL003", "error", "A required tool parameter missing from properties",
    rationale="""JSON Schema accepts a `required` name that `properties` does not declare, but the model is never
    told what it is, and OpenAI's strict mode refuses such a schema. The model then omits it or invents it.""",
    fix="Declare the parameter under properties (with a type and a description), or drop it from required.",
    category=CATEGORY,
)
def required_parameters_declared(ctx: VersionContext) -> Iterator[Hit]:
    """A name in a tool's ``parameters.required`` that is not a key of ``parameters.properties``."""
    for tool in loaded_tools(ctx.version) or []:
        required = tool.parameters.get("required") if isinstance(tool.parameters, dict) else None
        props = _properties(tool)
        missing = [str(name) for name in required or [] if name not in props]
        if missing:
            yield Hit(f"tool '{tool.name}': required parameter(s) not in properties: {', '.join(missing)}",
                      ctx.field_line("tools"))
