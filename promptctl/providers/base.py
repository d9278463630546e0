"""The provider interface: one abstract method, a normalised completion and usage.

Providers wrap the official SDKs' async clients and import the SDK only when
the first call needs it. Errors are translated once, inside each provider, into
:class:`~promptctl.errors.ProviderError` (carrying provider, HTTP status and
request id) or :class:`~promptctl.errors.CredentialsError`.
"""

from __future__ import annotations

import abc
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from promptctl.adapters.base import ProviderRequest


@dataclass(frozen=True)
class Usage:
    """Token usage of one call, normalised across providers (all counts in tokens).

    Attributes:
        input_tokens: All input tokens, cached ones included (OpenAI ``prompt_tokens``; Anthropic
            ``input_tokens + cache_creation_input_tokens + cache_read_input_tokens``).
        output_tokens: All output tokens, reasoning tokens included.
        cached_input_tokens: Input tokens read from the provider's prompt cache (part of ``input_tokens``).
        cache_write_tokens: Input tokens written to the prompt cache (part of ``input_tokens``).
        reasoning_tokens: Hidden reasoning tokens (part of ``output_tokens``).
    """

    input_tokens: int = 0
    output_tokens: int = 0
    cached_input_tokens: int = 0
    cache_write_tokens: int = 0
    reasoning_tokens: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(**{k: getattr(self, k) + getattr(other, k) for k in asdict(self)})

    def to_dict(self) -> dict[str, int]:
        """The counts as a plain dict."""
        return asdict(self)


@dataclass(frozen=True)
class Completion:
    """What one provider call returned.

    Attributes:
        text: The assistant's text (for an Anthropic prefill, the prefill plus the continuation).
        model: The model id the provider reports.
        usage: Normalised token usage.
        finish_reason: The provider's stop reason (``stop``, ``end_turn``, ``max_tokens`` ...).
        request_id: The provider's request id, when sent.
        latency_s: Wall time of the call in seconds, SDK retries included.
        raw: The provider's response as JSON-ready data.
        cached: True when the completion came from the response cache (no provider call was made).
    """

    text: str
    model: str
    usage: Usage = field(default_factory=Usage)
    finish_reason: str | None = None
    request_id: str | None = None
    latency_s: float = 0.0
    raw: dict[str, Any] = field(default_factory=dict)
    cached: bool = False


class Provider(abc.ABC):
    """A client for one provider. Subclasses implement :meth:`_complete` only.

    Optional abilities (token counting) are separate methods that raise
    :class:`NotImplementedError` naming the provider when it lacks them.
    """

    name: str = "provider"

    async def complete(self, request: ProviderRequest) -> Completion:
        """Send a request and return the completion, with ``latency_s`` measured around the call.

        Raises:
            CredentialsError: Credentials or endpoint are missing (exit 3).
            ProviderError: The call failed after the SDK's retries (exit 3).
        """
        start = time.perf_counter()
        completion = await self._complete(request)
        latency = time.perf_counter() - start
        return Completion(
            text=completion.text,
            model=completion.model,
            usage=completion.usage,
            finish_reason=completion.finish_reason,
            request_id=completion.request_id,
            latency_s=latency,
            raw=completion.raw,
            cached=completion.cached,
        )

    @abc.abstractmethod
    async def _complete(self, request: ProviderRequest) -> Completion:
        """Send ``request`` through the SDK and return its completion (latency filled in by the caller)."""

    async def count_tokens(self, request: ProviderRequest) -> int:
        """Exact input tokens of a request from the provider's count endpoint.

        Raises:
            NotImplementedError: The provider has no count endpoint.
        """
        raise NotImplementedError(f"provider '{self.name}' cannot count tokens")

    async def aclose(self) -> None:  # noqa: B027 - optional hook
        """Release the SDK client's connections."""


def prefill_of(request: ProviderRequest) -> str:
    """The final assistant message's text when the request ends with a prefill, else ``""``."""
    messages = request.body.get("messages") or []
    if messages and messages[-1].get("role") == "assistant" and isinstance(messages[-1].get("content"), str):
        return str(messages[-1]["content"])
    return ""


def sdk_client_options(settings: dict[str, Any]) -> dict[str, Any]:
    """The SDK client's own ``timeout`` (seconds) and ``max_retries``, when the project config sets them."""
    options: dict[str, Any] = {}
    if "timeout" in settings:
        options["timeout"] = float(settings["timeout"])
    if "max_retries" in settings:
        options["max_retries"] = int(settings["max_retries"])
    return options
