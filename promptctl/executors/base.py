"""The executor result and the direct executor.

An executor takes a provider request and a provider client and returns an
:class:`ExecutorResult` with a trace of every call it made. ``on_call`` is
invoked after each call (successful or not) so the caller can record it at once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from promptctl.adapters.base import ProviderRequest
from promptctl.errors import ProviderError
from promptctl.providers.base import Completion, Provider, Usage


@dataclass(frozen=True)
class Call:
    """One provider call in a trace: the request, and the completion or the error."""

    request: ProviderRequest
    completion: Completion | None = None
    error: ProviderError | None = None


@dataclass
class ExecutorResult:
    """What an executor returns.

    Attributes:
        output: The final text.
        calls: Every call made, in order.
    """

    output: str
    calls: list[Call] = field(default_factory=list)

    @property
    def usage(self) -> Usage:
        """Usage summed over all calls (tokens)."""
        total = Usage()
        for call in self.calls:
            if call.completion is not None:
                total = total + call.completion.usage
        return total

    @property
    def latency_s(self) -> float:
        """Provider time summed over all calls (seconds)."""
        return sum(c.completion.latency_s for c in self.calls if c.completion is not None)


OnCall = Callable[[Call], Awaitable[None] | None]


async def traced(provider: Provider, request: ProviderRequest, on_call: OnCall | None = None) -> Completion:
    """Make one call, report it to ``on_call`` (success or failure), and return the completion.

    Raises:
        ProviderError: The call failed (after ``on_call`` saw it).
    """
    try:
        completion = await provider.complete(request)
    except ProviderError as exc:
        await _notify(on_call, Call(request, error=exc))
        raise
    await _notify(on_call, Call(request, completion=completion))
    return completion


async def _notify(on_call: OnCall | None, call: Call) -> None:
    if on_call is None:
        return
    result = on_call(call)
    if result is not None:
        await result


async def direct(request: ProviderRequest, provider: Provider, *, on_call: OnCall | None = None) -> ExecutorResult:
    """Send the request once and return the reply as the output.

    Raises:
        ProviderError, CredentialsError: From the provider.
    """
    completion = await traced(provider, request, on_call)
    return ExecutorResult(output=completion.text, calls=[Call(request, completion)])
