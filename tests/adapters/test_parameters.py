"""Parameters the provider does not know (typos) or the model refuses: passed through with a warning."""

from __future__ import annotations

import pytest

from promptctl.adapters import adapt
from promptctl.adapters.profiles import ANTHROPIC_PARAMS, KNOWN_PARAMETERS, OPENAI_CHAT_PARAMS, profile
from promptctl.templating.prompt import Message, Prompt

PROMPT = Prompt((Message.text("system", "be brief"), Message.text("user", "hi")))


@pytest.mark.parametrize(
    ("provider", "model", "api"),
    [
        ("openai", "gpt-4.1-mini", "OpenAI Chat Completions"),
        ("anthropic", "claude-sonnet-4-6", "Anthropic Messages API"),
        ("fake", "fake-model", "OpenAI Chat Completions"),
    ],
)
def test_misspelled_parameter_is_sent_with_a_did_you_mean_warning(provider: str, model: str, api: str) -> None:
    request = adapt(PROMPT, provider, model, {"temprature": 0.2, "max_tokens": 50})
    assert request.body["temprature"] == 0.2  # still passed through: provider-specific keys are legitimate
    assert request.warnings == (
        f"'temprature' is not an {api} parameter; sent as is (did you mean 'temperature'?)",
    )


def test_watsonx_drops_unknown_keys_with_a_did_you_mean() -> None:
    request = adapt(PROMPT, "watsonx", "ibm/granite-3-8b-instruct", {"temprature": 0.2, "max_tokens": 5})
    assert "temprature" not in request.body
    assert request.warnings == (
        "watsonx chat does not take parameter 'temprature'; dropped (did you mean 'temperature'?)",
    )


def test_known_and_provider_specific_parameters_do_not_warn() -> None:
    assert adapt(PROMPT, "openai", "gpt-4.1-mini",
                 {"temperature": 0, "top_p": 1, "seed": 7, "stop": ["x"], "max_tokens": 9, "logprobs": True,
                  "response_format": {"type": "json_object"}, "reasoning_effort": "low"}).warnings == ()
    assert adapt(PROMPT, "anthropic", "claude-sonnet-4-6",
                 {"temperature": 0, "top_k": 5, "stop": ["x"], "max_tokens": 9, "metadata": {"user_id": "u"},
                  "thinking": {"type": "disabled"}}).warnings == ()
    # a key another provider takes is not a typo: a warning, but no far-fetched suggestion
    (note,) = adapt(PROMPT, "openai", "llama3.2", {"top_k": 40}).warnings
    assert note == "'top_k' is not an OpenAI Chat Completions parameter; sent as is"


@pytest.mark.parametrize("model", ["gpt-5", "o3", "o4-mini", "o1"])
def test_parameter_the_model_rejects_warns_and_accepted_value_does_not(model: str) -> None:
    request = adapt(PROMPT, "openai", model, {"temperature": 0, "max_tokens": 100})
    assert request.body["temperature"] == 0
    assert request.warnings == (
        f"{model} does not accept parameter 'temperature' (0); the API will refuse the request: remove it, "
        "or use a model that takes it",
    )
    assert adapt(PROMPT, "openai", model, {"temperature": 1}).warnings == ()  # the fixed default is accepted
    assert adapt(PROMPT, "openai", "gpt-4.1", {"temperature": 0}).warnings == ()


def test_anthropic_drops_what_the_profile_rejects() -> None:
    prof = profile("anthropic", "claude-sonnet-4-6")
    params = {key: 1 for key in sorted(prof.rejected_parameters)}
    request = adapt(PROMPT, "anthropic", "claude-sonnet-4-6", {**params, "temperature": 0})
    assert not set(params) & set(request.body) and request.body["temperature"] == 0
    assert request.warnings == tuple(f"Claude does not take parameter '{key}'; dropped" for key in params)
    assert prof.rejected_parameters == {"seed", "n", "frequency_penalty", "presence_penalty", "logprobs",
                                        "response_format"}


def test_known_parameter_tables() -> None:
    assert {"temperature", "top_p", "max_tokens", "max_completion_tokens", "seed", "stop", "n", "tools",
            "response_format", "reasoning_effort", "service_tier"} <= OPENAI_CHAT_PARAMS
    assert {"max_tokens", "temperature", "top_p", "top_k", "stop", "stop_sequences", "metadata", "tools",
            "tool_choice", "thinking", "service_tier", "system"} <= ANTHROPIC_PARAMS
    assert set(KNOWN_PARAMETERS) == {"openai", "anthropic", "watsonx", "fake"}


def test_fake_request_keeps_the_warnings() -> None:
    request = adapt(PROMPT, "fake", "fake-model", {"temprature": 1})
    assert request.provider == "fake" and request.warnings
