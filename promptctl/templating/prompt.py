"""The provider-neutral prompt: messages made of text, named sections and non-text parts.

A template describes structure, not provider syntax. Rendering gives a
:class:`Prompt`; an adapter then decides how each :class:`Section` looks
(``<instructions>`` for Claude, ``## Instructions`` for GPT) and how each
non-text part goes on the wire:

- :class:`Media`: an image or a document (a PDF) given as a variable value;
- :class:`CacheBreak`: the end of a cacheable prefix (Anthropic ``cache_control``);
- :class:`ToolCall` and :class:`ToolResult`: a tool call of the assistant and its result.

These are *values*, never template text: a template places them with a tag, the
renderer carries them through as objects, and only an adapter turns them into
provider syntax. Text-only views (token counting of text, ``render`` in the
terminal) show them as placeholders (:func:`placeholder`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

from promptctl.types import ToolCall as ToolCall  # re-exported: one type for a template's and a reply's calls

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


@dataclass(frozen=True)
class Media:
    """An image or a document inserted into a message from a variable value.

    The bytes are read once, when the value is validated, and never rendered as a template.

    Attributes:
        kind: ``image`` or ``document``.
        variable: The variable the value came from (named in errors).
        media_type: IANA media type sniffed from the bytes (``image/png``, ``application/pdf``), or
            taken from a data URL; for an ``https`` URL, from the file name or None.
        data: The bytes, or None for an ``https`` URL sent by reference.
        url: The ``https`` URL sent by reference, or None.
        sha256: Hex sha256 of the bytes (of the URL text for a reference).
        size: Size of the bytes (bytes); 0 for a URL reference.
        source: Where the value came from, as given (a path relative to the project, a URL, ``data:``).
        options: Per-part options from the tag (``detail: low|high|auto`` for OpenAI images ...).
        width: Image width (pixels), read from the header; None for a document or a URL reference.
        height: Image height (pixels); None likewise.
        pages: Page count of a PDF document; None for an image or a URL reference.
    """

    kind: Literal["image", "document"]
    variable: str
    media_type: str | None
    data: bytes | None = field(default=None, repr=False)
    url: str | None = None
    sha256: str = ""
    size: int = 0
    source: str = ""
    options: tuple[tuple[str, Any], ...] = ()
    width: int | None = None
    height: int | None = None
    pages: int | None = None

    def option(self, name: str, default: Any = None) -> Any:
        """The value of tag option ``name`` (``detail``), or ``default``."""
        return next((value for key, value in self.options if key == name), default)


@dataclass(frozen=True)
class CacheBreak:
    """The end of a cacheable prefix: everything before it in the request is expected to stay the same.

    Anthropic: ``cache_control: {type: ephemeral}`` on the content block just before the marker.
    OpenAI and watsonx cache automatically; there the marker tells lint and cost where the stable
    prefix ends and puts nothing on the wire.

    Attributes:
        ttl: ``5m`` (the default) or ``1h`` where the provider supports a longer time to live.
    """

    ttl: str | None = None


@dataclass(frozen=True)
class ToolResult:
    """The result of a tool call, sent back to the model (neutral form: a part of a user message).

    OpenAI's adapter turns each into a ``tool`` message after the assistant's ``tool_calls``;
    Anthropic's into a ``tool_result`` block of the next user turn.

    Attributes:
        tool_call_id: The id of the :class:`ToolCall` answered.
        content: The result as text (JSON text for structured results).
        is_error: True when the tool failed (Anthropic ``is_error``).
    """

    tool_call_id: str
    content: str
    is_error: bool = False


Part = str | Section | Media | CacheBreak | ToolCall | ToolResult
"""One item of a message or section, in template order."""

OBJECT_PARTS = (Media, CacheBreak, ToolCall, ToolResult)
"""The part types that are not text (a template places them with a tag; adapters translate them)."""


def placeholder(part: Media | CacheBreak | ToolCall | ToolResult) -> str:
    """A one-line text stand-in for a non-text part, for text-only views (``render``, text token counts).

    ``[image screenshot: image/png, 1280x800 px, 48,213 bytes, sha256 1f2e3d4c5b6a]``, ``[cache breakpoint]``,
    ``[tool call get_weather {"city": "Paris"} id call_1]``, ``[tool result call_1: 18 C]``.
    """
    import json

    if isinstance(part, Media):
        where = part.url or (f"{part.size:,} bytes, sha256 {part.sha256[:12]}" if part.sha256 else "not read")
        shape = f"{part.width}x{part.height} px, " if part.width and part.height else ""
        if part.pages:
            shape = f"{part.pages} page{'s' if part.pages != 1 else ''}, "
        return f"[{part.kind} {part.variable}: {part.media_type or 'unknown type'}, {shape}{where}]"
    if isinstance(part, CacheBreak):
        return "[cache breakpoint" + (f" ttl {part.ttl}]" if part.ttl else "]")
    if isinstance(part, ToolCall):
        return f"[tool call {part.name} {json.dumps(part.arguments, ensure_ascii=False)} id {part.id}]"
    return f"[tool {'error' if part.is_error else 'result'} {part.tool_call_id}: {part.content}]"


@dataclass(frozen=True)
class Message:
    """One message of a conversation.

    Attributes:
        role: ``system``, ``user`` or ``assistant``.
        parts: Text, sections and non-text parts (:data:`Part`), in template order. Text parts carry no
            leading blank lines and no trailing whitespace.
    """

    role: Role
    parts: tuple[Part, ...] = ()

    @classmethod
    def text(cls, role: Role, text: str) -> Message:
        """Build a message holding a single text part."""
        return cls(role=role, parts=(text,))

    def is_blank(self) -> bool:
        """True when the message holds no visible content: no text but whitespace, no media, no tool call or result."""
        return not any(_part_has_text(p) for p in self.parts)


def _part_has_text(part: Part) -> bool:
    """True for visible content: text that is not blank, or any non-text part except a cache breakpoint."""
    if isinstance(part, Section):
        return any(_part_has_text(p) for p in part.parts)
    if isinstance(part, str):
        return bool(part.strip())
    return not isinstance(part, CacheBreak)


@dataclass(frozen=True)
class Tool:
    """A tool (function) the model may call, in provider-neutral form (from the front matter's ``tools:``).

    Attributes:
        name: Function name (letters, digits, ``_`` and ``-``, at most 64 characters).
        description: What the tool does and when to use it, or None.
        parameters: The arguments' JSON Schema (an ``object`` schema; validated when the version loads).
        strict: OpenAI structured-outputs strictness (``strict`` of the function, also sent to Claude), or
            None to leave the provider's default.
    """

    name: str
    description: str | None = None
    parameters: dict[str, Any] = field(default_factory=lambda: {"type": "object", "properties": {}})
    strict: bool | None = None


@dataclass(frozen=True)
class ToolSet:
    """The tools of a prompt version and how the model may use them.

    Attributes:
        tools: The tools, in declared order.
        choice: ``auto``, ``none``, ``required`` (call some tool), ``tool`` (call the tool ``forced``),
            or None for the provider's default (``auto`` when tools are given).
        forced: The tool the model must call when ``choice`` is ``tool``.
        parallel: ``parallel_tool_calls``: False allows at most one call per reply; None leaves the
            provider's default (parallel calls allowed).
    """

    tools: tuple[Tool, ...] = ()
    choice: Literal["auto", "none", "required", "tool"] | None = None
    forced: str | None = None
    parallel: bool | None = None

    @property
    def forces_a_tool(self) -> bool:
        """True when the model must call a tool (``required`` or a named tool)."""
        return self.choice in ("required", "tool")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready neutral form: ``{"tools": [...], "tool_choice", "parallel_tool_calls"}`` (set fields only)."""
        out: dict[str, Any] = {"tools": [
            {k: v for k, v in (("name", t.name), ("description", t.description), ("parameters", t.parameters),
                               ("strict", t.strict)) if v is not None} for t in self.tools]}
        if self.choice is not None:
            out["tool_choice"] = {"name": self.forced} if self.choice == "tool" else self.choice
        if self.parallel is not None:
            out["parallel_tool_calls"] = self.parallel
        return out


@dataclass(frozen=True)
class Prompt:
    """A rendered, provider-neutral prompt.

    Attributes:
        messages: The conversation, in order. A template without message tags renders as one user message.
        variables: The validated variable values that were rendered in (defaults applied).
        warnings: Non-fatal findings of rendering, e.g. undeclared extra variables.
        tools: The version's tools and tool choice (front matter ``tools:``), or None.
    """

    messages: tuple[Message, ...]
    variables: dict[str, object] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    tools: ToolSet | None = None


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
