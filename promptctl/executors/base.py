"""The executor result, the call context, and the direct executor.

An executor takes a provider request and a :class:`CallContext` (the provider
client plus what happens around each call) and returns an
:class:`ExecutorResult` with a trace of every call it made. Every call goes
through :meth:`CallContext.call`, which

1. checks the spending limit first (``before_call``, e.g. :meth:`promptctl.tokens.budget.Budget.check`
   with the call's high estimate; concurrent calls reserve their estimate so a limit holds under
   concurrency),
2. makes the call, and
3. reports it to ``on_call`` (successful or not) so the caller can record it at once.

Executors compose by calling each other with the same context: self-consistency
samples through the structured executor, a chain step runs any executor.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from promptctl.adapters.base import ProviderRequest
from promptctl.errors import ProviderError
from promptctl.providers.base import Completion, Provider, Usage


@dataclass(frozen=True)
class Call:
    """One provider call in a trace: the request, and the completion or the error.

    Attributes:
        request: The request sent.
        completion: The completion, or None when the call failed.
        error: The error, or None.
        tag: What the call was for: ``sample:3``, ``attempt:2``, ``gate``, or None for a single call.
        step: 1-based chain step the call belongs to, or None outside a chain.
    """

    request: ProviderRequest
    completion: Completion | None = None
    error: ProviderError | None = None
    tag: str | None = None
    step: int | None = None


@dataclass
class ExecutorResult:
    """What an executor returns.

    Attributes:
        output: The final text (for structured output, the validated object as JSON text).
        calls: Every call made, in order of completion.
        answer: The extracted, normalised final answer (:func:`~promptctl.executors.answers.normalise`),
            or None when the strategy extracts none or none was found.
        reasoning: The text before the answer (chain-of-thought), or None.
        parsed: The validated structured output (JSON-ready), or None.
        votes: Self-consistency: normalised answer -> number of samples, most votes first.
        confidence: Self-consistency: the winner's votes / samples drawn (0-1); a gated answer carries
            the gate's confidence.
        samples_drawn: Self-consistency: samples drawn (gate excluded, unless the gate answered).
        steps: Chain: one dict per step (see :mod:`promptctl.executors.chain`).
        details: Strategy facts worth keeping (few-shot selection and order, tie flag, stop rule,
            structured-output attempts ...), JSON-ready.
        warnings: Notes for the user (no answer found, tie broken, ...).
        request: The request of the main call (after strategy transforms), when there is one.
    """

    output: str
    calls: list[Call] = field(default_factory=list)
    answer: str | None = None
    reasoning: str | None = None
    parsed: Any = None
    votes: dict[str, int] | None = None
    confidence: float | None = None
    samples_drawn: int | None = None
    steps: list[dict[str, Any]] | None = None
    details: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    request: ProviderRequest | None = None

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
BeforeCall = Callable[[ProviderRequest, float], float | None]
"""``before_call(request, reserved_usd) -> reserved for this call (USD)``: raise to refuse the call."""
AfterCall = Callable[[float | None], None]


@dataclass
class CallContext:
    """The provider client and the hooks around every call an executor makes.

    Args:
        provider: The provider client (possibly a cache wrapper).
        on_call: Receives every :class:`Call` once it returns or fails (recording).
        before_call: Called before each call with the request and the USD already reserved by calls in
            flight; raises (e.g. :class:`~promptctl.errors.BudgetExceeded`) to refuse the call and
            returns what to reserve for it (its high estimate, USD), or None.
        step: Chain step (1-based) stamped on every call, or None.

    Attributes:
        trace: Every call made through this context (and the contexts derived from it), in order of
            completion; an executor's calls are ``trace[start:]`` from where it began.
    """

    provider: Provider
    on_call: OnCall | None = None
    before_call: BeforeCall | None = None
    step: int | None = None
    trace: list[Call] = field(default_factory=list)
    _reserved: list[float] = field(default_factory=lambda: [0.0])

    def mark(self) -> int:
        """Where the calls of an executor starting now will begin in :attr:`trace`."""
        return len(self.trace)

    def calls_since(self, mark: int) -> list[Call]:
        """The calls made since :meth:`mark` returned ``mark``."""
        return list(self.trace[mark:])

    def for_step(self, step: int) -> CallContext:
        """The same context, stamping ``step`` on its calls (shares the reservation)."""
        return dataclasses.replace(self, step=step)

    async def call(
        self,
        request: ProviderRequest,
        *,
        tag: str | None = None,
        text_of: Callable[[Completion], str] | None = None,
    ) -> Completion:
        """Check the budget, make one call, report it to ``on_call``, and return the completion.

        Args:
            request: The request to send.
            tag: What the call is for (``sample:3``, ``attempt:2``, ``gate``), recorded with it.
            text_of: Derives the recorded text from the completion when ``completion.text`` is not the
                whole answer (a tool call's JSON arguments); the returned completion carries it.

        Raises:
            BudgetExceeded: ``before_call`` refused the call (nothing was sent).
            ProviderError: The call failed (after ``on_call`` saw it).
        """
        reserved = 0.0
        if self.before_call is not None:
            reserved = self.before_call(request, self._reserved[0]) or 0.0
        self._reserved[0] += reserved
        try:
            try:
                completion = await self.provider.complete(request)
            except ProviderError as exc:
                failed = Call(request, error=exc, tag=tag, step=self.step)
                self.trace.append(failed)
                await _notify(self.on_call, failed)
                raise
        finally:
            self._reserved[0] -= reserved
        if text_of is not None:
            text = text_of(completion)
            if text != completion.text:
                completion = dataclasses.replace(completion, text=text)
        done = Call(request, completion=completion, tag=tag, step=self.step)
        self.trace.append(done)
        await _notify(self.on_call, done)
        return completion


async def traced(provider: Provider, request: ProviderRequest, on_call: OnCall | None = None) -> Completion:
    """Make one call, report it to ``on_call`` (success or failure), and return the completion.

    Raises:
        ProviderError: The call failed (after ``on_call`` saw it).
    """
    return await CallContext(provider, on_call).call(request)


async def _notify(on_call: OnCall | None, call: Call) -> None:
    if on_call is None:
        return
    result = on_call(call)
    if result is not None:
        await result


async def direct(
    request: ProviderRequest, provider: Provider | CallContext, *, on_call: OnCall | None = None
) -> ExecutorResult:
    """Send the request once and return the reply as the output.

    Args:
        request: The request.
        provider: A provider, or a :class:`CallContext` (then ``on_call`` is the context's).
        on_call: Receives the call when ``provider`` is a bare provider.

    Raises:
        ProviderError, CredentialsError: From the provider.
        BudgetExceeded: The context's budget refused the call.
    """
    ctx = provider if isinstance(provider, CallContext) else CallContext(provider, on_call)
    start = ctx.mark()
    completion = await ctx.call(request)
    return ExecutorResult(output=completion.text, calls=ctx.calls_since(start), request=request)
