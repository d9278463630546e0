r"""Promptctl Jinja2 bodies written out in other tools' template languages.

A body is parsed with promptctl's own environment and walked as a Jinja2 AST, so whitespace control
(``trim_blocks``, ``lstrip_blocks``, ``-``) is already applied to the text that is written out. Three
dialects:

- ``handlebars`` (Dotprompt): variables, ``if``/``elif``/``else``, ``for`` (block params
  ``{{#each xs as |x|}}``, ``loop.index0``/``first``/``last`` -> ``@index``/``@first``/``@last``),
  ``with``, ``== / !=`` as ``ifEquals``/``unlessEquals``, ``tojson`` as ``{{json}}``; literal ``{{`` as
  ``\\{{``.
- ``mustache`` (Langfuse): variables only; a condition or loop is an error naming the line.
- ``nunjucks`` (promptfoo): Jinja2 syntax, which Nunjucks shares for these constructs.

Message tags become separate messages; a ``{% section %}`` is written the way promptctl renders it
for OpenAI (a markdown heading), which is reported by the caller as a change for Claude.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

from jinja2 import nodes

from promptctl.errors import InputError
from promptctl.templating.environment import parse_source
from promptctl.templating.prompt import Section, section_id

Dialect = Literal["handlebars", "mustache", "nunjucks"]


@dataclass
class Written:
    """A body written in another dialect: messages as ``(role, text)`` and notes on what changed."""

    messages: list[tuple[str, str]]
    notes: list[str] = field(default_factory=list)


def _describe(node: nodes.Node) -> str:
    """What a template expression is, in the template's own words (``the filter '| title'``), for errors."""
    if isinstance(node, nodes.Filter):
        return f"the filter '| {node.name}'"
    if isinstance(node, nodes.Test):
        return f"the test 'is {node.name}'"
    if isinstance(node, nodes.BinExpr):
        return f"the operator '{node.operator}'"
    if isinstance(node, nodes.Concat):
        return "the '~' concatenation"
    if isinstance(node, nodes.Compare):
        return "a comparison"
    if isinstance(node, (nodes.And, nodes.Or, nodes.Not)):
        return f"the '{type(node).__name__.lower()}' operator"
    if isinstance(node, nodes.CondExpr):
        return "an inline 'x if c else y'"
    if isinstance(node, nodes.Call):
        return "a function or method call"
    if isinstance(node, (nodes.List, nodes.Tuple, nodes.Dict)):
        return f"a {type(node).__name__.lower()} literal"
    return f"the expression {type(node).__name__}"


class _Writer:
    def __init__(self, dialect: Dialect, where: str, line_offset: int) -> None:
        self.dialect = dialect
        self.where = where
        self.line_offset = line_offset
        self.notes: list[str] = []
        self.sections: list[str] = []
        self.level = 0

    def fail(self, node: nodes.Node, what: str) -> InputError:
        line = (getattr(node, "lineno", 0) or 0) + self.line_offset
        return InputError(f"{self.where}: line {line}: {what} cannot be written as {self.dialect}",
                          hint="export to a format that supports it (dotprompt keeps conditions and loops), "
                               "or simplify the template")

    # -- expressions ----------------------------------------------------------------------------------
    def expr(self, node: nodes.Node) -> str:
        d = self.dialect
        if isinstance(node, nodes.Name):
            if d == "handlebars" and node.name == "loop":
                raise self.fail(node, "a bare 'loop'")
            return node.name
        if isinstance(node, nodes.Getattr):
            is_loop = isinstance(node.node, nodes.Name) and node.node.name == "loop"
            base = "loop" if is_loop else self.expr(node.node)
            if d == "handlebars" and is_loop:
                special = {"index0": "@index", "first": "@first", "last": "@last"}
                if node.attr in special:
                    return special[node.attr]
                raise self.fail(node, f"loop.{node.attr}")
            return f"{base}.{node.attr}"
        if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
            base = self.expr(node.node)
            key = node.arg.value
            if d == "nunjucks":
                return f"{base}[{key!r}]"
            return f"{base}.[{key}]" if d == "handlebars" else f"{base}.{key}"
        if isinstance(node, nodes.Const):
            value = node.value
            if isinstance(value, str):
                return '"' + value.replace('"', '\\"') + '"'
            if value is None:
                return "null" if d == "handlebars" else "none"
            if isinstance(value, bool):
                return ("true" if value else "false") if d != "nunjucks" or True else str(value)
            return str(value)
        if d == "nunjucks":
            return self.nunjucks_expr(node)
        if isinstance(node, nodes.Filter) and node.name == "length" and node.node is not None and d == "handlebars":
            return f"{self.expr(node.node)}.length"
        raise self.fail(node, _describe(node))

    def nunjucks_expr(self, node: nodes.Node) -> str:
        """Jinja2 expression syntax, which Nunjucks shares (``| tojson`` is written ``| dump``)."""
        e = self.expr
        if isinstance(node, nodes.Filter) and node.node is not None:
            name = "dump" if node.name == "tojson" else node.name
            args = [e(a) for a in node.args] + [f"{k.key}={e(k.value)}" for k in node.kwargs]
            return f"{e(node.node)} | {name}" + (f"({', '.join(args)})" if args else "")
        if isinstance(node, nodes.Test) and node.node is not None:
            test_args = ", ".join(e(a) for a in node.args)
            return f"{e(node.node)} is {node.name}" + (f"({test_args})" if test_args else "")
        if isinstance(node, nodes.Not):
            return f"not ({e(node.node)})"
        if isinstance(node, (nodes.And, nodes.Or)):
            return f"({e(node.left)} {'and' if isinstance(node, nodes.And) else 'or'} {e(node.right)})"
        if isinstance(node, nodes.Compare):
            ops = {"eq": "==", "ne": "!=", "lt": "<", "gt": ">", "lteq": "<=", "gteq": ">=", "in": "in",
                   "notin": "not in"}
            return e(node.expr) + "".join(f" {ops[o.op]} {e(o.expr)}" for o in node.ops)
        if isinstance(node, nodes.CondExpr):
            other = f" else {e(node.expr2)}" if node.expr2 is not None else ""
            return f"({e(node.expr1)} if {e(node.test)}{other})"
        if isinstance(node, nodes.BinExpr):
            return f"({e(node.left)} {node.operator} {e(node.right)})"
        if isinstance(node, nodes.Concat):
            return "(" + " ~ ".join(e(n) for n in node.nodes) + ")"
        if isinstance(node, (nodes.List, nodes.Tuple)):
            return "[" + ", ".join(e(n) for n in node.items) + "]"
        if isinstance(node, nodes.Getitem):
            return f"{e(node.node)}[{e(node.arg)}]"
        if isinstance(node, nodes.Call) and isinstance(node.node, nodes.Getattr):
            self.notes.append(f"line {node.lineno + self.line_offset}: the method call .{node.node.attr}() is "
                              "written as is; Nunjucks calls the JavaScript method of that name, if any")
            call_args = ", ".join(e(a) for a in node.args)
            return f"{e(node.node)}({call_args})"
        raise self.fail(node, _describe(node))

    def output(self, node: nodes.Node) -> str:
        if (isinstance(node, nodes.Call) and isinstance(node.node, nodes.ExtensionAttribute)
                and node.node.name == "_media" and node.args and isinstance(node.args[0], nodes.Const)):
            raise self.fail(node, f"an {{% {node.args[0].value} %}} tag (images and documents are not exported)")
        if self.dialect == "handlebars" and isinstance(node, nodes.Filter) and node.name == "tojson":
            assert node.node is not None
            indent = next((k.value for k in node.kwargs if k.key == "indent"), None)
            extra = f" indent={self.expr(indent)}" if indent is not None else ""
            return "{{json " + self.expr(node.node) + extra + "}}"
        if self.dialect == "handlebars" and isinstance(node, nodes.CondExpr):
            opening, closing = self.condition(node.test)
            other = "{{else}}" + self.output(node.expr2) if node.expr2 is not None else ""
            return opening + self.output(node.expr1) + other + closing
        if self.dialect == "handlebars" and isinstance(node, nodes.Const) and isinstance(node.value, str):
            return self.text(node.value, node)
        if self.dialect == "handlebars":
            return "{{" + self.expr(node) + "}}"
        if self.dialect == "mustache":
            if not isinstance(node, nodes.Name):
                raise self.fail(node, "an expression other than a plain {{ variable }}")
            return "{{" + node.name + "}}"
        return "{{ " + self.expr(node) + " }}"

    def conversation(self, node: nodes.Node) -> str:
        """``{% cache %}``: dropped with a note (the formats mark no cache breakpoint); ``{% messages %}``: refused."""
        if _conversation_tag(node) == "_cache":
            if not any("cache breakpoint" in n for n in self.notes):
                line = node.lineno + self.line_offset
                self.notes.append(f"line {line}: {{% cache %}} dropped: {self.dialect} has no cache breakpoint "
                                  "(Claude's cache_control is not sent from the exported prompt)")
            return ""
        raise self.fail(node, "a conversation history ({% messages %}) inside a message")

    def text(self, data: str, node: nodes.Node) -> str:
        if "{{" not in data and "{%" not in data and "{#" not in data:
            return data
        if self.dialect == "handlebars":
            return data.replace("{{", "\\{{")
        if self.dialect == "nunjucks":
            return "{% raw %}" + data + "{% endraw %}"
        if re.search(r"\{\{\s*[A-Za-z_][A-Za-z0-9_]*\s*\}\}", data):
            raise self.fail(node, "literal text that reads as a Langfuse variable ({{name}})")
        return data  # Langfuse only substitutes {{name}}; other braces are text there

    # -- statements ------------------------------------------------------------------------------------
    def block(self, body: list[nodes.Node]) -> str:
        return "".join(self.node(n) for n in body)

    def condition(self, test: nodes.Node) -> tuple[str, str]:
        """(opening tag, closing tag) for an if test."""
        hb = self.dialect == "handlebars"
        if hb and isinstance(test, nodes.Not):
            return "{{#unless " + self.expr(test.node) + "}}", "{{/unless}}"
        if hb and isinstance(test, nodes.Compare) and len(test.ops) == 1 and test.ops[0].op in ("eq", "ne"):
            helper = "ifEquals" if test.ops[0].op == "eq" else "unlessEquals"
            return (f"{{{{#{helper} {self.expr(test.expr)} {self.expr(test.ops[0].expr)}}}}}",
                    f"{{{{/{helper}}}}}")
        if hb:
            return "{{#if " + self.expr(test) + "}}", "{{/if}}"
        return "{% if " + self.expr(test) + " %}", "{% endif %}"

    def node(self, node: nodes.Node) -> str:
        hb = self.dialect == "handlebars"
        if isinstance(node, nodes.Output):
            return "".join(self.text(n.data, n) if isinstance(n, nodes.TemplateData) else
                           self.conversation(n) if _conversation_tag(n) else self.output(n) for n in node.nodes)
        if self.dialect == "mustache" and isinstance(node, (nodes.If, nodes.For, nodes.With)):
            raise self.fail(node, f"a {{% {type(node).__name__.lower()} %}} block")
        if isinstance(node, nodes.If):
            opening, closing = self.condition(node.test)
            out = opening + self.block(node.body)
            if hb and node.elif_:
                rest = nodes.If(node.elif_[0].test, node.elif_[0].body, node.elif_[1:], node.else_, lineno=node.lineno)
                return out + "{{else}}" + self.node(rest) + closing
            if node.elif_ or node.else_:
                for branch in node.elif_:
                    out += ("{{else if " + self.expr(branch.test) + "}}") if hb else \
                        ("{% elif " + self.expr(branch.test) + " %}")
                    out += self.block(branch.body)
                if node.else_:
                    out += ("{{else}}" if hb else "{% else %}") + self.block(node.else_)
            return out + closing
        if isinstance(node, nodes.For):
            if node.test is not None or node.recursive:
                raise self.fail(node, "a filtered or recursive loop")
            iterable = node.iter
            key = None
            if isinstance(node.target, nodes.Tuple) and len(node.target.items) == 2:
                key_node, item_node = node.target.items
                if not (isinstance(iterable, nodes.Call) and isinstance(iterable.node, nodes.Getattr)
                        and iterable.node.attr == "items"):
                    raise self.fail(node, "a loop over pairs")
                iterable = iterable.node.node
                key, item = key_node.name, item_node.name  # type: ignore[attr-defined]
            elif isinstance(node.target, nodes.Name):
                item = node.target.name
            else:
                raise self.fail(node, "this loop target")
            if not hb:
                target = f"{key}, {item}" if key else item
                seq = self.expr(iterable) + (".items()" if key else "")
                inner = self.block(node.body)
                tail = ("{% else %}" + self.block(node.else_)) if node.else_ else ""
                return f"{{% for {target} in {seq} %}}{inner}{tail}{{% endfor %}}"
            params = f"{item} {key}" if key else item
            out = f"{{{{#each {self.expr(iterable)} as |{params}|}}}}" + self.block(node.body)
            if node.else_:
                out += "{{else}}" + self.block(node.else_)
            return out + "{{/each}}"
        if isinstance(node, nodes.With):
            if hb and len(node.targets) == 1:
                name = node.targets[0].name  # type: ignore[attr-defined]
                return (f"{{{{#with {self.expr(node.values[0])} as |{name}|}}}}" + self.block(node.body)
                        + "{{/with}}")
            if not hb:
                assigns = ", ".join(f"{t.name} = {self.expr(v)}" for t, v in zip(node.targets, node.values,  # type: ignore[attr-defined]
                                                                                 strict=True))
                return f"{{% with {assigns} %}}" + self.block(node.body) + "{% endwith %}"
            raise self.fail(node, "a with block of several names")
        if isinstance(node, nodes.CallBlock):
            method = node.call.node
            if isinstance(method, nodes.ExtensionAttribute) and method.name == "_section":
                title_node = node.call.args[0]
                if not isinstance(title_node, nodes.Const):
                    raise self.fail(node, "a section with a computed name")
                title = Section(section_id(str(title_node.value))).title
                self.sections.append(str(title_node.value))
                self.level += 1
                try:
                    inner = self.block(node.body).strip("\n")
                finally:
                    self.level -= 1
                return f"{_START}{'#' * min(self.level + 2, 6)} {title}\n\n{inner}{_END}"
            raise self.fail(node, "a message tag inside another block")
        raise self.fail(node, f"the {type(node).__name__} statement")


def write_body(body: str, dialect: Dialect, *, where: str, line_offset: int = 0) -> Written:
    """Write a promptctl body in another dialect, one entry per message.

    Args:
        body: The version's Jinja2 body.
        dialect: ``handlebars``, ``mustache`` or ``nunjucks``.
        where: Reference named in errors.
        line_offset: Lines before the body in its file.

    Raises:
        InputError: A construct the dialect cannot express (naming the line), or a template error.
    """
    ast = parse_source(body, where=where, line_offset=line_offset)
    writer = _Writer(dialect, where, line_offset)
    messages: list[tuple[str, str]] = []
    loose: list[nodes.Node] = []
    for node in ast.body:
        method = node.call.node if isinstance(node, nodes.CallBlock) else None
        if isinstance(method, nodes.ExtensionAttribute) and method.name == "_message":
            role_node = node.call.args[0]  # type: ignore[attr-defined]
            role = role_node.value if isinstance(role_node, nodes.Const) else "user"
            messages.append((str(role), _tidy(writer.block(node.body), dialect)))  # type: ignore[attr-defined]
        elif isinstance(node, nodes.Output) and all(
            (isinstance(n, nodes.TemplateData) and not n.data.strip()) or _conversation_tag(n) for n in node.nodes
        ):
            for tag in (n for n in node.nodes if _conversation_tag(n)):
                if _conversation_tag(tag) == "_messages":
                    messages.append(_history(tag, writer))
                else:
                    writer.conversation(tag)  # a {% cache %} between messages: dropped with a note
            continue
        else:
            loose.append(node)
    if loose:
        if messages:
            raise writer.fail(loose[0], "content outside message tags")
        messages.append(("user", _tidy(writer.block(loose), dialect)))
    if writer.sections:
        writer.notes.append(f"{len(writer.sections)} section(s) written as markdown headings (what promptctl sends "
                            f"OpenAI; promptctl sends Claude XML tags): {', '.join(writer.sections)}")
    return Written(messages, writer.notes)


_START, _END = "\x00section-start\x00", "\x00section-end\x00"


HISTORY = "history"
"""The role :func:`write_body` gives the place of a ``{% messages %}`` history: Handlebars (Dotprompt) writes it as
``{{history}}``; the other dialects have no message-list variable and refuse it."""


def _history(node: nodes.Node, writer: _Writer) -> tuple[str, str]:
    """``(HISTORY, variable)`` for a ``{% messages VAR %}`` between messages.

    Dotprompt's ``{{history}}`` (handlebars) and a Langfuse message placeholder ``{"type": "placeholder", "name":
    VAR}`` (mustache, https://langfuse.com/docs/prompt-management/features/message-placeholders).
    """
    if writer.dialect not in ("handlebars", "mustache"):
        raise writer.fail(node, "a conversation history ({% messages %})")
    value = node.args[0] if isinstance(node, nodes.Call) and node.args else None  # type: ignore[attr-defined]
    name = value.name if isinstance(value, nodes.Name) else "history"
    if name != "history" and writer.dialect == "handlebars":
        writer.notes.append(f"{{% messages {name} %}} written as {{{{history}}}}: Dotprompt passes the conversation "
                            "apart from the input, as history")
    return HISTORY, name


def _conversation_tag(node: nodes.Node) -> str | None:
    """``_cache`` or ``_messages`` for the output of a ``{% cache %}`` or ``{% messages %}`` tag, else None."""
    if isinstance(node, nodes.Call) and isinstance(node.node, nodes.ExtensionAttribute) and \
            node.node.name in ("_cache", "_messages"):
        return node.node.name
    return None


_HB_BLOCK = re.compile(r"(?<!\\)\{\{(?:[#/^]|else\b)[^{}]*\}\}")


def _tidy(text: str, dialect: Dialect) -> str:
    """Strip blank lines at the ends and separate sections by one blank line (as markdown_text joins parts).

    Handlebars removes the line of a block tag that stands alone on it (with its newline); the text
    around such a tag gets one more newline, so what renders is what the Jinja2 template rendered.
    """
    text = re.sub(f"(?:\\n*(?:{_START}|{_END})\\n*)+", "\n\n", text)
    if dialect == "handlebars":
        out, pos = [], 0
        for match in _HB_BLOCK.finditer(text):
            start = text.rfind("\n", 0, match.start()) + 1
            end = text.find("\n", match.end())
            alone = not text[start : match.start()].strip() and end >= 0 and not text[match.end() : end].strip()
            out.append(text[pos : match.end()])
            if alone:
                out.append("\n")
            pos = match.end()
        out.append(text[pos:])
        text = "".join(out)
    return text.strip("\n")


def to_mustache_messages(version: Any) -> list[tuple[str, str]]:
    """A version's messages with ``{{variable}}`` placeholders (Langfuse), sections as headings.

    Raises:
        InputError: The template has conditions, loops or filters (naming the line).
    """
    return write_body(version.body, "mustache", where=version.ref, line_offset=version.body_line - 1).messages
