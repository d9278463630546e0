"""PROV: provider mismatch (hard-coded markup, parameters a model refuses, deprecated, retired or misspelt models).

The version's *targets* are the front matter's ``provider`` and every provider under ``models`` (see
:mod:`promptctl.lint.context`). Facts about models come from :mod:`promptctl.adapters.profiles`:
``section_style``, ``rejected_parameters``, ``accepted_values``, ``exclusive_parameters`` and
:func:`~promptctl.adapters.profiles.model_lifecycle`.

Hard-coded markup is looked for in the template's own text, outside code fences: a markdown heading
is a line starting with 1-6 ``#`` and a space (a warning when Claude is the primary target, info when
it is only under ``models:``); an XML structure tag is a line that opens a tag (``<context>``, not an
HTML element) closed by ``</context>`` on a later line, or on the same line around a ``{{ variable }}``,
in a prompt that does not ask for HTML or XML output.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from typing import Any

from promptctl.adapters.profiles import KNOWN_PARAMETERS, did_you_mean
from promptctl.lint import text as T
from promptctl.lint.context import Target, VersionContext
from promptctl.lint.model import Hit, rule
from promptctl.lint.rules.caching import is_cache_error
from promptctl.lint.rules.tools import is_reasoning_error
from promptctl.templating.prompt import Prompt
from promptctl.types import PROVIDERS

CATEGORY = "provider"


def _names(targets: list[Target]) -> str:
    return ", ".join(f"{t.provider}:{t.model}" for t in targets)


@rule(
    "PROV001", "warning", "Markdown headings hard-coded in a template meant for Claude",
    rationale="""Claude's prompting guide structures prompts with XML tags; a template that hard-codes "## Rules"
    sends markdown to Claude and cannot adapt. Sections render as XML tags for Claude and as markdown headings
    for GPT, from the same template.""",
    fix='Replace the heading and the text under it with {% section "rules" %}...{% endsection %}.',
    category=CATEGORY,
)
def no_markdown_for_claude(ctx: VersionContext) -> Iterator[Hit]:
    """A target with XML sections, and a markdown heading line in the template text."""
    targets = [t for t in ctx.targets if t.profile.section_style == "xml"]
    if not targets:
        return
    in_fence = False
    headings = []
    for line, text in ctx.literal_lines:
        if T.FENCE.match(text):
            in_fence = not in_fence
            continue
        if not in_fence and T.MARKDOWN_HEADING.match(text):
            headings.append((line, text.strip()))
    if headings:
        line, text = headings[0]
        more = f" (and {len(headings) - 1} more)" if len(headings) > 1 else ""
        if not ctx.secondary_only(targets):
            yield Hit(f"markdown heading {text[:40]!r} hard-coded{more}; {_names(targets)} reads sections as XML tags",
                      line)
        else:  # Claude is only a secondary target (models:): it reads markdown headings well enough
            yield Hit(f"markdown heading {text[:40]!r} hard-coded{more}; the secondary target {_names(targets)} "
                      "reads sections as XML tags", line, severity="info")


def xml_structure_lines(ctx: VersionContext) -> list[tuple[int, str]]:
    """``(file line, tag)`` of each hard-coded XML structure tag (see the module docstring)."""
    lines = ctx.source_lines
    found: list[tuple[int, str]] = []
    in_fence = False
    for i, (line, text) in enumerate(lines):
        if T.FENCE.match(text):
            in_fence = not in_fence
            continue
        if in_fence or "{%" in text.split("<", 1)[0]:
            continue
        match = T.XML_OPEN_LINE.match(text)
        if match is None:
            continue
        name, rest = match.group(1), match.group(2)
        if name.lower() in T.HTML_TAGS:
            continue
        close = f"</{name}>"
        if close in rest:
            if "{{" in rest.split(close, 1)[0]:
                found.append((line, name))
            continue
        for _, later in lines[i + 1 : i + 200]:
            if close in later:
                if later.strip().startswith(close):
                    found.append((line, name))
                break
    return found


@rule(
    "PROV002", "info", "XML tags hard-coded in a template meant for GPT",
    rationale="""OpenAI's and watsonx's models are prompted with markdown structure; XML wrappers hard-coded in the
    template go to them verbatim, and user input inside a hard-coded tag is not escaped, so it can close the
    tag. Sections render as markdown headings for GPT and as escaped XML tags for Claude.""",
    fix='Replace <name>...</name> with {% section "name" %}...{% endsection %}.',
    category=CATEGORY,
)
def no_xml_for_gpt(ctx: VersionContext) -> Iterator[Hit]:
    """A target with markdown sections, and a hard-coded XML structure tag in the template.

    A warning when user input sits inside a hard-coded tag (it is not escaped and can close the tag) or when a
    watsonx model is a target. XML containers of fixed text for OpenAI models only are info: OpenAI's GPT-4.1
    prompting guide (cookbook.openai.com/examples/gpt4-1_prompting_guide, "Delimiters", April 2025) recommends
    XML as well as markdown delimiters, and reports improved adherence to information in XML for GPT-4.1.
    """
    targets = [t for t in ctx.targets if t.profile.section_style == "markdown" and t.provider != "fake"]
    if not targets:
        return
    found = xml_structure_lines(ctx)
    if found and _HTML_OUTPUT.search(T.prose(ctx.instruction_text())):
        return  # the prompt asks for HTML or XML: its tags show the output, they do not structure the prompt
    if found:
        line, name = found[0]
        more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
        message = f"XML tag <{name}> hard-coded as structure{more}; {_names(targets)} reads sections as markdown"
        wrapped = _input_in_tag(ctx, {n for _, n in found})
        if wrapped is not None:
            yield Hit(message + f" (user input '{wrapped[0]}' inside <{wrapped[1]}> is not escaped: it can close the"
                      " tag)", line)
        elif all(t.provider == "openai" for t in targets):
            yield Hit(message + " (only weak evidence of a problem: OpenAI's GPT-4.1 prompting guide recommends XML"
                      " delimiters too, and no user input sits inside the tags)", line, severity="info")
        else:
            yield Hit(message, line)


def _input_in_tag(ctx: VersionContext, names: set[str]) -> tuple[str, str] | None:
    """``(variable, tag)`` of the first user input (``input: true``) rendered inside a hard-coded tag of ``names``."""
    for var in ctx.input_variables:
        marker = ctx.marker(var)
        for seg in ctx.segments:
            at = seg.text.find(marker)
            if at < 0:
                continue
            before, after = seg.text[:at], seg.text[at + len(marker):]
            for name in names:
                opened = before.rfind(f"<{name}")
                if opened >= 0 and f"</{name}>" not in before[opened:] and f"</{name}>" in after:
                    return var, name
    return None


_HTML_OUTPUT = re.compile(
    r"(?i)\b(?:use|output|return|write|produce|generate|in|into|as)\s+(?:\w+\s+){0,2}(?:HTML|XML)\b(?!\s+tags?\s+to\s+structure)"
)
_DROPPED = re.compile(r"does not take parameter '([^']+)'")


_PROVIDER_TITLES = {"openai": "OpenAI", "anthropic": "Anthropic", "watsonx": "IBM watsonx.ai"}
"""Provider names as their makers write them, for messages."""


@rule(
    "PROV003", "error", "A parameter the provider or model does not accept",
    rationale="""A misspelled or unknown parameter (`temprature`) is sent as is and refused or ignored by the API.
    Some parameters are refused by some models: OpenAI's reasoning models (o1, o3, o4, gpt-5) reject
    temperature, top_p, penalties and logprobs with HTTP 400; Claude has no seed, n or penalties (the adapter
    drops them, so the setting silently does nothing); recent Claude models refuse temperature and top_p
    together; watsonx chat ignores parameters outside its schema. The facts live in the model profiles.""",
    fix="Remove the parameter, or move the prompt to a model that accepts it (models: in the front matter).",
    category=CATEGORY,
)
def accepted_parameters(ctx: VersionContext) -> Iterator[Hit]:
    """Parameters a target's profile rejects, exclusive pairs set together, or parameters its adapter drops."""
    params = ctx.fm.parameters.as_dict()
    for target in ctx.targets:
        if target.provider == "fake":
            continue
        name = f"{target.provider}:{target.model}"
        reported = set()
        known = KNOWN_PARAMETERS.get(target.provider)
        for key, value in params.items():
            if target.profile.rejects(key, value):
                reported.add(key)
                what = "rejects it (HTTP 400)" if target.provider == "openai" else "does not accept it (dropped)"
                yield Hit(f"parameter '{key}': {name} {what}", ctx.field_line("parameters", key))
            elif known is not None and key not in known:
                reported.add(key)
                yield Hit(f"parameter '{key}' is not one of {_PROVIDER_TITLES.get(target.provider, target.provider)}'s"
                          f" parameters{did_you_mean(key, target.provider)}", ctx.field_line("parameters", key))
        for left, right in target.profile.exclusive_parameters:
            if left in params and right in params:
                yield Hit(f"parameters '{left}' and '{right}' together: {name} refuses both at once (HTTP 400)",
                          ctx.field_line("parameters", right))
        for note in target.request.warnings if target.request is not None else ():
            match = _DROPPED.search(note)
            if match and match.group(1) not in reported:
                reported.add(match.group(1))
                yield Hit(f"parameter '{match.group(1)}': {name} does not accept it (dropped)",
                          ctx.field_line("parameters", match.group(1)))


def _lifecycle_hits(ctx: VersionContext, retired: bool) -> Iterator[Hit]:
    from promptctl.adapters.profiles import model_lifecycle

    for target in ctx.targets:
        record = model_lifecycle(target.provider, target.model)
        if record is None or record.retired(ctx.today) != retired:
            continue
        instead = f"; replacement: {record.replacement}" if record.replacement else ""
        if retired:
            message = f"model {target.model} ({target.provider}) was retired on {record.retires_on}{instead}"
        else:
            message = (f"model {target.model} ({target.provider}) is deprecated and retires on "
                       f"{record.retires_on}{instead}")
        yield Hit(f"{message} [source: {record.source}]", ctx.model_line(target))


@rule(
    "PROV004", "warning", "A deprecated model",
    rationale="""A deprecated model still answers but has a shutdown date; the provider's SDK warns about it on every
    call (the anthropic SDK's DEPRECATED_MODELS). Prompts pinned to it will fail on that date, and moving to
    the replacement needs a new version and an evaluation run first.""",
    fix="Create a new version on the replacement model (promptctl new NAME --from NAME), check it on your dataset "
    "and move the label to it.",
    category=CATEGORY,
    pipelines=True,
)
def not_deprecated(ctx: VersionContext) -> Iterator[Hit]:
    """A target model deprecated, retirement date still ahead."""
    yield from _lifecycle_hits(ctx, retired=False)


@rule(
    "PROV005", "error", "A retired model",
    rationale="""A retired model no longer exists at the provider: every request fails. The version can only be
    replaced, not run.""",
    fix="Create a new version on the replacement model and move the labels to it.",
    category=CATEGORY,
    pipelines=True,
)
def not_retired(ctx: VersionContext) -> Iterator[Hit]:
    """A target model past its retirement date."""
    yield from _lifecycle_hits(ctx, retired=True)


@rule(
    "PROV006", "error", "The prompt cannot be expressed for a provider it names",
    rationale="""Some prompts cannot be sent to a provider at all: Claude needs a user message and cannot start
    with the assistant; a provider name under models: may be misspelt; a thinking budget under 1,024 tokens or
    not below max_tokens. The adapter refuses them before any network call, so the error surfaces only when
    someone runs the prompt on that provider. (TOOL004-TOOL006 report thinking with a forced tool choice or a
    temperature and reasoning on a model without it; CACHE003 the cache breakpoints Claude refuses.)""",
    fix="Fix the message order (start with a {% user %} message) or the provider name under models:.",
    category=CATEGORY,
)
def adaptable(ctx: VersionContext) -> Iterator[Hit]:
    """Adapting the rendered prompt for a target failed, and would fail whatever history the template places.

    Lint renders a ``{% messages history %}`` block with the variable's default, usually empty; at run time it holds
    the conversation, user turns included. A refusal that goes away once each history holds a user turn (a system
    message followed by the history: "Claude needs at least one user message") is not reported; one that stays is
    reported as it reads with the user turn (an assistant message before the history: the conversation starts with
    the assistant). Unless the template places the current request itself outside a user message (a variable
    declared ``input: true`` or named as the request, ``{{ question }}`` in the system message): then the history
    holds only the earlier turns, empty on the first one, and the refusal stands (:func:`_request_outside_history`).
    """
    history: Prompt | None = None
    for target in ctx.targets:
        if target.error is not None and not is_cache_error(target.error) and not is_reasoning_error(target.error):
            # CACHE003 and TOOL004-TOOL006 report those
            message, hint = target.error, target.hint
            if target.provider in PROVIDERS and _history_variables(ctx) and not _request_outside_history(ctx):
                history = history or _with_user_history(ctx)
                refused = _refusal(ctx, history, target) if history is not None else (message, hint)
                if refused is None:
                    continue  # the history carries the turns the provider needs
                if not is_cache_error(refused[0]) and not is_reasoning_error(refused[0]):
                    message, hint = refused
            error = message.removeprefix(f"{ctx.version.display}: ")
            line = ctx.model_line(target) if target.source != "default" else ctx.body_start()
            yield Hit(f"{target.provider}: {error}", line, fix=hint)


def _history_variables(ctx: VersionContext) -> list[str]:
    """Names of the variables the template's ``{% messages VAR %}`` tags place (a conversation history)."""
    from jinja2 import nodes

    if ctx.ast is None:
        return []
    names = []
    for call in ctx.ast.find_all(nodes.Call):
        if (isinstance(call.node, nodes.ExtensionAttribute) and call.node.name == "_messages" and call.args
                and isinstance(call.args[0], nodes.Name) and call.args[0].name not in names):
            names.append(call.args[0].name)
    return names


_REQUEST_WORDS = frozenset({"question", "query", "request", "ask", "input", "message", "prompt", "utterance"})
"""Words of a variable named as the user's current request (``question``, ``user_query``, ``chatInput``)."""


def _request_outside_history(ctx: VersionContext) -> bool:
    """True when the template reads the user's current request from a variable, not from its history.

    The variable is declared ``input: true`` or named as the request (:data:`_REQUEST_WORDS`, not a system or
    history name), and is not a ``messages`` history itself. Where it lands no user message (the error being
    checked), the request sits in the system message and the history holds only the turns before it.
    """
    histories = set(_history_variables(ctx))
    for name in ctx.used_variables - histories:
        spec = ctx.fm.variables.get(name)
        if spec is not None and spec.type == "messages":
            continue
        if spec is not None and spec.input:
            return True
        words = {w.lower() for w in re.findall(r"[A-Za-z][a-z]*|[A-Z]+(?![a-z])", name)}
        if words & _REQUEST_WORDS and not words & {"system", "history", "conversation"}:
            return True
    return False


def _with_user_history(ctx: VersionContext) -> Prompt | None:
    """The prompt rendered as lint renders it, but with each ``{% messages %}`` history holding one user turn.

    None when it does not render.
    """
    from promptctl.errors import PromptctlError
    from promptctl.lint.context import INPUT_MARKER
    from promptctl.lint.fastrender import Unsupported, fast_render
    from promptctl.templating import render_prompt
    from promptctl.templating.environment import environment

    assert ctx.ast is not None  # only called when _history_variables found a tag
    values: dict[str, Any] = dict(ctx.placeholder_values)
    for name in _history_variables(ctx):
        values[name] = [{"role": "user", "content": INPUT_MARKER.format(name=name)}]
    prompt: Prompt | None = None
    try:
        prompt = fast_render(ctx.ast, values, environment())
    except Unsupported:
        try:
            prompt = render_prompt(ctx.version.body, values, where=ctx.version.display,
                                   line_offset=ctx.version.body_line - 1)
        except Exception:  # noqa: BLE001 - a filter fed a placeholder may raise anything
            return None
    if prompt.tools is None:
        try:  # as VersionContext.targets adapts it: the fast renderer leaves out the front matter's tools
            tools = ctx.version.template.tools
        except PromptctlError:
            tools = None
        if tools is not None:
            prompt = dataclasses.replace(prompt, tools=tools)
    return prompt


def _refusal(ctx: VersionContext, prompt: Prompt, target: Target) -> tuple[str, str | None] | None:
    """``(error, hint)`` of the adapter refusing ``prompt`` for ``target``, or None when it adapts.

    The version's parameters are sent as :attr:`VersionContext.targets` sends them.
    """
    from promptctl.adapters import adapt
    from promptctl.errors import PromptctlError

    params = ctx.fm.parameters.as_dict()
    if ctx.fm.reasoning is not None:
        params["reasoning"] = ctx.fm.reasoning.as_dict()
    try:
        adapt(prompt, target.provider, target.model, params, where=ctx.version.display)
    except PromptctlError as exc:
        return exc.message, exc.hint
    return None


@rule(
    "PROV007", "warning", "A model id that looks like a misspelling of a known model",
    rationale="""A model id the provider does not know fails only when the prompt is sent (HTTP 404), and promptctl
    cannot price it, so `cost` and `run --dry-run` show n/a instead of failing. An id that is unknown for its
    provider but close to a known one (gtp-4o, claude-sonet-4-6) is almost always a typo. Ids that are not close
    to any known model (a local llama3.2, a fine-tune) are not reported, and neither are ids the project's
    promptctl.toml names under [models] or [prices].""",
    fix="Correct the id to the suggested one, or name the model in promptctl.toml ([models] or "
    '[prices."provider:model"]) if it really exists.',
    category=CATEGORY,
)
def model_not_misspelt(ctx: VersionContext) -> Iterator[Hit]:
    """A front matter model id unknown for its provider and close to a known id."""
    from promptctl.adapters.profiles import DEFAULT_MODELS, is_known_model, model_suggestion

    configured: set[str] = set()
    if ctx.config is not None:
        configured = set(ctx.config.models.values()) | {k.partition(":")[2] for k in ctx.config.prices}
        if ctx.config.model:
            configured.add(ctx.config.model)
    for target in ctx.targets:
        if (target.source not in ("model", "models") or target.provider == "fake" or target.model in configured
                or target.model in DEFAULT_MODELS.values() or is_known_model(target.provider, target.model)):
            continue
        close = model_suggestion(target.model, (target.provider,))
        if close is not None:
            yield Hit(f"model '{target.model}' is not a known {target.provider} model: did you mean '{close[1]}'? "
                      "(the provider would refuse it with HTTP 404)", ctx.model_line(target))
