"""The provider interface: one abstract method, a normalised completion and usage.

Providers wrap the official SDKs' async clients and import the SDK only when
the first call needs it. Errors are translated once, inside each provider, into
:class:`~promptctl.errors.ProviderError` (carrying provider, HTTP status and
request id) or :class:`~promptctl.errors.CredentialsError`.
"""

from __future__ import annotations

import abc
import time
from typing import Any

from promptctl.types import Completion, Exchange, ProviderRequest, TokenCount, Usage

__all__ = ["Completion", "Provider", "Transport", "Usage", "prefill_of", "sdk_client_options"]


class Transport(abc.ABC):
    """Something that takes one call and returns its completion: a provider, or a session layer around one.

    The one method is :meth:`send`, in the style of httpx transports: a session layer
    (:mod:`promptctl.session`) is a transport that wraps another, and a provider is the innermost one.
    Executors only ever see a transport, through :class:`~promptctl.executors.base.CallContext`.
    """

    name: str = "provider"

    @abc.abstractmethod
    async def send(self, exchange: Exchange) -> Completion:
        """Make one call.

        Raises:
            CredentialsError: Credentials or endpoint are missing (exit 3).
            ProviderError: The call failed (exit 3).
            BudgetExceeded: A budget layer refused the call (nothing was sent).
        """

    async def count_tokens(self, request: ProviderRequest) -> int:
        """Exact input tokens of a request from the provider's count endpoint.

        Raises:
            NotImplementedError: The provider has no count endpoint.
        """
        raise NotImplementedError(f"provider '{self.name}' cannot count tokens")

    async def aclose(self) -> None:  # noqa: B027 - optional hook
        """Release the SDK client's connections."""


class Provider(Transport):
    """A client for one provider. Subclasses implement :meth:`_complete` only.

    Optional abilities (token counting) are separate methods that raise
    :class:`NotImplementedError` naming the provider when it lacks them.

    Class attributes:
        name: The provider's name (``openai``).
        sdk_module: The SDK's import name (``openai``, ``anthropic``, ``ibm_watsonx_ai``), or None; imported
            ahead of a concurrent run so the import does not stall calls in flight.
    """

    name: str = "provider"
    sdk_module: str | None = None

    async def send(self, exchange: Exchange) -> Completion:
        """:meth:`complete` the exchange's request (a provider is the innermost transport)."""
        return await self.complete(exchange.request)

    def check_credentials(self) -> None:
        """Raise :class:`~promptctl.errors.CredentialsError` when this client cannot authenticate (no network).

        The default checks nothing (providers without credentials, such as ``fake``).
        """

    def token_count(self, request: ProviderRequest, tokens: int) -> TokenCount:
        """What :meth:`count_tokens`'s ``tokens`` mean for ``request``: the count, its quality and method."""
        return TokenCount(tokens=tokens, quality="exact", method=f"{self.name} count endpoint")

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
