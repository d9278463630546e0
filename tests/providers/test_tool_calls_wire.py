"""Tool calls and reasoning in replies, through the real SDKs (issue 19, items 2 and 4).

OpenAI and Anthropic against the loopback server (OpenAI ``message.tool_calls``,
``completion_tokens_details.reasoning_tokens``; Anthropic ``tool_use`` and ``thinking`` blocks); watsonx through
the ibm-watsonx-ai SDK with its httpx traffic answered by respx (the fixtures of ``test_watsonx``).
"""

from __future__ import annotations

import json

import pytest

from promptctl.adapters import adapt
from promptctl.errors import ProviderError
from promptctl.providers.anthropic import AnthropicProvider
from promptctl.providers.openai import OpenAIProvider
from promptctl.providers.watsonx import WatsonxProvider
from promptctl.templating.prompt import Message, Prompt, Tool, ToolCall, ToolResult, ToolSet
from promptctl.testing import ScriptedReply, ServerUsage
from promptctl.testing import ToolCall as ScriptedCall
from tests.providers.test_watsonx import CHAT_REPLY, URL, wx, wx_env  # noqa: F401 - fixtures

WEATHER = Tool("get_weather", "Weather in a city.", {"type": "object", "properties": {"city": {"type": "string"}},
                                                     "required": ["city"]})
ORDER = Tool("get_order_status", "An order's status.",
             {"type": "object", "properties": {"order_id": {"type": "string"}}})
PROMPT = Prompt(
    messages=(
        Message("system", ("You help with orders and the weather.",)),
        Message("user", ("Where is A-1?",)),
        Message("assistant", (ToolCall("call_1", "get_order_status", {"order_id": "A-1"}),)),
        Message("user", (ToolResult("call_1", '{"status": "shipped"}'),)),
        Message("assistant", ("It has shipped.",)),
        Message("user", ("Is it raining in Paris?",)),
    ),
    tools=ToolSet((ORDER, WEATHER), choice="tool", forced="get_weather"),
)


@pytest.fixture
def openai_env(server, monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    return server


@pytest.fixture
def anthropic_env(server, monkeypatch):
    monkeypatch.setenv("ANTHROPIC_BASE_URL", server.anthropic_base_url)
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test")
    return server


def test_openai_returns_the_tool_call_with_parsed_arguments(openai_env, complete) -> None:
    openai_env.replies = [ScriptedReply(tool_calls=(ScriptedCall({"city": "Paris"}, id="call_9"),))]
    request = adapt(PROMPT, "openai", "gpt-4.1-mini")
    completion = complete(OpenAIProvider(), request)
    assert openai_env.requests[0].body == request.body  # exactly what the adapter built reached the wire
    assert completion.tool_calls == (ToolCall("call_9", "get_weather", {"city": "Paris"}),)
    assert completion.text == "" and completion.finish_reason == "tool_calls"


def test_anthropic_returns_the_tool_call_and_the_thinking_apart(anthropic_env, complete) -> None:
    anthropic_env.replies = [ScriptedReply(text="Checking.", reasoning="The user wants Paris weather.",
                                           tool_calls=(ScriptedCall({"city": "Paris"}, id="toolu_1"),))]
    request = adapt(PROMPT, "anthropic", "claude-sonnet-4-6")
    completion = complete(AnthropicProvider(), request)
    assert anthropic_env.requests[0].body == request.body
    assert completion.tool_calls == (ToolCall("toolu_1", "get_weather", {"city": "Paris"}),)
    assert completion.text == "Checking." and completion.reasoning == "The user wants Paris weather."


def test_watsonx_returns_the_tool_call(wx, complete) -> None:  # noqa: F811 - the fixture
    reply = dict(CHAT_REPLY, choices=[{"index": 0, "finish_reason": "tool_calls", "message": {
        "role": "assistant", "tool_calls": [{"id": "chatcmpl-tool-1", "type": "function",
                                             "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'}}]}}])
    wx["chat"].respond(json=reply)
    request = adapt(PROMPT, "watsonx", "ibm/granite-3-8b-instruct")
    completion = complete(WatsonxProvider(), request)
    sent = json.loads(wx["chat"].calls.last.request.content)
    assert sent == {**request.body, "project_id": "p1"}
    assert sent["tool_choice"] == {"type": "function", "function": {"name": "get_weather"}}
    assert completion.tool_calls == (ToolCall("chatcmpl-tool-1", "get_weather", {"city": "Paris"}),)


def test_arguments_that_are_not_json_are_kept_as_text(openai_env, complete) -> None:
    openai_env.replies = [ScriptedReply(tool_calls=(ScriptedCall('{"city": "Par', name="get_weather"),))]
    completion = complete(OpenAIProvider(), adapt(PROMPT, "openai", "gpt-4.1-mini"))
    assert completion.tool_calls[0].arguments == '{"city": "Par'


SIMPLE = Prompt((Message("user", ("Prove it.",)),))
CUT_OFF = ServerUsage(input_tokens=9, output_tokens=400, reasoning_tokens=400)


def test_openai_reply_cut_off_by_reasoning_is_a_provider_error_with_a_hint(openai_env, complete) -> None:
    openai_env.replies = [ScriptedReply(text="", finish_reason="length", usage=CUT_OFF)]
    request = adapt(SIMPLE, "openai", "o4-mini", {"max_tokens": 400, "reasoning": {"effort": "high"}})
    assert openai_env.requests == [] and request.body["reasoning_effort"] == "high"
    with pytest.raises(ProviderError) as caught:
        complete(OpenAIProvider(settings={"max_retries": 0}), request)
    assert caught.value.message == ("openai: the reply was cut off at max_tokens with no visible output: reasoning "
                                    "used the whole output budget (400 of 400 output tokens went to reasoning)")
    assert "raise parameters.max_tokens" in (caught.value.hint or "") and not caught.value.retryable
    assert caught.value.exit_code == 3


def test_anthropic_reply_of_thinking_only_cut_off_is_a_provider_error(anthropic_env, complete) -> None:
    anthropic_env.replies = [ScriptedReply(reasoning="Let me think about this at length...",
                                           finish_reason="max_tokens", usage=CUT_OFF)]
    request = adapt(SIMPLE, "anthropic", "claude-sonnet-4-6", {"max_tokens": 2048,
                                                                "reasoning": {"budget_tokens": 1024}})
    with pytest.raises(ProviderError, match="anthropic: the reply was cut off at max_tokens with no visible output"):
        complete(AnthropicProvider(settings={"max_retries": 0}), request)
    assert anthropic_env.requests[0].body["thinking"] == {"type": "enabled", "budget_tokens": 1024}


def test_openai_compatible_reasoning_text_is_kept_apart(openai_env, complete) -> None:
    openai_env.replies = [ScriptedReply(text="42", reasoning="6 times 7.")]
    completion = complete(OpenAIProvider(), adapt(SIMPLE, "openai", "gpt-4.1-mini"))
    assert completion.text == "42" and completion.reasoning == "6 times 7."
