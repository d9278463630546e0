"""The sandboxed Jinja2 environment and the message/section tags.

Templates run in Jinja2's :class:`~jinja2.sandbox.ImmutableSandboxedEnvironment`
with :class:`~jinja2.StrictUndefined`: attributes starting with ``_`` and
mutating methods are refused, so a template can never reach Python internals,
and a missing variable is an error. Variable values are inserted once and are
never parsed again as template text. Rendering is bounded in size and time inside
the sandbox (:mod:`promptctl.templating.bounds`).

Structure tags::

    {% system %} ... {% endsystem %}      a system message
    {% user %} ... {% enduser %}          a user message
    {% assistant %} ... {% endassistant %}  an assistant message (a final one is a prefill)
    {% section "instructions" %} ... {% endsection %}   a named section, nestable
    {% image screenshot %}, {% document invoice %}      media (:mod:`promptctl.templating.media`)

A body without message tags is one user message. The tags emit placeholders
carrying a random per-render nonce, so a variable value can never forge a
message or section boundary.

Templates are self-contained: ``{% include %}``, ``{% extends %}``, ``{% import %}``
and ``{% from ... import %}`` are refused, so a version's sha256 covers
everything it renders. Every render error is a :class:`~promptctl.errors.TemplateError`
naming the reference and the file line.
"""

from __future__ import annotations

import contextvars
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from types import TracebackType
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.ext import Extension
from jinja2.sandbox import ImmutableSandboxedEnvironment

from promptctl.errors import PromptctlError, TemplateError, TemplateSecurityError, UndefinedVariableError
from promptctl.templating import bounds
from promptctl.templating.literal import literal_source, looks_like_template  # noqa: F401 (re-exported)
from promptctl.templating.prompt import (
    OBJECT_PARTS,
    ROLES,
    CacheBreak,
    Message,
    Part,
    Prompt,
    Role,
    Section,
    clean_text,
    mark_value,
    placeholder,
    section_id,
)


class _StructureError(Exception):
    """Misuse of a structure tag, raised inside a render; :func:`render_prompt` adds the reference and file line.

    Attributes:
        lineno: Line of the offending tag in the template body (1-based).
        message: What is wrong.
        hint: What to do about it.
    """

    def __init__(self, lineno: int, message: str, hint: str) -> None:
        super().__init__(message)
        self.lineno = lineno
        self.message = message
        self.hint = hint


_NESTED_HINT = "close each {% system %}/{% user %}/{% assistant %} before the next; sections go inside messages"
_UNSUPPORTED_TAGS: tuple[tuple[type[nodes.Node], str], ...] = (
    (nodes.Extends, "extends"),
    (nodes.Include, "include"),
    (nodes.Import, "import"),
    (nodes.FromImport, "from ... import"),
)


_DIGITS = frozenset("0123456789")


@dataclass
class _Builder:
    """Per-render state: the nonce and the sections, messages and non-text parts built so far."""

    nonce: str = field(default_factory=lambda: secrets.token_hex(12))
    sections: dict[str, Section] = field(default_factory=dict)
    messages: dict[str, Message] = field(default_factory=dict)
    objects: dict[str, Part] = field(default_factory=dict)
    in_message: bool = False
    counter: int = 0
    where: str = "prompt"
    line_offset: int = 0

    def token(self, kind: str) -> str:
        self.counter += 1
        return f"\x00{self.nonce}:{kind}{self.counter}\x00"

    def split(self, text: str) -> list[str]:
        r"""Split rendered text around this render's placeholders (kept as separate items).

        The same list as ``re.split(f"(\x00{nonce}:[smo][0-9]+\x00)", text)``, found with ``str.find``:
        a pattern with this render's nonce would be compiled again on every render (and push other
        patterns out of ``re``'s cache), which cost ``ab`` a fifth of its rendering time.
        """
        head = f"\x00{self.nonce}:"
        pos = text.find(head)
        if pos < 0:
            return [text]
        out: list[str] = []
        start, end = 0, len(text)
        while pos >= 0:
            kind = pos + len(head)
            digits = kind + 1
            while digits < end and text[digits] in _DIGITS:
                digits += 1
            if kind < end and text[kind] in "smo" and digits > kind + 1 and digits < end and text[digits] == "\x00":
                out += (text[start:pos], text[pos:digits + 1])
                start = digits + 1
                pos = text.find(head, start)
            else:
                pos = text.find(head, pos + 1)
        out.append(text[start:])
        return out

    def place(self, part: Part) -> str:
        """Hold a non-text part (:data:`~promptctl.templating.prompt.OBJECT_PARTS`) and return its placeholder.

        A tag that inserts media, a cache breakpoint or a tool call returns this placeholder as its output;
        :meth:`parts` puts the object back in template order. Values can never forge one (the nonce).
        """
        token = self.token("o")
        self.objects[token] = part
        return token

    def parts(self, text: str, *, lineno: int = 0) -> tuple[Part, ...]:
        out: list[Part] = []
        for piece in self.split(text):
            if piece in self.sections:
                out.append(self.sections.pop(piece))
            elif piece in self.objects:
                out.append(self.objects.pop(piece))
            elif piece in self.messages:
                raise _StructureError(
                    lineno, "a message tag cannot be nested inside another message or section", _NESTED_HINT
                )
            else:
                cleaned = clean_text(piece)
                if cleaned:
                    out.append(cleaned)
        return tuple(out)


_BUILDER: contextvars.ContextVar[_Builder] = contextvars.ContextVar("promptctl_template_builder")


class StructureExtension(Extension):
    """Jinja2 extension adding ``system``/``user``/``assistant`` message tags and ``section``."""

    tags = {*ROLES, "section"}

    def parse(self, parser: Any) -> nodes.Node:
        """Parse a message or section tag into a call block around its body."""
        token = next(parser.stream)
        tag = token.value
        if tag == "section":
            name = parser.parse_expression()
            body = parser.parse_statements(("name:endsection",), drop_needle=True)
            call = self.call_method("_section", [name, nodes.Const(token.lineno)])
        else:
            body = parser.parse_statements((f"name:end{tag}",), drop_needle=True)
            call = self.call_method("_message", [nodes.Const(tag), nodes.Const(token.lineno)])
        return nodes.CallBlock(call, [], [], body).set_lineno(token.lineno)

    def _section(self, name: Any, lineno: int, caller: Callable[[], str]) -> str:
        builder = _BUILDER.get()
        try:
            sid = section_id(name)
        except ValueError as exc:
            raise _StructureError(lineno, str(exc), 'e.g. {% section "output format" %}') from None
        body = caller()
        token = builder.token("s")
        builder.sections[token] = Section(sid, builder.parts(body, lineno=lineno))
        return token

    def _message(self, role: Role, lineno: int, caller: Callable[[], str]) -> str:
        builder = _BUILDER.get()
        if builder.in_message:
            raise _StructureError(
                lineno, f"a {{% {role} %}} message cannot be nested inside another message", _NESTED_HINT
            )
        builder.in_message = True
        try:
            body = caller()
        finally:
            builder.in_message = False
        token = builder.token("m")
        builder.messages[token] = Message(role=role, parts=builder.parts(body, lineno=lineno))
        return token


class BoundedSandboxedEnvironment(ImmutableSandboxedEnvironment):
    """Jinja2's immutable sandbox plus the render limits of :mod:`promptctl.templating.bounds`.

    Operators that can build large values (``*``, ``+``, ``**``, ``%``) are intercepted, every call goes
    through :func:`~promptctl.templating.bounds.check_call`, every filter through
    :func:`~promptctl.templating.bounds.guard_filter`, every printed value through ``finalize`` and every
    joined block of text through :func:`~promptctl.templating.bounds.bounded_concat`. Templates compiled
    by :func:`_compiled` also have their loops wrapped in :func:`~promptctl.templating.bounds.loop_guard`.
    """

    intercepted_binops = frozenset({"*", "+", "**", "%"})
    concat = staticmethod(bounds.bounded_concat)  # type: ignore[assignment]

    def __init__(self, **options: Any) -> None:
        super().__init__(finalize=_finalize, **options)
        self.filters = {name: bounds.guard_filter(name, func) for name, func in self.filters.items()}
        self.globals[bounds.LOOP_GUARD] = bounds.loop_guard

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        """Apply a binary operator after checking the size of what it would build."""
        bounds.check_binop(operator, left, right)
        return super().call_binop(context, operator, left, right)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805 - Jinja2's signature
        """Call an object from sandboxed code, after the size and deadline checks."""
        bounds.check_call(__obj, args, kwargs)
        result = super().call(__context, __obj, *args, **kwargs)
        return bounds.check_result(result, f"the result of {getattr(__obj, '__name__', 'a call')}()")


@lru_cache(maxsize=1)
def environment() -> BoundedSandboxedEnvironment:
    """The shared sandboxed environment (StrictUndefined, autoescape off, trim/lstrip blocks on, bounded)."""
    from promptctl.templating.tools import ToolExtension  # the tool tags (issue 19) live with the tools

    return BoundedSandboxedEnvironment(
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        extensions=[
            StructureExtension, _conversation_extension(), ToolExtension, "promptctl.templating.media.MediaExtension",
        ],
    )


def _conversation_extension() -> type[Extension]:
    """The ``{% messages %}`` and ``{% cache %}`` tags (their module uses this one's builder, so it loads after it)."""
    from promptctl.templating.conversation import ConversationExtension

    return ConversationExtension


def _finalize(value: Any) -> Any:
    """Check each ``{{ value }}`` output against the size limit, then mark it for cleaning.

    During a render the value is marked (:func:`~promptctl.templating.prompt.mark_value`) so that its
    whitespace survives cleaning, byte for byte.
    """
    value = bounds.check_text(value)
    if _BUILDER.get(None) is None or not isinstance(value, str):
        return value
    return mark_value(value)


def parse_source(source: str, *, where: str, line_offset: int = 0) -> jinja2.nodes.Template:
    """Parse and compile template source; return its Jinja2 AST.

    Compiling catches what parsing alone lets through: an unknown filter (``{{ x | nosuchfilter }}``)
    or test, which Jinja2 reports only when it generates code.

    Args:
        source: Template body.
        where: Text naming the template in errors (a reference or file path).
        line_offset: Lines before the body in its file, added to line numbers in errors.

    Raises:
        TemplateError: The template has a syntax error, does not compile, or includes, extends or imports
            another template (one line naming the file line).
    """
    _template(source, where=where, line_offset=line_offset)
    return environment().parse(source)


def _check_self_contained(ast: nodes.Template, *, where: str, line_offset: int) -> None:
    """Refuse ``include``, ``extends`` and ``import``: a version's sha256 must cover everything it renders.

    Raises:
        TemplateError: Naming the tag and its file line.
    """
    refused = _refused_tag(ast)
    if refused is not None:
        raise _refused_error(refused, where=where, line_offset=line_offset)


def _refused_tag(ast: nodes.Template) -> tuple[int, str] | None:
    """(line, tag) of the first ``include``/``extends``/``import`` in the template, or None."""
    found = [(node.lineno, tag) for kind, tag in _UNSUPPORTED_TAGS for node in ast.find_all(kind)]
    return min(found) if found else None


def _refused_error(refused: tuple[int, str], *, where: str, line_offset: int) -> TemplateError:
    lineno, tag = refused
    return TemplateError(
        f"{where}: line {lineno + line_offset}: {{% {tag} %}} is not supported: a prompt template is "
        "self-contained, so that its version's sha256 covers everything it renders",
        hint="copy the shared text into this template, or pass it in as a variable",
    )


def _template_line(tb: TracebackType | None, filename: str | None) -> int | None:
    """The template line of the innermost traceback frame in template code (Jinja rewrites those frames)."""
    line = None
    while tb is not None:
        if filename is not None and tb.tb_frame.f_code.co_filename == filename:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def referenced_variables(source: str, *, where: str = "template", line_offset: int = 0) -> set[str]:
    """Names of the variables a template reads (``jinja2.meta.find_undeclared_variables``).

    Args:
        source: Template body.
        where: Text naming the template in errors.
        line_offset: Lines before the body in its file, so errors name file lines.

    Raises:
        TemplateError: The template has a syntax error or does not compile (naming the file line).
    """
    from jinja2 import meta

    return set(meta.find_undeclared_variables(parse_source(source, where=where, line_offset=line_offset)))


def _first_use_line(source: str, variable: str) -> int | None:
    try:
        ast = environment().parse(source)
    except jinja2.TemplateSyntaxError:
        return None
    lines = [n.lineno for n in ast.find_all(nodes.Name) if n.name == variable and n.ctx == "load"]
    return min(lines) if lines else None


def render_prompt(
    source: str,
    variables: Mapping[str, Any],
    *,
    where: str,
    line_offset: int = 0,
) -> Prompt:
    """Render template source into a provider-neutral :class:`Prompt`.

    Args:
        source: The Jinja2 template body (front matter already removed).
        variables: Values to render in; inserted once, never re-parsed as template text.
        where: Text naming the template in errors, e.g. ``support-agent@2``.
        line_offset: Lines before the body in its file, so errors name file lines.

    Returns:
        The prompt: a tuple of messages. Without message tags the body is one user message.

    Raises:
        TemplateSecurityError: The template reached for Python internals (nothing was executed).
        UndefinedVariableError: A variable the template needs was not given.
        TemplateError: Syntax errors, ``include``/``extends``/``import`` (templates are self-contained), misuse
            of the structure tags, or any other error while rendering (``1/0``, a sandbox limit, a missing
            attribute), naming the reference and the file line: ``support@1: line 12: division by zero``.
    """
    template = _template(source, where=where, line_offset=line_offset)
    builder = _Builder(where=where, line_offset=line_offset)
    reset = _BUILDER.set(builder)
    try:
        with bounds.render_budget():
            text = template.render(dict(variables))
    except _StructureError as exc:
        raise TemplateError(f"{where}: line {exc.lineno + line_offset}: {exc.message}", hint=exc.hint) from None
    except PromptctlError:
        raise
    except Exception as exc:  # noqa: BLE001 - any error a template raises is the template's: report it, no traceback
        line = _template_line(exc.__traceback__, template.filename)
        at = f": line {line + line_offset}" if line else ""
        raise _render_error(exc, source, where, at, line_offset) from None
    finally:
        _BUILDER.reset(reset)
    return Prompt(messages=_assemble(builder, text, where, source=source, line_offset=line_offset))


def _render_error(exc: Exception, source: str, where: str, at: str, line_offset: int) -> TemplateError:
    """The :class:`TemplateError` reporting an exception raised while rendering (``at``: ``: line N`` or empty)."""
    if isinstance(exc, bounds.RenderLimitExceeded):
        return TemplateError(f"{where}{at}: {exc}", hint=exc.hint)
    if isinstance(exc, jinja2.exceptions.SecurityError):
        return TemplateSecurityError(
            f"{where}{at}: template tried to access Python internals ({exc}); nothing was executed",
            hint="templates may only read variables and call safe filters",
        )
    if isinstance(exc, jinja2.UndefinedError):
        match = re.search(r"'([^']+)' is undefined", str(exc))
        if match is None:
            return TemplateError(f"{where}{at}: {exc}", hint="check the attribute or key the template reads")
        name = match.group(1)
        if not at:
            line = _first_use_line(source, name)
            at = f": line {line + line_offset}" if line else ""
        return UndefinedVariableError(
            f"{where}{at}: missing variable '{name}'",
            variable=name,
            hint=f"pass it (--var {name}=... or --vars FILE; in Python variables={{'{name}': ...}}), or give it a "
                 "default in the front matter",
        )
    if isinstance(exc, jinja2.TemplateError):
        return TemplateError(f"{where}{at}: {exc}", hint="check the template expression on that line")
    detail = str(exc) or type(exc).__name__
    if isinstance(exc, (OverflowError, RecursionError, MemoryError)):
        hint = "the template exceeds a sandbox limit; compute less in the template, or pass the value in"
    elif isinstance(exc, TypeError) and "object is not callable" in detail:  # {{ review() }}: lint's LOAD005
        hint = "a variable holds data, not a function: drop the parentheses ({{ name }} not {{ name() }})"
    else:
        hint = "check the template expression on that line and the values it uses"
    return TemplateError(f"{where}{at}: {detail}", hint=hint)


def _assemble(builder: _Builder, text: str, where: str, *, source: str = "", line_offset: int = 0
              ) -> tuple[Message, ...]:
    pieces = builder.split(text)
    message_tokens = [p for p in pieces if p in builder.messages]
    if not message_tokens:
        return (Message(role="user", parts=builder.parts(text)),)
    messages: list[Message] = []
    for piece in pieces:
        if piece in builder.messages:
            messages.append(builder.messages[piece])
        elif isinstance(builder.objects.get(piece), CacheBreak) and messages:
            # {% cache %} between messages ends the prefix at the end of the message before it
            messages[-1] = Message(messages[-1].role, (*messages[-1].parts, builder.objects[piece]))
        elif piece in builder.sections or piece in builder.objects or piece.strip():
            held = builder.objects.get(piece)
            shown = placeholder(held)[:40] if isinstance(held, OBJECT_PARTS) else clean_text(piece)[:40]
            line = (_line_of_text(source, shown.split("\n")[0])
                    if piece not in builder.sections and piece not in builder.objects else None)
            at = f": line {line + line_offset}" if line else ""
            raise TemplateError(
                f"{where}{at}: text or sections outside any message tag ({shown!r})",
                hint="put all content inside {% system %}, {% user %} or {% assistant %} when the template uses them",
            )
    return tuple(messages)


def _line_of_text(source: str, text: str) -> int | None:
    """The 1-based line of ``source`` where ``text`` first occurs (template text outside tags), or None."""
    if not text.strip():
        return None
    for number, line in enumerate(source.split("\n"), 1):
        if text.strip() in line:
            return number
    return None


def _template(source: str, *, where: str, line_offset: int) -> jinja2.Template:
    """The compiled template of ``source`` (cached by source text).

    Raises:
        TemplateError: A syntax error, a compile error (unknown filter or test), or an
            ``include``/``extends``/``import`` tag, naming the file line.
    """
    try:
        template, refused = _compiled(source)
    except jinja2.TemplateSyntaxError as exc:  # TemplateAssertionError (unknown filter or test) is one too
        raise syntax_error(exc, where=where, line_offset=line_offset) from None
    if template is None:
        raise _refused_error(refused or (0, "?"), where=where, line_offset=line_offset)
    return template


def syntax_error(exc: jinja2.TemplateSyntaxError, *, where: str, line_offset: int) -> TemplateError:
    """One-line :class:`TemplateError` for a Jinja2 syntax or compile error, at its file line.

    An unknown filter or test gets a "did you mean" from the sandbox's filters or tests.
    """
    from promptctl.errors import did_you_mean

    message = (exc.message or str(exc)).rstrip(".")
    hint = "check the Jinja2 tag on that line"
    unknown = re.match(r"No (filter|test) named '([^']+)'", message)
    if unknown:
        kind, name = unknown.groups()
        known = environment().filters if kind == "filter" else environment().tests
        message = f"unknown {kind} '{name}'"
        close = did_you_mean(name, known, what=kind)
        listed = f"Jinja2's built-in {kind}s: promptctl help templates"
        hint = f"{close} ({listed})" if close else listed
        return TemplateError(f"{where}: line {(exc.lineno or 0) + line_offset}: {message}", hint=hint)
    return TemplateError(f"{where}: line {(exc.lineno or 0) + line_offset}: template syntax error: {message}",
                         hint=hint)


@lru_cache(maxsize=512)
def _compiled(source: str) -> tuple[jinja2.Template | None, tuple[int, str] | None]:
    """(compiled template, None), or (None, (line, tag)) when the template uses a refused tag."""
    env = environment()
    ast = env.parse(source)
    refused = _refused_tag(ast)
    if refused is not None:
        return None, refused
    template = env.from_string(bounds.guard_loops(ast))
    # ``~`` compiles to the runtime's ``str_join``, a global of the compiled module: bound it too.
    namespace = template.root_render_func.__globals__
    if "str_join" in namespace:
        namespace["str_join"] = bounds.bounded_str_join
    return template, None
