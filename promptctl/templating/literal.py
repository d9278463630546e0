"""Literal text as template source, without Jinja2: used when front matter is read (``literal: true``)."""

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
