"""The sandboxed Jinja2 environment and the message/section tags.

Templates run in Jinja2's :class:`~jinja2.sandbox.ImmutableSandboxedEnvironment`
with :class:`~jinja2.StrictUndefined`: attributes starting with ``_`` and
mutating methods are refused, so a template can never reach Python internals,
and a missing variable is an error. Variable values are inserted once and are
never parsed again as template text.

Structure tags::

    {% system %} ... {% endsystem %}      a system message
    {% user %} ... {% enduser %}          a user message
    {% assistant %} ... {% endassistant %}  an assistant message (a final one is a prefill)
    {% section "instructions" %} ... {% endsection %}   a named section, nestable

A body without message tags is one user message. The tags emit placeholders
carrying a random per-render nonce, so a variable value can never forge a
message or section boundary.
"""

from __future__ import annotations

import contextvars
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.ext import Extension
from jinja2.sandbox import ImmutableSandboxedEnvironment

from promptctl.errors import TemplateError, TemplateSecurityError, UndefinedVariableError
from promptctl.templating.prompt import ROLES, Message, Part, Prompt, Role, Section, clean_text, section_id


@dataclass
class _Builder:
    """Per-render state: the nonce and the sections and messages built so far."""

    nonce: str = field(default_factory=lambda: secrets.token_hex(12))
    sections: dict[str, Section] = field(default_factory=dict)
    messages: dict[str, Message] = field(default_factory=dict)
    in_message: bool = False
    counter: int = 0

    def token(self, kind: str) -> str:
        self.counter += 1
        return f"\x00{self.nonce}:{kind}{self.counter}\x00"

    def split(self, text: str) -> list[str]:
        """Split rendered text around this render's placeholders (kept as separate items)."""
        return re.split(f"(\x00{self.nonce}:[sm][0-9]+\x00)", text)

    def parts(self, text: str, *, allow_messages: bool = False) -> tuple[Part, ...]:
        out: list[Part] = []
        for piece in self.split(text):
            if piece in self.sections:
                out.append(self.sections.pop(piece))
            elif piece in self.messages and not allow_messages:
                raise TemplateError("a message tag cannot be nested inside another message or section")
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
            raise TemplateError(f"line {lineno}: {exc}") from None
        body = caller()
        token = builder.token("s")
        builder.sections[token] = Section(sid, builder.parts(body))
        return token

    def _message(self, role: Role, lineno: int, caller: Callable[[], str]) -> str:
        builder = _BUILDER.get()
        if builder.in_message:
            raise TemplateError(f"line {lineno}: a {{% {role} %}} message cannot be nested inside another message")
        builder.in_message = True
        try:
            body = caller()
        finally:
            builder.in_message = False
        token = builder.token("m")
        builder.messages[token] = Message(role=role, parts=builder.parts(body))
        return token


@lru_cache(maxsize=1)
def environment() -> ImmutableSandboxedEnvironment:
    """The shared sandboxed environment (StrictUndefined, autoescape off, trim/lstrip blocks on)."""
    return ImmutableSandboxedEnvironment(
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        extensions=[StructureExtension],
    )


def parse_source(source: str, *, where: str, line_offset: int = 0) -> jinja2.nodes.Template:
    """Parse template source into a Jinja2 AST.

    Args:
        source: Template body.
        where: Text naming the template in errors (a reference or file path).
        line_offset: Lines before the body in its file, added to line numbers in errors.

    Raises:
        TemplateError: The template has a syntax error (message names the file line).
    """
    try:
        return environment().parse(source)
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(
            f"{where}: line {(exc.lineno or 0) + line_offset}: template syntax error: {exc.message}",
            hint="check the Jinja2 tag on that line",
        ) from None


def referenced_variables(source: str, *, where: str = "template") -> set[str]:
    """Names of the variables a template reads (``jinja2.meta.find_undeclared_variables``).

    Raises:
        TemplateError: The template has a syntax error.
    """
    from jinja2 import meta

    return set(meta.find_undeclared_variables(parse_source(source, where=where)))


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
        TemplateError: Syntax errors, misuse of the structure tags, or any other render error.
    """
    try:
        template = _compiled(source)
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(
            f"{where}: line {(exc.lineno or 0) + line_offset}: template syntax error: {exc.message}",
            hint="check the Jinja2 tag on that line",
        ) from None
    builder = _Builder()
    reset = _BUILDER.set(builder)
    try:
        text = template.render(dict(variables))
    except jinja2.exceptions.SecurityError as exc:
        raise TemplateSecurityError(
            f"{where}: template tried to access Python internals ({exc}); nothing was executed",
            hint="templates may only read variables and call safe filters",
        ) from None
    except jinja2.UndefinedError as exc:
        match = re.search(r"'([^']+)' is undefined", str(exc))
        if match is None:
            raise TemplateError(f"{where}: {exc}", hint="check the attribute or key the template reads") from None
        name = match.group(1)
        line = _first_use_line(source, name)
        at = f" (line {line + line_offset})" if line else ""
        raise UndefinedVariableError(
            f"{where}{at}: missing variable '{name}'",
            variable=name,
            hint=f"pass it with --var {name}=... or --vars FILE, or give it a default in the front matter",
        ) from None
    except TemplateError:
        raise
    except jinja2.TemplateError as exc:
        raise TemplateError(f"{where}: {exc}") from None
    finally:
        _BUILDER.reset(reset)
    return Prompt(messages=_assemble(builder, text, where))


def _assemble(builder: _Builder, text: str, where: str) -> tuple[Message, ...]:
    pieces = builder.split(text)
    message_tokens = [p for p in pieces if p in builder.messages]
    if not message_tokens:
        return (Message(role="user", parts=builder.parts(text)),)
    messages: list[Message] = []
    for piece in pieces:
        if piece in builder.messages:
            messages.append(builder.messages[piece])
        elif piece in builder.sections or piece.strip():
            raise TemplateError(
                f"{where}: text or sections outside any message tag ({clean_text(piece)[:40]!r})",
                hint="put all content inside {% system %}, {% user %} or {% assistant %} when the template uses them",
            )
    return tuple(messages)


@lru_cache(maxsize=512)
def _compiled(source: str) -> jinja2.Template:
    return environment().from_string(source)
