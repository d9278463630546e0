"""Conversation history and cache breakpoints: the ``{% messages %}`` and ``{% cache %}`` tags.

``{% messages history %}`` inserts the messages of a variable of type ``messages`` where the template
places it, between message tags::

    {% system %}You are a support agent.{% endsystem %}
    {% messages history %}
    {% user %}{{ question }}{% enduser %}

A history is a list of ``{role, content}`` mappings, ``content`` a text or a list of parts, validated
with pydantic (:class:`HistoryMessage`). Its texts are values: inserted once as they are, never parsed
as template text, so ``{{ 7*7 }}`` or ``</input>`` in a message reaches the model literally. Tool calls
and tool results may appear as parts (neutral spellings below; OpenAI's ``tool_calls``/``role: tool``
and Anthropic's ``tool_use``/``tool_result`` blocks are accepted too and normalised)::

    {role: assistant, content: [{type: tool_call, id: call_1, name: get_weather, arguments: {city: Paris}}]}
    {role: user, content: [{type: tool_result, tool_call_id: call_1, content: "18 C"}]}

``{% cache %}`` (or ``{% cache ttl="1h" %}``) ends a cacheable prefix: everything before it is expected
to stay the same from call to call. Inside a message it marks the text just before it; between messages
(after ``{% endsystem %}`` or ``{% messages history %}``) the end of the message before it. Anthropic gets
``cache_control: {type: ephemeral}`` on that content block; OpenAI and watsonx, which cache prefixes
automatically, get nothing on the wire, but lint and ``cost`` read where the stable prefix ends.
"""

from __future__ import annotations

from typing import Any

from jinja2 import nodes
from jinja2.ext import Extension

from promptctl.templating.environment import _BUILDER, _StructureError
from promptctl.templating.history import validate_history
from promptctl.templating.prompt import CacheBreak

CACHE_TTLS = ("5m", "1h")
"""Cache lifetimes a breakpoint may ask for (Anthropic ``CacheControlEphemeralParam.ttl``; 5m is the default)."""


class ConversationExtension(Extension):
    """Jinja2 extension adding ``{% messages VAR %}`` and ``{% cache [ttl="1h"] %}``."""

    tags = {"messages", "cache"}

    def parse(self, parser: Any) -> nodes.Node:
        """Parse a ``messages`` or ``cache`` tag into an output of the object it places."""
        token = next(parser.stream)
        lineno = nodes.Const(token.lineno)
        if token.value == "messages":
            if parser.stream.current.type == "block_end":
                parser.fail("{% messages %} needs the variable holding the history: {% messages history %}",
                            token.lineno)
            value = parser.parse_expression()
            name = value.name if isinstance(value, nodes.Name) else "messages"
            call = self.call_method("_messages", [value, nodes.Const(name), lineno])
        else:
            ttl: nodes.Expr = nodes.Const(None)
            while parser.stream.current.type != "block_end":
                key = parser.stream.expect("name")
                if key.value != "ttl":
                    parser.fail(f"unknown {{% cache %}} option '{key.value}': the only option is ttl=\"5m\" or "
                                "ttl=\"1h\"", key.lineno)
                parser.stream.expect("assign")
                ttl = parser.parse_expression()
            call = self.call_method("_cache", [ttl, lineno])
        return nodes.Output([call]).set_lineno(token.lineno)

    def _messages(self, value: Any, name: str, lineno: int) -> str:
        builder = _BUILDER.get()
        if builder.in_message:
            raise _StructureError(lineno, f"{{% messages {name} %}} cannot go inside a message",
                                  "place it between messages: after {% endsystem %}, before {% user %}")
        try:
            messages = validate_history(value, variable=name)
        except ValueError as exc:
            raise _StructureError(lineno, str(exc), _HISTORY_HINT) from None
        tokens = []
        for message in messages:
            token = builder.token("m")
            builder.messages[token] = message
            tokens.append(token)
        return "".join(tokens)

    def _cache(self, ttl: Any, lineno: int) -> str:
        if ttl is not None and ttl not in CACHE_TTLS:
            raise _StructureError(lineno, f"cache ttl {ttl!r} is not one of {', '.join(CACHE_TTLS)}",
                                  'write {% cache %} (5 minutes) or {% cache ttl="1h" %}')
        return _BUILDER.get().place(CacheBreak(ttl=ttl))


_HISTORY_HINT = ("a history is a list of {role: system|user|assistant, content: text or parts}; "
                 "see promptctl help templates")
