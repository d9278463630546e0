"""The tool tags ``{% tool_call %}`` and ``{% tool_result %}``, registered in the sandboxed environment.

Template tags (a tool call of the assistant and its result, in a few-shot example or a conversation)::

    {% assistant %}{% tool_call "get_order_status", {"order_id": "A-1001"}, id="call_1" %}{% endassistant %}
    {% user %}{% tool_result "call_1" %}{"status": "shipped"}{% endtool_result %}{% enduser %}

``tool_call`` takes the tool's name, its arguments (a mapping) and ``id``; ``tool_result`` takes the id
it answers and, optionally, ``error=true``; its body (text, e.g. ``{{ result | tojson }}``) is the result.
Both are placed as objects (:class:`~promptctl.types.ToolCall`, :class:`~promptctl.templating.prompt.ToolResult`)
that only an adapter turns into provider syntax (OpenAI ``tool_calls`` and ``tool`` messages, Anthropic
``tool_use`` and ``tool_result`` blocks). The front matter's tools are in :mod:`promptctl.templating.toolspec`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from jinja2 import nodes
from jinja2.ext import Extension

from promptctl.templating.prompt import ToolCall, ToolResult
from promptctl.templating.toolspec import TOOL_NAME

# -- template tags ---------------------------------------------------------------------------------


class _TagError(Exception):
    """Misuse of a tool tag (converted by the environment into a TemplateError naming the line)."""


def _parse_arguments(parser: Any, end: str | None = None) -> tuple[list[nodes.Expr], list[nodes.Keyword]]:
    """Positional and keyword arguments of a tag, up to the end of the block: ``"a", {...}, id="x"``."""
    args: list[nodes.Expr] = []
    kwargs: list[nodes.Keyword] = []
    while parser.stream.current.type != "block_end":
        if args or kwargs:
            parser.stream.expect("comma")
        if parser.stream.current.type == "name" and parser.stream.look().type == "assign":
            key = next(parser.stream).value
            next(parser.stream)
            kwargs.append(nodes.Keyword(key, parser.parse_expression()))
        else:
            args.append(parser.parse_expression())
    return args, kwargs


def _plain_arguments(value: Any, lineno: int) -> dict[str, Any]:
    """A tool call's arguments as plain JSON data (a mapping)."""
    if not isinstance(value, Mapping):
        raise _TagError(f"line {lineno}: tool_call arguments must be a mapping, not {type(value).__name__}")
    try:
        data = json.loads(json.dumps(dict(value), ensure_ascii=False))
    except (TypeError, ValueError) as exc:
        raise _TagError(f"line {lineno}: tool_call arguments are not JSON data ({exc})") from None
    return dict(data)


class ToolExtension(Extension):
    """``{% tool_call NAME, ARGS, id=ID %}`` and ``{% tool_result ID[, error=true] %}...{% endtool_result %}``."""

    tags = {"tool_call", "tool_result"}

    def parse(self, parser: Any) -> nodes.Node:
        """Parse a tool tag into a call of the extension (a call block for ``tool_result``)."""
        token = next(parser.stream)
        args, kwargs = _parse_arguments(parser)
        lineno = nodes.Const(token.lineno)
        if token.value == "tool_call":
            call = self.call_method("_tool_call", [nodes.List(args), nodes.Dict(
                [nodes.Pair(nodes.Const(k.key), k.value) for k in kwargs]), lineno])
            return nodes.Output([call]).set_lineno(token.lineno)
        body = parser.parse_statements(("name:endtool_result",), drop_needle=True)
        call = self.call_method("_tool_result", [nodes.List(args), nodes.Dict(
            [nodes.Pair(nodes.Const(k.key), k.value) for k in kwargs]), lineno])
        return nodes.CallBlock(call, [], [], body).set_lineno(token.lineno)

    def _tool_call(self, args: list[Any], kwargs: dict[str, Any], lineno: int) -> str:
        from promptctl.templating.environment import _BUILDER, _StructureError

        hint = '{% tool_call "get_weather", {"city": "Paris"}, id="call_1" %}'
        unknown = sorted(set(kwargs) - {"id", "name", "arguments"})
        if unknown or len(args) > 3:
            raise _StructureError(lineno, f"tool_call takes a name, arguments and id (got {unknown or args})", hint)
        values = dict(zip(("name", "arguments", "id"), args, strict=False)) | kwargs
        name, arguments, call_id = values.get("name"), values.get("arguments", {}), values.get("id")
        if not isinstance(name, str) or not TOOL_NAME.match(name):
            raise _StructureError(lineno, f"tool_call needs the tool's name (1-64 letters, digits, '_' or '-'), "
                                          f"not {name!r}", hint)
        if not isinstance(call_id, str) or not call_id.strip():
            raise _StructureError(lineno, f"tool_call '{name}' needs an id (its tool_result refers to it)", hint)
        try:
            parsed = _plain_arguments(arguments, lineno)
        except _TagError as exc:
            raise _StructureError(lineno, str(exc).split(": ", 1)[1], hint) from None
        return _BUILDER.get().place(ToolCall(id=call_id, name=name, arguments=parsed))

    def _tool_result(self, args: list[Any], kwargs: dict[str, Any], lineno: int, caller: Callable[[], str]) -> str:
        from promptctl.templating.environment import _BUILDER, _StructureError

        hint = '{% tool_result "call_1" %}{{ result | tojson }}{% endtool_result %}'
        unknown = sorted(set(kwargs) - {"id", "error"})
        if unknown or len(args) > 2:
            raise _StructureError(lineno, f"tool_result takes the call's id and error=true|false (got "
                                          f"{unknown or args})", hint)
        values = dict(zip(("id", "error"), args, strict=False)) | kwargs
        call_id = values.get("id")
        if not isinstance(call_id, str) or not call_id.strip():
            raise _StructureError(lineno, "tool_result needs the id of the tool call it answers", hint)
        builder = _BUILDER.get()
        parts = builder.parts(caller(), lineno=lineno)
        if any(not isinstance(p, str) for p in parts):
            raise _StructureError(lineno, "a tool_result holds text only (no sections, media or tool calls)", hint)
        return builder.place(ToolResult(tool_call_id=call_id, content="\n\n".join(parts),  # type: ignore[arg-type]
                                        is_error=bool(values.get("error", False))))
