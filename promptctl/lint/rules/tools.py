"""TOOL: tool definitions the model cannot use well, and reasoning settings a model refuses.

A version's tools are its front matter's ``tools:`` list, or the tools file it names (loaded through the
registry). The JSON Schema itself is validated when the file loads (a front matter error); these rules
look at what valid schemas still leave out. OpenAI's function-calling guide and Anthropic's tool-use
guide both ask for a detailed description of every tool and typed, described parameters.

TOOL004-TOOL006 check the ``reasoning:`` settings against each target model's profile
(:attr:`~promptctl.adapters.profiles.ModelProfile.reasoning_controls`) with the conditions of
:mod:`promptctl.adapters.reasoning`, whose refusals PROV006 leaves to them (:func:`is_reasoning_error`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from promptctl.lint.context import Target, VersionContext
from promptctl.lint.model import Hit, rule
from promptctl.lint.rules.caching import loaded_tools

CATEGORY = "tools"

_TYPED = ("type", "$ref", "enum", "const", "anyOf", "oneOf", "allOf")
"""Keys of a property schema that say what its values are."""

_REASONING_ERRORS = (
    "has no reasoning settings, so reasoning: cannot be applied",  # adapters.reasoning._refuse
    "Claude refuses a forced tool choice while thinking",
    "cannot be set with extended thinking",
    "with extended thinking top_p must be",
)


def is_reasoning_error(message: str) -> bool:
    """True for an adapter refusal TOOL004-TOOL006 report (PROV006 leaves it to them)."""
    return any(text in message for text in _REASONING_ERRORS)


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


def _thinking_targets(ctx: VersionContext) -> Iterator[Target]:
    """Claude targets with extended thinking on (``reasoning.budget_tokens``) and a model that has it."""
    reasoning = ctx.fm.reasoning
    if reasoning is None or reasoning.budget_tokens is None:
        return
    for target in ctx.targets:
        if target.provider == "anthropic" and "thinking" in target.profile.reasoning_controls:
            yield target


@rule(
    "TOOL004", "error", "Extended thinking with a forced tool choice",
    rationale="""Claude refuses a request that turns on extended thinking (reasoning.budget_tokens) and forces a
    tool (tool_choice: required or {name: ...}); only auto and none work with thinking. promptctl refuses such a
    request before sending it, so the error would surface only when someone runs the prompt on Claude.""",
    fix="Use tool_choice: auto (or none) with thinking, or remove reasoning.budget_tokens.",
    category=CATEGORY,
)
def thinking_without_forced_tool(ctx: VersionContext) -> Iterator[Hit]:
    """A Claude target with thinking while ``tool_choice`` is ``required`` or names a tool."""
    choice = ctx.fm.tool_choice
    if choice is None or choice in ("auto", "none"):
        return
    forced = choice if isinstance(choice, str) else f"{{name: {choice.name}}}"
    for target in _thinking_targets(ctx):
        yield Hit(f"{target.provider}:{target.model}: reasoning.budget_tokens (extended thinking) with tool_choice: "
                  f"{forced}: Claude refuses a forced tool choice while thinking", ctx.field_line("tool_choice"))


def _takes_reasoning(target: Target) -> bool:
    """Whether the target's model has a reasoning setting the adapter can apply (as the adapters decide)."""
    controls = target.profile.reasoning_controls
    return bool(controls) if target.provider == "anthropic" else "effort" in controls


@rule(
    "TOOL005", "error", "Reasoning settings for a model without reasoning",
    rationale="""reasoning: (effort, budget_tokens) applies only to reasoning models: OpenAI's o-series and gpt-5,
    Claude 3.7 Sonnet and Claude 4 and later, watsonx's gpt-oss (from the model profiles). The provider refuses
    reasoning_effort or thinking for other models, and promptctl refuses the request before sending it, so the
    error would surface only when someone runs the prompt on that model.""",
    fix="Remove reasoning:, or pick a reasoning model for that provider (e.g. openai o4-mini, anthropic "
    "claude-sonnet-4-6, watsonx openai/gpt-oss-120b).",
    category=CATEGORY,
)
def reasoning_model(ctx: VersionContext) -> Iterator[Hit]:
    """A target (other than the fake provider) whose model profile has no reasoning controls."""
    if ctx.fm.reasoning is None:
        return
    for target in ctx.targets:
        if target.provider in ("fake", "?") or target.model == "?" or _takes_reasoning(target):
            continue
        secondary = ctx.secondary_only([target])
        yield Hit(f"{target.provider}:{target.model} has no reasoning settings, so reasoning: cannot be applied",
                  ctx.field_line("reasoning") if not secondary else ctx.model_line(target))


@rule(
    "TOOL006", "error", "temperature (or top_k, top_p) with extended thinking",
    rationale="""With extended thinking (reasoning.budget_tokens) Claude fixes its sampling: it refuses temperature
    (other than 1) and top_k, and takes top_p only between 0.95 and 1. promptctl refuses such a request before
    sending it, so the error would surface only when someone runs the prompt on Claude.""",
    fix="Remove parameters.temperature (and top_k; keep top_p at 0.95 or more), or remove reasoning.budget_tokens.",
    category=CATEGORY,
)
def thinking_sampling(ctx: VersionContext) -> Iterator[Hit]:
    """A Claude target with thinking and ``temperature`` (not 1), ``top_k``, or ``top_p`` below 0.95."""
    params = ctx.fm.parameters.as_dict()
    wrong: list[str] = [key for key in ("temperature", "top_k") if key in params]
    if params.get("temperature") == 1:  # the one temperature thinking takes
        wrong.remove("temperature")
    if "top_p" in params and not 0.95 <= float(params["top_p"]) <= 1:
        wrong.append("top_p")
    if not wrong:
        return
    for target in _thinking_targets(ctx):
        for key in wrong:
            yield Hit(f"{target.provider}:{target.model}: parameters.{key} ({params[key]}) with extended thinking "
                      "(reasoning.budget_tokens): Claude refuses it", ctx.field_line("parameters", key))
