"""Helpers every format reader and writer shares: models, parameters, front matter, mustache text."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from promptctl import _yaml
from promptctl.errors import InputError
from promptctl.interop.model import ImportedPrompt, jinja_literal, variable_name
from promptctl.limits import read_input_bytes

_PARAMETER_NAMES = {
    "temperature": "temperature",
    "max_tokens": "max_tokens",
    "maxtokens": "max_tokens",
    "max_output_tokens": "max_tokens",
    "maxoutputtokens": "max_tokens",
    "max_completion_tokens": "max_tokens",
    "top_p": "top_p",
    "topp": "top_p",
    "seed": "seed",
    "stop": "stop",
    "stopsequences": "stop",
    "stop_sequences": "stop",
}
_PROVIDER_PREFIXES = {"openai": "openai", "azure": "openai", "azureopenai": "openai", "anthropic": "anthropic",
                      "watsonx": "watsonx", "ibm": "watsonx"}


def split_model(text: str | None) -> tuple[str | None, str | None]:
    """``(provider, model)`` for a model id as other tools write it, or ``(None, model)`` when unknown.

    Understands ``openai:gpt-4.1`` and ``openai:chat:gpt-4.1`` (promptfoo), ``anthropic:messages:claude-x``,
    ``openai/gpt-4o`` (Dotprompt, Genkit), and bare ids (``gpt-*``, ``o1``/``o3``/``o4-*``, ``claude-*``,
    ``ibm/granite-*``).
    """
    if not text:
        return None, None
    text = str(text).strip()
    for sep in (":", "/"):
        head, found, rest = text.partition(sep)
        if found and head.lower() in _PROVIDER_PREFIXES:
            provider = _PROVIDER_PREFIXES[head.lower()]
            if provider == "watsonx" and head.lower() == "ibm":
                return provider, text
            if sep == ":" and rest.split(":", 1)[0] in ("chat", "messages", "completion", "responses"):
                rest = rest.split(":", 1)[1] if ":" in rest else rest
            return provider, rest
    lower = text.lower()
    if lower.startswith(("gpt-", "gpt4", "o1", "o3", "o4", "chatgpt")):
        return "openai", text
    if lower.startswith("claude"):
        return "anthropic", text
    if lower.startswith(("ibm/", "meta-llama/", "mistralai/")):
        return "watsonx", text
    return None, text


def map_parameters(config: dict[str, Any] | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split a tool's sampling config into promptctl ``parameters`` and the rest (kept in metadata)."""
    params: dict[str, Any] = {}
    rest: dict[str, Any] = {}
    for key, value in (config or {}).items():
        name = _PARAMETER_NAMES.get(str(key).lower())
        if name is None or value is None:
            rest[str(key)] = value
        elif name == "stop":
            params["stop"] = [value] if isinstance(value, str) else list(value)
        else:
            params[name] = value
    return params, rest


def front_matter(
    *,
    description: str | None = None,
    provider: str | None = None,
    model: str | None = None,
    parameters: dict[str, Any] | None = None,
    variables: dict[str, Any] | None = None,
    output: dict[str, Any] | None = None,
    tools: list[dict[str, Any]] | None = None,
    literal: bool = False,
    tags: list[str] | None = None,
    metadata: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A version's front matter in the usual field order, leaving out what is empty."""
    data: dict[str, Any] = {}
    if description:
        data["description"] = " ".join(str(description).split())
    if provider:
        data["provider"] = provider
    if model:
        data["model"] = model
    if parameters:
        data["parameters"] = parameters
    if variables:
        data["variables"] = variables
    if output:
        data["output"] = output
    if tools:
        data["tools"] = tools
    if literal:
        data["literal"] = True
    if tags:
        data["tags"] = [str(t) for t in tags]
    if metadata:
        data["metadata"] = metadata
    return data


_MUSTACHE_VAR = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
_DOLLAR_VAR = re.compile(r"\$\{([^{}:]+?)(?::([^{}]*))?\}")
TEMPLATE_KEYWORDS = frozenset({"end", "else", "break", "continue", "nil", "this", "true", "false", "none", "True",
                               "False", "None", "and", "or", "not", "in", "is", "if", "for", "endif", "endfor"})
"""Words that are syntax, not a placeholder, in ``{{ word }}`` of prose: Go templates' ``{{ end }}``,
``{{ else }}``, ``{{ break }}``, ``{{ nil }}``; Handlebars' ``{{this}}``; Jinja2's reserved names."""
_BOUND_NAMES = re.compile(
    r"\{%[-+]?\s*(?:for\s+([A-Za-z_][\w\s,]*?)\s+in\b|set\s+([A-Za-z_]\w*)\s*=)"
    r"|\bv-for\s*=\s*[\"']\s*\(?([A-Za-z_][\w\s,]*?)\)?\s+(?:in|of)\b"
)
"""A template example in prose binds names: a Jinja ``{% for x in xs %}`` or ``{% set x = ... %}``, a Vue
``v-for="note in notes"`` or ``v-for="(item, i) in items"``; its ``{{ x }}`` / ``{{ note }}`` is text too."""
_ANY_EXPRESSION = re.compile(r"\{\{[^{}\n]*\}\}")
TEMPLATE_DOC_LIMIT = 5
"""More distinct ``{{ ... }}`` expressions than this in prose: the text documents a template language (Nuclei's
``{{BaseURL}}``, ``{{Hostname}}`` and 20 more; a Vue component's ``{{ header ? header : "Notes" }}``), so its
placeholders are text, not variables (the same limit as lint's TXT001, promptctl.lint.rules.leftovers). Fabric
patterns that take ``-v`` variables use at most four; the input placeholder ``{{input}}`` stays a variable."""
PROSE_INPUT = "input"
"""The placeholder fabric (and most prompt files) fill with the piped input: a variable even in template docs."""


def convert_mustache(
    text: str, prompt: ImportedPrompt, *, where: str, line_offset: int = 0, dollar: bool = False,
    prose: bool = False,
) -> tuple[str, dict[str, str | None]]:
    """Convert text with ``{{var}}`` (or, with ``dollar``, ``${var}``/``${var:default}``) placeholders.

    Placeholders become Jinja2 variables; every other ``{{``, ``{%`` or ``{#`` (a Vue expression, an n8n
    ``{{ $json[...] }}``, a Jinja example in the prose) is escaped so it renders as written, and reported
    as ``escaped`` with its line.

    Args:
        text: The source text.
        prompt: The prompt the findings are noted on.
        where: The source named in findings (file, or file and entry).
        line_offset: Lines before ``text`` in its source.
        dollar: Read ``${var}``/``${var:default}`` placeholders instead of ``{{var}}``.
        prose: The text is free prose (a text or markdown file, a fabric pattern), not a template of a tool
            whose every ``{{word}}`` is a variable (Langfuse): ``{{ word }}`` is then text when ``word`` is
            template syntax (:data:`TEMPLATE_KEYWORDS`, such as Go's ``{{ end }}``) or a name bound by a
            ``{% for %}``/``{% set %}`` of a Jinja example or a Vue ``v-for`` in the text; and every
            ``{{ name }}`` but ``{{input}}`` is text when the prose holds more than :data:`TEMPLATE_DOC_LIMIT`
            distinct ``{{ ... }}`` expressions besides those (documentation of a template language: Nuclei, Vue, Hugo).

    Returns:
        ``(body, variables)``: the Jinja2 source and the variables found, in order, with their defaults
        (None: required).
    """
    pattern = _DOLLAR_VAR if dollar else _MUSTACHE_VAR
    out: list[str] = []
    variables: dict[str, str | None] = {}
    pos = 0
    syntax: set[str] = set()
    if prose and not dollar:
        syntax = set(TEMPLATE_KEYWORDS)
        for bound in _BOUND_NAMES.finditer(text):
            names = bound.group(1) or bound.group(2) or bound.group(3)
            syntax.update(n.strip() for n in names.split(",") if n.strip())
    documents = prose and not dollar and "{{" in text and len(
        {e for e in _ANY_EXPRESSION.findall(text) if e[2:-2].strip() not in syntax}) > TEMPLATE_DOC_LIMIT
    for match in pattern.finditer(text):
        word = match.group(1).strip()
        if word in syntax or (documents and word != PROSE_INPUT):
            continue  # left in the text, escaped with it below
        out.append(_literal(text, pos, match.start(), prompt, where, line_offset))
        name = variable_name(match.group(1).strip())
        default = match.group(2) if dollar else None
        line = text.count("\n", 0, match.start()) + 1 + line_offset
        if name != match.group(1).strip():
            prompt.note("converted", f"{where}:{line}", f"variable {match.group(1)!r} renamed {name!r}")
        elif name not in variables:  # each placeholder counts once in the import table's "converted"
            prompt.note("converted", f"{where}:{line}", f"placeholder {match.group(0)!r} -> variable {name!r}")
        if name not in variables or variables[name] is None:
            variables[name] = default
        out.append("{{ " + name + " }}")
        pos = match.end()
    out.append(_literal(text, pos, len(text), prompt, where, line_offset))
    return "".join(out), variables


def _literal(text: str, start: int, end: int, prompt: ImportedPrompt, where: str, line_offset: int) -> str:
    piece = text[start:end]
    escaped = jinja_literal(piece)
    if escaped != piece:
        seen = set()
        for match in re.finditer(r"\{\{|\{%|\{#", piece):
            line = text.count("\n", 0, start + match.start()) + 1 + line_offset
            if line not in seen:
                seen.add(line)
                snippet = piece[match.start() : match.start() + 40].split("\n")[0]
                prompt.note("escaped", f"{where}:{line}", f"literal text kept as written: {snippet!r}")
    return escaped


def string_variables(found: dict[str, str | None], *, input_names: tuple[str, ...] = ("input",)) -> dict[str, Any]:
    """Front matter ``variables`` for placeholders found in text (all strings)."""
    out: dict[str, Any] = {}
    for name, default in found.items():
        spec: dict[str, Any] = {"type": "string"}
        if default is not None:
            spec["default"] = default
        if name in input_names:
            spec["input"] = True
        out[name] = spec
    return out


def read_text(path: Path) -> str:
    """A source file's text (UTF-8, BOM dropped, LF line endings).

    Raises:
        InputError: The file cannot be read or is not UTF-8.
    """
    try:
        data = read_input_bytes(path, what="source file")
    except FileNotFoundError:
        raise InputError(f"cannot read {path}: no such file") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text (byte {exc.start})", hint="convert the file to UTF-8") from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def load_yaml(text: str, where: str, line_offset: int = 0) -> Any:
    """Parse YAML (core schema: strings stay strings), as plain data.

    Raises:
        InputError: Invalid YAML, naming the line.
    """
    import yaml

    try:
        return _yaml.plain(_yaml.load(text))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1 + line_offset}" if mark is not None else ""
        raise InputError(f"{where}{line}: invalid YAML: {getattr(exc, 'problem', exc)}") from None


def split_front_matter(text: str, where: str) -> tuple[dict[str, Any], str, int]:
    """``(front matter, body, lines before the body)`` of a ``---``-delimited file.

    Leading ``#`` comment lines and blank lines before the opening ``---`` are skipped (Dotprompt's
    samples carry licence headers there).

    Raises:
        InputError: The front matter is not closed, not YAML, or not a mapping.
    """
    lines = text.split("\n")
    start = 0
    while start < len(lines) and (not lines[start].strip() or lines[start].startswith("#")):
        start += 1
    if start >= len(lines) or lines[start].rstrip() != "---":
        return {}, text, 0
    for end in range(start + 1, len(lines)):
        if lines[end].rstrip() == "---":
            data = load_yaml("\n".join(lines[start + 1 : end]), where, line_offset=start + 1) or {}
            if not isinstance(data, dict):
                raise InputError(f"{where}: front matter must be a mapping")
            return data, "\n".join(lines[end + 1 :]), end + 1
    raise InputError(f"{where}: front matter opened with '---' is never closed")
