"""CACHE: prompt caching (a stable prefix first, long enough, with breakpoints the provider takes).

Providers cache a prompt's *prefix*: OpenAI the longest start that repeats (from 1,024 tokens), Claude
the content up to each ``cache_control`` breakpoint (``{% cache %}``). Facts come from the model profiles
(:mod:`promptctl.adapters.profiles`: ``prompt_cache``, ``min_cache_tokens``).

The template is read in order (its AST; message and section tags are transparent): fixed text, volatile
items and ``{% cache %}`` markers. A volatile item is content that can change from one call to the next:
a ``{{ variable }}`` (a date, a name, the input, few-shot examples chosen for the input), an
``{% if %}`` or ``{% for %}`` that depends on a variable, or a ``{% messages %}`` history. Fixed text is
measured at characters / 4.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from promptctl.lint.context import VersionContext
from promptctl.lint.model import Hit, rule

CATEGORY = "caching"

_DATE_NAME = re.compile(r"(^|_)(today|date|now|time|timestamp|datetime|day|year|month)($|_)", re.IGNORECASE)
_CACHE_TAG = re.compile(r"\{%-?\s*cache\b")


@dataclass(frozen=True)
class _Item:
    """One piece of the template in order: ``text`` (tokens of fixed text), ``volatile`` or ``break``."""

    kind: str
    line: int
    tokens: int = 0
    what: str = ""
    history: bool = False


def _sequence(ctx: VersionContext) -> list[_Item]:
    """The template as fixed text, volatile items and cache markers, in template order (template lines)."""
    from jinja2 import nodes

    if ctx.ast is None:
        return []
    variables = ctx.used_variables | set(ctx.declared_variables)
    fewshot = _dynamic_fewshot_variable(ctx)
    out: list[_Item] = []

    def names(node: Any) -> list[str]:
        candidates = [node, *node.find_all(nodes.Name)] if isinstance(node, nodes.Name) else node.find_all(nodes.Name)
        found = [n.name for n in candidates if n.ctx == "load" and n.name in variables]
        return list(dict.fromkeys(found))

    def describe(found: list[str], how: str = "") -> str:
        name = found[0]
        if name == fewshot:
            return f"the few-shot examples selected for each input ('{name}')"
        if _DATE_NAME.search(name):
            return f"the date or time '{name}'{how}"
        return f"variable '{name}'{how}"

    def visit(body: list[Any]) -> None:
        for node in body:
            if isinstance(node, nodes.Output):
                for child in node.nodes:
                    if isinstance(child, nodes.TemplateData):
                        if child.data.strip():
                            out.append(_Item("text", child.lineno, tokens=(len(child.data) + 3) // 4))
                    elif isinstance(child, nodes.Call) and isinstance(child.node, nodes.ExtensionAttribute):
                        if child.node.name == "_cache":
                            out.append(_Item("break", child.lineno))
                        elif child.node.name == "_messages":
                            found = names(child) or ["messages"]
                            out.append(_Item("volatile", child.lineno, what=f"the conversation history '{found[0]}'",
                                             history=True))
                    elif names(child):
                        out.append(_Item("volatile", child.lineno, what=describe(names(child))))
            elif isinstance(node, nodes.CallBlock):  # {% system %}, {% section %}: their content, in order
                visit(node.body)
            elif isinstance(node, nodes.If):
                found = names(node.test)
                if found:
                    out.append(_Item("volatile", node.lineno, what=describe(found, " (an {% if %} on it)")))
                else:
                    visit(node.body)
            elif isinstance(node, nodes.For):
                found = names(node.iter)
                if found:
                    out.append(_Item("volatile", node.lineno, what=describe(found, " (a {% for %} over it)")))
                else:
                    visit(node.body)

    visit(ctx.ast.body)
    return out


def _dynamic_fewshot_variable(ctx: VersionContext) -> str | None:
    """The template variable that receives few-shot examples chosen per input, or None."""
    strategy = ctx.fm.strategy
    if strategy.name != "fewshot":
        return None
    options = strategy.options
    if options.get("selection") == "static" or (options.get("selection") is None and options.get("k") is None):
        return None
    variable = options.get("variable") or "examples"
    return str(variable) if variable in ctx.used_variables else None


def _minimum(ctx: VersionContext) -> tuple[int, str] | None:
    """The smallest cacheable prefix among the version's targets: (tokens, ``provider:model``), or None."""
    found = [(t.profile.min_cache_tokens, f"{t.provider}:{t.model}") for t in ctx.targets
             if t.profile.min_cache_tokens is not None and t.provider != "fake"]
    return min(found) if found else None  # type: ignore[return-value, type-var]


@rule(
    "CACHE001", "warning", "Content that changes from call to call comes before a long stable part",
    rationale="""Providers bill a repeated prompt prefix at a fraction of the input price (Claude: a tenth, OpenAI:
    half or less), but only the part before the first difference can repeat. A variable, a date, a conversation
    history or few-shot examples chosen per input placed before a long fixed block (the instructions, a policy, a
    glossary) makes every call's prefix different, so the fixed block is billed in full every time. With
    {% cache %} markers, anything volatile before the last marker means the marked prefix is written and never
    read. Without markers the rule looks for a fixed run after a volatile item that is at least the smallest
    cacheable prefix of the version's models (1,024 tokens for OpenAI and most Claude models).""",
    fix="Move the volatile content after the stable part (for example into the user message, or after the "
    "{% cache %} marker), so the instructions form one unchanging prefix.",
    category=CATEGORY,
)
def stable_prefix_first(ctx: VersionContext) -> Iterator[Hit]:
    """A volatile item before the last cache marker, or before a cacheable run of fixed text."""
    items = _sequence(ctx)
    breaks = [i for i, item in enumerate(items) if item.kind == "break"]
    if breaks:
        last = items[breaks[-1]]
        for index, item in enumerate(items[: breaks[-1]]):
            if item.kind == "volatile" and item.history and not any(
                    later.kind != "break" for later in items[index + 1: breaks[-1]]):
                continue  # a conversation grows at its end: a breakpoint right after it caches the turns so far
            if item.kind == "volatile":
                yield Hit(f"{item.what} (line {ctx.file_line(item.line)}) comes before the cache breakpoint at line "
                          f"{ctx.file_line(last.line)}: the cached prefix changes with it, so it is written and "
                          "seldom read", ctx.file_line(item.line))
                return
        return
    minimum = _minimum(ctx)
    if minimum is None:
        return
    before = 0
    for index, item in enumerate(items):
        if item.kind == "text":
            before += item.tokens
            continue
        run = 0
        for later in items[index + 1:]:
            if later.kind != "text":
                break
            run += later.tokens
        if run >= minimum[0] and run > before:
            yield Hit(f"{item.what} (line {ctx.file_line(item.line)}) comes before ~{run:,} tokens of fixed text: "
                      f"every change of it makes the prefix new, so none of that text is cached ({minimum[1]} caches "
                      f"a repeated prefix of {minimum[0]:,} tokens or more)", ctx.file_line(item.line))
            return


@rule(
    "CACHE002", "warning", "The prefix a cache breakpoint marks is shorter than the provider caches",
    rationale="""Each provider caches only prefixes of a minimum length (OpenAI 1,024 tokens; Claude 1,024 to 4,096
    tokens by model, from the model profile). A shorter prefix marked with {% cache %} is processed at the full
    price with no error and no cache read: the breakpoint does nothing (a common cause of "zero cache reads").""",
    fix="Put more of the stable material (instructions, reference text, examples) before the marker, or remove "
    "the marker for this model.",
    category=CATEGORY,
)
def prefix_long_enough(ctx: VersionContext) -> Iterator[Hit]:
    """A target whose cached prefix (``ProviderRequest.cache_prefix``) is under its model's minimum."""
    lines = [line for line, text in ctx.source_lines if _CACHE_TAG.search(text)]
    for target in ctx.targets:
        minimum = target.profile.min_cache_tokens
        request = target.request
        if request is None or request.cache_prefix is None or minimum is None or target.provider == "fake":
            continue
        prefix = dataclasses.replace(request, body=request.cache_prefix)
        tokens, method = ctx.input_tokens(prefix)
        if tokens < 1.25 * minimum:
            tokens, method = ctx.input_tokens(prefix, exact=True)
        if tokens < minimum:
            secondary = ctx.secondary_only([target])
            yield Hit(f"the prefix up to the cache breakpoint is ~{tokens:,} tokens ({method}), under the "
                      f"{minimum:,}-token minimum of {target.provider}:{target.model}: it will not be cached",
                      lines[-1] if lines else ctx.body_start(), severity="info" if secondary else None)


@rule(
    "CACHE003", "error", "Cache breakpoints Claude refuses",
    rationale="""Claude takes at most 4 cache_control breakpoints per request, and a breakpoint with a one-hour
    lifetime may not follow a five-minute one; the API answers 400. promptctl refuses such a request before
    sending it, so the error would surface only when someone runs the prompt on Claude.""",
    fix='Keep at most 4 {% cache %} markers (after the largest stable parts); give earlier markers ttl="1h" when a '
    "later one has it.",
    category=CATEGORY,
)
def breakpoints_claude_takes(ctx: VersionContext) -> Iterator[Hit]:
    """The Anthropic adapter refused the version's cache breakpoints (PROV006 leaves these errors to this rule)."""
    lines = [line for line, text in ctx.source_lines if _CACHE_TAG.search(text)]
    for target in ctx.targets:
        if target.provider != "anthropic" or target.error is None or not is_cache_error(target.error):
            continue
        error = target.error.removeprefix(f"{ctx.version.display}: ")
        count = re.match(r"(\d+) cache breakpoints", error)
        index = 4 if count and len(lines) > 4 else 0  # the fifth marker, when the template has it
        yield Hit(f"{target.provider}:{target.model}: {error}", lines[index] if lines else ctx.body_start())


def is_cache_error(message: str) -> bool:
    """True for an Anthropic adapter error about cache breakpoints (reported by CACHE003, not PROV006)."""
    return "cache breakpoint" in message


def loaded_tools(version: Any) -> list[Any] | None:
    """A version's tools in declared order, or None when it has none or its tools file cannot be loaded.

    Returns:
        :class:`~promptctl.templating.toolspec.ToolSpec` objects; a tools file is loaded through the registry.
    """
    from promptctl.errors import PromptctlError

    tools = version.front_matter.tools
    if isinstance(tools, str) and version.registry is not None:
        try:
            tools = version.registry.load(version.name, version.number, allow_modified=True).front_matter.tools
        except PromptctlError:
            return None
    return tools if isinstance(tools, list) else None


def _tool_names(version: Any) -> list[str] | None:
    """The names of a version's tools in declared order, or None."""
    tools = loaded_tools(version)
    return None if tools is None else [str(tool.name) for tool in tools]


def _previous_published(ctx: VersionContext) -> Any:
    """The latest published version before this one (for a draft: the latest published), or None."""
    from promptctl.errors import PromptctlError

    version = ctx.version
    registry = version.registry
    if registry is None:
        return None
    try:
        earlier = [r.version for r in registry.index(version.name).versions if r.version < version.number]
        return registry.load(version.name, max(earlier), allow_modified=True) if earlier else None
    except (PromptctlError, OSError):
        return None


@rule(
    "CACHE004", "warning", "The tools are in another order than in the previous version",
    rationale="""Tool definitions come first in the cached prefix (before the system prompt and the messages) for
    OpenAI and Claude alike. Reordering the same tools in a new version changes that prefix, so every cached prompt
    of the previous version is missed and written again at the cache-write price, for no change in what the model
    can do.""",
    fix="Keep the previous version's tool order and add new tools at the end.",
    category=CATEGORY,
)
def tools_keep_their_order(ctx: VersionContext) -> Iterator[Hit]:
    """The tools common to this version and the previous published one appear in another relative order."""
    if not any(t.profile.prompt_cache is not None for t in ctx.targets):
        return
    names = _tool_names(ctx.version)
    previous = _previous_published(ctx) if names else None
    if previous is None:
        return
    before = _tool_names(previous)
    if not names or not before:
        return
    common = set(names) & set(before)
    now, then = [n for n in names if n in common], [n for n in before if n in common]
    if now != then:
        yield Hit(f"the tools are reordered since {previous.display} ({', '.join(then)} -> {', '.join(now)}): the "
                  "cached prefix of every call changes", ctx.field_line("tools"))
