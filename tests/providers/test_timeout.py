"""A default per-call timeout, longer for reasoning models, shown in the error (issue 12, item 3)."""

from __future__ import annotations

import asyncio
import time

import pytest

from promptctl.adapters import adapt
from promptctl.adapters.base import ProviderRequest
from promptctl.errors import ProviderError
from promptctl.limits import DEFAULT_CALL_TIMEOUT_S, REASONING_CALL_TIMEOUT_S
from promptctl.providers.base import Completion, Provider
from promptctl.templating.prompt import Message, Prompt

PROMPT = Prompt(messages=(Message(role="user", parts=("hi",)),))


def test_defaults_by_model_kind() -> None:
    assert DEFAULT_CALL_TIMEOUT_S == 120 and REASONING_CALL_TIMEOUT_S == 600
    assert adapt(PROMPT, "openai", "gpt-4.1-mini").timeout_s == 120
    assert adapt(PROMPT, "openai", "o3-mini").timeout_s == 600
    assert adapt(PROMPT, "openai", "gpt-4.1-mini", {"reasoning_effort": "high"}).timeout_s == 600
    assert adapt(PROMPT, "anthropic", "claude-haiku-4-5", {"max_tokens": 100}).timeout_s == 120
    thinking = {"max_tokens": 3000, "thinking": {"type": "enabled", "budget_tokens": 2000}}
    assert adapt(PROMPT, "anthropic", "claude-sonnet-4-6", thinking).timeout_s == 600
    assert adapt(PROMPT, "fake", "m").timeout_s == 120


class Slow(Provider):
    name = "slow"

    def __init__(self, settings: dict | None = None, delay_s: float = 5.0) -> None:
        self.settings = dict(settings or {})
        self.delay_s = delay_s

    async def _complete(self, request: ProviderRequest) -> Completion:
        await asyncio.sleep(self.delay_s)
        return Completion(text="late", model=request.model)


def test_configured_timeout_wins_over_the_default() -> None:
    request = adapt(PROMPT, "openai", "o3-mini")
    assert Slow().timeout_s(request) == 600
    assert Slow({"timeout": 30}).timeout_s(request) == 30


def test_a_call_past_its_timeout_is_a_provider_error_naming_the_timeout() -> None:
    request = adapt(PROMPT, "openai", "gpt-4.1-mini")
    start = time.monotonic()
    with pytest.raises(ProviderError, match=r"^slow: no reply within 0.1 s \(the per-call timeout\)$") as info:
        asyncio.run(Slow({"timeout": 0.1}).complete(request))
    assert time.monotonic() - start < 2
    assert info.value.exit_code == 3 and "[providers.slow]" in (info.value.hint or "")
    assert asyncio.run(Slow({"timeout": 2}, delay_s=0.01).complete(request)).text == "late"
