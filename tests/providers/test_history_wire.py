"""Conversation history (issue 19 item 3) through the real SDKs against the loopback server.

Case: "A history message ``{{ 7*7 }} </input>`` arrives literally": the text reaches the wire byte for
byte for OpenAI and Anthropic (and in the watsonx body), never rendered as a template nor escaped as XML.
"""

from __future__ import annotations

import pytest

from promptctl import render
from promptctl.providers.anthropic import AnthropicProvider
from promptctl.providers.openai import OpenAIProvider
from promptctl.registry.registry import Registry
from promptctl.tokens import count_request

TEMPLATE = """---
provider: anthropic
model: claude-sonnet-4-6
variables:
  history:
    type: messages
    default: []
    description: The conversation so far
  question:
    type: string
    input: true
---
{% system %}
{% section "instructions" %}
Answer the customer's question about their order.
{% endsection %}
{% endsystem %}
{% messages history %}
{% user %}
{% section "input" %}
{{ question }}
{% endsection %}
{% enduser %}
"""
LITERAL = "{{ 7*7 }} </input>"
HISTORY = [
    {"role": "user", "content": "Where is order 42?"},
    {"role": "assistant", "content": "It shipped yesterday."},
    {"role": "user", "content": LITERAL},
    {"role": "assistant", "content": [{"type": "text", "text": "Could you rephrase? </input>"}]},
]


@pytest.fixture(scope="module")
def version(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    folder = tmp_path_factory.mktemp("history") / "prompts" / "orders"
    folder.mkdir(parents=True)
    (folder / "v1.j2").write_text(TEMPLATE, encoding="utf-8")
    return Registry(folder.parent).load("orders", 1)


def test_history_arrives_literally_through_the_openai_sdk(version, server, complete, monkeypatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    request = render(version, "openai", "gpt-4.1-mini", history=HISTORY, question="And order 43?")

    complete(OpenAIProvider({"max_retries": 0}), request)

    [wire] = server.requests
    assert wire.body["messages"] == [
        {"role": "system", "content": "## Instructions\n\nAnswer the customer's question about their order."},
        {"role": "user", "content": "Where is order 42?"},
        {"role": "assistant", "content": "It shipped yesterday."},
        {"role": "user", "content": LITERAL},
        {"role": "assistant", "content": "Could you rephrase? </input>"},
        {"role": "user", "content": "## Input\n\nAnd order 43?"},
    ]
    assert LITERAL.encode() in wire.raw.replace(b"\\u003c", b"<")  # JSON on the wire; the text is not "49"


def test_history_arrives_literally_through_the_anthropic_sdk(version, server, complete, monkeypatch) -> None:
    monkeypatch.setenv("ANTHROPIC_BASE_URL", server.anthropic_base_url)
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test")
    request = render(version, "anthropic", history=HISTORY, question="And order 43?")

    complete(AnthropicProvider({"max_retries": 0}), request)

    [wire] = server.requests
    assert wire.body["system"] == "<instructions>\nAnswer the customer's question about their order.\n</instructions>"
    assert wire.body["messages"] == [
        {"role": "user", "content": "Where is order 42?"},
        {"role": "assistant", "content": "It shipped yesterday."},
        # a history text is a value of its own message: no enclosing section, nothing escaped
        {"role": "user", "content": LITERAL},
        {"role": "assistant", "content": "Could you rephrase? </input>"},
        {"role": "user", "content": "<input>\nAnd order 43?\n</input>"},
    ]


def test_history_in_the_watsonx_body(version) -> None:
    request = render(version, "watsonx", history=HISTORY, question="q")
    assert [m["content"] for m in request.body["messages"]][1:5] == [
        "Where is order 42?", "It shipped yesterday.", LITERAL, "Could you rephrase? </input>"]


def test_history_is_counted_as_input(version) -> None:
    without = count_request(render(version, "openai", "gpt-4.1-mini", question="q")).tokens
    with_history = count_request(render(version, "openai", "gpt-4.1-mini", history=HISTORY, question="q")).tokens
    # four more messages: their text plus the cookbook's 3 tokens of framing each
    assert with_history - without >= 4 * 3 + 15


def test_consecutive_history_messages_of_one_role_merge_for_claude(version) -> None:
    history = [{"role": "user", "content": "First."}, {"role": "user", "content": "Second."},
               {"role": "assistant", "content": "Ok."}]
    request = render(version, "anthropic", history=history, question="q")
    assert request.body["messages"][0] == {"role": "user", "content": "First.\n\nSecond."}


def test_an_openai_history_with_a_tool_call_and_a_breakpoint_after_it_for_both_providers() -> None:
    from promptctl.adapters import adapt
    from promptctl.templating.environment import render_prompt

    history = [
        {"role": "user", "content": "Weather in Paris?"},
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "call_1", "type": "function",
             "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'}}]},
        {"role": "tool", "tool_call_id": "call_1", "content": "18 C"},
        {"role": "assistant", "content": "It is 18 C."},
    ]
    source = "{% system %}Be brief.{% endsystem %}{% messages history %}{% cache %}{% user %}{{ q }}{% enduser %}"
    prompt = render_prompt(source, {"history": history, "q": "And tomorrow?"}, where="t@1")
    claude = adapt(prompt, "anthropic", "claude-sonnet-4-6").body["messages"]
    assert claude[1]["content"] == [{"type": "tool_use", "id": "call_1", "name": "get_weather",
                                     "input": {"city": "Paris"}}]
    assert claude[2]["content"] == [{"type": "tool_result", "tool_use_id": "call_1", "content": "18 C"}]
    # the conversation so far is cached: the breakpoint is on the last history message
    assert claude[3]["content"] == [{"type": "text", "text": "It is 18 C.", "cache_control": {"type": "ephemeral"}}]
    gpt = adapt(prompt, "openai", "gpt-4o").body["messages"]
    assert gpt[2:4] == [history[1] | {"content": None}, {"role": "tool", "tool_call_id": "call_1", "content": "18 C"}]
    assert gpt[4] == {"role": "assistant", "content": "It is 18 C."}
