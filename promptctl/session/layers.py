"""The layers of the session stack: each one is a :class:`~promptctl.providers.base.Transport` around another.

Every layer has one method, :meth:`send` (an :class:`~promptctl.types.Exchange` in, a
:class:`~promptctl.types.Completion` out), and passes :meth:`count_tokens` and :meth:`aclose` down to
the transport it wraps. :class:`promptctl.session.Session` composes them once, outermost first:

``Salt -> Record -> Cache -> Budget -> Limit -> Trace -> Price -> Validate -> provider`` (``Trace`` lives in
:mod:`promptctl.session.tracing`)
"""

from __future__ import annotations

import dataclasses
import random
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from promptctl.errors import ProviderError
from promptctl.providers.base import RATE_LIMITED, Transport
from promptctl.types import Completion, Exchange, ProviderRequest, Usage, elide_media, tool_call_output, tool_calls_in

if TYPE_CHECKING:
    import asyncio

    from promptctl.config import ProjectConfig
    from promptctl.store.runs import RunStore
    from promptctl.tokens.budget import Budget

Sink = Callable[[dict[str, Any]], None]
Validator = Callable[[ProviderRequest, Completion], None]
"""``validate(request, completion)``: raise :class:`~promptctl.errors.ProviderError` for a bad reply."""


@dataclass
class Stats:
    """What the stack did (shown by progress bars).

    Attributes:
        live_calls: Calls sent to a provider (batch answers included).
        cached: Calls answered by the response cache.
        spent_usd: USD of the calls sent (cached answers are free; unpriced calls add nothing).
        concurrency: The current concurrency limit of direct calls (:class:`Concurrency`), or None without one.
        settled: The mean calls in flight over the last 200 direct calls started (:attr:`Concurrency.settled`),
            or None.
        rate_limited: Replies with HTTP 429 that the limit layer waited out and retried.
        batch_retries: Failed batch items retried as ordinary calls (:mod:`promptctl.session.batch`).
        batches: The provider batches of the work (:class:`promptctl.session.batch.BatchProgress`).
    """

    live_calls: int = 0
    cached: int = 0
    spent_usd: float = 0.0
    concurrency: int | None = None
    settled: float | None = None
    rate_limited: int = 0
    batch_retries: int = 0
    batches: list[Any] = field(default_factory=list)


class Layer(Transport):
    """A transport wrapping ``inner``; subclasses override :meth:`send` only."""

    def __init__(self, inner: Transport) -> None:
        self.inner = inner
        self.name = inner.name

    async def send(self, exchange: Exchange) -> Completion:
        """Pass the call down unchanged."""
        return await self.inner.send(exchange)

    async def count_tokens(self, request: ProviderRequest) -> int:
        """Delegate to the wrapped transport."""
        return await self.inner.count_tokens(request)

    async def aclose(self) -> None:
        """Close the wrapped transport."""
        await self.inner.aclose()


class Salt(Layer):
    """Puts the work unit's salt (``trial:2``) before the request's own cache salt, then the endpoint's.

    Deliberate repeats are so cached and recorded apart, and so are the answers of different servers
    (:meth:`~promptctl.types.ProviderRequest.at`); what is sent is unchanged (the salt is not in the body).

    Args:
        inner: The transport below.
        endpoint: The client's non-default server (:func:`promptctl.providers.endpoint_of`), or ``""``.
    """

    def __init__(self, inner: Transport, endpoint: str = "") -> None:
        super().__init__(inner)
        self.endpoint = endpoint

    async def send(self, exchange: Exchange) -> Completion:
        """Salt the request's cache key and pass it down."""
        if exchange.salt or self.endpoint:
            request = exchange.request.salted(exchange.salt).at(self.endpoint)
            exchange = dataclasses.replace(exchange, request=request, salt="")
        return await self.inner.send(exchange)


def call_row(exchange: Exchange, completion: Completion | None, error: ProviderError | None) -> dict[str, Any]:
    """The ``calls`` row of one call, the one shape every command records.

    Without ``run_id``, ``seq`` and ``created_at``; see :mod:`promptctl.store.runs` for the columns.
    """
    request = exchange.request
    text = None
    if completion is not None:
        text = exchange.text_of(completion) if exchange.text_of is not None else completion.text
        if completion.tool_calls and exchange.text_of is None:  # kept whole, so a cached answer has its calls
            text = tool_call_output(text, completion.tool_calls)
    return {
        "provider": request.provider, "model": request.model, "fingerprint": request.fingerprint(),
        "request": elide_media(request.body), "output": text,  # media by size and sha256, not megabytes of base64
        **(completion.usage if completion is not None else Usage()).to_dict(),
        "latency_s": completion.latency_s if completion is not None else None,
        "request_id": completion.request_id if completion is not None else error.request_id if error else None,
        "error": str(error) if error is not None else None,
        "cost_usd": completion.cost_usd if completion is not None else None,
        "cached": bool(completion is not None and completion.cached),
        "tag": exchange.tag, "step": exchange.step,
        "finish_reason": completion.finish_reason if completion is not None else None,
        "response_model": completion.model if completion is not None else None,
    }


class Record(Layer):
    """Writes every call, answered or failed, as one :func:`call_row` to the exchange's sink (else ``sink``).

    A call refused before it was sent (a budget) is not a call and is not recorded.
    """

    def __init__(self, inner: Transport, sink: Sink | None = None) -> None:
        super().__init__(inner)
        self.sink = sink

    async def send(self, exchange: Exchange) -> Completion:
        """Make the call and record it."""
        sink = exchange.sink or self.sink
        try:
            completion = await self.inner.send(exchange)
        except ProviderError as exc:
            if sink is not None:
                sink(call_row(exchange, None, exc))
            raise
        if sink is not None:
            sink(call_row(exchange, completion, None))
        return completion


class Cache(Layer):
    """Answers a request already answered in the run store (same fingerprint) from there.

    A hit is marked ``cached``, costs 0.0 and keeps the original call's latency; no provider call is
    made. Misses go down the stack.

    Args:
        inner: The transport below.
        store: The run store whose successful recorded calls are the cache.
        stats: Counters.
        uncached: Fingerprints known to be absent (looked up in bulk before a large run): skipped.
        known: Answers already read in bulk (:meth:`~promptctl.store.runs.RunStore.cached_calls`): used as is.
    """

    def __init__(self, inner: Transport, store: RunStore, stats: Stats, uncached: set[str] | None = None,
                 known: Mapping[str, dict[str, Any]] | None = None) -> None:
        super().__init__(inner)
        self.store = store
        self.stats = stats
        self.uncached = uncached or set()
        self.known = known or {}

    async def send(self, exchange: Exchange) -> Completion:
        """Answer from the store, or pass the call down."""
        fingerprint = exchange.request.fingerprint()
        if fingerprint not in self.uncached:
            row = self.known.get(fingerprint) or self.store.cached_call(fingerprint)
            if row is not None:
                self.stats.cached += 1
                text = row["output"] or ""
                calls = tool_calls_in(text) if exchange.request.body.get("tools") else None
                return Completion(
                    text=calls[0] if calls is not None else text, model=row.get("response_model") or row["model"],
                    tool_calls=tuple(calls[1]) if calls is not None else (),
                    usage=Usage(**{k: row[k] or 0 for k in Usage.__dataclass_fields__}),
                    request_id=row["request_id"], latency_s=float(row["latency_s"] or 0.0),
                    finish_reason=row.get("finish_reason"),
                    raw={"cached_from_call": row["id"]}, cached=True, cost_usd=0.0,
                )
        return await self.inner.send(exchange)


class BudgetLayer(Layer):
    """Refuses a call whose high estimate would take the spending past ``--max-cost``.

    The call's high estimate is reserved while it is in flight (so the limit holds under concurrency)
    and replaced by its real cost (the pricing layer's ``cost_usd``) when it returns.

    Args:
        inner: The transport below (the pricing layer must be under it).
        budget: The shared :class:`~promptctl.tokens.budget.Budget`.
        high: A request's high estimate (USD), or None when the model has no price.
        what: Names the call in the refusal (``the next call of q@2 on openai:gpt-4.1``).
    """

    def __init__(self, inner: Transport, budget: Budget, high: Callable[[ProviderRequest], float | None],
                 what: Callable[[ProviderRequest], str]) -> None:
        super().__init__(inner)
        self.budget = budget
        self.high = high
        self.what = what

    async def send(self, exchange: Exchange) -> Completion:
        """Reserve, send, settle."""
        request = exchange.request
        reserved = self.budget.reserve(self.high(request), what=self.what(request))
        actual: float | None = None
        try:
            completion = await self.inner.send(exchange)
            actual = completion.cost_usd
        finally:
            self.budget.settle(reserved, actual)
        return completion


class Concurrency:
    """An adaptive limit on calls in flight (AIMD): cut on HTTP 429, grown back while calls succeed.

    The limit starts at ``maximum`` (``--concurrency``). A 429 cuts it to :data:`DECREASE` of its value,
    once per round trip: only a request sent after the last cut can cut it again, so one burst of 429s
    (requests that were all in flight at once) counts once; the reply's ``retry-after`` pauses every new call
    that long. Each successful call adds ``1 / limit`` (about one per round of successes), up to ``maximum``.
    This is TCP's additive-increase / multiplicative-decrease (Chiu and Jain, 1989) with CUBIC's gentler cut
    factor 0.7 (RFC 9438 section 4.6), so a run settles just under the provider's limit instead of storming it.

    Args:
        maximum: The most calls in flight (>= 1).

    Attributes:
        limit: The current limit (a float; ``int(limit)`` calls may be in flight, at least one).
        lowest: The lowest the limit has been.
        in_flight: Calls in flight now.
    """

    DECREASE = 0.7

    def __init__(self, maximum: int) -> None:
        self.maximum = max(1, int(maximum))
        self.limit = float(self.maximum)
        self.lowest = self.limit
        self.in_flight = 0
        self.last_cut = float("-inf")
        self.paused_until = 0.0
        self._waiters: deque[asyncio.Future[None]] = deque()
        self._recent: deque[float] = deque()
        self._recent_sum = 0.0

    @property
    def current(self) -> int:
        """The calls that may be in flight now (``int(limit)``, at least 1)."""
        return max(1, int(self.limit))

    @property
    def settled(self) -> float:
        """The mean number of calls in flight when each of the last 200 calls started (where a run settled)."""
        return self._recent_sum / len(self._recent) if self._recent else float(self.in_flight)

    async def acquire(self) -> float:
        """Wait for a slot (and for any ``retry-after`` pause); returns when the call starts (``time.monotonic()``)."""
        import asyncio  # here: rendering needs no event loop

        while True:
            wait = self.paused_until - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
                continue
            if self.in_flight < self.current:
                self.in_flight += 1
                self._recent.append(float(self.in_flight))
                self._recent_sum += self.in_flight
                if len(self._recent) > 200:
                    self._recent_sum -= self._recent.popleft()
                return time.monotonic()
            future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._waiters.append(future)
            try:
                await future
            except asyncio.CancelledError:
                if future.done() and not future.cancelled():
                    self._wake()  # pass the wake-up this cancelled waiter received on to the next one
                raise

    def release(self, *, succeeded: bool) -> None:
        """A call ended; a success grows the limit by ``1 / limit`` (up to ``maximum``)."""
        self.in_flight -= 1
        if succeeded and self.limit < self.maximum:
            self.limit = min(float(self.maximum), self.limit + 1.0 / self.limit)
        self._wake()

    def rate_limited(self, sent_at: float | None, retry_after_s: float | None) -> None:
        """A request sent at ``sent_at`` (``time.monotonic()``) was answered 429: cut once per round trip.

        Args:
            sent_at: When the refused request was sent; None cuts unconditionally.
            retry_after_s: The reply's ``retry-after`` (seconds): no call starts before it has passed.
        """
        now = time.monotonic()
        if sent_at is None or sent_at >= self.last_cut:
            self.limit = max(1.0, self.limit * self.DECREASE)
            self.lowest = min(self.lowest, self.limit)
            self.last_cut = now
        if retry_after_s:
            self.paused_until = max(self.paused_until, now + retry_after_s)

    def _wake(self) -> None:
        free = self.current - self.in_flight
        while free > 0 and self._waiters:
            future = self._waiters.popleft()
            if not future.done():
                future.set_result(None)
                free -= 1


MAX_RATE_LIMIT_RETRIES = 20
"""Times the limit layer retries one call answered 429 (after the SDK's own retries) before reporting it."""


class Limit(Layer):
    """Holds calls in flight within the shared :class:`Concurrency` (``--concurrency``, adaptive on 429).

    Every HTTP 429 a call receives cuts the limit, the SDK's own retries included (the provider's HTTP client
    reports each one through :data:`~promptctl.providers.base.RATE_LIMITED`, set around the call). A call
    that still ends in a 429 (rate limited, retryable: not an exhausted quota) waits for the reply's
    ``retry-after`` (else an exponential backoff with jitter: 0.5 s doubling up to 30 s) and is sent again, up
    to :data:`MAX_RATE_LIMIT_RETRIES` times; then the 429 is reported.
    """

    def __init__(self, inner: Transport, concurrency: Concurrency, stats: Stats) -> None:
        super().__init__(inner)
        self.concurrency = concurrency
        self.stats = stats
        stats.concurrency = concurrency.current

    @staticmethod
    def _hooked(exc: ProviderError) -> bool:
        """Whether the 429 was already reported by the provider's HTTP hook (OpenAI and Anthropic clients)."""
        return exc.provider in ("openai", "anthropic")

    def _observed(self, retry_after_s: float | None, sent_at: float | None) -> None:
        """A 429 reached the SDK of a call (which may retry it itself)."""
        self.concurrency.rate_limited(sent_at, retry_after_s)
        self.stats.concurrency = self.concurrency.current

    async def send(self, exchange: Exchange) -> Completion:
        """Wait for a slot, then send; wait out and retry a rate-limited reply."""
        import asyncio

        attempt = 0
        while True:
            started = await self.concurrency.acquire()
            self.stats.live_calls += 1
            token = RATE_LIMITED.set(self._observed)
            try:
                completion = await self.inner.send(exchange)
            except ProviderError as exc:
                self.concurrency.release(succeeded=False)
                if exc.status != 429 or not exc.retryable or attempt >= MAX_RATE_LIMIT_RETRIES:
                    self.stats.concurrency = self.concurrency.current
                    raise
                if not self._hooked(exc):  # a provider without the HTTP hook (watsonx): its SDK retried already
                    self.concurrency.rate_limited(started, exc.retry_after_s)
                self.stats.concurrency = self.concurrency.current
                self.stats.rate_limited += 1
                attempt += 1
                wait = exc.retry_after_s if exc.retry_after_s is not None else min(30.0, 0.5 * 2 ** (attempt - 1))
                await asyncio.sleep(wait * (0.5 + random.random() / 2) if exc.retry_after_s is None else wait)
                continue
            except BaseException:
                self.concurrency.release(succeeded=False)
                raise
            finally:
                RATE_LIMITED.reset(token)
            self.concurrency.release(succeeded=True)
            self.stats.concurrency = self.concurrency.current
            self.stats.settled = self.concurrency.settled
            return completion


class Price(Layer):
    """Sets ``cost_usd`` on every completion from its usage (:func:`promptctl.session.pricing.price`)."""

    def __init__(self, inner: Transport, config: ProjectConfig | None, stats: Stats) -> None:
        super().__init__(inner)
        self.config = config
        self.stats = stats

    async def send(self, exchange: Exchange) -> Completion:
        """Send, then price the completion."""
        from promptctl.session.pricing import price

        completion = await self.inner.send(exchange)
        cost = price(completion, exchange.request, self.config)
        if cost:
            self.stats.spent_usd += cost
        return dataclasses.replace(completion, cost_usd=cost)


class Validate(Layer):
    """Checks every reply before anything above sees it (so a bad reply is never cached or priced as good).

    Args:
        inner: The transport below.
        validators: Each raises :class:`~promptctl.errors.ProviderError` for a reply it refuses.
    """

    def __init__(self, inner: Transport, validators: list[Validator]) -> None:
        super().__init__(inner)
        self.validators = validators

    async def send(self, exchange: Exchange) -> Completion:
        """Send, then run every validator on the reply."""
        completion = await self.inner.send(exchange)
        for validate in self.validators:
            validate(exchange.request, completion)
        return completion


class Shared(Layer):
    """A transport whose :meth:`aclose` leaves ``inner`` open (a client the caller owns)."""

    async def aclose(self) -> None:
        """Do nothing: the owner closes the client."""
