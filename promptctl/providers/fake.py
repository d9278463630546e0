"""A scriptable provider for tests of prompt code: no network, a history of requests.

Like simonw/llm's ``MockModel`` and pydantic-ai's ``FunctionModel``: give it a
list of replies (used in order, the last one repeated) or a function from
request to reply. It is never chosen by default; select it with
``provider: fake`` or ``--provider fake``. From the command line, replies come
from ``PROMPTCTL_FAKE_REPLIES`` (a JSON list of strings; an item
``{"error": "message", "status": 529}`` makes that call fail with a
:class:`~promptctl.errors.ProviderError`), else the fake echoes the last user
message. When the request declares tools, a reply written as
:func:`~promptctl.types.tool_call_output` writes it (``{"text": ..., "tool_calls": [{"name", "arguments"}]}``)
is answered as those tool calls (ids ``call_fake_1`` ... unless given).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence

from promptctl.errors import InputError, ProviderError
from promptctl.providers.base import Provider
from promptctl.types import Completion, ProviderRequest, ToolCall, Usage, tool_calls_in

Reply = str | Exception


class FakeProvider(Provider):
    """Replies from a script; every request is kept in :attr:`requests`.

    Args:
        replies: Replies in order (the last is repeated), or a function ``request -> reply``. An
            ``Exception`` reply is raised instead of answering. ``None``: echo the last message.

    Usage is counted as whitespace-separated words of the input messages and of the reply
    (clearly not a real tokenizer).
    """

    name = "fake"

    def __init__(self, replies: Sequence[Reply] | Callable[[ProviderRequest], Reply] | None = None) -> None:
        if replies is None and os.environ.get("PROMPTCTL_FAKE_REPLIES"):
            replies = replies_from_env(os.environ["PROMPTCTL_FAKE_REPLIES"])
        self.replies = replies
        self.requests: list[ProviderRequest] = []

    async def _complete(self, request: ProviderRequest) -> Completion:
        self.requests.append(request)
        reply = self._next(request)
        if isinstance(reply, Exception):
            if isinstance(reply, ProviderError):
                raise reply
            raise ProviderError(f"fake: {reply}", provider=self.name) from reply
        words_in = sum(len(str(m.get("content", "")).split()) for m in request.messages)
        scripted = tool_calls_in(reply) if request.body.get("tools") else None
        text, calls = scripted if scripted is not None else (reply, [])
        return Completion(
            text=text,
            model=request.model,
            usage=Usage(input_tokens=words_in, output_tokens=len(reply.split())),
            finish_reason="tool_calls" if calls else "stop",
            request_id=f"fake-{len(self.requests)}",
            raw={"reply": reply},
            tool_calls=tuple(ToolCall(c.id or f"call_fake_{k + 1}", c.name, c.arguments) for k, c in enumerate(calls)),
        )

    def _next(self, request: ProviderRequest) -> Reply:
        if self.replies is None:
            messages = request.messages
            return str(messages[-1].get("content", "")) if messages else ""
        if callable(self.replies):
            return self.replies(request)
        if not self.replies:
            return ""
        index = min(len(self.requests) - 1, len(self.replies) - 1)
        return self.replies[index]


_ENV_HINT = (
    """set PROMPTCTL_FAKE_REPLIES to a JSON list, e.g. '["first reply", {"error": "overloaded", "status": 529}]'"""
)


def replies_from_env(text: str) -> list[Reply]:
    """Parse ``PROMPTCTL_FAKE_REPLIES``: a JSON list of reply strings and ``{"error", "status"}`` objects.

    Raises:
        InputError: Not JSON, not a list, or an item of another shape (exit 2).
    """
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise InputError(f"PROMPTCTL_FAKE_REPLIES is not valid JSON: {exc}", hint=_ENV_HINT) from None
    if not isinstance(data, list) or not data:
        raise InputError("PROMPTCTL_FAKE_REPLIES must be a non-empty JSON list of replies", hint=_ENV_HINT)
    return [_scripted(item, i) for i, item in enumerate(data)]


def _scripted(item: object, index: int) -> Reply:
    """A ``PROMPTCTL_FAKE_REPLIES`` item: a reply text, ``{"text", "tool_calls"}`` or ``{"error", "status"}``.

    ``{"text": ..., "tool_calls": [{"name", "arguments"}]}`` answers a request that has tools with those
    calls (as the JSON text :func:`~promptctl.types.tool_call_output` writes); ``{"error": ..., "status": ...}``
    is a failed call.
    """
    if isinstance(item, str):
        return item
    if isinstance(item, dict) and "tool_calls" in item and set(item) <= {"text", "tool_calls"}:
        return json.dumps(item)  # a reply with tool calls, in the shape tool_calls_in reads
    if isinstance(item, dict) and set(item) <= {"error", "status"} and isinstance(item.get("error"), str):
        status = item.get("status")
        if status is not None and not isinstance(status, int):
            raise InputError(f"PROMPTCTL_FAKE_REPLIES item {index}: status must be an integer", hint=_ENV_HINT)
        return ProviderError(f"fake: {item['error']}", provider="fake", status=status)
    raise InputError(
        f"PROMPTCTL_FAKE_REPLIES item {index} is {json.dumps(item)[:60]}: expected a reply text, "
        "a {text, tool_calls} object or an {error, status} object",
        hint=_ENV_HINT,
    )
