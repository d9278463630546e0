"""Conversation history values: the pydantic model of a variable of type ``messages``.

A history is a list of ``{role, content}`` mappings, ``content`` a text or a list of parts, validated
with pydantic (:class:`HistoryMessage`) and turned into neutral
:class:`~promptctl.templating.prompt.Message` objects by :func:`validate_history`. Its texts are values:
inserted once as they are, never parsed as template text. Tool calls and tool results may appear as
parts (neutral spellings below; OpenAI's ``tool_calls``/``role: tool`` and Anthropic's
``tool_use``/``tool_result`` blocks are accepted too and normalised)::

    {role: assistant, content: [{type: tool_call, id: call_1, name: get_weather, arguments: {city: Paris}}]}
    {role: user, content: [{type: tool_result, tool_call_id: call_1, content: "18 C"}]}

This module does not import Jinja2: reading front matter (which validates defaults) never needs it.
The ``{% messages %}`` tag that places a history lives in :mod:`promptctl.templating.conversation`.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, field_validator, model_validator

from promptctl.errors import in_our_words
from promptctl.templating.prompt import Message, Part, ToolCall, ToolResult

_IGNORED_KEYS = ("name", "refusal", "annotations", "audio", "function_call", "reasoning_content")
"""Keys of messages copied from an API response that carry nothing here; dropped when null or empty."""


class TextPart(BaseModel):
    """A text part of a history message (``{type: text, text: ...}``)."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["text"]
    text: str


class ToolCallPart(BaseModel):
    """A tool call made by the assistant (``{type: tool_call, id, name, arguments}``).

    ``arguments`` may be given as a JSON text (OpenAI's ``function.arguments``); it must hold an object.
    """

    model_config = ConfigDict(extra="forbid")

    type: Literal["tool_call"]
    id: str = Field(min_length=1)
    name: str = Field(min_length=1)
    arguments: dict[str, Any] = Field(default_factory=dict)

    @field_validator("arguments", mode="before")
    @classmethod
    def _parse_json_text(cls, value: Any) -> Any:
        if isinstance(value, str):
            try:
                return json.loads(value) if value.strip() else {}
            except ValueError:
                raise ValueError("arguments must be a JSON object (the text is not valid JSON)") from None
        return value


class ToolResultPart(BaseModel):
    """The result of a tool call (``{type: tool_result, tool_call_id, content, is_error}``).

    ``content`` that is not a text (a list of text blocks, or JSON data) is turned into text: the blocks'
    texts joined by a blank line, other data as JSON.
    """

    model_config = ConfigDict(extra="forbid")

    type: Literal["tool_result"]
    tool_call_id: str = Field(min_length=1)
    content: str = ""
    is_error: bool = False

    @field_validator("content", mode="before")
    @classmethod
    def _as_text(cls, value: Any) -> Any:
        if value is None or isinstance(value, str):
            return value or ""
        if isinstance(value, list) and all(isinstance(b, dict) and b.get("type") == "text" for b in value):
            return "\n\n".join(str(b.get("text", "")) for b in value)
        return json.dumps(value, ensure_ascii=False)


HistoryPart = Annotated[TextPart | ToolCallPart | ToolResultPart, Field(discriminator="type")]


class HistoryMessage(BaseModel):
    """One message of a conversation history: ``{role, content}``, content a text or a list of parts.

    Roles are ``system``, ``user`` and ``assistant`` (``developer`` is read as ``system``, Gemini's and
    Dotprompt's ``model`` as ``assistant``; their ``{text}`` parts as text parts). A tool call may
    only be part of an assistant message, a tool result only of a user message. Accepted alternative
    spellings, normalised when validated: OpenAI ``{role: assistant, tool_calls: [...]}`` and
    ``{role: tool, tool_call_id, content}`` (a user message holding one tool result); Anthropic
    ``{type: tool_use, id, name, input}`` and ``{type: tool_result, tool_use_id, content}`` blocks.
    """

    model_config = ConfigDict(extra="forbid")

    role: Literal["system", "user", "assistant"]
    content: str | list[HistoryPart]

    @model_validator(mode="before")
    @classmethod
    def _normalise(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = {k: v for k, v in data.items() if not (k in _IGNORED_KEYS and v in (None, "", [], {}))}
        if data.get("role") in _ROLE_NAMES:
            data["role"] = _ROLE_NAMES[data["role"]]
        if data.get("role") == "tool":
            return {"role": "user", "content": [{
                "type": "tool_result", "tool_call_id": data.get("tool_call_id"), "content": data.get("content"),
                **({"is_error": data["is_error"]} if "is_error" in data else {}),
            }]}
        content = data.get("content")
        if isinstance(content, list):
            data["content"] = [_normalise_part(part) for part in content]
        calls = data.pop("tool_calls", None)
        if calls:
            parts = data.get("content")
            parts = [] if parts in (None, "") else [{"type": "text", "text": parts}] if isinstance(parts, str) \
                else list(parts)
            data["content"] = parts + [_openai_call(call) for call in calls]
        elif data.get("content") is None and "content" in data and data.get("role") == "assistant":
            data["content"] = ""
        return data

    @model_validator(mode="after")
    def _parts_fit_the_role(self) -> HistoryMessage:
        if isinstance(self.content, list):
            for part in self.content:
                if isinstance(part, ToolCallPart) and self.role != "assistant":
                    raise ValueError(f"a tool_call part belongs in an assistant message, not a {self.role} one")
                if isinstance(part, ToolResultPart) and self.role != "user":
                    raise ValueError(f"a tool_result part belongs in a user (or tool) message, not a {self.role} one")
        return self

    def to_message(self) -> Message:
        """The neutral :class:`~promptctl.templating.prompt.Message`; texts are kept byte for byte."""
        if isinstance(self.content, str):
            return Message(role=self.role, parts=(self.content,) if self.content else ())
        parts: list[Part] = []
        for part in self.content:
            if isinstance(part, TextPart):
                if part.text:
                    parts.append(part.text)
            elif isinstance(part, ToolCallPart):
                parts.append(ToolCall(id=part.id, name=part.name, arguments=part.arguments))
            else:
                parts.append(ToolResult(tool_call_id=part.tool_call_id, content=part.content, is_error=part.is_error))
        return Message(role=self.role, parts=tuple(parts))

    def plain(self) -> dict[str, Any]:
        """The normalised message as plain JSON-ready data (what a validated variable holds)."""
        return self.model_dump(mode="json")


_ROLE_NAMES = {"developer": "system", "model": "assistant"}
"""Other APIs' role names: OpenAI's ``developer`` (a system message), Gemini's and Dotprompt's ``model``."""


def _normalise_part(part: Any) -> Any:
    """A part in its neutral spelling (Anthropic ``tool_use``/``tool_result``, Gemini/Dotprompt ``{text}``).

    Media parts are refused with a clear message.
    """
    if not isinstance(part, dict):
        return {"type": "text", "text": part} if isinstance(part, str) else part
    if "type" not in part and set(part) <= {"text", "metadata"} and "text" in part:
        return {"type": "text", "text": part["text"]}  # Gemini / Dotprompt: {text: ...}
    if "type" not in part and "media" in part:
        raise ValueError("a media part in a history is not supported; give media as an image or document "
                         "variable placed in the template")
    kind = part.get("type")
    if kind == "tool_use":
        return {"type": "tool_call", "id": part.get("id"), "name": part.get("name"), "arguments": part.get("input", {})}
    if kind == "tool_result" and "tool_use_id" in part:
        rest = {k: v for k, v in part.items() if k != "tool_use_id"}
        return {**rest, "tool_call_id": part["tool_use_id"]}
    if kind in ("image", "image_url", "document", "file", "input_audio"):
        raise ValueError(f"a {kind} part in a history is not supported; give media as an image or document "
                         "variable placed in the template")
    return part


def _openai_call(call: Any) -> Any:
    """OpenAI's ``{id, type: function, function: {name, arguments}}`` as a neutral tool_call part."""
    if not isinstance(call, dict):
        return call
    function: dict[str, Any] = call["function"] if isinstance(call.get("function"), dict) else {}
    return {"type": "tool_call", "id": call.get("id"), "name": function.get("name"),
            "arguments": function.get("arguments", {})}


def _json_if_text(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def plain_history(value: list[HistoryMessage]) -> list[dict[str, Any]]:
    """Validated history messages as plain data (the value a ``messages`` variable holds after validation)."""
    return [message.plain() for message in value]


def validate_history(value: Any, *, variable: str) -> tuple[Message, ...]:
    """Validate a conversation history and turn it into neutral messages.

    Args:
        value: A list of ``{role, content}`` mappings (or a JSON text of one), as given or as validated.
        variable: The variable's name, for errors.

    Returns:
        One :class:`~promptctl.templating.prompt.Message` per history message, in order.

    Raises:
        ValueError: The value is not a list of valid messages; the message names the variable, the
            message's index (from 0) and the field.
    """
    try:
        checked = _HISTORY.validate_python(_json_if_text(value))
    except ValidationError as exc:
        raise ValueError(f"variable '{variable}' is not a conversation history: {describe_error(exc)}") from None
    return tuple(message.to_message() for message in checked)


_BRANCH_LABELS = frozenset({"str", "text", "tool_call", "tool_result", "function-after[_parts_fit_the_role(), "
                            "HistoryMessage]"})


def describe_error(exc: ValidationError, skip: int = 0) -> str:
    """The first error of a history's validation in words: ``message 2, role: Input should be ...``.

    Args:
        exc: The validation error.
        skip: Leading items of the error's location to leave out (1 when the history is a field of a model).
    """
    errors = exc.errors()
    # a union (text or parts) reports one error per branch: the deepest one says what is really wrong
    err = max(errors, key=lambda e: len(e["loc"])) if len(errors) > 1 else errors[0]
    loc = [str(x) for x in err["loc"][skip:] if not (isinstance(x, str) and x in _BRANCH_LABELS or
                                                     str(x).startswith(("list[", "tagged-union[")))]
    where = ""
    if loc and loc[0].isdigit():
        where = f"message {loc[0]}"
        loc = loc[1:]
    field = ".".join(loc)
    msg = in_our_words(str(err["msg"]))
    return ", ".join(x for x in (where, f"{field}: {msg}" if field else msg) if x)


_HISTORY: TypeAdapter[list[HistoryMessage]] = TypeAdapter(list[HistoryMessage])
