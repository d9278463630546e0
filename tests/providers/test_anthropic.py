"""AnthropicProvider through the real anthropic SDK against the loopback server.

The auth and ``anthropic-version`` headers differ between SDK releases (providers.md 3.1), so these
tests check that the key reaches the server, not which header carries it.
"""

from __future__ import annotations

import pytest

from promptctl.adapters import adapt
from promptctl.errors import CredentialsError, ProviderError
from promptctl.providers.anthropic import AnthropicProvider
from promptctl.templating.prompt import Message, Prompt, Section
from promptctl.testing import Fault, ServerUsage, anthropic_error
from promptctl.types import Usage

MODEL = "claude-sonnet-4-6"
PROMPT = Prompt(
    messages=(
        Message.text("system", "You answer in one word."),
        Message(role="user", parts=(Section("question", ("What colour is the sky?",)),)),
    )
)


def overloaded() -> Fault:
    return anthropic_error(529, "overloaded_error", "Overloaded", headers={"retry-after-ms": "10"})


@pytest.fixture
def env(server, monkeypatch):
    monkeypatch.setenv("ANTHROPIC_BASE_URL", server.anthropic_base_url)
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test-123")
    return server


def sent_key(headers: dict[str, str]) -> bool:
    return any("sk-ant-test-123" in value for value in headers.values())


def test_call_sends_system_top_level_and_temperature(env, complete):
    env.replies = ["Blue."]
    env.usage = ServerUsage(input_tokens=100, output_tokens=20, cached_input_tokens=30, cache_write_tokens=10)
    request = adapt(PROMPT, "anthropic", MODEL, {"temperature": 0.2, "max_tokens": 64, "stop": ["END"]})
    assert "extra_body" in request.kwargs  # temperature travels outside the typed arguments

    completion = complete(AnthropicProvider({"max_retries": 0}), request)

    [wire] = env.requests
    assert wire.path == "/v1/messages"
    assert wire.body == request.body
    assert wire.body["system"] == "You answer in one word."
    assert wire.body["temperature"] == 0.2
    assert wire.body["max_tokens"] == 64
    assert wire.body["stop_sequences"] == ["END"]
    assert [m["role"] for m in wire.body["messages"]] == ["user"]
    assert wire.body["messages"][0]["content"] == "<question>\nWhat colour is the sky?\n</question>"
    assert sent_key(wire.headers)
    assert wire.headers.get("anthropic-version")  # present; its value depends on the SDK release

    assert completion.text == "Blue."
    assert completion.model == MODEL
    assert completion.finish_reason == "end_turn"
    assert completion.request_id == "req_loopback_000001"
    # On the wire input_tokens excludes the cache: 100 - 30 read - 10 written.
    assert completion.raw["usage"]["input_tokens"] == 60
    assert completion.usage == Usage(input_tokens=100, output_tokens=20, cached_input_tokens=30,
                                     cache_write_tokens=10)


def test_prefill_ends_the_request_and_starts_the_text(env, complete):
    env.replies = ['"colour": "blue"}']
    prompt = Prompt(messages=(*PROMPT.messages, Message.text("assistant", "{  \n")))
    request = adapt(prompt, "anthropic", MODEL)

    completion = complete(AnthropicProvider({"max_retries": 0}), request)

    [wire] = env.requests
    assert wire.body["messages"][-1] == {"role": "assistant", "content": "{"}
    assert wire.body["max_tokens"] == 1024  # the profile default: the API requires one
    assert "temperature" not in wire.body
    assert completion.text == '{"colour": "blue"}'


def test_count_tokens(env, count_tokens):
    seen = []

    def counter(body):
        seen.append(body)
        return 14

    env.count_tokens = counter
    request = adapt(PROMPT, "anthropic", MODEL, {"temperature": 0, "max_tokens": 64})

    assert count_tokens(AnthropicProvider({"max_retries": 0}), request) == 14

    [wire] = env.requests
    assert wire.path == "/v1/messages/count_tokens"
    assert seen == [wire.body]
    assert wire.body == {"model": MODEL, "messages": request.body["messages"], "system": "You answer in one word."}


def test_count_tokens_default_counts_words(env, count_tokens):
    request = adapt(PROMPT, "anthropic", MODEL)
    # "You answer in one word." (5) + "<question>\nWhat colour is the sky?\n</question>" (7)
    assert count_tokens(AnthropicProvider({"max_retries": 0}), request) == 12


def test_overloaded_is_retried_then_raises(env, complete):
    env.add_faults(overloaded(), overloaded())

    with pytest.raises(ProviderError) as info:
        complete(AnthropicProvider({"max_retries": 1}), adapt(PROMPT, "anthropic", MODEL))

    assert [r.headers["x-stainless-retry-count"] for r in env.requests] == ["0", "1"]
    err = info.value
    assert err.status == 529
    assert err.provider == "anthropic"
    assert err.request_id == "req_loopback_000002"
    assert err.retryable is True
    assert err.exit_code == 3
    assert "overloaded_error" in err.message
    assert type(err.__cause__).__name__ == "OverloadedError"


def test_overloaded_then_success(env, complete):
    env.add_faults(overloaded())
    completion = complete(AnthropicProvider({"max_retries": 2}), adapt(PROMPT, "anthropic", MODEL))
    assert completion.text == "Hello!"
    assert len(env.requests) == 2


def test_spend_limit_is_not_retryable(env, complete):
    env.add_faults(anthropic_error(429, "rate_limit_error", "spend limit reached",
                                   error_code="enforced_spend_limit_reached"))

    with pytest.raises(ProviderError) as info:
        complete(AnthropicProvider({"max_retries": 0}), adapt(PROMPT, "anthropic", MODEL))

    assert info.value.status == 429
    assert info.value.retryable is False


def test_rate_limit_error_stays_retryable(env, complete):
    env.add_faults(anthropic_error(429, "rate_limit_error", "slow down", retry_after_s=0.01))

    with pytest.raises(ProviderError) as info:
        complete(AnthropicProvider({"max_retries": 0}), adapt(PROMPT, "anthropic", MODEL))

    assert info.value.status == 429
    assert info.value.retryable is True


def test_authentication_error_has_a_hint(env, complete):
    env.add_faults(anthropic_error(401, "authentication_error", "invalid x-api-key"))

    with pytest.raises(ProviderError) as info:
        complete(AnthropicProvider({"max_retries": 2}), adapt(PROMPT, "anthropic", MODEL))

    assert len(env.requests) == 1  # 401 is not retried
    assert info.value.status == 401
    assert info.value.hint == "check ANTHROPIC_API_KEY"
    assert "invalid x-api-key" in info.value.message


def test_missing_key_fails_before_any_http_call(server, complete, monkeypatch):
    monkeypatch.setenv("ANTHROPIC_BASE_URL", server.anthropic_base_url)

    with pytest.raises(CredentialsError) as info:
        complete(AnthropicProvider({"max_retries": 0}), adapt(PROMPT, "anthropic", MODEL))

    assert "ANTHROPIC_API_KEY" in info.value.message
    assert info.value.exit_code == 3
    assert server.requests == []


def test_auth_token_is_accepted_instead_of_a_key(server, complete, monkeypatch):
    monkeypatch.setenv("ANTHROPIC_BASE_URL", server.anthropic_base_url)
    monkeypatch.setenv("ANTHROPIC_AUTH_TOKEN", "tok-abc")

    completion = complete(AnthropicProvider({"max_retries": 0}), adapt(PROMPT, "anthropic", MODEL))

    assert completion.text == "Hello!"
    [wire] = server.requests
    assert any("tok-abc" in v for v in wire.headers.values())


def test_config_base_url_wins_over_the_environment(server, complete, monkeypatch, closed_port):
    monkeypatch.setenv("ANTHROPIC_BASE_URL", f"http://127.0.0.1:{closed_port}")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test-123")
    provider = AnthropicProvider({"base_url": server.anthropic_base_url, "max_retries": 0})

    assert complete(provider, adapt(PROMPT, "anthropic", MODEL)).text == "Hello!"
    assert len(server.requests) == 1


def test_connection_refused_is_a_provider_error(complete, monkeypatch, closed_port):
    monkeypatch.setenv("ANTHROPIC_BASE_URL", f"http://127.0.0.1:{closed_port}")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test-123")

    with pytest.raises(ProviderError) as info:
        complete(AnthropicProvider({"max_retries": 0}), adapt(PROMPT, "anthropic", MODEL))

    assert type(info.value) is ProviderError
    assert info.value.status is None
    assert "cannot reach" in info.value.message
    assert "ANTHROPIC_BASE_URL" in (info.value.hint or "")


def test_prepare_imports_the_sdk_resource_so_the_first_call_s_latency_is_the_call(env):
    provider = AnthropicProvider({"max_retries": 0})
    provider.prepare()
    assert "messages" in vars(provider.client())  # the SDK's lazy cached property
