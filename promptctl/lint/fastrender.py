"""A fast renderer for lint: evaluates a template's parsed AST directly instead of compiling it.

Compiling a template to Python (what Jinja2 does before rendering) costs several milliseconds per
version, most of a lint run over a large registry. Lint already parses each template once, so it
evaluates that AST with the same environment's filters, tests, sandboxed attribute access and
structure tags, and builds the same :class:`~promptctl.templating.Prompt` that
:func:`promptctl.templating.render_prompt` returns.

Only the constructs prompt templates use are evaluated here: text, ``{{ expressions }}`` (names,
constants, attributes, items, filters, tests, comparisons, arithmetic, conditional expressions, literals,
safe calls), ``if``, ``for`` (with ``loop.index``/``first``/``last``/``length``...), ``set`` and the
``system``/``user``/``assistant``/``section``, ``messages`` and ``cache`` tags, and ``image``/``document``
of a media variable. Anything else, and any error, raises
:class:`Unsupported`, and the caller renders with the real engine instead; tests check that both
give equal prompts.
"""

from __future__ import annotations

import operator
from collections.abc import Mapping
from typing import Any

from jinja2 import nodes
from jinja2.exceptions import TemplateRuntimeError
from jinja2.runtime import Undefined
from jinja2.sandbox import ImmutableSandboxedEnvironment

from promptctl.errors import PromptctlError
from promptctl.templating import bounds
from promptctl.templating.conversation import CACHE_TTLS
from promptctl.templating.history import validate_history
from promptctl.templating.media import check_options, with_options
from promptctl.templating.prompt import (
    ROLES,
    CacheBreak,
    Media,
    Message,
    Part,
    Prompt,
    Section,
    clean_text,
    section_id,
)


class Unsupported(Exception):
    """The fast renderer cannot evaluate this template exactly; use the real engine."""


_BINARY = {
    nodes.Add: operator.add, nodes.Sub: operator.sub, nodes.Mul: operator.mul, nodes.Div: operator.truediv,
    nodes.FloorDiv: operator.floordiv, nodes.Mod: operator.mod, nodes.Pow: operator.pow,
}
_INTERCEPTED = {nodes.Add: "+", nodes.Mul: "*", nodes.Pow: "**", nodes.Mod: "%"}
_COMPARE = {
    "eq": operator.eq, "ne": operator.ne, "gt": operator.gt, "gteq": operator.ge, "lt": operator.lt,
    "lteq": operator.le, "in": lambda a, b: a in b, "notin": lambda a, b: a not in b,
}


class _Loop:
    """The ``loop`` variable of a ``for`` block (the attributes templates use)."""

    def __init__(self, index0: int, length: int) -> None:
        self.index0 = index0
        self.index = index0 + 1
        self.length = length
        self.first = index0 == 0
        self.last = index0 == length - 1
        self.revindex = length - index0
        self.revindex0 = length - index0 - 1


class _Scope:
    def __init__(self, values: Mapping[str, Any], parent: _Scope | None = None) -> None:
        self.values = dict(values)
        self.parent = parent

    def lookup(self, name: str) -> Any:
        scope: _Scope | None = self
        while scope is not None:
            if name in scope.values:
                return scope.values[name]
            scope = scope.parent
        raise Unsupported(f"undefined name {name!r}")


class _Renderer:
    def __init__(self, env: ImmutableSandboxedEnvironment) -> None:
        self.env = env
        self.eval_ctx = nodes.EvalContext(env)
        self.in_message = False

    # -- statements --------------------------------------------------------------------------------
    def block(self, body: list[nodes.Node], scope: _Scope) -> list[Any]:
        out: list[Any] = []
        for node in body:
            if isinstance(node, nodes.Output):
                for child in node.nodes:
                    if isinstance(child, nodes.TemplateData):
                        out.append(child.data)
                    elif _is_media_tag(child):
                        out.append(self.media(child, scope))  # type: ignore[arg-type]
                    elif isinstance(child, nodes.Call) and isinstance(child.node, nodes.ExtensionAttribute):
                        out += self.conversation(child, scope)
                    else:
                        out.append(self.text(self.expr(child, scope)))
            elif isinstance(node, nodes.If):
                out += self.if_block(node, scope)
            elif isinstance(node, nodes.For):
                out += self.for_block(node, scope)
            elif isinstance(node, nodes.CallBlock):
                out.append(self.structure(node, scope))
            elif isinstance(node, nodes.Assign) and isinstance(node.target, nodes.Name):
                scope.values[node.target.name] = self.expr(node.node, scope)
            else:
                raise Unsupported(type(node).__name__)
        return out

    def if_block(self, node: nodes.If, scope: _Scope) -> list[Any]:
        if self.expr(node.test, scope):
            return self.block(node.body, scope)
        for branch in node.elif_:
            if self.expr(branch.test, scope):
                return self.block(branch.body, scope)
        return self.block(node.else_, scope)

    def for_block(self, node: nodes.For, scope: _Scope) -> list[Any]:
        target = node.target
        if node.test is not None or node.recursive:
            raise Unsupported("for with a filter or recursion")
        if isinstance(target, nodes.Tuple) and all(isinstance(t, nodes.Name) for t in target.items):
            names: list[str] | str = [t.name for t in target.items]  # type: ignore[attr-defined]
        elif isinstance(target, nodes.Name):
            names = target.name
        else:
            raise Unsupported("for target")
        iterable = self.defined(self.expr(node.iter, scope))
        items = list(bounds.loop_guard(iterable))
        if not items:
            return self.block(node.else_, scope)
        out: list[Any] = []
        for index, item in enumerate(items):
            bound = {names: item} if isinstance(names, str) else dict(zip(names, item, strict=True))
            inner = _Scope({**bound, "loop": _Loop(index, len(items))}, scope)
            out += self.block(node.body, inner)
        return out

    def structure(self, node: nodes.CallBlock, scope: _Scope) -> Section | Message:
        call = node.call
        if not (isinstance(call, nodes.Call) and isinstance(call.node, nodes.ExtensionAttribute) and call.args):
            raise Unsupported("call block")
        kind = call.node.name
        if kind == "_section":
            try:
                sid = section_id(self.expr(call.args[0], scope))
            except ValueError as exc:
                raise Unsupported(str(exc)) from None
            return Section(sid, self.parts(self.block(node.body, _Scope({}, scope))))
        if kind == "_message":
            role = call.args[0].value if isinstance(call.args[0], nodes.Const) else None
            if role not in ROLES or self.in_message:
                raise Unsupported("nested or unknown message")
            self.in_message = True
            try:
                return Message(role=role, parts=self.parts(self.block(node.body, _Scope({}, scope))))
            finally:
                self.in_message = False
        raise Unsupported(kind)

    def conversation(self, call: nodes.Call, scope: _Scope) -> list[Any]:
        """The object a ``{% cache %}`` places, or the messages a ``{% messages %}`` inserts."""
        kind = call.node.name  # type: ignore[attr-defined]
        if kind == "_cache" and call.args:
            ttl = self.expr(call.args[0], scope)
            if ttl is not None and ttl not in CACHE_TTLS:
                raise Unsupported("cache ttl")
            return [CacheBreak(ttl=ttl)]
        if kind == "_messages" and call.args and not self.in_message:
            try:
                return list(validate_history(self.expr(call.args[0], scope), variable="messages"))
            except ValueError as exc:
                raise Unsupported(str(exc)) from None
        raise Unsupported(kind)

    def media(self, call: nodes.Call, scope: _Scope) -> Media:
        """``{% image x %}`` / ``{% document x %}``: the variable's part (lint's stand-in) with the tag's options.

        A value that is not already a part (a path string in a list) would need a file read: the real engine does it.
        """
        kind, value, _name, options = call.args[:4]
        part = self.expr(value, scope)
        if not isinstance(part, Media) or not isinstance(kind, nodes.Const) or part.kind != kind.value:
            raise Unsupported("media value that is not a loaded part")
        try:
            return with_options(part, check_options(kind.value, self.expr(options, scope)))
        except PromptctlError as exc:
            raise Unsupported(str(exc)) from None

    @staticmethod
    def parts(items: list[Any]) -> tuple[Part, ...]:
        """Text and sections like the real builder: text between sections joined, then cleaned."""
        out: list[Part] = []
        text: list[str] = []

        def flush() -> None:
            if text:
                cleaned = clean_text("".join(text))
                if cleaned:
                    out.append(cleaned)
                text.clear()

        for item in items:
            if isinstance(item, str):
                text.append(item)
            elif isinstance(item, Section | CacheBreak | Media):
                flush()
                out.append(item)
            else:
                raise Unsupported("a message inside a message or section")
        flush()
        return tuple(out)

    # -- expressions -------------------------------------------------------------------------------
    @staticmethod
    def text(value: Any) -> str:
        if type(value) is Undefined:  # an inline if without else: Jinja2's lenient Undefined renders as ""
            return ""
        if isinstance(value, Undefined):
            raise Unsupported("undefined value rendered")
        return str(bounds.check_text(value))

    def defined(self, value: Any) -> Any:
        if isinstance(value, Undefined):
            raise Unsupported("undefined attribute or item")
        return value

    def expr(self, node: nodes.Node, scope: _Scope) -> Any:  # noqa: C901 - one branch per node type
        if isinstance(node, nodes.Const):
            return node.value
        if isinstance(node, nodes.Name):
            return scope.lookup(node.name)
        if isinstance(node, nodes.Getattr):
            return self.defined(self.env.getattr(self.expr(node.node, scope), node.attr))
        if isinstance(node, nodes.Getitem):
            if isinstance(node.arg, nodes.Slice):
                raise Unsupported("slice")
            return self.defined(self.env.getitem(self.expr(node.node, scope), self.expr(node.arg, scope)))
        if isinstance(node, nodes.Filter | nodes.Test):
            if node.dyn_args is not None or node.dyn_kwargs is not None or node.node is None:
                raise Unsupported("dynamic arguments")
            value = self.expr(node.node, scope)
            args = [self.expr(a, scope) for a in node.args]
            kwargs = {str(k.key): self.expr(k.value, scope) for k in node.kwargs}
            try:
                if isinstance(node, nodes.Filter):
                    result = self.env.call_filter(node.name, value, args, kwargs, eval_ctx=self.eval_ctx)
                else:
                    result = self.env.call_test(node.name, value, args, kwargs, eval_ctx=self.eval_ctx)
            except TemplateRuntimeError as exc:
                raise Unsupported(str(exc)) from None
            return self.defined(result)
        if isinstance(node, nodes.CondExpr):
            if self.expr(node.test, scope):
                return self.expr(node.expr1, scope)
            if node.expr2 is None:
                return Undefined(hint="inline if without else")  # what Jinja2's generated code uses
            return self.expr(node.expr2, scope)
        if isinstance(node, nodes.Compare):
            left = self.expr(node.expr, scope)
            for op in node.ops:
                right = self.expr(op.expr, scope)
                if not _COMPARE[op.op](left, right):
                    return False
                left = right
            return True
        if isinstance(node, nodes.And):
            return self.expr(node.left, scope) and self.expr(node.right, scope)
        if isinstance(node, nodes.Or):
            return self.expr(node.left, scope) or self.expr(node.right, scope)
        if isinstance(node, nodes.Not):
            return not self.expr(node.node, scope)
        if isinstance(node, nodes.Neg):
            return -self.expr(node.node, scope)
        if isinstance(node, nodes.Pos):
            return +self.expr(node.node, scope)
        if isinstance(node, nodes.BinExpr) and type(node) in _BINARY:
            left, right = self.expr(node.left, scope), self.expr(node.right, scope)
            if type(node) in _INTERCEPTED:
                bounds.check_binop(_INTERCEPTED[type(node)], left, right)
            return _BINARY[type(node)](left, right)
        if isinstance(node, nodes.Concat):
            return bounds.bounded_concat(self.text(self.expr(n, scope)) for n in node.nodes)
        if isinstance(node, nodes.List):
            return [self.expr(n, scope) for n in node.items]
        if isinstance(node, nodes.Tuple):
            return tuple(self.expr(n, scope) for n in node.items)
        if isinstance(node, nodes.Dict):
            return {self.expr(p.key, scope): self.expr(p.value, scope) for p in node.items}
        if isinstance(node, nodes.Call):
            if node.dyn_args is not None or node.dyn_kwargs is not None:
                raise Unsupported("dynamic arguments")
            callee = self.expr(node.node, scope)
            if not self.env.is_safe_callable(callee) or isinstance(callee, Undefined):
                raise Unsupported("call")
            args = [self.expr(a, scope) for a in node.args]
            kwargs = {str(k.key): self.expr(k.value, scope) for k in node.kwargs}
            bounds.check_call(callee, tuple(args), kwargs)
            return bounds.check_result(callee(*args, **kwargs), "a call's result")
        raise Unsupported(type(node).__name__)


def _is_media_tag(node: nodes.Node) -> bool:
    """True for the call an ``{% image %}``/``{% document %}`` tag compiles to (:mod:`promptctl.templating.media`)."""
    return (isinstance(node, nodes.Call) and isinstance(node.node, nodes.ExtensionAttribute)
            and node.node.name == "_media" and len(node.args) in (4, 5))  # kind, value, name, options[, line]


def fast_render(ast: nodes.Template, variables: Mapping[str, Any], env: ImmutableSandboxedEnvironment) -> Prompt:
    """Render a parsed template into a :class:`Prompt`, as ``render_prompt`` would.

    Args:
        ast: The template's AST (``environment().parse(source)``).
        variables: Variable values.
        env: The environment the AST was parsed with (filters, tests, globals, sandbox rules).

    Returns:
        The prompt.

    Raises:
        Unsupported: The template uses a construct this renderer does not evaluate, or evaluating it failed;
            render with :func:`promptctl.templating.render_prompt` instead.
    """
    renderer = _Renderer(env)
    scope = _Scope(variables, _Scope(env.globals))
    try:
        with bounds.render_budget():
            items = renderer.block(ast.body, scope)
    except Unsupported:
        raise
    except Exception as exc:  # noqa: BLE001 - any evaluation error: let the real engine report it
        raise Unsupported(f"{type(exc).__name__}: {exc}") from None
    if not any(isinstance(item, Message) for item in items):
        return Prompt(messages=(Message(role="user", parts=renderer.parts(items)),))
    messages: list[Message] = []
    for item in items:
        if isinstance(item, Message):
            messages.append(item)
        elif isinstance(item, CacheBreak) and messages:  # {% cache %} between messages: the end of the one before
            messages[-1] = Message(messages[-1].role, (*messages[-1].parts, item))
        elif not isinstance(item, str) or item.strip():
            raise Unsupported("text outside any message")
    return Prompt(messages=tuple(messages))
