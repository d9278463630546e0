"""The provider request and the two ways of writing sections: XML tags and markdown headings."""

from __future__ import annotations

import base64
import binascii
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
    calls and tool results (every adapter translates them, :mod:`promptctl.adapters.tools`) and media
    (:func:`check_media` decides from the model profile what a model takes).

    Raises:
        AdapterError: The message holds a part no adapter translates.
    """
    def first(parts: tuple[Part, ...]) -> ObjectPart | None:
        for part in parts:
            if isinstance(part, Section):
                found = first(part.parts)
                if found is not None:
                    return found
            elif isinstance(part, OBJECT_PARTS) and not isinstance(part, CacheBreak | ToolCall | ToolResult | Media):
                return part
        return None

    found = first(message.parts)
    if found is not None:
        raise AdapterError(
            f"{where}: {provider} requests cannot carry {placeholder(found)} yet",
            hint="remove the media or tool part from the template for this provider",
        )


def media_of(parts: tuple[Part, ...]) -> list[Media]:
    """Every media part in ``parts`` (sections searched too), in order."""
    out: list[Media] = []
    for part in parts:
        if isinstance(part, Media):
            out.append(part)
        elif isinstance(part, Section):
            out += media_of(part.parts)
    return out


def check_media(prompt: Prompt, profile: ModelProfile, model: str, where: str) -> None:
    """Refuse, before sending, media the model cannot take or that break the provider's documented limits.

    Checked from the model profile (:class:`~promptctl.adapters.profiles.MediaSupport`): images and PDFs at
    all; media only in user messages (OpenAI, Anthropic and watsonx take images in user turns only); a PDF
    by URL where only file data is accepted; the number of images, the bytes of one image, an image's
    width and height (a smaller limit above a number of images), the pages of all PDFs and the media bytes
    of the request.

    Raises:
        AdapterError: Naming the variable, the limit and its source, with a hint.
    """
    found = [(message.role, part) for message in prompt.messages for part in media_of(message.parts)]
    if not found:
        return
    support = profile.media
    provider = profile.provider
    images = [part for _, part in found if part.kind == "image"]
    for role, part in found:
        able = support.images if part.kind == "image" else support.documents
        if not able:
            what = "images" if part.kind == "image" else "PDF documents"
            raise AdapterError(
                f"{where}: {provider} model {model} does not take {what} ({placeholder(part)})",
                hint=f"choose a model that takes {what} (e.g. "
                     f"{_MEDIA_MODELS.get((provider, part.kind), 'another provider')}), or remove the "
                     f"{{% {part.kind} %}} tag for this model",
            )
        if role != "user":
            raise AdapterError(
                f"{where}: {placeholder(part)} is in a {role} message; {provider} takes media in user messages only",
                hint=f"move the {{% {part.kind} %}} tag into a {{% user %}} message",
            )
        if part.kind == "document" and part.url and not support.document_urls:
            raise AdapterError(
                f"{where}: {provider} Chat Completions takes a PDF as file data, not by URL ({part.variable})",
                hint=f"download the PDF and pass its path: --var {part.variable}=invoice.pdf",
            )
        if part.kind == "image":
            _check_image(part, support, len(images), provider, where)
    if support.max_images is not None and len(images) > support.max_images:
        raise AdapterError(f"{where}: {len(images)} images in one request; {provider} takes at most "
                           f"{support.max_images}", hint="send fewer images per request")
    pages = sum(part.pages or 0 for _, part in found if part.kind == "document")
    if support.max_document_pages is not None and pages > support.max_document_pages:
        raise AdapterError(f"{where}: {pages} PDF pages in one request; {provider} takes at most "
                           f"{support.max_document_pages}", hint="split the document, or send fewer pages")
    total = sum(part.size for _, part in found)
    if support.max_request_bytes is not None and total * 4 / 3 > support.max_request_bytes:
        raise AdapterError(
            f"{where}: the media of this request are {total:,} bytes ({total * 4 // 3:,} as base64); {provider} "
            f"takes at most {support.max_request_bytes:,} bytes per request",
            hint="downscale or compress the images, or split the request",
        )


_MEDIA_MODELS = {
    ("openai", "image"): "gpt-4.1-mini or gpt-4o", ("openai", "document"): "gpt-4.1 or gpt-4o",
    ("anthropic", "image"): "claude-sonnet-4-6", ("anthropic", "document"): "claude-sonnet-4-6",
    ("watsonx", "image"): "meta-llama/llama-3-2-11b-vision-instruct",
}


def _check_image(part: Media, support: Any, count: int, provider: str, where: str) -> None:
    if support.max_image_bytes is not None and part.size > support.max_image_bytes:
        raise AdapterError(
            f"{where}: image '{part.variable}' is {part.size:,} bytes; {provider} takes at most "
            f"{support.max_image_bytes:,} bytes per image",
            hint="downscale or compress it (e.g. JPEG, at most 1568 px on the long edge)",
        )
    side = support.max_image_side
    if support.max_image_side_many is not None and count > support.max_image_side_many[0]:
        side = support.max_image_side_many[1]
    if side is not None and part.width and part.height and max(part.width, part.height) > side:
        many = f" when a request has more than {support.max_image_side_many[0]} images" if (
            support.max_image_side_many is not None and side == support.max_image_side_many[1]) else ""
        raise AdapterError(
            f"{where}: image '{part.variable}' is {part.width}x{part.height} px; {provider} refuses images over "
            f"{side}x{side} px{many}",
            hint=f"downscale it to at most {side} px on each side",
        )


Content = Callable[[list[Segment]], str | list[dict[str, Any]]]
"""An adapter's one function turning a message's segments into its content (text, or content blocks)."""


def chat_messages(
    prompt: Prompt, profile: ModelProfile, content: Content | None = None, *, where: str = "prompt"
) -> list[dict[str, Any]]:
    """Messages as ``[{"role", "content"}]``, blank ones dropped, system role per the profile.

    Tool calls and results become OpenAI's ``tool_calls`` and ``tool`` messages
    (:func:`promptctl.adapters.tools.chat_tool_messages`). A message with media gets ``content(segments)``
    (:func:`message_segments`): the adapter's one function for content blocks; any other message its text
    (:func:`wire_text`).

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
        out.append({"role": role, "content": message_content(message, profile, content)})
    return out


def message_content(message: Message, profile: ModelProfile, content: Content | None) -> str | list[dict[str, Any]]:
    """One message's chat content: its text (:func:`wire_text`), or ``content(segments)`` when it holds media."""
    if content is None or not media_of(message.parts):
        return wire_text(message, profile.section_style)
    return content(message_segments(message, profile.section_style))


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


def cache_prefix_messages(
    prompt: Prompt, profile: ModelProfile, content: Content | None = None
) -> list[dict[str, Any]] | None:
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
    return chat_messages(Prompt(messages=(*messages[:-1], head)), profile, content)


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


def data_url(part: Media) -> str:
    """``data:<type>;base64,<data>`` of a media part with bytes, or its ``https`` URL."""
    if part.url:
        return part.url
    return f"data:{part.media_type};base64,{base64.b64encode(part.data or b'').decode('ascii')}"


MEDIA_BLOCKS = ("image_url", "file", "image", "document")
"""Content block types that carry an image or a PDF (OpenAI/watsonx ``image_url``, OpenAI ``file``, Anthropic
``image``/``document``)."""


def describe_block(block: Any) -> str:
    """A content block as text for a terminal: text as is, an image or PDF as one line with type, size, sha256.

    ``[image: image/png, 17,115 bytes, sha256 101fa06cd64b, detail high]``,
    ``[document invoice.pdf: application/pdf, 2,344 bytes, sha256 24959cec7477]``, ``[image: https://...]``.
    Other blocks (tool calls ...) are shown as their JSON.
    """
    import hashlib
    import json

    if not isinstance(block, dict):
        return str(block)
    kind = block.get("type")
    if kind == "text":
        return str(block.get("text", ""))
    if kind not in MEDIA_BLOCKS:
        return json.dumps(block, ensure_ascii=False)
    if kind == "image_url":
        url, extra = str((block.get("image_url") or {}).get("url", "")), (block.get("image_url") or {}).get("detail")
        label = "image"
    elif kind == "file":
        url, extra = str((block.get("file") or {}).get("file_data", "")), None
        label = f"document {(block.get('file') or {}).get('filename', '')}".rstrip()
    else:
        source = block.get("source") or {}
        url = source.get("url") or f"data:{source.get('media_type')};base64,{source.get('data', '')}"
        extra = None
        label = kind + (f" '{block['title']}'" if block.get("title") else "")
    match = re.match(r"^data:([^;,]+);base64,", url)
    if match is None:
        return f"[{label}: {url}]"
    detail = f", detail {extra}" if extra else ""
    rest = url[match.end():]
    elided = re.match(r"^<base64 elided: ([\d,]+) bytes, sha256 ([0-9a-f]+)>$", rest)
    if elided is not None:  # a stored request (run store, ab records) keeps only the size and hash
        return f"[{label}: {match.group(1)}, {elided.group(1)} bytes, sha256 {elided.group(2)[:12]}{detail}]"
    try:
        data = base64.b64decode(rest)
    except (ValueError, binascii.Error):
        return f"[{label}: {match.group(1)}, {len(rest):,} characters of base64 that cannot be decoded{detail}]"
    return (f"[{label}: {match.group(1)}, {len(data):,} bytes, sha256 {hashlib.sha256(data).hexdigest()[:12]}"
            f"{detail}]")
