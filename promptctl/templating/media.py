"""Images and documents in prompts: the ``{% image %}`` and ``{% document %}`` tags and media values.

A variable declared ``type: image`` or ``type: document`` takes one of:

- a file path: absolute, or relative to the prompt's own folder, then the project folder (where
  ``prompts/`` lives), then the current directory, first found;
- an ``https://`` URL, sent by reference (the provider fetches it; nothing is read here);
- a ``data:`` URL (``data:image/png;base64,...``);
- in Python, a :class:`~promptctl.templating.prompt.Media`, ``bytes`` or a :class:`pathlib.Path`.

The media type is sniffed from the bytes' signature, never taken from the file name: a ``.png`` that
holds text is refused, naming the variable. Files are read once per process (cached by path, size
and modification time) and are never rendered as templates. Image dimensions come from the image
header (Pillow), a PDF's page count from its page tree (pypdf).

A template places a value with a tag::

    {% image screenshot %}                    an image variable
    {% image screenshot detail="low" %}       OpenAI's detail: low | high | auto (default auto)
    {% document invoice title="Invoice" %}    a PDF; the title is Anthropic's document title and
                                              OpenAI's file name
    {% for ex in examples %}{% image ex.picture %}{% endfor %}
                                              a path string from a list (few-shot reference images),
                                              read relative to the prompt's folder

The tag puts a :class:`~promptctl.templating.prompt.Media` part in template order; the adapter turns it
into the provider's block (see :mod:`promptctl.adapters`). Supported types: images ``image/png``,
``image/jpeg``, ``image/gif`` and ``image/webp`` (the four every provider takes: platform.openai.com
"Images and vision", platform.claude.com "Vision"); documents ``application/pdf`` (platform.openai.com
"File inputs", platform.claude.com "PDF support").
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import contextvars
import hashlib
import io
import mimetypes
import os
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from jinja2 import nodes
from jinja2.ext import Extension

from promptctl.errors import InputError, VariableError
from promptctl.templating.prompt import Media

MediaKind = Literal["image", "document"]

IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp")
"""Image media types every supported provider takes."""
DOCUMENT_TYPES = ("application/pdf",)
"""Document media types every supported provider takes."""
SUPPORTED: dict[str, tuple[str, ...]] = {"image": IMAGE_TYPES, "document": DOCUMENT_TYPES}

MEDIA_FILE_MAX_BYTES = 50 * 1024 * 1024
"""Largest media file read (bytes): OpenAI's 50 MB per request, the largest payload any supported provider
takes (platform.openai.com "Images and vision": "Up to 50 MB total payload size per request"). Each provider's
own, smaller limits are checked by its adapter before sending."""

OPTIONS: dict[str, dict[str, tuple[str, ...] | None]] = {
    "image": {"detail": ("low", "high", "auto")},
    "document": {"title": None},
}
"""Tag options per kind, with their allowed values (None: any text)."""

_SIGNATURES: tuple[tuple[bytes, int, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", 0, "image/png"),
    (b"\xff\xd8\xff", 0, "image/jpeg"),
    (b"GIF87a", 0, "image/gif"),
    (b"GIF89a", 0, "image/gif"),
    (b"%PDF-", 0, "application/pdf"),
)


def sniff(data: bytes) -> str | None:
    """The media type of ``data`` from its leading signature (magic bytes), or None.

    Signatures: PNG ``89 50 4E 47 0D 0A 1A 0A`` (PNG spec, section 5.2), JPEG ``FF D8 FF`` (SOI marker and
    the next marker), GIF ``GIF87a``/``GIF89a``, WebP ``RIFF....WEBP`` (RFC 9649 section 2), PDF ``%PDF-``
    (ISO 32000 section 7.5.2; up to 1,024 leading bytes of junk are tolerated, as readers do).
    """
    for signature, offset, media_type in _SIGNATURES:
        if data[offset:offset + len(signature)] == signature:
            return media_type
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if b"%PDF-" in data[:1024]:
        return "application/pdf"
    return None


def _describe(data: bytes) -> str:
    """A few words on what bytes that are not media look like (for errors)."""
    if not data:
        return "an empty file"
    head = data[:512]
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return "binary data of an unsupported type"
    return "text"


def media_from_bytes(
    kind: MediaKind, data: bytes, *, variable: str, source: str, where: str = "prompt"
) -> Media:
    """Check bytes against ``kind`` and describe them as a :class:`Media` (sha256, size, dimensions or pages).

    Args:
        kind: ``image`` or ``document``.
        data: The file's bytes.
        variable: The variable named in errors.
        source: Where the bytes came from (a path, ``data:`` URL ...), kept in the part.
        where: The reference named in errors.

    Raises:
        VariableError: The bytes are not a supported ``kind`` (the sniffed type is named), or an image's
            header or a PDF cannot be read.
    """
    media_type = sniff(data)
    if media_type not in SUPPORTED[kind]:
        found = media_type or _describe(data)
        raise VariableError(
            f"{where}: variable '{variable}' ({source}) is {found}, not a supported {kind} "
            f"({', '.join(SUPPORTED[kind])})",
            hint=f"give '{variable}' a {' or '.join(t.split('/')[1].upper() for t in SUPPORTED[kind])} file; "
                 "the type is read from the file's bytes, not its name",
        )
    width = height = pages = None
    if kind == "image":
        width, height = _image_size(data, variable=variable, source=source, where=where)
    else:
        pages = _pdf_pages(data, variable=variable, source=source, where=where)
    return Media(
        kind=kind, variable=variable, media_type=media_type, data=data, sha256=hashlib.sha256(data).hexdigest(),
        size=len(data), source=source, width=width, height=height, pages=pages,
    )


def _image_size(data: bytes, *, variable: str, source: str, where: str) -> tuple[int, int]:
    """(width, height) in pixels from the image header (Pillow reads the header only)."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            return int(image.width), int(image.height)
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise VariableError(
            f"{where}: variable '{variable}' ({source}): the image header cannot be read ({exc})",
            hint="the file is damaged or truncated; export it again",
        ) from None


def _pdf_pages(data: bytes, *, variable: str, source: str, where: str) -> int:
    """The page count of a PDF (pypdf reads the page tree)."""
    import logging

    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # pypdf warns on recoverable damage through logging
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise VariableError(
                f"{where}: variable '{variable}' ({source}) is an encrypted PDF, which providers refuse",
                hint="remove the password protection (e.g. qpdf --decrypt) and give the decrypted file",
            )
        return len(reader.pages)
    except VariableError:
        raise
    except (PyPdfError, OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise VariableError(
            f"{where}: variable '{variable}' ({source}) is not a readable PDF ({type(exc).__name__}: {exc})",
            hint="the file is damaged or truncated; export it again",
        ) from None


_DATA_URL = re.compile(r"^data:(?P<type>[\w.+-]+/[\w.+-]+)?(?P<params>(?:;[\w.+-]+=[\w.+-]+)*)(?P<b64>;base64)?,",
                       re.IGNORECASE)


def _from_data_url(kind: MediaKind, text: str, *, variable: str, where: str) -> Media:
    match = _DATA_URL.match(text)
    if match is None or not match.group("b64"):
        raise VariableError(
            f"{where}: variable '{variable}' is a data URL that is not base64 (data:<type>;base64,<data>)",
            hint="encode the file as data:image/png;base64,... or give its path",
        )
    try:
        data = base64.b64decode(text[match.end():], validate=True)
    except (binascii.Error, ValueError):
        raise VariableError(f"{where}: variable '{variable}': the data URL's base64 is invalid",
                            hint="check the value was not cut or wrapped") from None
    media = media_from_bytes(kind, data, variable=variable, source="data: URL", where=where)
    declared = (match.group("type") or "").lower()
    if declared and declared != media.media_type:
        raise VariableError(
            f"{where}: variable '{variable}': the data URL says {declared} but the bytes are {media.media_type}",
            hint=f"write data:{media.media_type};base64,...",
        )
    return media


def _from_url(kind: MediaKind, url: str, *, variable: str) -> Media:
    """A reference to an ``https`` URL: the provider fetches it; the type is guessed from the path, if at all."""
    path = url.split("?", 1)[0].split("#", 1)[0]
    guessed = mimetypes.guess_type(path)[0]
    media_type = guessed if guessed in SUPPORTED[kind] else None
    return Media(kind=kind, variable=variable, media_type=media_type, url=url,
                 sha256=hashlib.sha256(url.encode("utf-8")).hexdigest(), source=url)


@lru_cache(maxsize=64)
def _read_cached(path: str, size: int, mtime_ns: int) -> bytes:
    """A media file's bytes, read once per (path, size, modification time)."""
    from promptctl.limits import read_input_bytes

    return read_input_bytes(path, what="media file", max_bytes=MEDIA_FILE_MAX_BYTES)


def read_media_file(path: Path) -> bytes:
    """The bytes of a media file, read once per process while the file is unchanged.

    Raises:
        FileNotFoundError: No such file.
        InputError: Not a regular file, larger than :data:`MEDIA_FILE_MAX_BYTES`, or unreadable.
    """
    stat = path.stat()
    return _read_cached(str(path), stat.st_size, stat.st_mtime_ns)


def _find(text: str, roots: Sequence[Path]) -> Path | None:
    candidate = Path(text).expanduser()
    if candidate.is_absolute():
        return candidate if candidate.exists() else None
    for root in (*roots, Path.cwd()):
        found = root / candidate
        if found.exists():
            return found
    return None


def _from_path(kind: MediaKind, text: str, *, variable: str, roots: Sequence[Path], where: str) -> Media:
    path = _find(text, roots)
    if path is None:
        looked = ", ".join(dict.fromkeys(str(r) for r in (*roots, Path.cwd())))  # each folder once
        raise VariableError(
            f"{where}: variable '{variable}': no {kind} file {text!r} (looked in {looked})",
            hint=f"give '{variable}' an existing file path, an https:// URL or a data: URL",
        )
    try:
        data = read_media_file(path)
    except FileNotFoundError:
        raise VariableError(f"{where}: variable '{variable}': no {kind} file {text!r}",
                            hint="check the path") from None
    except InputError as exc:
        raise VariableError(f"{where}: variable '{variable}': {exc.message}", hint=exc.hint) from None
    return _described(kind, data, variable=variable, source=text, where=where)


_DESCRIBED: dict[tuple[str, str, str, str], Media] = {}


def _described(kind: MediaKind, data: bytes, *, variable: str, source: str, where: str) -> Media:
    """:func:`media_from_bytes` once per file content, variable and source (``ab`` renders hundreds of times)."""
    key = (kind, hashlib.sha256(data).hexdigest(), variable, source)
    found = _DESCRIBED.get(key)
    if found is None:
        found = media_from_bytes(kind, data, variable=variable, source=source, where=where)
        if len(_DESCRIBED) > 256:
            _DESCRIBED.clear()
        _DESCRIBED[key] = found
    return found


def load_media(
    kind: MediaKind, value: Any, *, variable: str, roots: Sequence[Path] = (), where: str = "prompt"
) -> Media:
    """Turn a variable value into a :class:`Media` part of ``kind``.

    Args:
        kind: ``image`` or ``document``.
        value: A path (text or :class:`pathlib.Path`), an ``https://`` URL, a ``data:`` URL, ``bytes``, or a
            :class:`Media` (returned as is when its kind matches).
        variable: The variable's name (named in errors, kept in the part).
        roots: Folders a relative path is looked up in, in order (the current directory is tried last).
        where: The reference named in errors.

    Returns:
        The part; for a URL, one without bytes.

    Raises:
        VariableError: The value is of another kind or type, an ``http://`` URL, a missing or unreadable
            file, or bytes that are not a supported ``kind`` (the variable is named).
    """
    if isinstance(value, Media):
        if value.kind != kind:
            raise VariableError(f"{where}: variable '{variable}' is {value.kind}, placed with {{% {kind} %}}",
                                hint=f"use {{% {value.kind} {variable} %}}")
        return value
    if isinstance(value, (bytes, bytearray, memoryview)):
        return _described(kind, bytes(value), variable=variable, source="bytes", where=where)
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    if not isinstance(value, str) or not value.strip():
        raise VariableError(
            f"{where}: variable '{variable}' must be a file path, an https:// URL or a data: URL for an {kind}, "
            f"not {'an empty text' if isinstance(value, str) else type(value).__name__}",
            hint=f"pass a file (--var {variable}=path/to/file; in Python variables={{'{variable}': 'path/to/file'}})",
        )
    text = value.strip()
    lowered = text[:8].lower()
    if lowered.startswith("data:"):
        return _from_data_url(kind, text, variable=variable, where=where)
    if lowered.startswith("https://"):
        return _from_url(kind, text, variable=variable)
    if re.match(r"^[a-z][a-z0-9+.-]*://", lowered):
        raise VariableError(f"{where}: variable '{variable}': only https:// URLs can be sent by reference",
                            hint="use an https:// URL, or download the file and give its path")
    return _from_path(kind, text, variable=variable, roots=roots, where=where)


# -- roots of relative paths during a render ------------------------------------------------------------------

_ROOTS: contextvars.ContextVar[tuple[Path, ...]] = contextvars.ContextVar("promptctl_media_roots", default=())


@contextlib.contextmanager
def media_roots(roots: Sequence[Path]) -> Iterator[None]:
    """Within the block, a relative media path given to a tag is looked up in ``roots`` (then the current folder)."""
    token = _ROOTS.set(tuple(roots))
    try:
        yield
    finally:
        _ROOTS.reset(token)


def current_roots() -> tuple[Path, ...]:
    """The folders relative media paths are looked up in during the current render."""
    return _ROOTS.get()


# -- the tags --------------------------------------------------------------------------------------------------


def check_options(kind: str, options: dict[str, Any], *, where: str = "prompt") -> tuple[tuple[str, Any], ...]:
    """Validate a tag's options (see :data:`OPTIONS`) and return them as sorted pairs.

    Raises:
        InputError: An option unknown for ``kind``, or a value that is not allowed.
    """
    from promptctl.errors import TemplateError, did_you_mean

    allowed = OPTIONS[kind]
    for key, value in options.items():
        if key not in allowed:
            close = did_you_mean(key, allowed, what="option")
            raise TemplateError(f"{where}: {{% {kind} %}} has no option '{key}'",
                                hint=close or f"options: {', '.join(allowed) or 'none'}")
        values = allowed[key]
        if values is not None and value not in values:
            raise TemplateError(f"{where}: {{% {kind} %}} option {key}={value!r} is not one of {', '.join(values)}",
                                hint=f'e.g. {{% {kind} x {key}="{values[0]}" %}}')
        if values is None and not isinstance(value, str):
            raise TemplateError(f"{where}: {{% {kind} %}} option {key} must be text", hint=f'{key}="..."')
    return tuple(sorted(options.items()))


def with_options(part: Media, options: tuple[tuple[str, Any], ...]) -> Media:
    """``part`` with the tag's options added (a tag option wins over one the value already had)."""
    if not options:
        return part
    merged = dict(part.options) | dict(options)
    return replace(part, options=tuple(sorted(merged.items())))


def _expression_name(node: nodes.Node, fallback: str) -> str:
    """``screenshot`` for a name, ``example.picture`` for an attribute, else ``fallback``."""
    if isinstance(node, nodes.Name):
        return node.name
    if isinstance(node, nodes.Getattr):
        return f"{_expression_name(node.node, fallback)}.{node.attr}"
    if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
        return f"{_expression_name(node.node, fallback)}[{node.arg.value!r}]"
    return fallback


def place_media(kind: MediaKind, value: Any, name: str, options: dict[str, Any],
                place: Callable[[Media], str], *, where: str = "prompt") -> str:
    """Load ``value`` as ``kind`` with the tag's options and place it (returns the placeholder ``place`` gives)."""
    media = load_media(kind, value, variable=name, roots=current_roots(), where=where)
    return place(with_options(media, check_options(kind, options, where=where)))


class MediaExtension(Extension):
    """Jinja2 extension adding ``{% image value [detail="..."] %}`` and ``{% document value [title="..."] %}``."""

    tags = {"image", "document"}

    def parse(self, parser: Any) -> nodes.Node:
        """Parse ``{% image expr key=expr ... %}`` into an output of the placed part's placeholder."""
        token = next(parser.stream)
        value = parser.parse_expression()
        pairs: list[nodes.Pair] = []
        while parser.stream.current.type != "block_end":
            if pairs:
                parser.stream.skip_if("comma")
            key = parser.stream.expect("name")
            parser.stream.expect("assign")
            pairs.append(nodes.Pair(nodes.Const(key.value), parser.parse_expression(), lineno=key.lineno))
        name = _expression_name(value, token.value)
        call = self.call_method(
            "_media", [nodes.Const(token.value), value, nodes.Const(name), nodes.Dict(pairs, lineno=token.lineno),
                       nodes.Const(token.lineno)],
            lineno=token.lineno,
        )
        return nodes.Output([call], lineno=token.lineno)

    def _media(self, kind: MediaKind, value: Any, name: str, options: dict[str, Any], lineno: int = 0) -> str:
        from jinja2 import Undefined

        from promptctl.templating.environment import _BUILDER

        if isinstance(value, Undefined):  # a variable that was not given: the usual "missing variable" error
            value._fail_with_undefined_error()
        builder = _BUILDER.get(None)
        if builder is None:  # rendered outside render_prompt (a bare Template.render): show the placeholder
            from promptctl.templating.prompt import placeholder

            return place_media(kind, value, name, options, placeholder)
        where = f"{builder.where}: line {lineno + builder.line_offset}" if lineno else builder.where
        return place_media(kind, value, name, options, builder.place, where=where)
