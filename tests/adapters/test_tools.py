"""Tools, tool calls and reasoning settings, translated per provider (issue 19, items 1, 2 and 4)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest

import promptctl
from promptctl.adapters import adapt
from promptctl.errors import AdapterError
from promptctl.registry.registry import Registry
from promptctl.templating.prompt import Message, Prompt, ToolCall, ToolResult, ToolSet

TOOLS = [
    {"name": "get_order_status", "description": "Look up an order by its id.",
     "parameters": {"type": "object", "properties": {"order_id": {"type": "string"}}, "required": ["order_id"]}},
    {"type": "function", "function": {  # OpenAI's form is read as the same tool
        "name": "get_weather", "description": "Current weather in a city.", "strict": True,
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"],
                       "additionalProperties": False}}},
]
VERSION = """\
---
provider: openai
model: gpt-4.1-mini
parameters: {max_tokens: 300}
tools: TOOLS
tool_choice: {name: get_weather}
variables:
  question: {type: string, input: true}
---
{% system %}You answer questions about orders.{% endsystem %}
{% user %}Where is order A-1?{% enduser %}
{% assistant %}{% tool_call "get_order_status", {"order_id": "A-1"}, id="call_1" %}{% endassistant %}
{% user %}{% tool_result "call_1" %}{"status": "shipped"}{% endtool_result %}{% enduser %}
{% assistant %}Order A-1 has shipped.{% endassistant %}
{% user %}{{ question }}{% enduser %}
"""

OPENAI_MESSAGES: list[dict[str, Any]] = [
    {"role": "system", "content": "You answer questions about orders."},
    {"role": "user", "content": "Where is order A-1?"},
    {"role": "assistant", "content": None, "tool_calls": [
        {"id": "call_1", "type": "function",
         "function": {"name": "get_order_status", "arguments": '{"order_id": "A-1"}'}}]},
    {"role": "tool", "tool_call_id": "call_1", "content": '{"status": "shipped"}'},
    {"role": "assistant", "content": "Order A-1 has shipped."},
    {"role": "user", "content": "Is it raining in Paris?"},
]
OPENAI_TOOLS = [
    {"type": "function", "function": {"name": "get_order_status", "description": "Look up an order by its id.",
                                      "parameters": TOOLS[0]["parameters"]}},
    {"type": "function", "function": {"name": "get_weather", "description": "Current weather in a city.",
                                      "parameters": TOOLS[1]["function"]["parameters"], "strict": True}},
]


def registry(tmp_path: Path, text: str = VERSION, tools: Any = TOOLS) -> Registry:
    folder = tmp_path / "prompts" / "orders"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "v1.j2").write_text(text.replace("TOOLS", json.dumps(tools)), encoding="utf-8")
    return Registry(tmp_path / "prompts")


def render(tmp_path: Path, provider: str, text: str = VERSION, model: str | None = None, **parameters: Any
           ) -> dict[str, Any]:
    version = registry(tmp_path, text).get("orders@1")
    return promptctl.render(version, provider, model, parameters=parameters or None,
                            question="Is it raining in Paris?").body


def test_openai_request(tmp_path: Path) -> None:
    assert render(tmp_path, "openai") == {
        "model": "gpt-4.1-mini", "max_tokens": 300, "messages": OPENAI_MESSAGES, "tools": OPENAI_TOOLS,
        "tool_choice": {"type": "function", "function": {"name": "get_weather"}},
    }


def test_anthropic_request(tmp_path: Path) -> None:
    assert render(tmp_path, "anthropic") == {
        "model": "claude-sonnet-4-6", "max_tokens": 300, "system": "You answer questions about orders.",
        "messages": [
            {"role": "user", "content": "Where is order A-1?"},
            {"role": "assistant", "content": [
                {"type": "tool_use", "id": "call_1", "name": "get_order_status", "input": {"order_id": "A-1"}}]},
            {"role": "user", "content": [
                {"type": "tool_result", "tool_use_id": "call_1", "content": '{"status": "shipped"}'}]},
            {"role": "assistant", "content": "Order A-1 has shipped."},
            {"role": "user", "content": "Is it raining in Paris?"},
        ],
        "tools": [
            {"name": "get_order_status", "description": "Look up an order by its id.",
             "input_schema": TOOLS[0]["parameters"]},
            {"name": "get_weather", "description": "Current weather in a city.",
             "input_schema": TOOLS[1]["function"]["parameters"], "strict": True},
        ],
        "tool_choice": {"type": "tool", "name": "get_weather"},
    }


def test_watsonx_request(tmp_path: Path) -> None:
    version = registry(tmp_path).get("orders@1")
    request = promptctl.render(version, "watsonx", question="Is it raining in Paris?")
    assert request.body == {
        "model_id": "ibm/granite-3-8b-instruct", "max_tokens": 300, "messages": OPENAI_MESSAGES,
        "tools": OPENAI_TOOLS, "tool_choice": {"type": "function", "function": {"name": "get_weather"}},
    }
    assert request.kwargs["tools"] == OPENAI_TOOLS and request.kwargs["params"] == {"max_tokens": 300}


@pytest.mark.parametrize(("choice", "openai", "anthropic", "watsonx"), [
    ("auto", "auto", {"type": "auto"}, {"tool_choice_option": "auto"}),
    ("none", "none", {"type": "none"}, {"tool_choice_option": "none"}),
    ("required", "required", {"type": "any"}, {"tool_choice_option": "required"}),
])
def test_tool_choices(tmp_path: Path, choice: str, openai: Any, anthropic: Any, watsonx: dict[str, str]) -> None:
    text = VERSION.replace("tool_choice: {name: get_weather}", f"tool_choice: {choice}")
    assert render(tmp_path, "openai", text)["tool_choice"] == openai
    assert render(tmp_path, "anthropic", text)["tool_choice"] == anthropic
    body = render(tmp_path, "watsonx", text)
    assert {k: body[k] for k in ("tool_choice", "tool_choice_option") if k in body} == watsonx


def test_parallel_tool_calls(tmp_path: Path) -> None:
    text = VERSION.replace("tool_choice: {name: get_weather}", "parallel_tool_calls: false")
    assert render(tmp_path, "openai", text)["parallel_tool_calls"] is False
    assert render(tmp_path, "anthropic", text)["tool_choice"] == {"type": "auto", "disable_parallel_tool_use": True}
    request = promptctl.render(registry(tmp_path, text).get("orders@1"), "watsonx", question="q")
    assert "parallel_tool_calls" not in request.body
    assert "watsonx chat does not take parallel_tool_calls; dropped" in request.warnings


def test_a_failed_tool_result_and_text_beside_results() -> None:
    prompt = Prompt((
        Message("user", ("Check A-1 and B-2.",)),
        Message("assistant", ("Checking both.", ToolCall("c1", "get_order_status", {"order_id": "A-1"}),
                              ToolCall("c2", "get_order_status", {"order_id": "B-2"}))),
        Message("user", (ToolResult("c1", "shipped"), ToolResult("c2", "no such order", is_error=True),
                         "And the weather?")),
    ))
    openai = adapt(prompt, "openai", "gpt-4.1-mini").body["messages"]
    assert openai[1]["content"] == "Checking both." and [c["id"] for c in openai[1]["tool_calls"]] == ["c1", "c2"]
    assert openai[2:] == [{"role": "tool", "tool_call_id": "c1", "content": "shipped"},
                          {"role": "tool", "tool_call_id": "c2", "content": "Error: no such order"},
                          {"role": "user", "content": "And the weather?"}]
    claude = adapt(prompt, "anthropic", "claude-sonnet-4-6").body["messages"]
    assert claude[1]["content"][0] == {"type": "text", "text": "Checking both."}
    assert claude[2]["content"] == [
        {"type": "tool_result", "tool_use_id": "c1", "content": "shipped"},
        {"type": "tool_result", "tool_use_id": "c2", "content": "no such order", "is_error": True},
        {"type": "text", "text": "And the weather?"},
    ]


@pytest.mark.parametrize(("messages", "error"), [
    ((Message("user", (ToolCall("c1", "f"),)),), r"tool call 'c1' \(f\) is in a user message"),
    ((Message("user", ("hi",)), Message("assistant", (ToolResult("c1", "x"),))), r"is in an assistant message"),
    ((Message("user", ("hi",)), Message("assistant", (ToolCall("c1", "f"),)), Message("user", ("no result",))),
     r"tool call 'c1' \(f\) has no tool result in the next user message"),
    ((Message("user", (ToolResult("c9", "x"),)),), r"tool result 'c9' answers no tool call"),
    ((Message("user", ("hi",)), Message("assistant", (ToolCall("c1", "f"),))),
     r"ends with tool call 'c1' \(f\) and no result"),
])
@pytest.mark.parametrize("provider", ["openai", "anthropic", "watsonx"])
def test_tool_turns_out_of_order_are_refused_before_sending(provider: str, messages: tuple[Message, ...],
                                                            error: str) -> None:
    with pytest.raises(AdapterError, match=error):
        adapt(Prompt(messages), provider, {"openai": "gpt-4.1", "anthropic": "claude-sonnet-4-6",
                                           "watsonx": "ibm/granite-3-8b-instruct"}[provider], where="p@1")


# -- reasoning ------------------------------------------------------------------------------------------------
SIMPLE = Prompt((Message("system", ("Be brief.",)), Message("user", ("Why is the sky blue?",))))


def test_openai_reasoning_effort_on_a_reasoning_model() -> None:
    request = adapt(SIMPLE, "openai", "o4-mini", {"reasoning": {"effort": "low", "budget_tokens": 2048},
                                                   "max_tokens": 4000})
    assert request.body == {"model": "o4-mini", "max_completion_tokens": 4000, "reasoning_effort": "low",
                            "messages": [{"role": "developer", "content": "Be brief."},
                                         {"role": "user", "content": "Why is the sky blue?"}]}
    assert any("budget_tokens applies to Claude" in w for w in request.warnings)


def test_claude_thinking_and_effort() -> None:
    body = adapt(SIMPLE, "anthropic", "claude-opus-4-6", {"reasoning": {"effort": "medium", "budget_tokens": 2048},
                                                          "max_tokens": 8000}).body
    assert body["thinking"] == {"type": "enabled", "budget_tokens": 2048}
    assert body["output_config"] == {"effort": "medium"}
    older = adapt(SIMPLE, "anthropic", "claude-sonnet-4-5", {"reasoning": {"effort": "medium", "budget_tokens": 2048},
                                                             "max_tokens": 8000})
    assert "output_config" not in older.body and older.body["thinking"]["budget_tokens"] == 2048
    assert any("no effort setting" in w for w in older.warnings)


def test_watsonx_reasoning_effort() -> None:
    request = adapt(SIMPLE, "watsonx", "openai/gpt-oss-120b", {"reasoning": {"effort": "high"}})
    assert request.body["reasoning_effort"] == "high" and request.kwargs["params"] == {"reasoning_effort": "high"}


@pytest.mark.parametrize(("provider", "model", "params", "error"), [
    ("openai", "gpt-4.1-mini", {"reasoning": {"effort": "low"}}, r"gpt-4.1-mini has no reasoning settings"),
    ("anthropic", "claude-3-5-haiku-20241022", {"reasoning": {"budget_tokens": 2048}, "max_tokens": 4000},
     r"claude-3-5-haiku-20241022 has no reasoning settings"),
    ("watsonx", "ibm/granite-3-8b-instruct", {"reasoning": {"effort": "low"}}, r"has no reasoning settings"),
    ("openai", "o3", {"reasoning": {"budget_tokens": 4096}}, r"takes a reasoning effort, not a thinking budget"),
    ("anthropic", "claude-sonnet-4-6", {"reasoning": {"budget_tokens": 512}, "max_tokens": 4000},
     r"budget_tokens is 512; Claude's thinking budget is at least 1,024"),
    ("anthropic", "claude-sonnet-4-6", {"reasoning": {"budget_tokens": 2048}},
     r"budget_tokens \(2,048\) must be below max_tokens \(1,024\)"),
    ("anthropic", "claude-sonnet-4-6", {"reasoning": {"budget_tokens": 2048}, "max_tokens": 4000, "temperature": 0},
     r"temperature cannot be set with extended thinking"),
    ("anthropic", "claude-sonnet-4-6", {"reasoning": {"budget_tokens": 2048}, "max_tokens": 4000, "top_p": 0.5},
     r"top_p must be between 0.95 and 1"),
    ("anthropic", "claude-sonnet-4-5", {"reasoning": {"effort": "low"}}, r"has no effort setting"),
    ("anthropic", "claude-opus-4-6", {"reasoning": {"effort": "minimal"}}, r"Claude's effort takes low, medium, high"),
    ("openai", "o3", {"reasoning": {"effort": "huge"}}, r"reasoning \{'effort': 'huge'\}"),
])
def test_reasoning_refused_before_sending(provider: str, model: str, params: dict[str, Any], error: str) -> None:
    with pytest.raises(AdapterError, match=error):
        adapt(SIMPLE, provider, model, params, where="p@1")


def test_thinking_with_a_forced_tool_names_both_settings(tmp_path: Path) -> None:
    text = VERSION.replace("parameters: {max_tokens: 300}", "parameters: {max_tokens: 4000}\n"
                           "reasoning: {budget_tokens: 2048}")
    version = registry(tmp_path, text).get("orders@1")
    with pytest.raises(AdapterError) as caught:
        promptctl.render(version, "anthropic", question="q")
    assert caught.value.message == (
        f"{version.display}: reasoning.budget_tokens (extended thinking) cannot be combined with tool_choice: "
        "{name: get_weather}: Claude refuses a forced tool choice while thinking")
    assert "tool_choice: auto" in (caught.value.hint or "")
    required = text.replace("tool_choice: {name: get_weather}", "tool_choice: required")
    with pytest.raises(AdapterError, match="tool_choice: required"):
        promptctl.render(registry(tmp_path, required).get("orders@1"), "anthropic", question="q")
    auto = text.replace("tool_choice: {name: get_weather}", "tool_choice: auto")
    body = promptctl.render(registry(tmp_path, auto).get("orders@1"), "anthropic", question="q").body
    assert body["thinking"] == {"type": "enabled", "budget_tokens": 2048} and body["tool_choice"] == {"type": "auto"}


def test_a_reasoning_option_overrides_the_front_matter(tmp_path: Path) -> None:
    text = VERSION.replace("model: gpt-4.1-mini", "model: o4-mini").replace(
        "parameters: {max_tokens: 300}", "parameters: {max_tokens: 300}\nreasoning: {effort: high}")
    version = registry(tmp_path, text).get("orders@1")
    assert promptctl.render(version, question="q").body["reasoning_effort"] == "high"
    assert promptctl.render(version, parameters={"reasoning": {"effort": "minimal"}}, question="q").body[
        "reasoning_effort"] == "minimal"
    assert "reasoning_effort" not in promptctl.render(version, parameters={"reasoning": None}, question="q").body


def test_tool_set_round_trip() -> None:
    tools = ToolSet(choice="tool", forced="f", parallel=False)
    assert tools.to_dict() == {"tools": [], "tool_choice": {"name": "f"}, "parallel_tool_calls": False}
    assert tools.forces_a_tool


EXAMPLE = textwrap.dedent("""\
    ---
    provider: anthropic
    model: claude-sonnet-4-6
    tools:
      - name: lookup
        parameters: {type: object, properties: {q: {type: string}}}
    ---
    {% user %}hi{% enduser %}
    """)


def test_yaml_tools_in_the_front_matter(tmp_path: Path) -> None:
    body = promptctl.render(registry(tmp_path, EXAMPLE).get("orders@1")).body
    schema = {"type": "object", "properties": {"q": {"type": "string"}}}
    assert body["tools"] == [{"name": "lookup", "input_schema": schema}]
    assert "tool_choice" not in body


def test_structured_output_with_tools_is_refused_before_sending(tmp_path: Path) -> None:
    from promptctl.errors import InputError
    from promptctl.session.run import render_request

    version = registry(tmp_path).get("orders@1")
    with pytest.raises(InputError, match="strategy structured cannot run a prompt that declares tools"):
        render_request(version, {"question": "q"}, strategy="structured")
