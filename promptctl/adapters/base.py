"""The provider request and the two ways of writing sections: XML tags and markdown headings."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any

from promptctl.adapters.profiles import ModelProfile
from promptctl.templating.prompt import Message, Part, Prompt, Section


@dataclass(frozen=True)
class ProviderRequest:
    """What an adapter produces: exactly what the SDK call takes and what goes on the wire.

    Attributes:
        provider: ``openai``, ``anthropic``, ``watsonx`` or ``fake``.
        model: Model id.
        kwargs: Keyword arguments of the SDK call (``chat.completions.create``, ``messages.create``,
            ``ModelInference.achat``).
        body: The JSON body the SDK sends (for watsonx without ``project_id``/``space_id``, which are
            added from credentials at send time).
        parameters: The sampling and length parameters that were applied.
        warnings: Adapter notes, e.g. a parameter the provider does not take and that was dropped.
        cache_salt: Extra text in the cache key, so that deliberately repeated requests (the samples of
            self-consistency, the trials of an A/B case) are cached separately.
    """

    provider: str
    model: str
    kwargs: dict[str, Any]
    body: dict[str, Any]
    parameters: dict[str, Any] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    cache_salt: str = ""

    @property
    def messages(self) -> list[dict[str, Any]]:
        """The message list of the body."""
        return list(self.body.get("messages", []))

    def fingerprint(self) -> str:
        """sha256 of the provider name, the canonical JSON body and the cache salt: the response-cache key."""
        key: dict[str, Any] = {"provider": self.provider, "body": self.body}
        if self.cache_salt:
            key["salt"] = self.cache_salt
        canonical = json.dumps(key, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready view: provider, model, body."""
        return {"provider": self.provider, "model": self.model, "body": self.body}


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
