"""Input tokens of a request's tool definitions, for every provider.

- **OpenAI** (and the fake provider): the OpenAI cookbook's function-calling formula
  (openai/openai-cookbook ``examples/How_to_count_tokens_with_tiktoken.ipynb``, section 7,
  ``num_tokens_for_tools``). Per function: ``func_init`` (7 for the gpt-4o family and o200k_base models,
  10 for gpt-3.5/gpt-4 on cl100k_base) plus the tokens of ``name:description`` (a final ``.`` dropped);
  when it has properties, ``prop_init`` 3, and per property ``prop_key`` 3 plus the tokens of
  ``key:type:description``, and for an ``enum`` ``enum_init`` -3 plus per item ``enum_item`` 3 and the
  item's tokens; once for all tools ``func_end`` 12. The cookbook checks it against the API's
  ``prompt_tokens`` (101 for gpt-4o, 105 for gpt-4 on its one-tool example) and calls it an estimate, so
  the count is labelled ``approximate``. The formula sees only top-level properties: nested objects,
  array item schemas, ``required`` and ``strict`` are not in it, and a note says so when a tool has them.
- **Anthropic**: an ``estimate``. The tool definitions' JSON text (name, description, input_schema) is
  counted with o200k_base and scaled by the provider's correction factor, like the messages; on top comes the
  tool-use system prompt Anthropic adds to every request with tools, whose size Anthropic documents per
  model and ``tool_choice`` ("Tool use system prompt token count",
  https://docs.anthropic.com/en/docs/tool-use-pricing-and-tokens and the "Tool use pricing" section of
  https://platform.claude.com/docs/en/about-claude/pricing): Claude 3 Opus 530 (auto) / 281 (any, tool),
  Claude 3 Sonnet 159 / 235, Claude 3 Haiku and 3.5 Haiku 264 / 340, later models (3.5 Sonnet, 3.7 Sonnet,
  4.x) 346 (auto, none) / 313 (any, tool). These constants are added unscaled (they are Claude tokens already).
- **watsonx**: an ``estimate``: the tools' JSON text, counted and scaled like the messages. IBM does not
  document how each model's chat template frames tool definitions, so that framing is not covered; the note
  says so.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from promptctl.tokens.counting import FALLBACK_ENCODING, count_text

COOKBOOK_SOURCE = "OpenAI cookbook How_to_count_tokens_with_tiktoken.ipynb, section 7 (num_tokens_for_tools)"
ANTHROPIC_SOURCE = "https://docs.anthropic.com/en/docs/tool-use-pricing-and-tokens"

# (model id prefix, tokens with tool_choice auto/none, tokens with tool_choice any/tool); first match wins.
ANTHROPIC_TOOL_SYSTEM_PROMPT: tuple[tuple[str, int, int], ...] = (
    ("claude-3-opus", 530, 281),
    ("claude-3-sonnet", 159, 235),
    ("claude-3-haiku", 264, 340),
    ("claude-3-5-haiku", 264, 340),
    ("claude-", 346, 313),  # 3.5 Sonnet, 3.7 Sonnet, Haiku 4.5, Sonnet 4.x, Opus 4.x
)
"""Tokens of Anthropic's tool-use system prompt by model prefix and tool choice (see the module docstring)."""


@dataclass(frozen=True)
class ToolTokens:
    """Tokens of a request's tool definitions.

    Attributes:
        tokens: Tokens to add to the messages' count (for estimates: the o200k_base count before the
            provider's factor is applied).
        fixed: Tokens added as they are, never scaled (Anthropic's tool-use system prompt).
        notes: How the tools were counted, in words, with the source.
    """

    tokens: int
    fixed: int
    notes: tuple[str, ...]


def openai_tool_tokens(tools: list[dict[str, Any]], encoding: str) -> ToolTokens:
    """Tokens of Chat Completions function tools by the OpenAI cookbook's formula.

    Args:
        tools: ``[{"type": "function", "function": {"name", "description"?, "parameters"?}}]`` (a bare
            function object is accepted too).
        encoding: tiktoken encoding of the model (``cl100k_base`` selects the gpt-3.5/gpt-4 constants).

    Returns:
        A :class:`ToolTokens` (``fixed`` is 0); 0 tokens for an empty list.

    Raises:
        TokenizerError: The encoding cannot be loaded offline.

    Source: openai/openai-cookbook ``examples/How_to_count_tokens_with_tiktoken.ipynb`` section 7.
    """
    if not tools:
        return ToolTokens(0, 0, ())
    func_init = 10 if encoding == "cl100k_base" else 7
    prop_init, prop_key, enum_init, enum_item, func_end = 3, 3, -3, 3, 12
    total = 0
    uncovered: set[str] = set()
    for tool in tools:
        function = tool.get("function", tool)
        total += func_init
        desc = str(function.get("description") or "").removesuffix(".")
        total += count_text(f"{function.get('name', '')}:{desc}", encoding)[0]
        parameters = function.get("parameters") or {}
        properties = parameters.get("properties") or {}
        if "strict" in function:
            uncovered.add("strict")
        if properties:
            total += prop_init
            for key, prop in properties.items():
                total += prop_key
                if "enum" in prop:
                    total += enum_init
                    for item in prop["enum"]:
                        total += enum_item + count_text(str(item), encoding)[0]
                if prop.get("type") in ("object", "array") or "properties" in prop or "items" in prop:
                    uncovered.add("nested object/array schemas")
                p_desc = str(prop.get("description") or "").removesuffix(".")
                total += count_text(f"{key}:{prop.get('type', '')}:{p_desc}", encoding)[0]
    notes = [f"{len(tools)} tool definition(s): {total + func_end} tokens by the {COOKBOOK_SOURCE}"]
    if uncovered:
        notes.append("the cookbook's tool formula does not cover " + ", ".join(sorted(uncovered))
                     + "; those parts are not counted")
    return ToolTokens(total + func_end, 0, tuple(notes))


def anthropic_tool_system_prompt(model: str, tool_choice: Any) -> int:
    """Tokens of the tool-use system prompt Anthropic adds to a request with tools.

    Args:
        model: Claude model id, e.g. ``claude-sonnet-4-5``, ``claude-3-opus-20240229``.
        tool_choice: The request's ``tool_choice`` (``{"type": "auto"|"none"|"any"|"tool", ...}``) or None
            (Anthropic's default, ``auto``).

    Returns:
        Tokens (Claude's own), by model and choice: e.g. 346 for ``auto``/``none`` and 313 for ``any``/``tool``
        on Claude 4 models.

    Source: Anthropic, "Tool use system prompt token count" (see :data:`ANTHROPIC_TOOL_SYSTEM_PROMPT`).
    """
    kind = (tool_choice or {}).get("type", "auto") if isinstance(tool_choice, dict) else "auto"
    for prefix, auto, forced in ANTHROPIC_TOOL_SYSTEM_PROMPT:
        if prefix in model:  # also Bedrock/Vertex ids such as anthropic.claude-3-opus-20240229-v1:0
            return forced if kind in ("any", "tool") else auto
    return 313 if kind in ("any", "tool") else 346


def estimated_tool_tokens(provider: str, model: str, body: dict[str, Any]) -> ToolTokens:
    """o200k_base tokens of the tools' JSON text, plus Anthropic's documented tool-use system prompt.

    Args:
        provider: ``anthropic``, ``watsonx`` or any provider without a tiktoken count.
        model: Model id (chooses Anthropic's system prompt size).
        body: The request body (``tools``, ``tool_choice``).

    Returns:
        A :class:`ToolTokens`: ``tokens`` is the JSON text's o200k_base count (to be scaled by the provider's
        factor), ``fixed`` Anthropic's system prompt tokens (0 elsewhere); empty without tools.

    Raises:
        TokenizerError: o200k_base cannot be loaded offline.
    """
    tools = body.get("tools") or []
    if not tools:
        return ToolTokens(0, 0, ())
    shown = [{k: v for k, v in tool.items() if k != "cache_control"} for tool in tools]
    text = json.dumps(shown, ensure_ascii=False, separators=(",", ":"), default=str)
    tokens = count_text(text, FALLBACK_ENCODING)[0]
    notes = [f"{len(tools)} tool definition(s): their JSON text, {tokens} o200k_base tokens before the factor"]
    fixed = 0
    if provider == "anthropic":
        fixed = anthropic_tool_system_prompt(model, body.get("tool_choice"))
        kind = (body.get("tool_choice") or {}).get("type", "auto")
        notes.append(f"plus Anthropic's tool-use system prompt, {fixed} tokens for tool_choice {kind} "
                     f"({ANTHROPIC_SOURCE})")
    else:
        notes.append(f"the {provider} chat template's framing of tool definitions is not documented and not counted")
    return ToolTokens(tokens, fixed, tuple(notes))
