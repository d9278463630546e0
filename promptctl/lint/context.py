"""What the rules look at: one prompt version, parsed, rendered once with placeholder values, adapted per provider.

Rendering for lint uses no user data. Each declared variable gets a placeholder value:

- a variable declared ``input: true`` gets a unique marker text (``LINTINPUT_<name>_7f3a``; a list gets
  ``[marker]``, an object a value whose every attribute and key is the marker), so rules can see exactly
  where user input lands in the rendered messages (the method of tests/adapters/test_examples_valid.py);
- otherwise its default when it has one, else the first value of an enum, ``LINTVALUE_<name>`` for a
  string, 1 for a number, true for a boolean, an empty list, or a permissive object;
- a variable the template reads but does not declare gets a permissive placeholder too.

The neutral :class:`~promptctl.templating.Prompt` is rendered once; it is then adapted for each target
provider: the front matter's ``provider`` and every provider under ``models`` (plus the project
config's ``provider``), each with the model :func:`~promptctl.adapters.resolve_target` chooses.

Token figures are estimates: :func:`estimate_tokens` is ``ceil(len(text) / 4)`` (about four characters
per token for English text with OpenAI's and Anthropic's tokenizers). Near a threshold the size rules
ask :func:`promptctl.tokens.count_request` (tiktoken, offline) for a better count when that module is
available. Each ``input: true`` variable counts as ``typical_input_tokens`` tokens per place it is
rendered (``[lint] typical_input_tokens``, or the version's ``lint.typical_input_tokens``).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING, Any

from promptctl._yaml import plain
from promptctl.adapters.profiles import ModelProfile, profile
from promptctl.errors import PromptctlError
from promptctl.lint.settings import LintSettings
from promptctl.templating.prompt import Message, Prompt, Section

if TYPE_CHECKING:
    import jinja2.nodes

    from promptctl.config import ProjectConfig
    from promptctl.registry.registry import PromptVersion
    from promptctl.templating.variables import VariableSpec
    from promptctl.types import ProviderRequest

INPUT_MARKER = "LINTINPUT_{name}_7f3a"
VALUE_MARKER = "LINTVALUE_{name}"
_MARKER_RE = re.compile(r"LINT(?:INPUT|VALUE)_\w+(?:\.\w+|\[[^\]]*\])*")


def estimate_tokens(text: str) -> int:
    """Tokens of a text, estimated as ``ceil(len(text) / 4)`` (about 4 characters per token in English)."""
    return (len(text) + 3) // 4


def strip_markers(text: str) -> str:
    """Remove placeholder markers from rendered text (what is left is the template's own words)."""
    return _MARKER_RE.sub("", text)


class Anything(str):
    """A permissive placeholder: renders as its text; any attribute or key is another placeholder; iterates empty."""

    def __getattr__(self, name: str) -> Anything:
        if name.startswith("_"):
            raise AttributeError(name)
        return Anything(f"{self}.{name}")

    def __getitem__(self, key: Any) -> Anything:  # type: ignore[override]
        return Anything(f"{self}[{key}]")

    def __iter__(self) -> Iterator[str]:  # type: ignore[override]
        return iter(())


@dataclass(frozen=True)
class Segment:
    """One text part of the rendered prompt.

    Attributes:
        role: ``system``, ``user`` or ``assistant``.
        message: Index of the message in the prompt.
        path: Section ids enclosing the text, outermost first (empty: bare text in the message).
        text: The text (with placeholder markers).
    """

    role: str
    message: int
    path: tuple[str, ...]
    text: str

    @property
    def in_section(self) -> bool:
        """True when the text sits inside at least one section."""
        return bool(self.path)


@dataclass(frozen=True)
class Target:
    """A provider the version is meant for, with its model, profile and adapted request.

    Attributes:
        provider: Provider name.
        model: Model id (front matter, ``models``, config, or the provider's default).
        profile: The model's profile (facts from :mod:`promptctl.adapters.profiles`).
        request: The adapted request, or None when adapting failed.
        error: Why adapting failed, or None.
        source: Where the model id comes from: ``model``, ``models``, ``config`` or ``default``.
        hint: The adapter's hint for ``error`` (how to fix it), or None.
    """

    provider: str
    model: str
    profile: ModelProfile
    request: ProviderRequest | None
    error: str | None
    source: str
    hint: str | None = None


@lru_cache(maxsize=256)
def cached_profile(provider: str, model: str) -> ModelProfile:
    """:func:`~promptctl.adapters.profiles.profile`, memoised per (provider, model)."""
    return profile(provider, model)


def _section_call(node: Any) -> tuple[str, Any] | None:
    """``("_section", name node)`` or ``("_message", role node)`` for a structure-tag call block."""
    from jinja2 import nodes

    call = getattr(node, "call", None)
    if isinstance(call, nodes.Call) and isinstance(call.node, nodes.ExtensionAttribute) and call.args:
        if call.node.name in ("_section", "_message"):
            return call.node.name, call.args[0]
    return None


class VersionContext:
    """Everything the rules of one version read, computed lazily and at most once.

    Args:
        version: The version.
        settings: Project lint settings.
        config: Project config (models per provider, prices), or None.
        today: The date deprecations are judged against (default: today).
    """

    def __init__(
        self,
        version: PromptVersion,
        settings: LintSettings,
        config: ProjectConfig | None = None,
        today: date | None = None,
    ) -> None:
        self.version = version
        self.fm = version.front_matter
        self.settings = settings
        self.config = config
        self.today = today or date.today()

    # -- template ------------------------------------------------------------------------------------
    @cached_property
    def ast(self) -> jinja2.nodes.Template | None:
        """The template's Jinja2 AST, or None when it does not parse (see :attr:`parse_error`)."""
        import jinja2

        from promptctl.templating.environment import environment

        try:
            return environment().parse(self.version.body)
        except jinja2.TemplateSyntaxError as exc:
            self._parse_error = (exc.message or str(exc), (exc.lineno or 1) + self.version.body_line - 1)
            return None

    @property
    def parse_error(self) -> tuple[str, int] | None:
        """``(message, file line)`` of a template syntax error, or None."""
        _ = self.ast
        return getattr(self, "_parse_error", None)

    def file_line(self, template_line: int) -> int:
        """File line of a 1-based template (body) line."""
        return template_line + self.version.body_line - 1

    @cached_property
    def ast_nodes(self) -> dict[type, list[Any]]:
        """The AST's ``Name``, ``TemplateData``, ``CallBlock`` and ``Macro`` nodes, collected in one walk."""
        from jinja2 import nodes

        wanted = (nodes.Name, nodes.TemplateData, nodes.CallBlock, nodes.Macro)
        found: dict[type, list[Any]] = {kind: [] for kind in wanted}
        if self.ast is None:
            return found
        stack: list[Any] = [self.ast]
        while stack:
            node = stack.pop()
            kind = type(node)
            if kind in found:
                found[kind].append(node)
            stack.extend(node.iter_child_nodes())
        return found

    @cached_property
    def used_variables(self) -> set[str]:
        """Variables the template reads from its caller (Jinja2's globals such as ``range`` excluded).

        Names loaded anywhere in the template minus names it assigns itself (``{% for x in ... %}``,
        ``{% set x = ... %}``, macro names and arguments): the same answer as ``jinja2.meta.find_undeclared_variables``
        for templates that do not reuse a name both ways, at a tenth of its cost (no code generation).
        """
        if self.ast is None:
            return set()
        from jinja2 import nodes

        from promptctl.templating.environment import environment

        loaded: set[str] = set()
        stored: set[str] = set()
        for node in self.ast_nodes[nodes.Name]:
            (loaded if node.ctx == "load" else stored).add(node.name)
        for macro in self.ast_nodes[nodes.Macro] + self.ast_nodes[nodes.CallBlock]:
            stored |= {arg.name for arg in macro.args}
        stored |= {macro.name for macro in self.ast_nodes[nodes.Macro]}  # {% macro item(x) %} defines `item`
        return loaded - stored - set(environment().globals) - {"loop", "caller", "varargs", "kwargs"}

    @cached_property
    def declared_variables(self) -> dict[str, VariableSpec]:
        """Declared variables by name."""
        return dict(self.fm.variables)

    @cached_property
    def input_variables(self) -> list[str]:
        """Variables declared ``input: true``."""
        return [name for name, spec in self.fm.variables.items() if spec.input]

    @cached_property
    def literal_lines(self) -> list[tuple[int, str]]:
        """The template's own text (not tags, not variable values), as ``(file line, text)`` per line."""
        if self.ast is None:
            return []
        from jinja2 import nodes

        out: list[tuple[int, str]] = []
        for node in self.ast_nodes[nodes.TemplateData]:
            for offset, text in enumerate(node.data.split("\n")):
                if text.strip():
                    out.append((self.file_line(node.lineno + offset), text))
        out.sort(key=lambda item: item[0])
        return out

    @cached_property
    def source_lines(self) -> list[tuple[int, str]]:
        """The body's source lines (Jinja2 tags included) as ``(file line, text)``."""
        return [(self.file_line(i), text) for i, text in enumerate(self.version.body.split("\n"), start=1)]

    @cached_property
    def tag_lines(self) -> dict[tuple[str, str], int]:
        """File line of the first ``{% section NAME %}`` / ``{% ROLE %}`` tag, keyed ``("section"|"message", id)``."""
        out: dict[tuple[str, str], int] = {}
        if self.ast is None:
            return out
        from jinja2 import nodes

        from promptctl.templating.prompt import section_id

        for node in self.ast_nodes[nodes.CallBlock]:
            found = _section_call(node)
            if found is None or not isinstance(found[1], nodes.Const):
                continue
            kind = "section" if found[0] == "_section" else "message"
            try:
                key = section_id(found[1].value) if kind == "section" else str(found[1].value)
            except ValueError:
                continue
            line = self.file_line(node.lineno)
            out[(kind, key)] = min(out.get((kind, key), line), line)
        return out

    def variable_line(self, name: str, after: int | None = None) -> int | None:
        """File line where the template first reads ``name`` (at or after file line ``after`` if given)."""
        if self.ast is None:
            return None
        from jinja2 import nodes

        lines = sorted(
            self.file_line(n.lineno) for n in self.ast_nodes[nodes.Name] if n.name == name and n.ctx == "load"
        )
        if after is not None:
            later = [line for line in lines if line >= after]
            if later:
                return later[0]
        return lines[0] if lines else None

    def line_of(self, snippet: str) -> int | None:
        """File line of the template text holding ``snippet`` (its first 40 characters), or None."""
        probe = " ".join(snippet.split())[:40].strip()
        if not probe:
            return None
        for line, text in self.literal_lines:
            if probe in " ".join(text.split()):
                return line
        short = probe[:20]
        for line, text in self.literal_lines:
            if short and short in text:
                return line
        return None

    def body_start(self) -> int:
        """File line where the template starts."""
        return self.version.body_line

    # -- chains ----------------------------------------------------------------------------------------
    @cached_property
    def is_pipeline(self) -> bool:
        """True for a chain version: ``strategy: chain`` and an empty body (nothing of it is sent)."""
        return self.fm.strategy.name == "chain" and not self.version.body.strip()

    @cached_property
    def chain_steps(self) -> list[dict[str, Any]]:
        """The chain's steps as written (mappings; anything else is skipped)."""
        steps = self.fm.strategy.options.get("steps") if self.fm.strategy.name == "chain" else None
        return [s for s in steps if isinstance(s, dict)] if isinstance(steps, list) else []

    @cached_property
    def chain_variable_sources(self) -> set[str]:
        """Chain variables named by step inputs and the chain output (``NAME`` or ``vars.NAME``)."""
        sources = [v for step in self.chain_steps for v in (step.get("inputs") or {}).values()]
        sources.append(self.fm.strategy.options.get("output"))
        names = set()
        for source in sources:
            if isinstance(source, str):
                parts = source.strip().split(".")
                if len(parts) == 1 and parts[0]:
                    names.add(parts[0])
                elif len(parts) == 2 and parts[0] == "vars":
                    names.add(parts[1])
        return names

    # -- front matter lines ----------------------------------------------------------------------------
    @cached_property
    def _front_matter_tree(self) -> Any:
        import yaml

        from promptctl.registry.frontmatter import split_front_matter

        raw, _, _ = split_front_matter(self.version.text)
        if raw is None:
            return None
        try:
            loader = yaml.CSafeLoader if getattr(yaml, "__with_libyaml__", False) else yaml.SafeLoader
            return yaml.compose(raw, Loader=loader)  # noqa: S506 - composing nodes only
        except yaml.YAMLError:
            return None

    def field_line(self, *path: str | int) -> int:
        """File line of a front-matter field (``field_line("parameters", "temperature")``), best effort.

        Falls back to the deepest field found on the way, then to line 1.
        """
        import yaml

        node = self._front_matter_tree
        best = 1
        for key in path:
            if isinstance(node, yaml.MappingNode) and isinstance(key, str):
                for k, v in node.value:
                    if getattr(k, "value", None) == key:
                        best = k.start_mark.line + 2  # +1: 1-based, +1: the opening '---'
                        node = v
                        break
                else:
                    return best
            elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and 0 <= key < len(node.value):
                node = node.value[key]
                best = node.start_mark.line + 2
            else:
                return best
        return best

    # -- rendering -------------------------------------------------------------------------------------
    @cached_property
    def placeholder_values(self) -> dict[str, Any]:
        """The placeholder value of each declared (and each undeclared but read) variable."""
        values: dict[str, Any] = {}
        for name, spec in self.fm.variables.items():
            values[name] = _placeholder(name, spec)
        for name in self.used_variables - set(values):
            values[name] = Anything(VALUE_MARKER.format(name=name))
        return values

    @cached_property
    def prompt(self) -> Prompt | None:
        """The neutral prompt rendered with placeholder values, or None (see :attr:`render_error`).

        The AST already parsed is evaluated directly (:mod:`promptctl.lint.fastrender`, no compilation);
        a template it cannot evaluate exactly is rendered by :func:`promptctl.templating.render_prompt`.
        """
        if self.ast is None:
            return None
        from promptctl.lint.fastrender import Unsupported, fast_render
        from promptctl.templating import render_prompt
        from promptctl.templating.environment import environment

        try:
            return fast_render(self.ast, self.placeholder_values, environment())
        except Unsupported:
            pass
        try:
            return render_prompt(
                self.version.body, self.placeholder_values, where=self.version.display,
                line_offset=self.version.body_line - 1,
            )
        except PromptctlError as exc:
            self._render_error = exc.message
            self._render_exception = exc
        except Exception as exc:  # noqa: BLE001 - a filter fed a placeholder may raise anything
            self._render_error = f"{type(exc).__name__}: {exc}"
        return None

    @property
    def render_error(self) -> str | None:
        """Why rendering with placeholder values failed, or None."""
        _ = self.prompt
        return getattr(self, "_render_error", None)

    @property
    def render_exception(self) -> PromptctlError | None:
        """The promptctl error rendering with placeholder values raised (e.g. a sandbox refusal), or None."""
        _ = self.prompt
        return getattr(self, "_render_exception", None)

    @cached_property
    def segments(self) -> list[Segment]:
        """Every text part of the rendered prompt with its role and enclosing sections."""
        if self.prompt is None:
            return []
        out: list[Segment] = []
        for index, message in enumerate(self.prompt.messages):
            _walk(message, index, out)
        return out

    @cached_property
    def has_system(self) -> bool:
        """True when the rendered prompt has a non-blank system message."""
        return self.prompt is not None and any(m.role == "system" and not m.is_blank() for m in self.prompt.messages)

    @cached_property
    def section_names(self) -> set[str]:
        """Ids of every section in the rendered prompt (any depth, any message)."""
        return {name for seg in self.segments for name in seg.path}

    def marker(self, variable: str) -> str:
        """The marker text an ``input: true`` variable renders as."""
        return INPUT_MARKER.format(name=variable)

    def instruction_segments(self, *, system_only: bool = False, skip_examples: bool = True) -> list[Segment]:
        """Segments holding the template's own instructions: not example sections, not user-input sections.

        A segment whose text is nothing but placeholder markers is left out.
        """
        out = []
        for seg in self.segments:
            if system_only and seg.role != "system":
                continue
            if seg.role == "assistant":
                continue
            if skip_examples and any(p in _EXAMPLE_SECTIONS for p in seg.path):
                continue
            if not strip_markers(seg.text).strip():
                continue
            out.append(seg)
        return out

    def instruction_text(self, *, system_only: bool = False, skip_examples: bool = True) -> str:
        """The text of :meth:`instruction_segments`, markers removed, one segment per paragraph (memoised)."""
        key = (system_only, skip_examples)
        cache = self.__dict__.setdefault("_instruction_text", {})
        if key not in cache:
            cache[key] = "\n\n".join(
                strip_markers(s.text)
                for s in self.instruction_segments(system_only=system_only, skip_examples=skip_examples)
            )
        return cache[key]

    @cached_property
    def instruction_units(self) -> list[str]:
        """:func:`promptctl.lint.text.directive_units` of :meth:`instruction_text`."""
        from promptctl.lint.text import directive_units

        return list(directive_units(self.instruction_text()))

    @cached_property
    def is_english(self) -> bool:
        """:func:`promptctl.lint.text.is_english` of the instruction text."""
        from promptctl.lint.text import is_english

        return is_english(self.instruction_text())

    @cached_property
    def cue_text(self) -> str:
        """The instruction text without sample requests (:func:`promptctl.lint.text.without_sample_requests`)."""
        from promptctl.lint.text import without_sample_requests

        return without_sample_requests(self.instruction_text())

    @cached_property
    def instruction_words(self) -> int:
        """Number of words of the instruction text."""
        from promptctl.lint.text import words

        return words(self.instruction_text())

    @cached_property
    def titles(self) -> list[str]:
        """Headings and labels of the instruction text (:func:`promptctl.lint.text.titles`)."""
        from promptctl.lint.text import titles

        return titles(self.instruction_text())

    @cached_property
    def prose_units(self) -> list[str]:
        """Directive units of the instruction text without code fences and ``>`` quotes (:func:`.text.prose`)."""
        from promptctl.lint.text import directive_units, prose

        return list(directive_units(prose(self.instruction_text())))

    @cached_property
    def system_text(self) -> str:
        """The rendered system prompt's text (sections' text, no headings), markers removed."""
        return "\n".join(strip_markers(s.text) for s in self.segments if s.role == "system")

    # -- targets ---------------------------------------------------------------------------------------
    @cached_property
    def targets(self) -> list[Target]:
        """The providers this version is meant for, each adapted (see the module docstring)."""
        from promptctl.adapters import adapt, resolve_target
        from promptctl.types import PROVIDERS

        wanted: list[str] = []
        if self.fm.provider:
            wanted.append(self.fm.provider)
        wanted += [p for p in self.fm.models if p not in wanted]
        if self.config is not None and self.config.provider and self.config.provider not in wanted:
            wanted.append(self.config.provider)
        params = self.fm.parameters.as_dict()
        if self.fm.reasoning is not None:  # as build_request sends it: the adapters check thinking and effort
            params["reasoning"] = self.fm.reasoning.as_dict()
        prompt = self.prompt
        if prompt is not None and prompt.tools is None:  # the fast renderer leaves out the front matter's tools
            try:
                tools = self.version.template.tools
            except PromptctlError:
                tools = None
            if tools is not None:
                prompt = dataclasses.replace(prompt, tools=tools)
        out: list[Target] = []
        for provider in wanted:
            if provider not in PROVIDERS:
                out.append(Target(provider, self.fm.models.get(provider, "?"), ModelProfile(provider), None,
                                  f"unknown provider '{provider}' (providers: {', '.join(PROVIDERS)})", "models"))
                continue
            try:
                _, model = resolve_target(self.version.front_matter, provider, None, self.config,
                                                  where=self.version.display)
            except PromptctlError as exc:
                out.append(Target(provider, "?", ModelProfile(provider), None, exc.message, "default"))
                continue
            source = (
                "model" if self.fm.provider == provider and self.fm.model == model
                else "models" if self.fm.models.get(provider) == model
                else "config" if self.config is not None
                and model in (self.config.model, self.config.models.get(provider))
                else "default"
            )
            prof = cached_profile(provider, model)
            request, error, hint = None, None, None
            if prompt is not None:
                try:
                    request = adapt(prompt, provider, model, params, where=self.version.display)
                except PromptctlError as exc:
                    error, hint = exc.message, exc.hint
            out.append(Target(provider, model, prof, request, error, source, hint))
        return out

    @property
    def primary_provider(self) -> str | None:
        """The provider the version was written for: the front matter's ``provider``, else the config's."""
        return self.fm.provider or (self.config.provider if self.config is not None else None)

    def secondary_only(self, targets: list[Target]) -> bool:
        """True when none of ``targets`` is the primary provider (they all come from ``models:`` or defaults)."""
        return not any(t.provider == self.primary_provider for t in targets)

    def model_line(self, target: Target) -> int:
        """Front-matter line naming the target's model (``model`` or ``models.<provider>``)."""
        if target.source == "models" or (target.source != "model" and target.provider in self.fm.models):
            return self.field_line("models", target.provider)
        return self.field_line("model") if self.fm.model else self.field_line("provider")

    # -- sizes -----------------------------------------------------------------------------------------
    @cached_property
    def typical_input_tokens(self) -> int:
        """Tokens assumed for each rendered ``input: true`` variable."""
        own = self.fm.lint.typical_input_tokens
        return own if own is not None else self.settings.typical_input_tokens

    def request_text(self, request: ProviderRequest) -> str:
        """Every text the model reads in a request: the system parameter and each message's content."""
        body = request.body
        parts = [_content_text(body.get("system") or "")]
        for message in body.get("messages", []):
            parts.append(_content_text(message.get("content")))
        return "\n".join(parts)

    def input_tokens(self, request: ProviderRequest, *, exact: bool = False) -> tuple[int, str]:
        """Input tokens of a request with each input marker counted as a typical input.

        Args:
            request: An adapted request of this version.
            exact: Count the template's text with :func:`promptctl.tokens.count_request` (tiktoken, offline)
                instead of the characters/4 estimate, when that module is available.

        Returns:
            ``(tokens, method)``: the figure and how it was obtained, in words.
        """
        text = self.request_text(request)
        occurrences = sum(text.count(self.marker(v)) for v in self.input_variables)
        base, method = estimate_tokens(text), "estimate: characters / 4"
        if exact:
            from promptctl.errors import TokenizerError
            from promptctl.tokens import count_request

            try:
                count = count_request(request)
                base, method = count.tokens, f"{count.quality}: {count.method}"
            except TokenizerError:  # the encoding cannot be loaded offline: keep the estimate
                pass
        return base + occurrences * self.typical_input_tokens, method


def _content_text(content: Any) -> str:
    """A system prompt's or message's text: a string, or the texts of its content blocks (cache_control aside)."""
    if isinstance(content, list):
        return "\n\n".join(str(b.get("text", "")) if isinstance(b, dict) else str(b) for b in content)
    return content if isinstance(content, str) else str(content)


_EXAMPLE_SECTIONS = {"examples", "example", "few_shot", "fewshot", "shots", "demonstrations", "samples"}
"""Section ids whose content is few-shot examples, not instructions."""


def _walk(message: Message, index: int, out: list[Segment]) -> None:
    def parts(items: tuple[Any, ...], path: tuple[str, ...]) -> None:
        for part in items:
            if isinstance(part, Section):
                parts(part.parts, (*path, part.name))
            elif isinstance(part, str) and part.strip():  # media, cache breakpoints, tool parts: not text
                out.append(Segment(message.role, index, path, part))

    parts(message.parts, ())


def _placeholder(name: str, spec: VariableSpec) -> Any:
    if spec.type in ("image", "document"):  # lint reads no file: a stand-in part of the declared kind
        from promptctl.templating.prompt import Media

        if not spec.required and spec.default is None:
            return None  # an optional medium not given by default (`{% if invoice_pdf %}` is false)
        return Media(kind=spec.type, variable=name, media_type=None, source="(lint placeholder)")
    if spec.input:
        marker = INPUT_MARKER.format(name=name)
        if spec.type == "string":
            return marker
        if spec.type == "list":
            return [marker]
        if spec.type == "object":
            return Anything(marker)
        if spec.type == "messages":
            return [{"role": "user", "content": marker}]
    if not spec.required:
        return plain(spec.default)
    if spec.type == "enum":
        return (spec.values or [""])[0]
    return {
        "string": VALUE_MARKER.format(name=name),
        "integer": 1,
        "number": 1.0,
        "boolean": True,
        "list": [],
        "messages": [],
    }.get(spec.type, Anything(VALUE_MARKER.format(name=name)))


def example_sections() -> set[str]:
    """Section ids treated as few-shot examples (their text is not counted as instructions)."""
    return set(_EXAMPLE_SECTIONS)
