"""Cache breakpoints (issue 16 item 3) through the real SDKs against the loopback server.

Case: "A 2,000-token system prompt with ``{% cache %}`` renders one ``cache_control`` block for Claude and
none for OpenAI; a fifth breakpoint is an error."
"""

from __future__ import annotations

import pytest

from promptctl.adapters import adapt
from promptctl.errors import AdapterError
from promptctl.providers.anthropic import AnthropicProvider
from promptctl.providers.openai import OpenAIProvider
from promptctl.templating.environment import render_prompt
from promptctl.tokens.counting import count_text

RULE = ("Refunds over one hundred dollars, disputed charges and chargebacks go to a billing specialist; "
        "explain the next step, the expected wait and what the customer should prepare before they are contacted.")
POLICY = "\n".join(f"{n}. {RULE}" for n in range(1, 51))
SOURCE = """{% system %}
{% section "policy" %}
{{ policy }}
{% endsection %}
{% cache %}
{% endsystem %}
{% user %}{{ question }}{% enduser %}"""


def rendered(source: str = SOURCE, **values: object):  # type: ignore[no-untyped-def]
    return render_prompt(source, {"policy": POLICY, "question": "Can I get a refund?", **values}, where="t@1")


def test_the_system_prompt_is_about_2000_tokens() -> None:
    assert 1900 <= count_text(POLICY, "o200k_base")[0] <= 2300


def test_claude_gets_one_cache_control_block_through_the_sdk(server, complete, monkeypatch) -> None:
    monkeypatch.setenv("ANTHROPIC_BASE_URL", server.anthropic_base_url)
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test")
    request = adapt(rendered(), "anthropic", "claude-sonnet-4-6")

    complete(AnthropicProvider({"max_retries": 0}), request)

    [wire] = server.requests
    assert wire.body["system"] == [{"type": "text", "text": f"<policy>\n{POLICY}\n</policy>",
                                    "cache_control": {"type": "ephemeral"}}]
    assert wire.body["messages"] == [{"role": "user", "content": "Can I get a refund?"}]
    assert wire.raw.count(b'"cache_control"') == 1


def test_openai_gets_nothing_on_the_wire_through_the_sdk(server, complete, monkeypatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    request = adapt(rendered(), "openai", "gpt-4o")
    without = adapt(rendered(SOURCE.replace("{% cache %}\n", "")), "openai", "gpt-4o")

    complete(OpenAIProvider({"max_retries": 0}), request)

    [wire] = server.requests
    assert wire.body == without.body  # the marker changes nothing OpenAI receives
    assert b"cache" not in wire.raw
    assert wire.body["messages"][0] == {"role": "system", "content": f"## Policy\n\n{POLICY}"}


def test_watsonx_gets_nothing_either() -> None:
    with_marker = adapt(rendered(), "watsonx", "ibm/granite-3-8b-instruct")
    without = adapt(rendered(SOURCE.replace("{% cache %}\n", "")), "watsonx", "ibm/granite-3-8b-instruct")
    assert with_marker.body == without.body


def test_a_fifth_breakpoint_is_an_error_before_sending(server) -> None:
    four = "{% system %}a{% cache %}b{% cache %}{% endsystem %}{% user %}c{% cache %}d{% cache %}{% enduser %}"
    request = adapt(render_prompt(four, {}, where="t@1"), "anthropic", "claude-sonnet-4-6")
    assert sum("cache_control" in b for b in request.body["system"] + request.body["messages"][0]["content"]) == 4
    five = four.replace("d{% cache %}", "d{% cache %}e{% cache %}")
    with pytest.raises(AdapterError, match=r"t@1: 5 cache breakpoints; Anthropic allows at most 4 per request"):
        adapt(render_prompt(five, {}, where="t@1"), "anthropic", "claude-sonnet-4-6", where="t@1")
    assert five and not server.requests  # refused before anything was sent
    # OpenAI has no such limit: the markers put nothing on the wire
    assert adapt(render_prompt(five, {}, where="t@1"), "openai", "gpt-4o").body["messages"][1]["content"] == \
        "c\n\nd\n\ne"


def test_breakpoints_mark_the_block_before_them_in_request_order() -> None:
    source = ("{% system %}Rules.{% endsystem %}{% cache ttl='1h' %}"
              "{% user %}Document.{% cache %}Question?{% enduser %}"
              "{% assistant %}Answer.{% endassistant %}{% cache %}{% user %}More?{% enduser %}")
    body = adapt(render_prompt(source, {}, where="t@1"), "anthropic", "claude-sonnet-4-6").body
    assert body["system"] == [{"type": "text", "text": "Rules.", "cache_control": {"type": "ephemeral", "ttl": "1h"}}]
    assert body["messages"] == [
        {"role": "user", "content": [{"type": "text", "text": "Document.", "cache_control": {"type": "ephemeral"}},
                                     {"type": "text", "text": "Question?"}]},
        {"role": "assistant", "content": [{"type": "text", "text": "Answer.", "cache_control": {"type": "ephemeral"}}]},
        {"role": "user", "content": "More?"},
    ]


def test_text_only_requests_are_unchanged_plain_strings() -> None:
    body = adapt(rendered(SOURCE.replace("{% cache %}\n", "")), "anthropic", "claude-sonnet-4-6").body
    assert body["system"] == f"<policy>\n{POLICY}\n</policy>"


@pytest.mark.parametrize(("source", "expected"), [
    ("{% system %}a{% cache %}{% endsystem %}{% user %}b{% cache ttl='1h' %}{% enduser %}",
     "a cache breakpoint with ttl 1h comes after one with 5m"),
    ("{% user %}{% cache %}a{% enduser %}", "a cache breakpoint has no content before it"),
])
def test_breakpoints_claude_would_refuse(source: str, expected: str) -> None:
    with pytest.raises(AdapterError, match=expected):
        adapt(render_prompt(source, {}, where="t@1"), "anthropic", "claude-sonnet-4-6")


def test_two_breakpoints_in_a_row_are_one() -> None:
    source = "{% user %}a{% cache %}{% cache ttl='1h' %}b{% enduser %}"
    body = adapt(render_prompt(source, {}, where="t@1"), "anthropic", "claude-sonnet-4-6").body
    assert body["messages"][0]["content"][0]["cache_control"] == {"type": "ephemeral", "ttl": "1h"}


def test_a_prefill_after_a_breakpoint_is_still_stripped() -> None:
    source = "{% user %}a{% cache %}{% enduser %}{% assistant %}{\n  {% endassistant %}"
    body = adapt(render_prompt(source, {}, where="t@1"), "anthropic", "claude-sonnet-4-6").body
    assert body["messages"][-1] == {"role": "assistant", "content": "{"}


def test_a_trigger_phrase_goes_after_a_breakpoint_in_the_last_user_message() -> None:
    from promptctl.adapters.edits import append_user_text

    source = "{% user %}Long document.{% cache %}Question?{% enduser %}"
    request = adapt(render_prompt(source, {}, where="t@1"), "anthropic", "claude-sonnet-4-6")
    edited = append_user_text(request, "Think step by step.")
    assert edited.body["messages"][-1]["content"][-1] == {"type": "text", "text": "Think step by step."}
    assert edited.body["messages"][-1]["content"][0]["cache_control"] == {"type": "ephemeral"}
