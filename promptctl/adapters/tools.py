"""Tools, tool calls and tool results in each provider's form (the adapters call these).

Neutral form (:mod:`promptctl.templating.prompt`): a :class:`~promptctl.templating.prompt.ToolSet` from the
front matter; a :class:`~promptctl.types.ToolCall` is a part of an assistant message, a
:class:`~promptctl.templating.prompt.ToolResult` a part of the next user message.

Wire forms (sources: openai 3.3.0 ``types/chat/chat_completion_tool_param.py``,
``chat_completion_named_tool_choice_param.py``, ``chat_completion_tool_message_param.py``; anthropic 2.14.0
``types/tool_param.py``, ``tool_choice_*_param.py``, ``tool_use_block_param.py``, ``tool_result_block_param.py``;
ibm-watsonx-ai 1.8.1 ``ModelInference.chat(messages, params, tools, tool_choice, tool_choice_option)`` and
IBM's "Chat API: tool calling" page)::

    OpenAI     tools=[{type: function, function: {name, description, parameters, strict}}]
               tool_choice: auto | none | required | {type: function, function: {name}}; parallel_tool_calls
               assistant {content, tool_calls: [{id, type: function, function: {name, arguments: JSON text}}]}
               then one {role: tool, tool_call_id, content} message per result
    Anthropic  tools=[{name, description, input_schema, strict}]
               tool_choice: {type: auto | any | tool (+ name) | none, disable_parallel_tool_use}
               assistant content [text, {type: tool_use, id, name, input}]
               user content [{type: tool_result, tool_use_id, content, is_error}, ..., text]
    watsonx    as OpenAI for tools and messages; tool_choice {type: function, function: {name}} or
               tool_choice_option auto | none | required; no parallel_tool_calls (dropped with a warning)

OpenAI and watsonx tool messages have no error flag: a failed result's content is sent as
``Error: <content>``.
"""

from __future__ import annotations

import json
from typing import Any

from promptctl.errors import AdapterError
from promptctl.templating.prompt import Message, Part, Prompt, Section, ToolCall, ToolResult, ToolSet


def split_tools(message: Message) -> tuple[Message, list[ToolCall], list[ToolResult]]:
    """The message without its tool calls and results (sections searched too), and those parts in order."""
    calls: list[ToolCall] = []
    results: list[ToolResult] = []

    def strip(parts: tuple[Part, ...]) -> tuple[Part, ...]:
        kept: list[Part] = []
        for part in parts:
            if isinstance(part, ToolCall):
                calls.append(part)
            elif isinstance(part, ToolResult):
                results.append(part)
            elif isinstance(part, Section):
                kept.append(Section(part.name, strip(part.parts)))
            else:
                kept.append(part)
        return tuple(kept)

    return Message(message.role, strip(message.parts)), calls, results


def check_tool_turns(prompt: Prompt, where: str) -> None:
    """Check that tool calls and results form valid turns, before any provider sees them.

    Rules both OpenAI and Anthropic enforce (a 400 otherwise): a tool call sits in an assistant message and a
    tool result in a user message; every call is answered by a result in the next user message; a result
    answers a call of the message just before it. Tool call ids are unique.

    Raises:
        AdapterError: The first broken rule, naming the call id and tool.
    """
    hint = "put {% tool_call %} in an {% assistant %} message and its {% tool_result %} in the next {% user %} message"
    pending: dict[str, ToolCall] = {}
    seen: set[str] = set()
    for message in (m for m in prompt.messages if not m.is_blank() and m.role != "system"):
        _, calls, results = split_tools(message)
        if message.role != "assistant" and calls:
            raise AdapterError(f"{where}: tool call '{calls[0].id}' ({calls[0].name}) is in a {message.role} "
                               "message; tool calls belong to assistant messages", hint=hint)
        if message.role != "user" and results:
            raise AdapterError(f"{where}: tool result '{results[0].tool_call_id}' is in an assistant message; "
                               "tool results belong to user messages", hint=hint)
        for result in results:
            if result.tool_call_id not in pending:
                raise AdapterError(f"{where}: tool result '{result.tool_call_id}' answers no tool call of the "
                                   "assistant message before it", hint=hint)
            del pending[result.tool_call_id]
        if pending:
            call = next(iter(pending.values()))
            raise AdapterError(f"{where}: tool call '{call.id}' ({call.name}) has no tool result in the next user "
                               "message", hint=hint)
        for call in calls:
            if call.id in seen:
                raise AdapterError(f"{where}: two tool calls have the id '{call.id}'", hint="give each call its own id")
            seen.add(call.id)
            pending[call.id] = call
    if pending:
        call = next(iter(pending.values()))
        raise AdapterError(f"{where}: the conversation ends with tool call '{call.id}' ({call.name}) and no result",
                           hint="end with a {% user %} message holding its {% tool_result %}")


def _result_text(result: ToolResult) -> str:
    return f"Error: {result.content}" if result.is_error else result.content


def chat_tool_messages(role: str, text: str, calls: list[ToolCall], results: list[ToolResult]) -> list[dict[str, Any]]:
    """OpenAI-style messages (OpenAI, watsonx) for a message holding tool calls or tool results.

    An assistant message with calls becomes one message with ``tool_calls`` (content None without text); a
    user message with results becomes one ``tool`` message per result, then a user message with its text.
    """
    if calls:
        return [{"role": "assistant", "content": text or None, "tool_calls": [
            {"id": c.id, "type": "function",
             "function": {"name": c.name, "arguments": json.dumps(c.arguments, ensure_ascii=False)}}
            for c in calls]}]
    out: list[dict[str, Any]] = [{"role": "tool", "tool_call_id": r.tool_call_id, "content": _result_text(r)}
                                 for r in results]
    if text:
        out.append({"role": role, "content": text})
    return out


def tool_use_block(call: ToolCall) -> dict[str, Any]:
    """An Anthropic ``tool_use`` content block."""
    return {"type": "tool_use", "id": call.id, "name": call.name, "input": call.arguments}


def tool_result_block(result: ToolResult) -> dict[str, Any]:
    """An Anthropic ``tool_result`` content block (``is_error`` only when the tool failed)."""
    block: dict[str, Any] = {"type": "tool_result", "tool_use_id": result.tool_call_id, "content": result.content}
    if result.is_error:
        block["is_error"] = True
    return block


def _function(tool: Any) -> dict[str, Any]:
    function: dict[str, Any] = {"name": tool.name}
    if tool.description is not None:
        function["description"] = tool.description
    function["parameters"] = tool.parameters
    if tool.strict is not None:
        function["strict"] = tool.strict
    return function


def openai_tools(tools: ToolSet) -> dict[str, Any]:
    """``tools``, ``tool_choice`` and ``parallel_tool_calls`` of a Chat Completions request."""
    out: dict[str, Any] = {"tools": [{"type": "function", "function": _function(t)} for t in tools.tools]}
    if tools.choice == "tool":
        out["tool_choice"] = {"type": "function", "function": {"name": tools.forced}}
    elif tools.choice is not None:
        out["tool_choice"] = tools.choice
    if tools.parallel is not None:
        out["parallel_tool_calls"] = tools.parallel
    return out


def anthropic_tools(tools: ToolSet) -> dict[str, Any]:
    """``tools`` and ``tool_choice`` of a Messages API request.

    ``parallel_tool_calls: false`` becomes ``disable_parallel_tool_use: true`` on the tool choice.
    """
    out: dict[str, Any] = {"tools": []}
    for tool in tools.tools:
        spec: dict[str, Any] = {"name": tool.name}
        if tool.description is not None:
            spec["description"] = tool.description
        spec["input_schema"] = tool.parameters
        if tool.strict is not None:
            spec["strict"] = tool.strict
        out["tools"].append(spec)
    kind = {"auto": "auto", "none": "none", "required": "any", "tool": "tool"}.get(tools.choice or "")
    choice: dict[str, Any] | None = {"type": kind} if kind else None
    if choice is not None and tools.choice == "tool":
        choice["name"] = tools.forced
    if tools.parallel is False and tools.choice != "none":
        choice = (choice or {"type": "auto"}) | {"disable_parallel_tool_use": True}
    if choice is not None:
        out["tool_choice"] = choice
    return out


def watsonx_tools(tools: ToolSet) -> tuple[dict[str, Any], list[str]]:
    """``tools`` plus ``tool_choice`` or ``tool_choice_option`` of ``ModelInference.chat``, and warnings."""
    out: dict[str, Any] = {"tools": [{"type": "function", "function": _function(t)} for t in tools.tools]}
    if tools.choice == "tool":
        out["tool_choice"] = {"type": "function", "function": {"name": tools.forced}}
    elif tools.choice is not None:
        out["tool_choice_option"] = tools.choice
    notes = ["watsonx chat does not take parallel_tool_calls; dropped"] if tools.parallel is not None else []
    return out, notes
