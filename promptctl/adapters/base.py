"""The provider request and the two ways of writing sections: XML tags and markdown headings."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from promptctl.adapters.profiles import ModelProfile
from promptctl.errors import AdapterError
from promptctl.templating.prompt import (
    OBJECT_PARTS,
    CacheBreak,
    Media,
    Message,
    Part,
    Prompt,
    Section,
    ToolCall,
    ToolResult,
    placeholder,
)
from promptctl.types import ProviderRequest as ProviderRequest  # re-exported: its home is promptctl.types

ObjectPart = Media | CacheBreak | ToolCall | ToolResult
Segment = str | ObjectPart
"""One item of a message's content as an adapter sees it: text in the provider's section style, or a non-text part."""


def _escape_closing(text: str, enclosing: tuple[str, ...]) -> str:
    """Neutralise ``</name>`` for every enclosing section so content cannot close its section."""
    for name in enclosing:
        text = re.sub(rf"<(\s*/\s*{re.escape(name)}\s*>)", r"&lt;\1", text, flags=re.IGNORECASE)
    return text


ShowObject = Callable[[ObjectPart], str]


def xml_text(parts: tuple[Part, ...], enclosing: tuple[str, ...] = (), show: ShowObject = placeholder) -> str:
    r"""Render parts with sections as XML tags (``<instructions>\\n...\\n</instructions>``).

    Text inside a section can never close it (or any enclosing section): ``</instructions>`` in a
    value becomes ``&lt;/instructions>``. A non-text part is written as ``show(part)`` (by default its
    :func:`~promptctl.templating.prompt.placeholder`).
    """
    out: list[str] = []
    for part in parts:
        if isinstance(part, Section):
            inner = xml_text(part.parts, (*enclosing, part.name), show)
            out.append(f"<{part.name}>\n{inner}\n</{part.name}>" if inner else "")
        elif isinstance(part, str):
            out.append(_escape_closing(part, enclosing))
        else:
            out.append(show(part))
    return "\n\n".join(p for p in out if p)


def markdown_text(parts: tuple[Part, ...], level: int = 2, show: ShowObject = placeholder) -> str:
    """Render parts with sections as markdown headings (``## Instructions``; nested ``###``).

    A non-text part is written as ``show(part)`` (by default its placeholder).
    """
    out: list[str] = []
    for part in parts:
        if isinstance(part, Section):
            inner = markdown_text(part.parts, min(level + 1, 6), show)
            out.append(f"{'#' * level} {part.title}\n\n{inner}" if inner else "")
        elif isinstance(part, str):
            out.append(part)
        else:
            out.append(show(part))
    return "\n\n".join(p for p in out if p)


def message_text(message: Message, style: str) -> str:
    """A message's content as one string in the given section style (``xml`` or ``markdown``).

    Non-text parts appear as placeholders: use this for text-only views (``render``, text token counts),
    and :func:`message_segments` to build a request.
    """
    return xml_text(message.parts) if style == "xml" else markdown_text(message.parts)


def has_objects(parts: tuple[Part, ...]) -> bool:
    """True when ``parts`` (sections searched too) hold a non-text part."""
    return any(isinstance(p, OBJECT_PARTS) or (isinstance(p, Section) and has_objects(p.parts)) for p in parts)


def message_segments(message: Message, style: str) -> list[Segment]:
    """A message's content as text in the section style, split around its non-text parts, in order.

    ``[text, Media, text]`` for ``<context>`` + image + ``</context>``: the text is exactly what
    :func:`message_text` gives for a text-only message (so text-only requests are unchanged), with the
    whitespace next to each non-text part removed. Blank text between two non-text parts is dropped.
    """
    if not has_objects(message.parts):
        text = message_text(message, style)
        return [text] if text else []
    held: list[ObjectPart] = []
    sentinel = "\x00promptctl-part:{}\x00"

    def show(part: ObjectPart) -> str:
        held.append(part)
        return sentinel.format(len(held) - 1)

    text = xml_text(message.parts, show=show) if style == "xml" else markdown_text(message.parts, show=show)
    out: list[Segment] = []
    for index, piece in enumerate(re.split("\x00promptctl-part:([0-9]+)\x00", text)):
        if index % 2:
            out.append(held[int(piece)])
        elif piece.strip():
            out.append(piece.strip("\n").rstrip())
    return out


def require_text(message: Message, provider: str, where: str) -> None:
    """Refuse a message with non-text parts that this adapter does not translate yet.

    Cache breakpoints pass (they put nothing on the wire unless the adapter supports them), and so do tool
    calls and tool results (every adapter translates them, :mod:`promptctl.adapters.tools`).

    Raises:
        AdapterError: The message holds media.
    """
    def first(parts: tuple[Part, ...]) -> ObjectPart | None:
        for part in parts:
            if isinstance(part, Section):
                found = first(part.parts)
                if found is not None:
                    return found
            elif isinstance(part, OBJECT_PARTS) and not isinstance(part, CacheBreak | ToolCall | ToolResult):
                return part
        return None

    found = first(message.parts)
    if found is not None:
        raise AdapterError(
            f"{where}: {provider} requests cannot carry {placeholder(found)} yet",
            hint="remove the media or tool part from the template for this provider",
        )


def chat_messages(prompt: Prompt, profile: ModelProfile, *, where: str = "prompt") -> list[dict[str, Any]]:
    """Messages as ``[{"role", "content"}]``, blank ones dropped, system role per the profile.

    Tool calls and results become OpenAI's ``tool_calls`` and ``tool`` messages
    (:func:`promptctl.adapters.tools.chat_tool_messages`).

    Raises:
        AdapterError: Tool calls and results out of turn (:func:`promptctl.adapters.tools.check_tool_turns`), or a
            part the provider cannot take.
    """
    from promptctl.adapters.tools import chat_tool_messages, check_tool_turns, split_tools

    check_tool_turns(prompt, where)
    out: list[dict[str, Any]] = []
    for message in prompt.messages:
        if message.is_blank():
            continue
        message, calls, results = split_tools(message)
        if calls or results:
            require_text(message, profile.provider, where)
            out.extend(chat_tool_messages(message.role, wire_text(message, profile.section_style), calls, results))
            continue
        require_text(message, profile.provider, "prompt")
        role = message.role
        if role == "system" and profile.system_role == "developer":
            role = "developer"  # type: ignore[assignment]
        out.append({"role": role, "content": wire_text(message, profile.section_style)})
    return out


def _hide_breaks(part: ObjectPart) -> str:
    return "" if isinstance(part, CacheBreak) else placeholder(part)


def wire_text(message: Message, style: str) -> str:
    """A text-only message's content for a provider that puts nothing on the wire for a cache breakpoint.

    OpenAI and watsonx cache prefixes automatically: a ``{% cache %}`` marker only tells lint and cost where
    the stable prefix ends, so the text is exactly the text of the same message without the marker.
    """
    if style == "xml":
        return xml_text(message.parts, show=_hide_breaks)
    return markdown_text(message.parts, show=_hide_breaks)


def cache_prefix_messages(prompt: Prompt, profile: ModelProfile) -> list[dict[str, Any]] | None:
    """The chat messages up to the prompt's last cache breakpoint, as :func:`chat_messages` writes them.

    The message holding the breakpoint is cut just after the text before it. None when the prompt has
    no breakpoint. For OpenAI and watsonx this is where the stable prefix ends (nothing goes on the wire).
    """
    last = _last_break(prompt)
    if last is None:
        return None
    messages = [m for m in prompt.messages[: last + 1] if not m.is_blank()]
    if not messages:
        return None
    head = Message(messages[-1].role, _parts_before_last_break(messages[-1].parts))
    return chat_messages(Prompt(messages=(*messages[:-1], head)), profile)


def _last_break(prompt: Prompt) -> int | None:
    """Index of the last message holding a cache breakpoint (sections searched), or None."""
    def holds(parts: tuple[Part, ...]) -> bool:
        return any(isinstance(p, CacheBreak) or (isinstance(p, Section) and holds(p.parts)) for p in parts)

    found = [i for i, message in enumerate(prompt.messages) if holds(message.parts)]
    return found[-1] if found else None


def _parts_before_last_break(parts: tuple[Part, ...]) -> tuple[Part, ...]:
    """``parts`` cut at their last cache breakpoint (a section holding it is cut inside, its heading kept)."""
    for index in range(len(parts) - 1, -1, -1):
        part = parts[index]
        if isinstance(part, CacheBreak):
            return parts[:index]
        if isinstance(part, Section) and _last_break(Prompt(messages=(Message("user", part.parts),))) is not None:
            return (*parts[:index], Section(part.name, _parts_before_last_break(part.parts)))
    return parts
