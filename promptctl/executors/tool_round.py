"""One more round with tool results: the model's tool calls answered, the conversation continued once.

``promptctl run REF --tool-results FILE`` (or ``promptctl.run(..., tool_results=...)``) tests a tool-using prompt
end to end without writing an agent loop: the first reply's tool calls are answered from the given results and
sent back, in each provider's form (OpenAI an assistant message with ``tool_calls`` then one ``tool`` message per
result; Anthropic a ``tool_use`` turn then ``tool_result`` blocks), through the same call stack. The second reply
is the run's output. One round only: tool calls in the second reply are returned, not answered.

Results are matched to calls by call id first, then by tool name (live call ids are not known in advance).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from promptctl.errors import InputError
from promptctl.executors.base import CallContext, ExecutorResult, direct
from promptctl.templating.prompt import Message, Prompt, ToolResult
from promptctl.types import ToolCall, as_text

ToolResults = Mapping[str, Any] | Sequence[Mapping[str, Any]]
"""``{tool name or call id: result}``, or ``[{id|name, content, is_error?}]``; a result is text or JSON data."""


def _lookup(results: ToolResults, where: str) -> dict[str, tuple[str, bool]]:
    """``{key: (content as text, is_error)}`` from either accepted shape.

    Raises:
        InputError: An item of the list names neither ``id`` nor ``name``, or has no ``content``.
    """
    out: dict[str, tuple[str, bool]] = {}
    if isinstance(results, Mapping):
        for key, value in results.items():
            out[str(key)] = (as_text(value), False)
        return out
    for index, item in enumerate(results):
        named = (item.get("id") or item.get("name")) if isinstance(item, Mapping) else None
        if not isinstance(named, str) or not named or "content" not in item:
            raise InputError(f"{where}: tool result {index + 1} needs 'id' or 'name', and 'content'",
                             hint="e.g. [{name: get_weather, content: {temp_c: 18}}] or {get_weather: {temp_c: 18}}")
        out[named] = (as_text(item["content"]), bool(item.get("is_error", False)))
    return out


def answers(calls: Sequence[ToolCall], results: ToolResults, where: str = "--tool-results") -> tuple[ToolResult, ...]:
    """The :class:`ToolResult` for each call, in call order (by id first, then by tool name).

    Raises:
        InputError: A call has no result, naming the tool and its id.
    """
    table = _lookup(results, where)
    out: list[ToolResult] = []
    for call in calls:
        found = table.get(call.id) or table.get(call.name)
        if found is None:
            raise InputError(f"{where}: no result for the model's call of '{call.name}' (id {call.id})",
                             hint=f"add '{call.name}: ...' (or its id) to the tool results; given: "
                                  f"{', '.join(sorted(table)) or 'none'}")
        out.append(ToolResult(tool_call_id=call.id, content=found[0], is_error=found[1]))
    return tuple(out)


def continued(prompt: Prompt, first: ExecutorResult, results: tuple[ToolResult, ...]) -> Prompt:
    """``prompt`` plus the assistant's tool-call turn and a user turn with the results.

    A forced tool choice (``required`` or a named tool) becomes ``auto`` for the answer round, so the model can
    answer instead of being made to call a tool again.
    """
    turn: list[Any] = [first.output] if first.output.strip() else []
    tools = prompt.tools
    if tools is not None and tools.choice in ("required", "tool"):
        tools = dataclasses.replace(tools, choice="auto", forced=None)
    return dataclasses.replace(
        prompt,
        messages=(*prompt.messages, Message("assistant", (*turn, *first.tool_calls)), Message("user", results)),
        tools=tools,
    )


async def answer_round(first: ExecutorResult, prompt: Prompt, build: Any, ctx: CallContext,
                       results: ToolResults) -> ExecutorResult:
    """Send the tool results back once and return the combined result (the second reply is the output).

    Args:
        first: The first call's result (its ``tool_calls`` are answered).
        prompt: The neutral prompt of the first call.
        build: ``build(prompt) -> ProviderRequest`` (the adapter with the first call's provider, model and
            parameters).
        ctx: The call context (the same session stack).
        results: The tool results (:data:`ToolResults`).

    Returns:
        ``first`` unchanged (with a warning) when the model made no tool call; else the second reply with both
        calls, usage summed over them (tokens), and ``details["tool_round"]``: the first reply's ``tool_calls``
        and text (``first_output``) and the ``results`` sent (``{tool_call_id, content, is_error}``).

    Raises:
        InputError: A call has no result, or the request uses Anthropic extended thinking (the thinking
            blocks with their signatures would have to be sent back, which a neutral prompt does not keep).
    """
    if not first.tool_calls:
        first.warnings.append("the model made no tool call: --tool-results was not used")
        return first
    request = first.request
    if request is not None and request.provider == "anthropic" and "thinking" in request.kwargs:
        raise InputError("--tool-results cannot continue a Claude reply with extended thinking: its signed thinking "
                         "blocks must be sent back as they came", hint="remove reasoning.budget_tokens to test the "
                         "tool round, or continue the conversation with the SDK")
    sent = answers(first.tool_calls, results)
    second = await direct(build(continued(prompt, first, sent)), ctx)
    second.calls = [*first.calls, *second.calls]
    second.details = {**first.details, "tool_round": {
        "tool_calls": [c.to_dict() for c in first.tool_calls], "first_output": first.output,
        "results": [{"tool_call_id": r.tool_call_id, "content": r.content, "is_error": r.is_error} for r in sent]}}
    second.warnings = [*first.warnings, *second.warnings]
    return second
