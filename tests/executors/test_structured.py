"""Structured output: instructor through the real SDKs on the loopback server, native JSON modes, the manual loop."""

from __future__ import annotations

import asyncio
import json
import textwrap
from pathlib import Path

import pytest

from promptctl.errors import StructuredOutputError
from promptctl.executors.base import CallContext
from promptctl.executors.schema import schema_model
from promptctl.executors.structured import StructuredOptions, parse_json, run_structured
from promptctl.providers.fake import FakeProvider
from promptctl.session.run import arun
from promptctl.testing import ScriptedReply, ServerUsage, ToolCall

BAD = {"category": "Option C", "value": "ten"}
GOOD = {"category": "Option A", "value": 10}

MODEL_SOURCE = textwrap.dedent(
    """\
    from typing import Literal

    from pydantic import BaseModel


    class Choice(BaseModel):
        category: Literal["Option A", "Option B"]
        value: int
    """
)

VERSION = """\
---
description: Pick an option
provider: {provider}
model: {model}
parameters: {{temperature: 0, max_tokens: 100}}
variables:
  text: {{type: string, input: true}}
output: {{format: json, model: "choice_models:Choice"}}
strategy: {{name: structured, max_retries: {retries}{extra}}}
---
{{% system %}}Classify the text.{{% endsystem %}}
{{% user %}}{{% section "input" %}}{{{{ text }}}}{{% endsection %}}{{% enduser %}}
"""


@pytest.fixture
def models(tmp_path: Path):
    (tmp_path / "choice_models.py").write_text(MODEL_SOURCE, encoding="utf-8")
    yield
    import sys

    sys.modules.pop("choice_models", None)


def _version(write_version, provider="openai", model="gpt-4o-mini", retries=2, extra=""):
    return write_version("choose", VERSION.format(provider=provider, model=model, retries=retries, extra=extra))


def tool_reply(arguments) -> ScriptedReply:
    return ScriptedReply(tool_calls=(ToolCall(arguments),))


def test_openai_tools_repair_the_issue_case(models, write_version, loopback_config, server, store):
    server.replies = [tool_reply(BAD), tool_reply(GOOD)]
    server.usage = ServerUsage(input_tokens=40, output_tokens=9)
    result = asyncio.run(arun(_version(write_version), {"text": "x"}, config=loopback_config, store=store))

    assert result.parsed == GOOD
    assert json.loads(result.output) == GOOD
    first, second = server.requests
    assert first.body["tool_choice"] == {"type": "function", "function": {"name": "Choice"}}
    assert first.body["tools"][0]["function"]["parameters"]["properties"]["category"]["enum"] == ["Option A",
                                                                                                  "Option B"]
    sent = json.dumps(second.body["messages"])
    assert json.dumps(BAD).replace('"', '\\"') in sent  # the first answer goes back as the assistant's tool call
    assert "Input should be 'Option A' or 'Option B'" in sent and "valid integer" in sent  # and the errors
    assert result.usage.input_tokens == 80 and result.usage.output_tokens == 18  # both attempts count
    stored = store.get(result.run_id)
    assert stored["parsed"] == GOOD and stored["details"]["structured"]["attempts"] == 2
    calls = store.calls_of(result.run_id)
    assert [c["tag"] for c in calls] == ["attempt:1", "attempt:2"]
    assert json.loads(calls[0]["output"]) == BAD  # the tool call's arguments are the recorded output


def test_openai_tools_exhaustion_raises_one_error_with_every_attempt(models, write_version, loopback_config, server,
                                                                     store):
    server.replies = [tool_reply(BAD)]
    with pytest.raises(StructuredOutputError) as info:
        asyncio.run(arun(_version(write_version, retries=2), {"text": "x"}, config=loopback_config, store=store))
    err = info.value
    assert err.attempts == 3 and len(server.requests) == 3
    assert json.loads(err.last_output) == BAD
    assert len(err.errors) == 3 and all("Option A" in e and "integer" in e for e in err.errors)
    assert err.exit_code == 3 and err.hint
    [run] = store.recent()
    assert run["status"] == "error" and "3 attempt(s)" in run["error"]
    calls = store.calls_of(run["id"])
    assert len(calls) == 3
    # the failed run still carries what it spent: usage summed over every attempt
    assert run["input_tokens"] == sum(c["input_tokens"] for c in calls) > 0
    assert run["output_tokens"] == sum(c["output_tokens"] for c in calls) > 0


def test_anthropic_tools_through_instructor(models, write_version, loopback_config, server):
    server.replies = [tool_reply(BAD), tool_reply(GOOD)]
    version = _version(write_version, provider="anthropic", model="claude-haiku-4-5")
    result = asyncio.run(arun(version, {"text": "x"}, config=loopback_config))
    assert result.parsed == GOOD
    first, second = server.requests
    assert first.path.endswith("/v1/messages")
    assert first.body["tool_choice"]["name"] == "Choice" and first.body["system"] == "Classify the text."
    assert first.body["temperature"] == 0  # the adapter's extra_body survives instructor
    results = [b for m in second.body["messages"] for b in (m["content"] if isinstance(m["content"], list) else [])
               if b.get("type") == "tool_result"]
    assert results and "Option A" in results[0]["content"]


def test_native_json_schema_mode_and_manual_repair(write_version, loopback_config, server):
    version = write_version("triage", """\
        ---
        description: Triage
        provider: openai
        model: gpt-4o-mini
        variables: {text: {type: string, input: true}}
        output:
          format: json
          schema:
            type: object
            additionalProperties: false
            required: [category, value]
            properties:
              category: {type: string, enum: [Option A, Option B]}
              value: {type: integer}
        strategy: {name: structured, mode: native, strict: true, max_retries: 1}
        ---
        {% user %}{% section "input" %}{{ text }}{% endsection %}{% enduser %}
        """)
    server.replies = [json.dumps(BAD), "```json\n" + json.dumps(GOOD) + "\n```"]
    result = asyncio.run(arun(version, {"text": "x"}, config=loopback_config))
    assert result.parsed == GOOD
    first, second = server.requests
    fmt = first.body["response_format"]
    assert fmt["type"] == "json_schema" and fmt["json_schema"]["strict"] is True
    assert fmt["json_schema"]["schema"]["properties"]["value"] == {"type": "integer"}
    assert second.body["messages"][-2] == {"role": "assistant", "content": json.dumps(BAD)}
    feedback = second.body["messages"][-1]["content"]
    assert "category: 'Option C' is not one of ['Option A', 'Option B']" in feedback
    assert "value: 'ten' is not of type 'integer'" in feedback


def test_manual_loop_with_the_fake_provider_and_schema_in_prompt():
    out = _schema_out()
    fake = FakeProvider(["not json", json.dumps(GOOD)])
    request = _fake_request()
    options = StructuredOptions(mode="manual", max_retries=1, schema_in_prompt=True)
    result = asyncio.run(run_structured(request, CallContext(fake), options, out))
    assert result.parsed == GOOD and result.details["structured"]["errors"][0].startswith("the reply holds no JSON")
    assert "JSON Schema" in fake.requests[0].messages[-1]["content"]
    assert fake.requests[1].messages[-2] == {"role": "assistant", "content": "not json"}


def test_instructor_route_works_with_the_fake_provider():
    fake = FakeProvider([json.dumps(BAD), json.dumps(GOOD)])
    result = asyncio.run(run_structured(_fake_request(), CallContext(fake), StructuredOptions(), _schema_out()))
    assert result.parsed == GOOD and result.details["structured"]["mode"] == "instructor"
    assert fake.requests[0].body["tool_choice"]["function"]["name"] == "choice"


def test_parse_json_tolerates_fences_and_prose():
    assert parse_json('Sure! {"a": 1} Hope it helps') == {"a": 1}
    assert parse_json("```json\n[1, 2]\n```") == [1, 2]
    with pytest.raises(ValueError, match="no JSON"):
        parse_json("nothing here")


def _schema_out():
    from promptctl.executors.schema import OutputModel

    schema = {"type": "object", "required": ["category", "value"], "additionalProperties": False,
              "properties": {"category": {"enum": ["Option A", "Option B"]}, "value": {"type": "integer"}}}
    return OutputModel(schema_model(schema, "choice"), schema, "choice", "schema")


def _fake_request():
    from promptctl.adapters import adapt
    from promptctl.templating.prompt import Message, Prompt

    return adapt(Prompt((Message.text("user", "Pick one."),)), "fake", "fake-model")


def test_watsonx_json_mode_through_instructor_patch_without_litellm(models, write_version, monkeypatch):
    """The documented no-LiteLLM route: instructor.patch over watsonx chat, Mode.JSON, via the real SDK (respx)."""
    import time

    import httpx
    import respx

    from tests.providers.test_watsonx import IAM, MODEL, PROJECT, URL, jwt

    for key, value in {"WATSONX_APIKEY": "k", "WATSONX_URL": URL, "WATSONX_PROJECT_ID": "p1",
                       "WATSONX_MAX_RETRIES": "0"}.items():
        monkeypatch.setenv(key, value)
    replies = iter([json.dumps(BAD), json.dumps(GOOD)])

    def chat(request):
        content = next(replies)
        return httpx.Response(200, json={
            "id": "chatcmpl-wx", "model_id": MODEL, "model": MODEL, "created": 1739311926,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
            "usage": {"completion_tokens": 5, "prompt_tokens": 30, "total_tokens": 35}})

    version = _version(write_version, provider="watsonx", model=MODEL)
    with respx.mock(assert_all_mocked=True, assert_all_called=False) as router:
        now = int(time.time())
        router.post(IAM).respond(json={"access_token": jwt(), "refresh_token": "r", "token_type": "Bearer",
                                       "expires_in": 3600, "expiration": now + 3600, "scope": "ibm openid"})
        router.get(PROJECT).respond(json={"entity": {"storage": {"type": "bmcos_object_storage"}, "compute": []}})
        route = router.post(url__startswith=f"{URL}/ml/v1/text/chat").mock(side_effect=chat)
        result = asyncio.run(arun(version, {"text": "x"}))
    assert result.parsed == GOOD and result.details["structured"]["attempts"] == 2
    first = json.loads(route.calls[0].request.content)
    assert first["response_format"] == {"type": "json_object"}
    assert "Option A" in json.dumps(first["messages"])  # instructor's JSON mode puts the schema in the messages
    second = json.loads(route.calls[1].request.content)
    assert any(json.dumps(BAD) in str(m["content"]) for m in second["messages"] if m["role"] == "assistant")
    assert "Option A" in second["messages"][-1]["content"]  # the validation error fed back
    assert result.usage.input_tokens == 60


def test_cached_tool_call_answers_are_replayed(models, write_version, loopback_config, server, store):
    server.replies = [tool_reply(GOOD)]
    version = _version(write_version)
    first = asyncio.run(arun(version, {"text": "x"}, config=loopback_config, store=store, cache=True))
    second = asyncio.run(arun(version, {"text": "x"}, config=loopback_config, store=store, cache=True))
    assert first.parsed == second.parsed == GOOD and len(server.requests) == 1
    assert second.calls[0].completion.cached


@pytest.mark.parametrize(("provider", "model", "extra", "added"), [
    ("openai", "gpt-4o-mini", "", ("tools", "tool_choice")),  # instructor: the schema as a forced tool
    ("anthropic", "claude-haiku-4-5", "", ("tools", "tool_choice")),
    ("openai", "gpt-4o-mini", ", mode: native", ("response_format",)),  # the provider's JSON mode
])
def test_the_estimate_prices_the_output_schema_the_first_call_sends(models, write_version, loopback_config, server,
                                                                     provider, model, extra, added):
    from promptctl.session.estimate import estimate_cost
    from promptctl.tokens.request_tokens import count_request

    server.replies = [tool_reply(GOOD) if not extra else json.dumps(GOOD)]
    version = _version(write_version, provider=provider, model=model, extra=extra)
    result = asyncio.run(arun(version, {"text": "x"}, config=loopback_config, estimate=True))
    [wire] = server.requests
    for key in added:  # what the estimate priced is what went over the wire
        assert key in wire.body
    base = result.request
    assert not any(key in base.body for key in added)
    estimate = estimate_cost(version, base, config=loopback_config)
    assert estimate.input.tokens == result.estimate.input.tokens > count_request(base).tokens + 20
    from promptctl.executors.schema import output_model
    from promptctl.executors.strategy import resolve_plan
    from promptctl.executors.structured import first_request

    plan = resolve_plan(version.front_matter.strategy, None, where="t")
    out = output_model(version.front_matter.output, plan.structured_source, root=loopback_config.root, where="t",
                       default_name="choose")
    sent = first_request(base, plan.structured, out)
    assert {key: sent.body[key] for key in added} == {key: wire.body[key] for key in added}
    assert estimate.input.tokens == count_request(sent).tokens
