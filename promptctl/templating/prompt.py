"""The provider-neutral prompt: messages made of text and named sections.

A template describes structure, not provider syntax. Rendering gives a
:class:`Prompt`; an adapter then decides how each :class:`Section` looks
(``<instructions>`` for Claude, ``## Instructions`` for GPT).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

Role = Literal["system", "user", "assistant"]
ROLES: tuple[Role, ...] = ("system", "user", "assistant")

_ACRONYMS = {w.lower(): w for w in ("API", "CSV", "FAQ", "HTML", "ID", "JSON", "SLA", "SQL", "URL", "XML", "YAML")}
_NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9 _-]{0,63}$")


def section_id(name: str) -> str:
    """Normalise a section name to its snake_case id (``"Output format"`` -> ``"output_format"``).

    Raises:
        ValueError: The name is empty, too long (over 64 characters) or has characters other than
            letters, digits, spaces, ``_`` and ``-``, or does not start with a letter.
    """
    if not isinstance(name, str) or not _NAME_RE.match(name.strip()):
        raise ValueError(
            f"invalid section name {name!r}: use letters, digits, spaces, '_' or '-', starting with a letter"
        )
    return re.sub(r"[\s\-]+", "_", name.strip()).lower()


@dataclass(frozen=True)
class Section:
    """A named part of a message (``instructions``, ``context``, ``examples`` ...).

    Attributes:
        name: snake_case id, e.g. ``output_format``.
        parts: Text and nested sections, in template order.
    """

    name: str
    parts: tuple[Part, ...] = ()

    @property
    def title(self) -> str:
        """Markdown heading title: ``output_format`` -> ``Output Format``, ``json_schema`` -> ``JSON Schema``."""
        return " ".join(_ACRONYMS.get(word, word.capitalize()) for word in self.name.split("_"))


Part = str | Section


@dataclass(frozen=True)
class Message:
    """One message of a conversation.

    Attributes:
        role: ``system``, ``user`` or ``assistant``.
        parts: Text and sections, in template order. Text parts carry no leading blank lines and no
            trailing whitespace.
    """

    role: Role
    parts: tuple[Part, ...] = ()

    @classmethod
    def text(cls, role: Role, text: str) -> Message:
        """Build a message holding a single text part."""
        return cls(role=role, parts=(text,))

    def is_blank(self) -> bool:
        """True when the message holds no visible text at all."""
        return not any(_part_has_text(p) for p in self.parts)


def _part_has_text(part: Part) -> bool:
    if isinstance(part, Section):
        return any(_part_has_text(p) for p in part.parts)
    return bool(part.strip())


@dataclass(frozen=True)
class Prompt:
    """A rendered, provider-neutral prompt.

    Attributes:
        messages: The conversation, in order. A template without message tags renders as one user message.
        variables: The validated variable values that were rendered in (defaults applied).
        warnings: Non-fatal findings of rendering, e.g. undeclared extra variables.
    """

    messages: tuple[Message, ...]
    variables: dict[str, object] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()


VALUE_OPEN = "\x0e"
"""Marks the start of an inserted value whose lines end in whitespace (see :func:`mark_value`)."""
VALUE_CLOSE = "\x0f"
"""Marks the end of such a value."""

_TRAILING_SPACE = re.compile(r"[ \t]+(?:\r?\n|$)")


def mark_value(text: str) -> str:
    """Wrap an inserted value so that :func:`clean_text` keeps its whitespace byte for byte.

    Only values with a line ending in spaces or tabs (a markdown line break, a code sample) are wrapped:
    every other value comes out of :func:`clean_text` unchanged anyway, and stays unmarked for filters
    applied to captured blocks.
    """
    return f"{VALUE_OPEN}{text}{VALUE_CLOSE}" if _TRAILING_SPACE.search(text) else text


def clean_text(text: str) -> str:
    """Drop leading blank lines and trailing whitespace of the template's own text; keep inner indentation.

    Whitespace inside a value marked by :func:`mark_value` is kept byte for byte (the markers are removed):
    a value's trailing spaces are the author's (a markdown line break), not the template's layout.
    """
    if VALUE_OPEN not in text and VALUE_CLOSE not in text:
        lines = text.split("\n")
        while lines and not lines[0].strip():
            lines.pop(0)
        return "\n".join(line.rstrip() for line in lines).rstrip()
    chars: list[tuple[str, bool]] = []  # (character, inside a value)
    depth = 0
    for ch in text:
        if ch == VALUE_OPEN:
            depth += 1
        elif ch == VALUE_CLOSE:
            depth = max(0, depth - 1)
        else:
            chars.append((ch, depth > 0))
    out: list[tuple[str, bool]] = []
    line: list[tuple[str, bool]] = []
    for item in [*chars, ("\n", False)]:
        if item[0] != "\n":
            line.append(item)
            continue
        while line and line[-1][0].isspace() and not line[-1][1]:
            line.pop()
        out.extend(line)
        out.append(item)
        line = []
    out.pop()  # the sentinel newline
    first = next((i for i, (ch, inside) in enumerate(out) if inside or not ch.isspace()), len(out))
    start = max((i for i in range(first) if out[i][0] == "\n"), default=-1) + 1
    out = out[start:]
    while out and out[-1][0].isspace() and not out[-1][1]:
        out.pop()
    return "".join(ch for ch, _ in out)
