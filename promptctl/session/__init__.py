"""One call path: every model call promptctl makes goes through one stack of layers.

``run``, chains, ``ab``, judges, ``snapshot --live`` and exact token counting (``cost --exact``) all
send their calls through a :class:`Session`. For each provider the session composes, once, a stack
of one-method wrappers in the style of httpx transports: each layer is a
:class:`~promptctl.providers.base.Transport` whose :meth:`send` takes an
:class:`~promptctl.types.Exchange` (the request plus its tag, chain step, salt and recording sink)
and returns a :class:`~promptctl.types.Completion`, and wraps the next one. Outermost first::

    Salt      the work unit's salt (an A/B trial) joins the request's cache key
    Record    every call, answered or failed, becomes one ``calls`` row (layers.call_row)
    Cache     a request already answered in the run store is answered from there (free, ``cached``)
    Budget    the call's high estimate is reserved against --max-cost, then its real cost charged
    Limit     at most --concurrency calls in flight over every provider
    Trace     an OpenTelemetry span per live call (GenAI conventions), only when OTLP export is configured
    Price     ``completion.cost_usd`` from the reported usage (pricing.price, the one pricing function)
    Validate  checks a session is given (``validators=``): a refused reply raises ProviderError before
              anything above caches it; none by default (see "Reply validation" below)
    provider  the SDK call (a Provider is the innermost transport)

Executors never see a provider directly: they get a
:class:`~promptctl.executors.base.CallContext` from :meth:`Session.context` and call
``ctx.call(request)``. Runs and their call rows are written by the one :class:`Recorder`.

Adding a concern (redaction, reply validation, tracing, batch submission, adaptive concurrency):

1. Write a :class:`~promptctl.session.layers.Layer` subclass in :mod:`promptctl.session.layers`
   (or a module of this package) that overrides ``send`` only: do something with
   ``exchange.request``, ``await self.inner.send(exchange)``, do something with the completion or the
   :class:`~promptctl.errors.ProviderError`, return the completion.
2. Put it in :meth:`Session.compose`, the one place the order is decided, behind an option of
   :class:`Session` (off by default if it costs anything), and say here where it sits and why there.
   Rules of thumb: a layer that changes what is *recorded* (redaction of error text) sits above
   ``Record`` or inside ``call_row``; one that refuses *replies* (validation) sits below ``Cache`` so a
   refused reply is never cached; one that observes *real* calls (tracing spans, batch submission,
   adaptive concurrency) sits at or below ``Limit``, where only live calls arrive.
3. Per-call facts travel on the :class:`~promptctl.types.Exchange` (add a field with a default);
   per-session state lives on the layer or on :attr:`Session.stats`.
4. Test the layer alone (a stack over a ``FakeProvider``) and through one command.

Reply validation is not a default layer, on purpose. It has two parts, each written once:

- *Wire shape* (an HTML page or other non-JSON body, no ``choices``, a ``null`` content, an empty text whose
  stop reason is not final): provider-specific, and only the provider sees the SDK's reply object; a
  :class:`~promptctl.types.Completion` cannot be built from such a reply, so there is nothing for a layer
  to check. Each provider's ``_complete`` refuses it with :func:`promptctl.providers.base.malformed_reply`.
- *The neutral reply* (usage counts whole and in ``[0, 2**53]``, text storable): the same for every provider,
  checked once in :meth:`promptctl.providers.base.Provider.complete`, the innermost transport, so it also
  holds for a provider used outside a session (``count_tokens``, a client passed as ``provider=``).

Both raise a :class:`~promptctl.errors.ProviderError` inside the stack, below ``Cache`` and ``Record``: a
refused reply is recorded as a failed call and never cached, exactly as a ``Validate`` layer would make it.
``Validate`` is for checks a caller adds on the neutral completion (a test's "non-empty" check; a future
schema check of every reply), composed once by :meth:`Session.compose`.

Nothing outside this package composes wrappers around a provider; ``tests/test_layers.py`` keeps the
import directions (cli -> session -> executors/providers/adapters/tokens/store/registry).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from promptctl.session.core import Session, endpoint_for, high_estimate
    from promptctl.session.layers import Layer, Stats, call_row
    from promptctl.session.pricing import price, total
    from promptctl.session.recorder import Recorder, outcome_columns, prompt_columns

_HOMES = {
    "Session": "core", "endpoint_for": "core", "high_estimate": "core", "Layer": "layers", "Stats": "layers",
    "call_row": "layers", "price": "pricing", "total": "pricing", "Recorder": "recorder",
    "outcome_columns": "recorder", "prompt_columns": "recorder",
}
"""Each name's module: imported on first use, so that a module of this package used alone (``session.estimate``
for ``cost``) does not import the whole stack."""


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value


__all__ = [
    "endpoint_for",
    "Layer",
    "Recorder",
    "Session",
    "Stats",
    "call_row",
    "high_estimate",
    "outcome_columns",
    "price",
    "prompt_columns",
    "total",
]
