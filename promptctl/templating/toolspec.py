"""Tools in versioned prompts: the front matter's ``tools:``/``tool_choice:``/``reasoning:``, validated.

No Jinja2 here (reading front matter must stay light); the tool tags are in :mod:`promptctl.templating.tools`.

Front matter (validated when the version loads; see README "Tools, tool calls and reasoning")::

    tools:                                  # a list, or a JSON/YAML file in the prompt's folder: tools: tools.json
      - name: get_order_status
        description: Look up an order by its id.
        parameters:                         # JSON Schema of the arguments (an object schema)
          type: object
          properties: {order_id: {type: string}}
          required: [order_id]
        strict: true                        # optional
    tool_choice: auto                       # auto | none | required | {name: get_order_status}
    parallel_tool_calls: false              # optional
    reasoning: {effort: low, budget_tokens: 2048}

A tool written in OpenAI's form (``{type: function, function: {...}}``) is accepted as the same tool.
A schema that is not valid JSON Schema (checked with ``jsonschema``'s ``check_schema`` for the schema's
own draft, 2020-12 by default) is an error naming the tool and the field.
The template tags that place tool calls and results are in :mod:`promptctl.templating.tools`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from promptctl import _yaml
from promptctl.errors import in_our_words
from promptctl.templating.prompt import Tool, ToolSet
from promptctl.templating.variables import YStr

TOOL_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
"""A tool name both OpenAI (``^[a-zA-Z0-9_-]{1,64}$``, function ``name``) and Anthropic accept."""

EFFORTS = ("minimal", "low", "medium", "high")
"""Reasoning efforts a version may ask for (OpenAI ``reasoning_effort``; Anthropic's effort where a model has it)."""


def check_json_schema(schema: Any, where: str) -> None:
    """Check that ``schema`` is a valid JSON Schema object schema (for tool arguments).

    Args:
        schema: The schema.
        where: Names it in the error (``tool 'get_weather': parameters``).

    Raises:
        ValueError: Not a mapping, not ``type: object``, or invalid under its draft's meta-schema; the message
            names the failing field (``parameters.properties.city.type``).
    """
    if not isinstance(schema, Mapping):
        raise ValueError(f"{where} must be a JSON Schema mapping, not {type(schema).__name__}")
    if schema.get("type") != "object":
        raise ValueError(f"{where}.type must be 'object' (tool arguments are a JSON object), not "
                         f"{schema.get('type')!r}")
    check_schema(schema, where)


def check_schema(schema: Mapping[str, Any], where: str) -> None:
    """Check ``schema`` against the meta-schema of its draft (``$schema``; 2020-12 by default).

    Args:
        schema: The schema (a tool's arguments, a version's output schema).
        where: Names it in the error (``tool 'get_weather': parameters``); empty: the failing field alone.

    Raises:
        ValueError: Invalid under its draft's meta-schema; the message names the failing field
            (``parameters.properties.city.type``).
    """
    import jsonschema

    validator = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    try:
        validator.check_schema(schema)
    except jsonschema.SchemaError as exc:
        path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in exc.path)
        place = f"{where}{path}".lstrip(".") or "the schema"
        raise ValueError(f"{place}: {exc.message} (not valid JSON Schema)") from None


class ToolSpec(BaseModel):
    """One tool of the front matter (see the module docstring)."""

    model_config = ConfigDict(extra="forbid")

    name: YStr
    description: YStr | None = None
    parameters: dict[str, Any] = Field(default_factory=lambda: {"type": "object", "properties": {}})
    strict: bool | None = None

    @model_validator(mode="before")
    @classmethod
    def _openai_form(cls, value: Any) -> Any:
        """Accept OpenAI's ``{type: function, function: {...}}`` wrapper and Anthropic's ``input_schema``."""
        if isinstance(value, Mapping) and value.get("type") == "function" and isinstance(value.get("function"),
                                                                                        Mapping):
            value = dict(value["function"])
        if isinstance(value, Mapping) and "input_schema" in value and "parameters" not in value:
            value = {("parameters" if k == "input_schema" else k): v for k, v in value.items()}
        return _yaml.plain(value)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not TOOL_NAME.match(value):
            raise ValueError(f"tool name {value!r} must be 1-64 letters, digits, '_' or '-'")
        return value

    @model_validator(mode="after")
    def _schema(self) -> ToolSpec:
        check_json_schema(self.parameters, f"tool '{self.name}': parameters")
        return self

    def tool(self) -> Tool:
        """The neutral :class:`~promptctl.templating.prompt.Tool`."""
        return Tool(name=self.name, description=self.description, parameters=self.parameters, strict=self.strict)


class NamedChoice(BaseModel):
    """``tool_choice: {name: NAME}``: the model must call that tool."""

    model_config = ConfigDict(extra="forbid")

    name: YStr


ToolChoiceSpec = Literal["auto", "none", "required"] | NamedChoice


class ReasoningSpec(BaseModel):
    """``reasoning:``: how much the model may reason before it answers.

    Attributes:
        effort: ``minimal``, ``low``, ``medium`` or ``high`` (OpenAI ``reasoning_effort``; Claude's effort
            setting on models whose profile has one).
        budget_tokens: Tokens Claude may spend thinking (extended thinking; at least 1,024 and below
            ``max_tokens``).
    """

    model_config = ConfigDict(extra="forbid")

    effort: Literal["minimal", "low", "medium", "high"] | None = None
    budget_tokens: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _something(self) -> ReasoningSpec:
        if self.effort is None and self.budget_tokens is None:
            raise ValueError("give effort (minimal|low|medium|high) or budget_tokens (thinking tokens)")
        return self

    def as_dict(self) -> dict[str, Any]:
        """The settings given, as plain JSON values."""
        return self.model_dump(exclude_none=True)


def parse_tools(data: Any, where: str) -> list[ToolSpec]:
    """Validate a tools file's content (a list of tools, or ``{tools: [...]}``).

    Raises:
        ValueError: Not a list of tools, or a tool is invalid (naming the tool's index or name and the field).
    """
    prefix = f"{where}: " if where else ""
    if isinstance(data, Mapping) and set(data) == {"tools"}:
        data = data["tools"]
    if not isinstance(data, list):
        raise ValueError(f"{prefix}a tools file holds a list of tools, not {type(data).__name__}")
    from pydantic import ValidationError

    out = []
    for index, item in enumerate(data):
        try:
            out.append(ToolSpec.model_validate(item))
        except ValidationError as exc:
            err = exc.errors()[0]
            loc = ".".join(str(p) for p in err["loc"])
            name = item.get("name") if isinstance(item, Mapping) else None
            label = f"tool '{name}'" if name else f"tool {index + 1}"
            msg = in_our_words(str(err["msg"]))
            if not loc and msg.startswith("tool "):  # the schema check names the tool itself
                raise ValueError(f"{prefix}{msg}") from None
            raise ValueError(f"{prefix}{label}{': ' + loc if loc else ''}: {msg}") from None
    return out


def tool_set(tools: list[ToolSpec], choice: ToolChoiceSpec | None, parallel: bool | None, where: str) -> ToolSet | None:
    """The neutral :class:`~promptctl.templating.prompt.ToolSet` of validated front matter, or None without tools.

    Raises:
        ValueError: Two tools share a name, ``tool_choice`` names a tool that is not declared, or a tool
            choice or ``parallel_tool_calls`` is given without tools.
    """
    prefix = f"{where}: " if where else ""
    names = [t.name for t in tools]
    duplicate = next((n for n in names if names.count(n) > 1), None)
    if duplicate:
        raise ValueError(f"{prefix}two tools are named '{duplicate}'")
    if not tools:
        if isinstance(choice, NamedChoice) or choice in ("required",):
            raise ValueError(f"{prefix}tool_choice is set but no tools are declared")
        return None
    if isinstance(choice, NamedChoice):
        if choice.name not in names:
            from promptctl.errors import did_you_mean

            close = did_you_mean(choice.name, names)
            raise ValueError(f"{prefix}tool_choice names '{choice.name}', which is not a declared tool"
                             + (f" ({close})" if close else f" (tools: {', '.join(names)})"))
        return ToolSet(tuple(t.tool() for t in tools), "tool", choice.name, parallel)
    return ToolSet(tuple(t.tool() for t in tools), choice, None, parallel)
