"""The provider request and the two ways of writing sections: XML tags and markdown headings."""

from __future__ import annotations

import re
from typing import Any

from promptctl.adapters.profiles import ModelProfile
from promptctl.templating.prompt import Message, Part, Prompt, Section
from promptctl.types import ProviderRequest as ProviderRequest  # re-exported: its home is promptctl.types


def _escape_closing(text: str, enclosing: tuple[str, ...]) -> str:
    """Neutralise ``</name>`` for every enclosing section so content cannot close its section."""
    for name in enclosing:
        text = re.sub(rf"<(\s*/\s*{re.escape(name)}\s*>)", r"&lt;\1", text, flags=re.IGNORECASE)
    return text


def xml_text(parts: tuple[Part, ...], enclosing: tuple[str, ...] = ()) -> str:
    r"""Render parts with sections as XML tags (``<instructions>\\n...\\n</instructions>``).

    Text inside a section can never close it (or any enclosing section): ``</instructions>`` in a
    value becomes ``&lt;/instructions>``.
    """
    out: list[str] = []
    for part in parts:
        if isinstance(part, Section):
            inner = xml_text(part.parts, (*enclosing, part.name))
            out.append(f"<{part.name}>\n{inner}\n</{part.name}>" if inner else "")
        else:
            out.append(_escape_closing(part, enclosing))
    return "\n\n".join(p for p in out if p)


def markdown_text(parts: tuple[Part, ...], level: int = 2) -> str:
    """Render parts with sections as markdown headings (``## Instructions``; nested ``###``)."""
    out: list[str] = []
    for part in parts:
        if isinstance(part, Section):
            inner = markdown_text(part.parts, min(level + 1, 6))
            out.append(f"{'#' * level} {part.title}\n\n{inner}" if inner else "")
        else:
            out.append(part)
    return "\n\n".join(p for p in out if p)


def message_text(message: Message, style: str) -> str:
    """A message's content as one string in the given section style (``xml`` or ``markdown``)."""
    return xml_text(message.parts) if style == "xml" else markdown_text(message.parts)


def chat_messages(prompt: Prompt, profile: ModelProfile) -> list[dict[str, Any]]:
    """Messages as ``[{"role", "content"}]``, blank ones dropped, system role per the profile."""
    out: list[dict[str, Any]] = []
    for message in prompt.messages:
        if message.is_blank():
            continue
        role = message.role
        if role == "system" and profile.system_role == "developer":
            role = "developer"  # type: ignore[assignment]
        out.append({"role": role, "content": message_text(message, profile.section_style)})
    return out
