"""Adapter for Anthropic's Messages API (Claude).

Rules (sources: anthropic 2.14.0 ``message_create_params.py`` docstrings;
platform.claude.com prompt-engineering "Use XML tags"):

- System text goes in the top-level ``system`` parameter, never as a message
  role. A system message that appears later in the conversation is *hoisted*:
  its text is appended to ``system`` in order (the Messages API has no
  mid-conversation system turn). The request's ``warnings`` say so.
- Sections become XML tags named by their snake_case id; content cannot close
  the section it sits in.
- Consecutive messages of the same role are merged (joined by a blank line);
  empty or whitespace-only messages are dropped.
- A final assistant message is a prefill: its trailing whitespace is removed
  (the API rejects it).
- A conversation that starts with the assistant, or has no user message, is an
  :class:`~promptctl.errors.AdapterError` before anything is sent.
- ``max_tokens`` is required: the prompt's value, else the profile default
  (1024 tokens).
- anthropic >= 1.0 has no typed ``temperature``/``top_p``/``top_k`` arguments:
  they travel in ``extra_body`` and reach the wire unchanged. ``stop`` becomes
  ``stop_sequences``. ``seed`` and the other parameters the profile says Claude
  does not take (``ModelProfile.rejected_parameters``) are dropped with a warning.
- Other keys are passed through as ``messages.create`` arguments (one the SDK has no
  argument for travels in ``extra_body``: :func:`promptctl.providers.sdk.sdk_arguments`);
  one that is not a known Messages API parameter gets a warning with a "did you mean".
- Media (anthropic 2.14.0 ``image_block_param.py``, ``document_block_param.py``): an image is an
  ``image`` block, a PDF a ``document`` block, each with a ``base64`` source (``media_type``, ``data``) or
  a ``url`` source for an ``https`` URL; a document's ``title`` comes from the tag's ``title=``. What the
  model cannot take, and requests over Anthropic's limits, are refused before sending
  (:func:`~promptctl.adapters.base.check_media`).
"""

from __future__ import annotations

import base64
from typing import Any

from promptctl.adapters.base import Segment, check_media, message_segments, require_text
from promptctl.adapters.profiles import ModelProfile, parameter_notes
from promptctl.adapters.reasoning import anthropic_reasoning, reasoning_of
from promptctl.adapters.tools import anthropic_tools, check_tool_turns, tool_result_block, tool_use_block
from promptctl.errors import AdapterError
from promptctl.templating.prompt import CacheBreak, Media, Prompt, ToolCall, ToolResult
from promptctl.types import ProviderRequest

_EXTRA_BODY = ("temperature", "top_p", "top_k")


def anthropic_request(
    prompt: Prompt, model: str, params: dict[str, Any], profile: ModelProfile, *, where: str = "prompt"
) -> ProviderRequest:
    """Build the ``messages.create`` keyword arguments for a Claude model.

    Raises:
        AdapterError: The conversation starts with the assistant or has no user message; or its cache
            breakpoints are more than Anthropic allows (4), mark nothing, or ask for a 1 h lifetime after
            a 5 min one.
    """
    notes: list[str] = []
    system: list[Item] = []
    turns: list[dict[str, Any]] = []
    check_tool_turns(prompt, where)
    check_media(prompt, profile, model, where)
    for message in prompt.messages:
        if message.is_blank():
            breaks = [p for p in message.parts if isinstance(p, CacheBreak)]
            if breaks:  # a message holding only a breakpoint marks the end of what came before it
                (turns[-1]["content"] if turns else system).extend(breaks)
            continue
        require_text(message, "anthropic", where)
        items = content_items(message_segments(message, profile.section_style))
        if message.role == "system":
            if turns:
                notes.append("a system message after the first turn was hoisted into the top-level system prompt")
            system[:] = _joined(system, items)
        elif turns and turns[-1]["role"] == message.role:
            turns[-1]["content"] = _joined(turns[-1]["content"], items)
        else:
            turns.append({"role": message.role, "content": items})
    if not turns or all(t["role"] != "user" for t in turns):
        raise AdapterError(f"{where}: Claude needs at least one user message", hint="add a {% user %} message")
    if turns[0]["role"] == "assistant":
        raise AdapterError(
            f"{where}: the conversation starts with an assistant message, which Claude rejects",
            hint="start with a {% user %} message",
        )
    if turns[-1]["role"] == "assistant":
        _strip_prefill(turns[-1]["content"])
    system_blocks, contents, last = _apply_breakpoints([system, *(t["content"] for t in turns)], where)
    for turn, content in zip(turns, contents, strict=True):
        turn["content"] = _wire_content(content)

    kwargs: dict[str, Any] = {
        "model": model,
        "max_tokens": params.get("max_tokens") or profile.default_max_tokens,
    }
    if system_blocks:
        kwargs["system"] = _wire_content(system_blocks)
    kwargs["messages"] = turns
    if prompt.tools is not None:
        kwargs.update(anthropic_tools(prompt.tools))
    reasoning = reasoning_of(params, where)
    if reasoning is not None:
        settings, more = anthropic_reasoning(reasoning, model, profile, params, kwargs["max_tokens"], prompt.tools,
                                             where)
        kwargs.update(settings)
        notes += more
    extra: dict[str, Any] = {}
    applied: dict[str, Any] = {"max_tokens": kwargs["max_tokens"]}
    if reasoning is not None:
        applied["reasoning"] = reasoning
    for key, value in params.items():
        if key in ("max_tokens", "reasoning"):
            continue
        if key == "stop":
            kwargs["stop_sequences"] = list(value)
        elif key in _EXTRA_BODY:
            extra[key] = value
        elif profile.rejects(key, value):
            notes.append(f"Claude does not take parameter '{key}'; dropped")
            continue
        else:
            kwargs[key] = value
        applied[key] = value
    notes += parameter_notes("anthropic", model, profile,
                             {k: v for k, v in params.items() if k in applied and k != "reasoning"})
    body = dict(kwargs)
    if extra:
        kwargs["extra_body"] = extra
        body.update(extra)
    return ProviderRequest(
        provider="anthropic", model=model, kwargs=kwargs, body=body, parameters=applied, warnings=tuple(notes),
        cache_prefix=_prefix_body(body, system_blocks, contents, last),
    )


Block = dict[str, Any]
Item = Block | CacheBreak
"""A content block of the Messages API, or a cache breakpoint not yet applied to the block before it."""

MAX_CACHE_BREAKPOINTS = 4
"""Blocks with ``cache_control`` a request may carry (platform.claude.com prompt caching: "up to 4 cache
breakpoints"; the API answers 400 past it)."""


def content_items(segments: list[Segment]) -> list[Item]:
    """One message's segments as Messages API content blocks, in order: the adapter's one block builder.

    Text becomes ``{"type": "text", "text": ...}``; a cache breakpoint stays a marker, applied by
    :func:`_apply_breakpoints` to the block before it; an image or a PDF becomes its block
    (:func:`anthropic_media_block`); a tool call becomes a ``tool_use`` block and a tool
    result a ``tool_result`` block (:mod:`promptctl.adapters.tools`), the results moved first in their
    message (the API requires them before any other content of a user turn).
    """
    units: list[list[Item]] = []
    for segment in segments:
        if isinstance(segment, str):
            units.append([{"type": "text", "text": segment}])
        elif isinstance(segment, CacheBreak):
            if units:
                units[-1].append(segment)
            else:
                units.append([segment])
        elif isinstance(segment, Media):  # check_media let through only what the model takes
            units.append([anthropic_media_block(segment)])
        elif isinstance(segment, ToolCall):
            units.append([tool_use_block(segment)])
        elif isinstance(segment, ToolResult):
            units.append([tool_result_block(segment)])
        else:  # require_text refused every other part before
            raise AdapterError(f"anthropic requests cannot carry {type(segment).__name__} parts yet")
    first = [u for u in units if isinstance(u[0], dict) and u[0].get("type") == "tool_result"]
    return [item for unit in first + [u for u in units if u not in first] for item in unit]


def _joined(before: list[Item], after: list[Item]) -> list[Item]:
    """Two messages' content merged into one turn: adjacent text blocks joined by a blank line, as one text."""
    if before and after and _is_text(before[-1]) and _is_text(after[0]):
        merged = {"type": "text", "text": before[-1]["text"] + "\n\n" + after[0]["text"]}  # type: ignore[index]
        return [*before[:-1], merged, *after[1:]]
    return [*before, *after]


def _is_text(item: Item) -> bool:
    return isinstance(item, dict) and item.get("type") == "text" and "cache_control" not in item


def _strip_prefill(items: list[Item]) -> None:
    """A final assistant turn (a prefill) may not end in whitespace (the API rejects it)."""
    for index in range(len(items) - 1, -1, -1):
        item = items[index]
        if isinstance(item, dict):
            if item.get("type") == "text":
                items[index] = {**item, "text": item["text"].rstrip()}
            return


def _apply_breakpoints(
    contents: list[list[Item]], where: str
) -> tuple[list[Block], list[list[Block]], tuple[int, int] | None]:
    """Put ``cache_control`` on the block before each breakpoint.

    Returns ``(system blocks, each turn's blocks, (content, block) index of the last marked block or None)``,
    content index 0 being the system prompt and 1 the first turn.

    ``contents`` is the system prompt's items then each turn's, in request order. A breakpoint at the
    start of a turn marks the last block before it (the system prompt's, or the previous turn's).

    Raises:
        AdapterError: More than :data:`MAX_CACHE_BREAKPOINTS` breakpoints; a breakpoint with no content
            before it; a ``1h`` breakpoint after a ``5m`` one (Anthropic: longer lifetimes first).
    """
    out: list[list[Block]] = []
    last: Block | None = None
    marked: list[Block] = []
    where_last: tuple[int, int] = (0, 0)
    last_marked: tuple[int, int] | None = None
    for position, items in enumerate(contents):
        blocks: list[Block] = []
        for item in items:
            if isinstance(item, CacheBreak):
                if last is None:
                    raise AdapterError(f"{where}: a cache breakpoint has no content before it",
                                       hint="place {% cache %} after the text it should cache")
                control = {"type": "ephemeral", **({"ttl": item.ttl} if item.ttl else {})}
                if "cache_control" in last:  # two breakpoints in a row: one, with the longer lifetime
                    if item.ttl != "1h":
                        continue
                else:
                    marked.append(last)
                last["cache_control"] = control
                last_marked = where_last
            else:
                block = dict(item)
                blocks.append(block)
                last = block
                where_last = (position, len(blocks) - 1)
        out.append(blocks)
    if len(marked) > MAX_CACHE_BREAKPOINTS:
        raise AdapterError(
            f"{where}: {len(marked)} cache breakpoints; Anthropic allows at most {MAX_CACHE_BREAKPOINTS} per request",
            hint="remove {% cache %} markers: keep the ones after the largest stable parts",
        )
    ttls = [block["cache_control"].get("ttl", "5m") for block in marked]
    if "5m" in ttls and "1h" in ttls[ttls.index("5m"):]:
        raise AdapterError(
            f"{where}: a cache breakpoint with ttl 1h comes after one with 5m; Anthropic needs longer lifetimes "
            "first",
            hint='give the earlier breakpoints ttl="1h" too, or the later ones the default',
        )
    return out[0], out[1:], last_marked


def _prefix_body(
    body: dict[str, Any], system: list[Block], turns: list[list[Block]], last: tuple[int, int] | None
) -> dict[str, Any] | None:
    """The body up to the last marked block (tools and system first, as Claude caches them); None without one."""
    if last is None:
        return None
    content, block = last
    prefix = {k: v for k, v in body.items() if k in ("model", "tools")}
    if content == 0:
        prefix["system"] = system[: block + 1]
        prefix["messages"] = []
        return prefix
    if system:
        prefix["system"] = system
    messages = body["messages"][: content - 1]
    messages.append({"role": body["messages"][content - 1]["role"], "content": turns[content - 1][: block + 1]})
    prefix["messages"] = messages
    return prefix


def _wire_content(blocks: list[Block]) -> str | list[Block]:
    """A single text block without ``cache_control`` as a plain string (the usual shorthand); else the blocks."""
    if len(blocks) == 1 and _is_text(blocks[0]):
        return str(blocks[0]["text"])
    return blocks


def anthropic_media_block(part: Media) -> Block:
    """The ``image`` or ``document`` block of one media part (base64 source, or url source for an https URL)."""
    if part.url:
        source: dict[str, Any] = {"type": "url", "url": part.url}
    else:
        source = {"type": "base64", "media_type": part.media_type,
                  "data": base64.b64encode(part.data or b"").decode("ascii")}
    block: Block = {"type": part.kind, "source": source}
    if part.kind == "document" and part.option("title"):
        block["title"] = part.option("title")
    return block
