"""Literal text as template source, without Jinja2: used when front matter is read (``literal: true``).

Also the marker ``promptctl import`` puts before source-template syntax it could not convert and kept as text
(:data:`NOT_CONVERTED`, :func:`kept_source`), which lint's TXT001 reports (:func:`kept_not_converted`).
"""

from __future__ import annotations

import re

_OPENERS = ("{{", "{%", "{#")
_ENDRAW = re.compile(r"\{%[-+]?\s*endraw\s*[-+]?%\}")


def looks_like_template(text: str) -> bool:
    """True when ``text`` holds ``{{``, ``{%`` or ``{#`` (Jinja2 would read it as template syntax)."""
    return any(opener in text for opener in _OPENERS)


def literal_source(text: str) -> str:
    """Template source that renders exactly ``text``: how literal text is written in a template.

    Text without ``{{``, ``{%`` or ``{#`` is returned unchanged. Otherwise it is wrapped in
    ``{%+ raw %}...{%+ endraw +%}`` (the ``+`` stops the environment's ``lstrip_blocks`` and
    ``trim_blocks`` from removing the whitespace around it); an ``{% endraw %}`` inside the text is written
    as a string expression. Used for ``literal: true`` bodies and by ``promptctl import``.
    """
    if not looks_like_template(text):
        return text
    out: list[str] = []
    last = 0
    for match in _ENDRAW.finditer(text):
        out.append(_raw(text[last : match.start()]))
        out.append('{{ "' + match.group(0).replace("\\", "\\\\").replace('"', '\\"') + '" }}')
        last = match.end()
    out.append(_raw(text[last:]))
    return "".join(out)


def _raw(text: str) -> str:
    return "{%+ raw %}" + text + "{%+ endraw +%}" if looks_like_template(text) else text


NOT_CONVERTED = "{#+ promptctl import: not converted, sent as text +#}"
"""The Jinja2 comment ``promptctl import`` writes right before a ``{% raw %}`` block holding source-template syntax
it could not convert (a Handlebars helper such as ``{{list ingredients}}``, a Jinja2 tag in a Handlebars file).

It renders nothing; it tells lint (TXT001) that the raw block is a leftover of the conversion, not text the author
chose to keep literal: an author's own ``{% raw %}`` has no marker and is not reported. Delete the comment to
keep the text literal on purpose."""
_KEPT = re.compile(re.escape(NOT_CONVERTED) + r"\{%\+ raw %\}(.*?)\{%\+ endraw \+%\}", re.DOTALL)
_SOURCE_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)


def kept_source(text: str) -> str:
    """Template source rendering ``text`` as written, marked as source syntax an import could not convert."""
    literal = literal_source(text)
    return NOT_CONVERTED + literal if literal != text else text


def kept_not_converted(body: str) -> list[tuple[int, str]]:
    """``(character offset, source expression)`` of each :data:`NOT_CONVERTED` block in a template body.

    The expression is the first template tag in the block (``{{list ingredients}}``), or its first 60 characters.
    """
    out = []
    for match in _KEPT.finditer(body):
        tag = _SOURCE_TAG.search(match.group(1))
        out.append((match.start(), tag.group(0) if tag else match.group(1).strip()[:60]))
    return out
