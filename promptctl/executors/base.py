"""The executor result, the call context, and the direct executor.

An executor takes a provider request and a :class:`CallContext` (the provider
client plus what happens around each call) and returns an
:class:`ExecutorResult` with a trace of every call it made. Every call goes
through :meth:`CallContext.call`, which

1. sends it through the context's transport: a bare provider, or the session stack
   (:mod:`promptctl.session`: salt, recording, cache, budget, concurrency limit, pricing,
   response validation, composed once), and
2. reports it to ``on_call`` (successful or not) and appends it to the context's trace.

Executors compose by calling each other with the same context: self-consistency
samples through the structured executor, a chain step runs any executor.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from promptctl.errors import ProviderError
from promptctl.providers.base import Transport
from promptctl.types import Call, Completion, Exchange, ProviderRequest, ToolCall, Usage


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
        tool_calls: The tool calls the model made in the main call (name, parsed arguments, id), in order.
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
    tool_calls: list[ToolCall] = field(default_factory=list)

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


@dataclass
class CallContext:
    """The transport and the hooks around every call an executor makes.

    Args:
        provider: The transport: a provider, or the session stack around one (:mod:`promptctl.session`),
            which checks the budget, answers from the cache, prices and records each call.
        on_call: Receives every :class:`Call` once it returns or fails (progress, the caller's trace).
        step: Chain step (1-based) stamped on every call, or None.
        salt: Cache salt of the work unit (an A/B job's ``trial:2``), passed down with every call.
        sink: Where the session's recording layer writes these calls' rows, or None for its default.

    Attributes:
        trace: Every call made through this context (and the contexts derived from it), in order of
            completion; an executor's calls are ``trace[start:]`` from where it began.
    """

    provider: Transport
    on_call: OnCall | None = None
    step: int | None = None
    salt: str = ""
    sink: Callable[[dict[str, Any]], None] | None = None
    trace: list[Call] = field(default_factory=list)

    def mark(self) -> int:
        """Where the calls of an executor starting now will begin in :attr:`trace`."""
        return len(self.trace)

    def calls_since(self, mark: int) -> list[Call]:
        """The calls made since :meth:`mark` returned ``mark``."""
        return list(self.trace[mark:])

    def for_step(self, step: int) -> CallContext:
        """The same context, stamping ``step`` on its calls (shares the trace)."""
        return dataclasses.replace(self, step=step)

    async def call(
        self,
        request: ProviderRequest,
        *,
        tag: str | None = None,
        text_of: Callable[[Completion], str] | None = None,
    ) -> Completion:
        """Make one call through the transport, report it to ``on_call``, and return the completion.

        Args:
            request: The request to send.
            tag: What the call is for (``sample:3``, ``attempt:2``, ``gate``), recorded with it.
            text_of: Derives the recorded text from the completion when ``completion.text`` is not the
                whole answer (a tool call's JSON arguments); the returned completion carries it.

        Raises:
            BudgetExceeded: The session's budget refused the call (nothing was sent).
            ProviderError: The call failed (after ``on_call`` saw it).
        """
        exchange = Exchange(request, tag=tag, step=self.step, salt=self.salt, sink=self.sink,
                            text_of=text_of)
        try:
            completion = await self.provider.send(exchange)
        except ProviderError as exc:
            failed = Call(request, error=exc, tag=tag, step=self.step)
            self.trace.append(failed)
            await _notify(self.on_call, failed)
            raise
        if text_of is not None:
            text = text_of(completion)
            if text != completion.text:
                completion = dataclasses.replace(completion, text=text)
        done = Call(request, completion=completion, tag=tag, step=self.step)
        self.trace.append(done)
        await _notify(self.on_call, done)
        return completion


async def traced(provider: Transport, request: ProviderRequest, on_call: OnCall | None = None) -> Completion:
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
    request: ProviderRequest, provider: Transport | CallContext, *, on_call: OnCall | None = None
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
    return ExecutorResult(output=completion.text, calls=ctx.calls_since(start), request=request,
                          reasoning=completion.reasoning, tool_calls=list(completion.tool_calls))
