"""Handlebars (Dotprompt's template language) to promptctl's Jinja2.

What converts (Dotprompt's spec tests under ``spec/`` in google/dotprompt are the reference; see
``tests/interop/test_dotprompt_spec.py``):

=====================================  ======================================================
Handlebars                             promptctl Jinja2
=====================================  ======================================================
``{{name}}``, ``{{{name}}}``, paths    ``{{ name }}`` (Dotprompt does not HTML-escape)
``{{#if x}}..{{else if y}}..{{/if}}``  ``{% if x %}..{% elif y %}..{% endif %}``
``{{#unless x}}``                      ``{% if not x %}``
``{{#each xs}}`` ``{{this}}``          ``{% for item in xs %}`` ``{{ item }}``; ``@index``,
``@index @first @last @key``           ``@first``, ``@last`` -> ``loop.*``; ``@key`` for objects
``{{#with x}}``                        ``{% if x %}{% with ctx = x %}``
``{{#ifEquals a b}}``/``unlessEquals``  ``{% if a == b %}`` / ``{% if a != b %}``
``{{role "system"}}`` (and block form)  ``{% system %}...{% endsystem %}`` (``model`` -> assistant)
``{{json x}}``                         ``{{ x | tojson }}``
``{{> partial k=v}}``                  the partial's converted text, inlined (``{% with k=v %}``)
``{{media url=x}}``                    ``{% image x %}`` (``{% document x %}`` for ``application/pdf``)
``{{! comment }}``                     ``{# comment #}``
``~`` whitespace control               ``-`` whitespace control
=====================================  ======================================================

``{{history}}`` between role markers becomes ``{% messages history %}`` (a ``history`` variable of type
``messages``, default ``[]``); text after it up to the next role marker is a user message.

A ``{{media}}`` promptctl cannot send (video, audio, a content type in a variable, outside a user message)
is kept as a comment and reported as not converted. Anything else (``{{section}}``, unknown helpers,
sub-expressions, a role marker or ``{{history}}`` inside a block), and a Jinja2 tag written in the Handlebars
text, is kept as literal text in place, reported with its source line, and marked with
:data:`~promptctl.templating.literal.NOT_CONVERTED` so ``promptctl lint`` (TXT001) keeps reporting it.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field

from promptctl.interop.model import Finding, jinja_literal
from promptctl.templating.literal import kept_source

_TAG = re.compile(r"\\\{\{|\{\{!--.*?--\}\}|\{\{![^}]*?\}\}|\{\{\{(?:(?!\{\{).)*?\}\}\}|\{\{(?:(?!\{\{).)*?\}\}",
                  re.DOTALL)
_JINJA_STATEMENT = re.compile(r"\{%-?\s*[A-Za-z_]\w*\b[^%]*?-?%\}")
"""A Jinja2 statement tag (``{% if x %}``, ``{% endfor %}``) in the text of a Handlebars template."""
_ROLE_MAP = {"system": "system", "user": "user", "model": "assistant", "assistant": "assistant"}
_PATH = re.compile(r"^(?:\.\./)*(?:@?[A-Za-z_$][\w$-]*|this)(?:\.(?:[A-Za-z_$][\w$-]*|\[[^\]]+\]))*$")
_MAX_PARTIAL_DEPTH = 8
HISTORY_ROLE = "history"
"""Where ``{{history}}`` stands among the role markers: ``{% messages history %}`` there."""


@dataclass
class _Scope:
    """One context level: the Jinja expression of ``this``, and the loop's key variable (``@key``)."""

    this: str | None
    key: str | None = None
    is_loop: bool = False
    params: tuple[str, ...] = ()
    aliases: dict[str, str] = field(default_factory=dict)


@dataclass
class Conversion:
    """The result of converting one template.

    Attributes:
        body: The Jinja2 source.
        findings: What was converted, escaped and reported (with source lines).
        variables: Root-level variable names the template reads.
        history: True when the template places ``{{history}}`` (as ``{% messages history %}``).
        media: Root variables placed by ``{{media url=VAR}}``, each with its kind (``image``, ``document``).
    """

    body: str
    findings: list[Finding] = field(default_factory=list)
    variables: list[str] = field(default_factory=list)
    history: bool = False
    media: dict[str, str] = field(default_factory=dict)


class _Converter:
    def __init__(
        self,
        where: str,
        line_offset: int,
        partials: Callable[[str], str | None],
        object_vars: set[str],
    ) -> None:
        self.where = where
        self.line_offset = line_offset
        self.partials = partials
        self.object_vars = object_vars
        self.findings: list[Finding] = []
        self.variables: list[str] = []
        self.counter = 0
        self.standalone = True
        self.history = False
        self.role = "user"
        self.media: dict[str, str] = {}

    # -- findings ---------------------------------------------------------------------------------
    def report(self, line: int, message: str, kind: str = "reported") -> None:
        self.findings.append(Finding(kind, f"{self.where}:{line + self.line_offset}", message))  # type: ignore[arg-type]

    # -- paths and expressions --------------------------------------------------------------------
    def path(self, token: str, scopes: list[_Scope], line: int) -> str | None:
        """The Jinja expression of a Handlebars path, or None when it has no equivalent."""
        if not _PATH.match(token):
            return None
        depth = 0
        while token.startswith("../"):
            depth += 1
            token = token[3:]
        level = max(0, len(scopes) - 1 - depth)
        scope = scopes[level]
        if token.startswith("@"):
            head, _, rest = token.partition(".")
            if head == "@root":
                return self._root(rest) if rest else None
            loops = [s for s in scopes[: level + 1] if s.is_loop]
            if not loops:
                return None
            special = {"@index": "loop.index0", "@first": "loop.first", "@last": "loop.last"}
            if head == "@key":
                return loops[-1].key
            return special.get(head)
        parts = token.split(".")
        alias = next((s.aliases[parts[0]] for s in reversed(scopes) if parts[0] in s.aliases), None)
        if depth == 0 and alias is not None:
            return alias
        if depth == 0 and any(parts[0] in s.params for s in scopes):
            return parts[0] + "".join(self._attr(p) for p in parts[1:])
        if parts[0] == "this":
            parts = parts[1:]
            base = scope.this
            if base is None:
                return None if not parts else self._root(".".join(parts))
            return base + "".join(self._attr(p) for p in parts)
        if scope.this is None:
            return self._root(".".join(parts))
        return scope.this + "".join(self._attr(p) for p in parts)

    def _root(self, dotted: str) -> str:
        parts = dotted.split(".")
        if parts[0] not in self.variables:
            self.variables.append(parts[0])
        return parts[0] + "".join(self._attr(p) for p in parts[1:])

    @staticmethod
    def _attr(part: str) -> str:
        if part == "length":
            return "|length"
        if part.startswith("["):
            inner = part[1:-1]
            return f"[{inner}]" if inner.isdigit() else f"[{inner!r}]"
        return "." + part

    def value(self, token: str, scopes: list[_Scope], line: int) -> str | None:
        """A literal or path parameter as a Jinja expression."""
        if token[:1] in ("'", '"'):
            return repr(token[1:-1])
        if re.fullmatch(r"-?\d+(\.\d+)?", token):
            return token
        if token in ("true", "false"):
            return token
        if token in ("null", "undefined"):
            return "none"
        expr = self.path(token, scopes, line)
        return f"({expr})" if expr and "|" in expr else expr

    # -- the walk ---------------------------------------------------------------------------------
    def convert(self, source: str, scopes: list[_Scope], depth: int = 0) -> tuple[str, list[tuple[int, str]]]:
        """Convert ``source``; returns (jinja, role markers as (offset in output, role))."""
        out: list[str] = []
        roles: list[tuple[int, str]] = []
        stack: list[tuple[str, int]] = []  # (block name, line)
        pos = 0
        for match in _TAG.finditer(source):
            text = source[pos : match.start()]
            out.append(self.literal(text, source, pos))
            pos = match.end()
            tag = match.group(0)
            line = source.count("\n", 0, match.start()) + 1
            if tag == "\\{{":
                out.append(jinja_literal("{{"))
                continue
            start = source.rfind("\n", 0, match.start()) + 1
            end = source.find("\n", match.end())
            self.standalone = not source[start : match.start()].strip() and not source[
                match.end() : len(source) if end < 0 else end].strip()
            out.append(self.tag(tag, line, scopes, stack, roles, out, source, depth))
        out.append(self.literal(source[pos:], source, pos))
        closing = {"each": "{% endfor %}", "with": "{% endwith %}{% endif %}", "if": "{% endif %}"}
        for name, line in reversed(stack):
            self.report(line, "a block opened here is never closed; closed at the end of the template")
            out.append(closing.get(name, ""))
        return "".join(out), roles

    def literal(self, text: str, source: str, pos: int) -> str:
        """Text between Handlebars tags; a Jinja2 tag in it (``{% if x %}``) is kept as text, marked and reported.

        Dotprompt sends such a tag as text too, but in a Handlebars file it is template code written for another
        engine: marked (:data:`NOT_CONVERTED`) so lint reports it after the import.
        """
        converted = jinja_literal(text)
        if converted == text:
            return converted
        line = source.count("\n", 0, pos) + 1
        statements = list(_JINJA_STATEMENT.finditer(text))
        if not statements:
            self.report(line, "text that looks like Jinja2 syntax kept as literal text", "escaped")
            return converted
        out, last = [], 0
        for match in statements:
            out += [jinja_literal(text[last : match.start()]), kept_source(match.group(0))]
            last = match.end()
            self.report(line + text.count("\n", 0, match.start()), f"a Jinja2 tag in a Handlebars template has no "
                        f"Handlebars meaning (Dotprompt sends it as text); kept as literal text: {match.group(0)[:60]}")
        out.append(jinja_literal(text[last:]))
        return "".join(out)

    def tag(
        self,
        tag: str,
        line: int,
        scopes: list[_Scope],
        stack: list[tuple[str, int]],
        roles: list[tuple[int, str]],
        out: list[str],
        source: str,
        depth: int,
    ) -> str:
        # Handlebars removes a block tag's line only when the tag stands alone on it; Jinja2's trim_blocks and
        # lstrip_blocks do that for every block tag, so a tag sharing its line gets '+' to switch them off.
        keep = "" if self.standalone else "+"
        if tag.startswith("{{!"):
            inner = tag[5:-4] if tag.startswith("{{!--") else tag[3:-2]
            return "{#" + keep + " " + inner.replace("#}", "# }").strip() + " " + keep + "#}"
        triple = tag.startswith("{{{")
        inner = tag[3:-3] if triple else tag[2:-2]
        left = "-" if inner.startswith("~") else ""
        right = "-" if inner.endswith("~") else ""
        inner = inner.strip("~").strip()
        if inner[:1] in ("#", "/") or inner == "else" or inner == "^" or inner.startswith("else "):
            left, right = left or keep, right or keep
        if not inner:
            return self.keep(tag, line, "an empty tag")
        sigil = inner[0]
        if sigil == "#" and not triple:
            return self.open_block(tag, inner[1:].strip(), line, scopes, stack, roles, out, left, right)
        if sigil == "/" and not triple:
            return self.close_block(tag, inner[1:].strip(), line, scopes, stack, left, right)
        if inner == "else" or inner == "^" or inner.startswith("else "):
            return self.else_branch(tag, inner, line, scopes, stack, left, right)
        if sigil == ">":
            return self.partial(tag, inner[1:].strip(), line, scopes, depth)
        try:
            words = _split(inner)
        except ValueError:
            return self.keep(tag, line, "a tag that cannot be parsed")
        if not words:
            return self.keep(tag, line, "an empty tag")
        head, args = words[0], words[1:]
        if head == "role" and len(args) == 1 and args[0][:1] in "\"'":
            role = _ROLE_MAP.get(args[0][1:-1])
            if role is None:
                return self.keep(tag, line, f"role {args[0]} (promptctl has system, user and assistant)")
            if stack:
                return self.keep(tag, line, "a role marker inside a block (messages cannot be conditional here)")
            roles.append((sum(len(p) for p in out), role))
            self.role = role
            self.report(line, f"{{{{role {args[0]}}}}} -> {{% {role} %}} message", "converted")
            return ""
        if head == "history" and not args:
            if stack:
                return self.keep(tag, line, "{{history}} inside a block (a history is a list of messages)")
            roles.append((sum(len(p) for p in out), HISTORY_ROLE))
            self.role = "user"
            self.history = True
            self.report(line, "{{history}} -> {% messages history %} (a variable of type messages)", "converted")
            return ""
        if head == "media":
            return self.media_tag(tag, args, line, scopes, left, right)
        if head == "section":
            return self.keep(tag, line, "{{section}} positions tool or history content: no promptctl equivalent")
        if head == "json" and args:
            expr = self.value(args[0], scopes, line)
            if expr is None:
                return self.keep(tag, line, f"json of {args[0]}")
            indent = next((a.split("=", 1)[1] for a in args[1:] if a.startswith("indent=")), None)
            filt = f"tojson(indent={indent})" if indent and indent.isdigit() else "tojson"
            self.report(line, "{{json}} -> tojson filter", "converted")
            return f"{{{{{left} {expr} | {filt} {right}}}}}"
        if args:
            return self.keep(tag, line, f"helper '{head}' has no promptctl equivalent")
        expr = self.path(head, scopes, line)
        if expr is None:
            return self.keep(tag, line, f"'{head}' is not a path promptctl can express")
        return f"{{{{{left} {expr} {right}}}}}"

    def media_tag(self, tag: str, args: list[str], line: int, scopes: list[_Scope], left: str, right: str) -> str:
        """``{{media url=X}}`` as ``{% image X %}`` (``{% document X %}`` for ``contentType="application/pdf"``).

        Converted when the kind is known at import: no ``contentType`` or a literal ``image/*`` one is an image
        (what Dotprompt's ``{{media}}`` is used for), ``application/pdf`` a document; the URL a variable, a path in
        a loop, or a literal (an ``https://`` or ``data:`` URL). A variable URL becomes an ``image`` or
        ``document`` variable (:attr:`Conversion.media`). Anything else (video, audio, a content type in a
        variable, media outside a user message) is kept as a comment and reported as not converted.
        """
        options = dict(a.split("=", 1) for a in args if "=" in a)
        url, content_type = options.get("url"), options.get("contentType")
        kind: str | None = "image"
        why = ""
        if content_type is not None:
            literal = content_type[1:-1].lower() if content_type[:1] in "\"'" else None
            kind = None if literal is None else "image" if literal.startswith("image/") else \
                "document" if literal == "application/pdf" else None
            why = ("its contentType is a variable, so whether it is an image, a PDF, audio or video is not known "
                   "at import") if literal is None else f"contentType {content_type}: promptctl sends images and PDFs"
        expr = self.value(url, scopes, line) if url else None
        if kind is not None and expr is None:
            kind, why = None, f"url {url!r} is not a value promptctl can express" if url else "it has no url="
        if kind is not None and self.role != "user":
            kind, why = None, f"it is in a {self.role} message (media go in user messages only)"
        if kind is None or expr is None or len(options) != len(args) or set(options) - {"url", "contentType"}:
            why = why or "arguments other than url= and contentType="
            self.report(line, f"{{{{media}}}} NOT CONVERTED: {why}; the model gets no media here; kept as a "
                        f"comment: {tag[:60]} (write it as {{% image VAR %}} or {{% document VAR %}} by hand, or "
                        "delete it)")
            return "{# dotprompt: " + tag.replace("#}", "# }") + " #}"
        root = url if url and _PATH.match(url) and "." not in url and not url.startswith(("@", "../", "this")) else None
        if root is not None and expr == root:
            self.media[root] = kind
        self.report(line, f"{tag[:60]} -> {{% {kind} {expr} %}}" + (f" ({root}: an {kind} variable)" if root and
                    expr == root else ""), "converted")
        return f"{{%{left} {kind} {expr} {right}%}}"

    def comment(self, tag: str, line: int, why: str) -> str:
        """Keep a tag that inserts content promptctl cannot express yet as a comment (nothing is sent)."""
        self.report(line, f"{why}; kept as a comment: {tag[:60]}")
        return "{# dotprompt: " + tag.replace("#}", "# }") + " #}"

    def keep(self, tag: str, line: int, why: str) -> str:
        """Keep a tag with no promptctl equivalent as text, marked (:data:`NOT_CONVERTED`) so lint reports it."""
        self.report(line, f"{why}; kept as literal text: {tag[:60]}")
        return kept_source(tag)

    def condition(self, args: list[str], scopes: list[_Scope], line: int) -> str | None:
        if len(args) != 1:
            return None
        return self.value(args[0], scopes, line)

    def open_block(
        self,
        tag: str,
        inner: str,
        line: int,
        scopes: list[_Scope],
        stack: list[tuple[str, int]],
        roles: list[tuple[int, str]],
        out: list[str],
        left: str,
        right: str,
    ) -> str:
        try:
            words = _split(inner)
        except ValueError:
            return self.keep(tag, line, "a block that cannot be parsed")
        if not words:
            return self.keep(tag, line, "an empty block")
        name, args = words[0], words[1:]
        if name in ("if", "unless"):
            cond = self.condition(args, scopes, line)
            if cond is None:
                stack.append(("if", line))
                self.report(line, f"#{name} condition {' '.join(args)!r} kept as a false condition; fix it by hand")
                return f"{{%{left} if false {right}%}}{jinja_literal(tag)}"
            stack.append(("if", line))
            return f"{{%{left} if {'not ' if name == 'unless' else ''}{cond} {right}%}}"
        if name in ("ifEquals", "unlessEquals") and len(args) == 2:
            a, b = (self.value(x, scopes, line) for x in args)
            if a is None or b is None:
                return self.keep(tag, line, f"#{name} operands")
            stack.append(("if", line))
            self.report(line, f"#{name} -> if with {'==' if name == 'ifEquals' else '!='}", "converted")
            return f"{{%{left} if {a} {'==' if name == 'ifEquals' else '!='} {b} {right}%}}"
        if name == "each" and args:
            seq = self.value(args[0], scopes, line)
            if seq is None:
                return self.keep(tag, line, f"#each over {args[0]!r}")
            params = _block_params(args[1:])
            self.counter += 1
            item = params[0] if params else ("item" if self.counter == 1 else f"item{self.counter}")
            is_object = args[0] in self.object_vars
            key = f"key{'' if self.counter == 1 else self.counter}" if is_object else None
            aliases = {}
            if len(params) > 1:
                if is_object:
                    key = params[1]
                else:
                    aliases[params[1]] = "loop.index0"
            scopes.append(_Scope(this=item, key=key, is_loop=True, params=tuple(params), aliases=aliases))
            stack.append(("each", line))
            if is_object:
                return f"{{%{left} for {key}, {item} in {seq}.items() {right}%}}"
            return f"{{%{left} for {item} in {seq} {right}%}}"
        if name == "with" and args and (len(args) == 1 or _block_params(args[1:])):
            ctx = self.value(args[0], scopes, line)
            if ctx is None:
                return self.keep(tag, line, f"#with {args[0]!r}")
            self.counter += 1
            params = _block_params(args[1:])
            var = params[0] if params else f"ctx{self.counter}"
            scopes.append(_Scope(this=var, params=tuple(params)))
            stack.append(("with", line))
            return f"{{%{left} if {ctx} %}}{{% with {var} = {ctx} {right}%}}"
        if name == "role" and len(args) == 1 and not stack:
            role = _ROLE_MAP.get(args[0].strip("\"'"))
            if role is not None:
                roles.append((sum(len(p) for p in out), role))
                self.role = role
                stack.append(("role", line))
                self.report(line, f"{{{{#role}}}} block -> {{% {role} %}} message", "converted")
                return ""
        stack.append(("unknown", line))
        return self.keep(tag, line, f"block helper '#{name}' has no promptctl equivalent")

    def close_block(
        self, tag: str, name: str, line: int, scopes: list[_Scope], stack: list[tuple[str, int]], left: str,
        right: str,
    ) -> str:
        if not stack:
            return self.keep(tag, line, f"{{{{/{name}}}}} closes no open block")
        kind, opened = stack.pop()
        expected = {"if": ("if", "unless", "ifEquals", "unlessEquals")}.get(kind, (kind,))
        if kind != "unknown" and name not in expected:
            self.report(line, f"{{{{/{name}}}}} closes the block opened at line {opened + self.line_offset}; "
                              "taken as its end")
        if kind == "each":
            scopes.pop()
            return f"{{%{left} endfor {right}%}}"
        if kind == "with":
            scopes.pop()
            return f"{{%{left} endwith %}}{{% endif {right}%}}"
        if kind == "role":
            return ""
        if kind == "unknown":
            return kept_source(tag)
        return f"{{%{left} endif {right}%}}"

    def else_branch(
        self, tag: str, inner: str, line: int, scopes: list[_Scope], stack: list[tuple[str, int]], left: str,
        right: str,
    ) -> str:
        if not stack or stack[-1][0] not in ("if", "each"):
            return self.keep(tag, line, "{{else}} outside an if or each block")
        rest = inner[4:].strip() if inner.startswith("else ") else ""
        if rest:
            words = _split(rest)
            if words and words[0] in ("if", "unless"):
                cond = self.condition(words[1:], scopes, line)
                if cond is not None:
                    return f"{{%{left} elif {'not ' if words[0] == 'unless' else ''}{cond} {right}%}}"
            return self.keep(tag, line, f"'{inner}'")
        return f"{{%{left} else {right}%}}"

    def partial(self, tag: str, inner: str, line: int, scopes: list[_Scope], depth: int) -> str:
        words = _split(inner)
        if not words:
            return self.keep(tag, line, "an empty partial")
        name = words[0].strip("\"'")
        if depth >= _MAX_PARTIAL_DEPTH:
            return self.keep(tag, line, f"partial '{name}' nested more than {_MAX_PARTIAL_DEPTH} deep (a cycle?)")
        text = self.partials(name)
        if text is None:
            return self.keep(tag, line, f"partial '{name}' not found (looked for _{name}.prompt and partials/)")
        body, roles = self.convert(text, scopes, depth + 1)
        if roles:
            self.report(line, f"partial '{name}' switches roles; its role markers are ignored")
        assigns = []
        for word in words[1:]:
            key, eq, val = word.partition("=")
            expr = self.value(val, scopes, line) if eq else None
            if expr is None:
                return self.keep(tag, line, f"partial '{name}' argument {word!r}")
            assigns.append(f"{key} = {expr}")
        self.report(line, f"partial '{name}' inlined", "converted")
        if assigns:
            return "{% with " + ", ".join(assigns) + " %}" + body + "{% endwith %}"
        return body


def _split(text: str) -> list[str]:
    """Split helper arguments on spaces, keeping quoted strings (with their quotes) and ``as |a b|`` whole."""
    lexer = shlex.shlex(text, posix=False)
    lexer.whitespace_split = True
    lexer.commenters = ""
    return list(lexer)


def _block_params(words: list[str]) -> list[str]:
    """Names in ``as |a b|`` (empty when absent)."""
    text = " ".join(words)
    match = re.match(r"^as\s*\|([^|]*)\|$", text)
    return match.group(1).split() if match else []


def convert_handlebars(
    source: str,
    *,
    where: str,
    line_offset: int = 0,
    partials: Callable[[str], str | None] | None = None,
    object_vars: set[str] | None = None,
) -> Conversion:
    """Convert a Handlebars (Dotprompt) template body to a promptctl Jinja2 body.

    Args:
        source: The template body.
        where: The file named in findings.
        line_offset: Lines before the body in its file.
        partials: Looks up a partial's source by name (None when unknown).
        object_vars: Variables declared as objects (``{{#each}}`` over them iterates key/value pairs).

    Returns:
        The converted body and findings. Role markers become message tags; text before the first role
        marker is a user message, as in Dotprompt.
    """
    conv = _Converter(where, line_offset, partials or (lambda name: None), object_vars or set())
    body, roles = conv.convert(source, [_Scope(this=None)])
    if roles:
        segments: list[tuple[str, str]] = []
        first = body[: roles[0][0]]
        if first.strip() and not _only_comments(first):
            segments.append(("user", first))
        elif first:
            segments.append(("", first))
        for i, (start, role) in enumerate(roles):
            end = roles[i + 1][0] if i + 1 < len(roles) else len(body)
            segments.append((role, body[start:end]))
        pieces = []
        for role, text in segments:
            if role == HISTORY_ROLE:  # the history's messages, then what follows it as a user message
                pieces.append("{% messages history %}\n")
                role = "user"
            if not role:
                pieces.append(text)
            elif text.strip() and not _only_comments(text):
                pieces.append(f"{{% {role} %}}\n{text.strip(chr(10))}\n{{% end{role} %}}\n")
            elif text.strip():
                pieces.append(text)
        body = "".join(pieces)
    return Conversion(body=body, findings=conv.findings, variables=conv.variables, history=conv.history,
                      media=conv.media)


def _only_comments(text: str) -> bool:
    return not re.sub(r"\{#.*?#\}", "", text, flags=re.DOTALL).strip()
