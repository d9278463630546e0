"""OpenAIProvider through the real openai SDK against the loopback server."""

from __future__ import annotations

import pytest

from promptctl.adapters import adapt
from promptctl.errors import CredentialsError, ExitCode, ProviderError
from promptctl.providers import get_provider
from promptctl.providers.openai import OpenAIProvider
from promptctl.templating.prompt import Message, Prompt, Section
from promptctl.testing import Fault, ServerUsage, openai_error
from promptctl.types import Usage

PROMPT = Prompt(
    messages=(
        Message.text("system", "Be brief."),
        Message(role="user", parts=("Summarise this:", Section("context", ("The sky is blue.",)))),
    )
)
PARAMS = {"temperature": 0, "max_tokens": 50, "seed": 7}


def rate_limited(n: int) -> list[Fault]:
    return [
        openai_error(429, "Rate limit reached for requests", code="rate_limit_exceeded", type="requests",
                     retry_after_ms=10)
        for _ in range(n)
    ]


@pytest.mark.parametrize(
    ("model", "system_role", "max_key"),
    [("gpt-4o-mini", "system", "max_tokens"), ("gpt-5-mini", "developer", "max_completion_tokens")],
)
def test_env_configured_call_sends_the_adapted_body(
    server, complete, monkeypatch, model, system_role, max_key
):
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-env")
    server.replies = ["The sky is blue."]
    server.usage = ServerUsage(input_tokens=120, output_tokens=30, cached_input_tokens=64, reasoning_tokens=12)
    server.latency_s = 0.05
    request = adapt(PROMPT, "openai", model, PARAMS)

    completion = complete(OpenAIProvider({"max_retries": 0}), request)

    [wire] = server.requests
    assert wire.method == "POST"
    assert wire.path == "/v1/chat/completions"
    assert wire.body == request.body
    assert wire.body["messages"][0] == {"role": system_role, "content": "Be brief."}
    assert wire.body["messages"][1]["content"] == "Summarise this:\n\n## Context\n\nThe sky is blue."
    assert wire.body[max_key] == 50
    assert wire.headers["authorization"] == "Bearer sk-test-env"
    assert wire.headers["x-stainless-retry-count"] == "0"

    assert completion.text == "The sky is blue."
    assert completion.model == model
    assert completion.finish_reason == "stop"
    assert completion.request_id == "req_loopback_000001"
    assert completion.usage == Usage(input_tokens=120, output_tokens=30, cached_input_tokens=64,
                                     reasoning_tokens=12)
    assert completion.usage.to_dict() == server.usage.to_dict()
    assert completion.raw["usage"]["prompt_tokens_details"] == {"cached_tokens": 64}
    assert completion.latency_s >= 0.05


def test_config_base_url_wins_over_the_environment(server, complete, monkeypatch, closed_port):
    monkeypatch.setenv("OPENAI_BASE_URL", f"http://127.0.0.1:{closed_port}/v1")
    monkeypatch.setenv("ACME_OPENAI_KEY", "sk-acme")
    provider = OpenAIProvider({"base_url": server.base_url, "api_key_env": "ACME_OPENAI_KEY", "max_retries": 0})
    request = adapt(PROMPT, "openai", "gpt-4o-mini", {"max_tokens": 5})

    completion = complete(provider, request)

    assert completion.text == "Hello!"
    assert completion.usage == Usage(input_tokens=9, output_tokens=3)
    [wire] = server.requests
    assert wire.body == request.body
    assert wire.headers["authorization"] == "Bearer sk-acme"


def test_get_provider_passes_project_settings(server, complete, monkeypatch, tmp_path):
    from promptctl.config import ProjectConfig

    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    config = ProjectConfig(root=tmp_path, prompts_dir=tmp_path / "prompts",
                           providers={"openai": {"base_url": server.base_url, "max_retries": 0}})
    provider = get_provider("openai", config)
    server.add_faults(openai_error(500, "boom", type="server_error"))

    with pytest.raises(ProviderError) as info:
        complete(provider, adapt(PROMPT, "openai", "gpt-4o-mini"))

    assert info.value.status == 500
    assert len(server.requests) == 1  # max_retries 0 from the config reached the SDK


def test_rate_limit_is_retried_by_the_sdk_then_succeeds(server, complete, monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    server.add_faults(*rate_limited(2))

    completion = complete(OpenAIProvider({"max_retries": 2}), adapt(PROMPT, "openai", "gpt-4o-mini"))

    assert completion.text == "Hello!"
    assert [r.headers["x-stainless-retry-count"] for r in server.requests] == ["0", "1", "2"]
    assert completion.request_id == "req_loopback_000003"


def test_rate_limit_exhausting_retries_raises_a_retryable_provider_error(server, complete, monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    server.add_faults(*rate_limited(3))

    with pytest.raises(ProviderError) as info:
        complete(OpenAIProvider({"max_retries": 2}), adapt(PROMPT, "openai", "gpt-4o-mini"))

    err = info.value
    assert [r.headers["x-stainless-retry-count"] for r in server.requests] == ["0", "1", "2"]
    assert server.pending_faults == 0
    assert err.status == 429
    assert err.provider == "openai"
    assert err.request_id == "req_loopback_000003"
    assert err.retryable is True
    assert err.exit_code == ExitCode.PROVIDER == 3
    assert "Rate limit reached" in err.message
    assert "lower --concurrency" in (err.hint or "")
    assert type(err.__cause__).__name__ == "RateLimitError"


def test_insufficient_quota_is_not_retryable(server, complete, monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    quota = openai_error(429, "You exceeded your current quota", code="insufficient_quota",
                         type="insufficient_quota", retry_after_ms=10)
    server.add_faults(quota, quota)

    with pytest.raises(ProviderError) as info:
        complete(OpenAIProvider({"max_retries": 1}), adapt(PROMPT, "openai", "gpt-4o-mini"))

    # The SDK itself retries an exhausted quota like any 429; only promptctl knows better.
    assert len(server.requests) == 2
    assert info.value.status == 429
    assert info.value.retryable is False
    assert "quota" in (info.value.hint or "")


def test_authentication_error_has_a_hint_and_is_not_retried(server, complete, monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-wrong")
    server.add_faults(openai_error(401, "Incorrect API key provided", code="invalid_api_key",
                                   type="invalid_request_error"))

    with pytest.raises(ProviderError) as info:
        complete(OpenAIProvider({"max_retries": 2}), adapt(PROMPT, "openai", "gpt-4o-mini"))

    assert len(server.requests) == 1
    assert info.value.status == 401
    assert info.value.request_id == "req_loopback_000001"
    assert info.value.hint == "check OPENAI_API_KEY"
    assert "Incorrect API key provided" in info.value.message


@pytest.mark.parametrize("base_url", [None, "https://api.openai.com/v1"])
def test_missing_key_for_openai_is_a_credentials_error(complete, monkeypatch, base_url):
    if base_url:
        monkeypatch.setenv("OPENAI_BASE_URL", base_url)
    provider = OpenAIProvider({"max_retries": 0})

    with pytest.raises(CredentialsError) as info:
        complete(provider, adapt(PROMPT, "openai", "gpt-4o-mini"))

    assert "OPENAI_API_KEY" in info.value.message
    assert "OPENAI_API_KEY" in (info.value.hint or "")
    assert info.value.exit_code == 3
    assert info.value.retryable is False
    assert provider._client is None  # no SDK client was built, so no HTTP call was possible


def test_missing_key_names_the_configured_variable(complete):
    with pytest.raises(CredentialsError, match="ACME_OPENAI_KEY"):
        complete(OpenAIProvider({"api_key_env": "ACME_OPENAI_KEY"}), adapt(PROMPT, "openai", "gpt-4o-mini"))


def test_local_server_needs_no_key(server, complete, monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    server.replies = ["local reply"]

    completion = complete(OpenAIProvider({"max_retries": 0}), adapt(PROMPT, "openai", "llama3.2"))

    assert completion.text == "local reply"
    [wire] = server.requests
    assert wire.body["model"] == "llama3.2"
    assert wire.headers["authorization"].startswith("Bearer ")


def test_connection_refused_is_a_provider_error(complete, monkeypatch, closed_port):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    provider = OpenAIProvider({"base_url": f"http://127.0.0.1:{closed_port}/v1", "max_retries": 0})

    with pytest.raises(ProviderError) as info:
        complete(provider, adapt(PROMPT, "openai", "gpt-4o-mini"))

    assert type(info.value) is ProviderError
    assert info.value.status is None
    assert f"127.0.0.1:{closed_port}" in info.value.message
    assert "OPENAI_BASE_URL" in (info.value.hint or "")
    assert type(info.value.__cause__).__name__ == "APIConnectionError"
