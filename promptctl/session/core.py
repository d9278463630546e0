"""The session: the stack of layers composed once per provider, and the contexts executors call through."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from promptctl.executors.base import CallContext, OnCall
from promptctl.providers.base import Provider, Transport
from promptctl.session.layers import (
    BudgetLayer,
    Cache,
    Concurrency,
    Limit,
    Price,
    Record,
    Salt,
    Shared,
    Sink,
    Stats,
    Validate,
    Validator,
)
from promptctl.types import ProviderRequest, TokenCount

if TYPE_CHECKING:
    from promptctl.config import ProjectConfig
    from promptctl.session.batch import Batcher
    from promptctl.store.runs import RunStore
    from promptctl.tokens.budget import Budget


def high_estimate(config: ProjectConfig | None, *, batch: bool = False) -> Callable[[ProviderRequest], float | None]:
    """A request's high cost estimate (USD) from :func:`promptctl.tokens.estimate.estimate_request`.

    ``batch``: at the batch price (a call sent through a provider batch).
    """
    def high(request: ProviderRequest) -> float | None:
        from promptctl.tokens.estimate import estimate_request

        return estimate_request(request, config=config, batch=batch).high_usd

    return high


class Session:
    """Every model call of one piece of work (a run, a chain, an A/B comparison, a snapshot check).

    The stack for each provider is composed once, on first use, outermost first:
    ``Salt -> Record -> Cache -> Budget -> Limit -> Trace -> Price -> Validate -> provider`` (see
    :mod:`promptctl.session`); in batch mode ``... Budget -> Trace -> Price -> Validate -> Batch -> Limit ->
    provider`` (the limit then holds only the failed batch items retried as ordinary calls). Layers whose option
    is off are left out (``Trace`` unless OpenTelemetry export is configured, :mod:`promptctl.session.tracing`).

    Args:
        config: Project config (prices, provider settings).
        store: The run store: the cache reads it; the recording layer writes to ``sink``.
        cache: Answer requests already recorded in ``store`` from it.
        budget: The spending limit shared by every call, or None.
        concurrency: Most calls in flight at once over every provider, or None for no limit; adaptive
            (:class:`~promptctl.session.layers.Concurrency`: cut on HTTP 429, grown back while calls succeed).
        high: A request's high estimate (USD) for the budget; default :func:`high_estimate`.
        what: Names a call refused by the budget; default ``a call to PROVIDER:MODEL``.
        validators: Reply checks, each raising :class:`~promptctl.errors.ProviderError` for a bad reply.
        provider: One client for every call whatever the request's provider (a ``FakeProvider`` in
            tests), or None.
        clients: Clients by provider name (used instead of new ones); the session does not close them.
        uncached: Fingerprints known to be absent from the cache (their lookup is skipped).
        cached: Cache answers read in bulk before a large run, by fingerprint (their lookup is skipped).
        sink: Where calls are recorded when the context gives no sink of its own.
        close_given: Close ``provider`` too when the session closes.
        batch: Send every call through this :class:`~promptctl.session.batch.Batcher` (provider batches at the
            batch price), or None for direct calls.

    Attributes:
        stats: Live calls, cache hits and USD spent so far.
    """

    def __init__(
        self,
        config: ProjectConfig | None = None,
        *,
        store: RunStore | None = None,
        cache: bool = False,
        budget: Budget | None = None,
        concurrency: int | None = None,
        high: Callable[[ProviderRequest], float | None] | None = None,
        what: Callable[[ProviderRequest], str] | None = None,
        validators: Sequence[Validator] = (),
        provider: Provider | None = None,
        clients: Mapping[str, Provider] | None = None,
        uncached: set[str] | None = None,
        cached: Mapping[str, dict[str, Any]] | None = None,
        sink: Sink | None = None,
        close_given: bool = False,
        batch: Batcher | None = None,
    ) -> None:
        self.config = config
        self.store = store
        self.cache = cache and store is not None
        self.budget = budget
        self.limit = Concurrency(concurrency) if concurrency else None
        self.batch = batch
        self.high = high or high_estimate(config, batch=batch is not None)
        self.what = what or (lambda request: f"a call to {request.provider}:{request.model}")
        self.validators = list(validators)
        self.provider = provider
        self.clients = dict(clients or {})
        self.uncached = uncached
        self.cached = cached
        self.sink = sink
        self.close_given = close_given
        self.stats = Stats()
        if batch is not None:
            self.stats.batches = batch.batches
        self._stacks: dict[str, Transport] = {}
        self._made: list[Provider] = []

    def client(self, name: str) -> Provider:
        """The provider client for ``name``: the given one, else one made now (and closed with the session).

        Raises:
            InputError: Unknown provider, or its SDK is not installed.
        """
        if self.provider is not None:
            return self.provider
        if name not in self.clients:
            from promptctl.providers import get_provider

            self.clients[name] = get_provider(name, self.config)
            self._made.append(self.clients[name])
        return self.clients[name]

    def setup_s(self) -> float:
        """Seconds the session's provider clients spent building their SDK clients (imports included).

        A run's latency leaves this out, as each call's latency does: a process's first call would otherwise
        report the SDK's import time (seconds on a busy machine) as the model's latency.
        """
        clients = {id(c): c for c in (*self._made, *self.clients.values(), *([self.provider] if self.provider else []))}
        return sum(float(getattr(c, "setup_s", 0.0)) for c in clients.values())

    def transport(self, name: str) -> Transport:
        """The stack for provider ``name``, composed on first use."""
        if name not in self._stacks:
            self._stacks[name] = self.compose(self.client(name))
        return self._stacks[name]

    def compose(self, client: Transport) -> Transport:
        """Wrap ``client`` in this session's layers (the one place the order is decided)."""
        stack: Transport = Shared(client)
        if self.batch is not None and isinstance(client, Provider):
            from promptctl.session.batch import BatchLayer

            if self.limit is not None:
                stack = Limit(stack, self.limit, self.stats)
            stack = BatchLayer(stack, client, self.batch, self.stats)
        if self.validators:
            stack = Validate(stack, self.validators)
        stack = Price(stack, self.config, self.stats)
        from promptctl.session.tracing import Trace, content_enabled, tracer

        traced = tracer()  # None unless OpenTelemetry export is configured (nothing imported then)
        if traced is not None:
            stack = Trace(stack, traced, content_enabled())
        if self.limit is not None and self.batch is None:
            stack = Limit(stack, self.limit, self.stats)
        if self.budget is not None:
            stack = BudgetLayer(stack, self.budget, self.high, self.what)
        if self.cache and self.store is not None:
            stack = Cache(stack, self.store, self.stats, self.uncached, self.cached)
        stack = Record(stack, self.sink)
        return Salt(stack, str(getattr(client, "endpoint", "")))

    def context(self, provider: str, *, step: int | None = None, salt: str = "", sink: Sink | None = None,
                on_call: OnCall | None = None) -> CallContext:
        """A call context over the stack of ``provider`` for an executor.

        Args:
            provider: Provider name.
            step: Chain step stamped on the calls, or None.
            salt: Cache salt of the work unit (``trial:2``), or ``""``.
            sink: Where these calls are recorded (default: the session's ``sink``).
            on_call: Also receives every call (the caller's own trace or progress).
        """
        return CallContext(self.transport(provider), on_call=on_call, step=step, salt=salt, sink=sink)

    async def count_tokens(self, request: ProviderRequest) -> TokenCount:
        """Input tokens of ``request`` from its provider's count endpoint, through the session's stack.

        Returns:
            The count labelled by the provider (:meth:`~promptctl.providers.base.Provider.token_count`).

        Raises:
            NotImplementedError: The provider has no count endpoint.
            ProviderError, CredentialsError: The count call failed.
        """
        tokens = await self.transport(request.provider).count_tokens(request)
        return self.client(request.provider).token_count(request, tokens)

    async def aclose(self) -> None:
        """Close the clients this session made (and the given ``provider`` with ``close_given``)."""
        owned = [*self._made, *([self.provider] if self.close_given and self.provider is not None else [])]
        self._made.clear()
        for client in owned:
            try:
                await client.aclose()
            except Exception:  # noqa: BLE001 - closing must not hide the work's own outcome
                pass

    async def __aenter__(self) -> Session:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


def endpoint_for(provider: str, config: ProjectConfig | None) -> str:
    """The non-default server a session's ``provider`` calls under ``config`` (its cache-key part), or ``""``.

    The same value the session's stack keys its cache with (:class:`~promptctl.session.layers.Salt`), for
    callers that look answers up in bulk before a run.
    """
    from promptctl.providers import endpoint_of

    return endpoint_of(provider, config.provider_settings(provider) if config else None)
