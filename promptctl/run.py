"""Running a prompt version end to end: render, adapt, execute, record.

:func:`arun` is what ``promptctl run`` and ``PromptVersion.run`` call.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from promptctl.adapters import build_request
from promptctl.adapters.base import ProviderRequest
from promptctl.errors import PromptctlError
from promptctl.executors.base import Call, direct
from promptctl.providers import get_provider
from promptctl.providers.base import Provider, Usage

if TYPE_CHECKING:
    from promptctl.config import ProjectConfig
    from promptctl.registry.registry import PromptVersion
    from promptctl.store.runs import RunStore
    from promptctl.tokens.estimate import CostEstimate

IMPLEMENTED_STRATEGIES = ("direct",)


@dataclass
class Result:
    """The outcome of running a prompt version.

    Attributes:
        version: The prompt version that ran.
        request: The provider request of the first call.
        output: The final text (empty for a dry run).
        usage: Tokens summed over every call.
        latency_s: Wall time of the whole run (seconds).
        run_id: Id in the run store, or None when not recorded (dry run, no store).
        strategy: Executor used.
        calls: Trace of every provider call.
        dry_run: True when nothing was sent.
        warnings: Rendering and adapter notes.
        cost_usd: What the calls cost (USD) from their reported usage, or None when a model has no price.
        estimate: The cost estimate made before the call (dry runs and ``max_cost``), or None.
    """

    version: PromptVersion
    request: ProviderRequest
    output: str = ""
    usage: Usage = field(default_factory=Usage)
    latency_s: float = 0.0
    run_id: str | None = None
    strategy: str = "direct"
    calls: list[Call] = field(default_factory=list)
    dry_run: bool = False
    warnings: tuple[str, ...] = ()
    cost_usd: float | None = None
    estimate: CostEstimate | None = None

    @property
    def provider(self) -> str:
        """Provider name."""
        return self.request.provider

    @property
    def model(self) -> str:
        """Model id."""
        return self.request.model

    def to_dict(self) -> dict[str, Any]:
        """The ``--json`` shape of a result.

        Keys: prompt {name, version, sha256, draft}, provider, model, output, usage, latency_s (seconds),
        run_id, strategy, parameters, request (the wire body), dry_run, cost_usd (USD or null),
        cost_estimate (see :meth:`~promptctl.tokens.estimate.CostEstimate.to_dict`, or null).
        """
        return {
            "run_id": self.run_id,
            "prompt": prompt_info(self.version),
            "provider": self.provider,
            "model": self.model,
            "strategy": self.strategy,
            "parameters": self.request.parameters,
            "request": self.request.body,
            "output": self.output,
            "usage": self.usage.to_dict(),
            "latency_s": round(self.latency_s, 6),
            "dry_run": self.dry_run,
            "cost_usd": self.cost_usd,
            "cost_estimate": self.estimate.to_dict() if self.estimate is not None else None,
        }


def prompt_info(version: PromptVersion) -> dict[str, Any]:
    """``{"name", "version", "sha256", "draft"}`` of a version."""
    return {"name": version.name, "version": version.number, "sha256": version.sha256, "draft": version.is_draft}


async def arun(
    version: PromptVersion,
    variables: Mapping[str, Any] | None = None,
    *,
    provider: str | Provider | None = None,
    model: str | None = None,
    parameters: Mapping[str, Any] | None = None,
    strategy: str | None = None,
    config: ProjectConfig | None = None,
    store: RunStore | None = None,
    dry_run: bool = False,
    estimate: bool = False,
    max_cost: float | None = None,
    samples: int | None = None,
    history: RunStore | None = None,
    cache: bool = False,
) -> Result:
    """Render a version, send it with its strategy, and record the run.

    Args:
        version: The prompt version (already integrity-checked by the registry).
        variables: Template variables.
        provider: Provider name, or a :class:`Provider` instance (e.g. a ``FakeProvider`` in tests).
        model: Model id override.
        parameters: Parameter overrides (``temperature``, ``max_tokens`` in tokens, ...).
        strategy: Executor override; default the front matter's ``strategy``.
        config: Project config (provider/model precedence and client settings).
        store: Run store to record in; None records nothing.
        dry_run: Do everything except the provider call.
        estimate: Estimate the cost before the call (:func:`promptctl.tokens.estimate.estimate_cost`); implied
            by ``max_cost``. The estimate is stored with the run.
        max_cost: Budget in USD: refuse, before any call, when the high estimate crosses it.
        samples: Self-consistency samples, for the estimate.
        history: Run store to read this prompt's recorded outputs from for the estimate; default ``store``.
        cache: Answer requests already recorded in ``store`` from it
            (:class:`~promptctl.providers.cache.CachedProvider`) instead of calling the provider; cached
            calls cost nothing and are recorded as cached.

    Returns:
        The :class:`Result`.

    Raises:
        PromptctlError: Any rendering, adapter, credentials or provider error. A failed call is still
            recorded in the store, with status ``error``.
        BudgetExceeded: The high estimate crosses ``max_cost``, or the model has no price (nothing sent).
    """
    client = provider if isinstance(provider, Provider) else None
    provider_name = client.name if client is not None else provider
    request = build_request(version, version.prompt(variables), provider=provider_name, model=model,
                            parameters=parameters, config=config)
    chosen = strategy or version.front_matter.strategy.name
    notes = list(request.warnings)
    if chosen not in IMPLEMENTED_STRATEGIES:
        notes.append(f"strategy '{chosen}' has no executor in this release; the prompt ran once, directly")
        chosen_exec = "direct"
    else:
        chosen_exec = chosen
    result = Result(version=version, request=request, strategy=chosen_exec, dry_run=dry_run, warnings=tuple(notes))
    # -- cost before the call (issue 4): estimate, and refuse what would cross --max-cost ---------------
    budget = None
    if estimate or max_cost is not None:
        from promptctl.tokens.budget import Budget
        from promptctl.tokens.estimate import estimate_cost

        result.estimate = estimate_cost(
            version, request, strategy=chosen_exec, samples=samples, config=config, history=history or store
        )
        if max_cost is not None:
            budget = Budget(max_cost)
            budget.check(result.estimate.usd_high, what=f"{version.display} on {request.provider}:{request.model}")
    # -- end cost before the call ---------------------------------------------------------------------
    if dry_run:
        return result
    client = client or get_provider(request.provider, config)
    if cache and store is not None:
        from promptctl.providers.cache import CachedProvider

        client = CachedProvider(client, store)
    run_id = None
    if store is not None:
        run_id = store.start_run(
            ref=version.ref, prompt_name=version.name, prompt_version=version.number, prompt_sha256=version.sha256,
            draft=version.is_draft, provider=request.provider, model=request.model, strategy=chosen_exec,
            variables=_jsonable(variables or {}), parameters=request.parameters, request=request.body,
            cost_estimate=result.estimate.to_dict() if result.estimate is not None else None,
        )
    costs: list[float | None] = []  # USD of each completed call, from its reported usage (issue 4)

    def record(call: Call) -> None:
        completion = call.completion
        cost = None if completion is None else 0.0 if completion.cached else _call_cost(call, config)
        if completion is not None:
            costs.append(cost)
            if budget is not None:
                budget.charge(cost)
        if store is None or run_id is None:
            return
        store.add_call(
            run_id, provider=call.request.provider, model=call.request.model,
            fingerprint=call.request.fingerprint(), request=call.request.body,
            output=completion.text if completion else None, usage=completion.usage if completion else None,
            latency_s=completion.latency_s if completion else None,
            request_id=completion.request_id if completion else call.error.request_id if call.error else None,
            error=str(call.error) if call.error else None,
            cost_usd=cost,
            cached=bool(completion and completion.cached),
        )

    start = time.perf_counter()
    try:
        executed = await direct(request, client, on_call=record)
    except PromptctlError as exc:
        if store is not None and run_id is not None:
            store.finish_run(run_id, status="error", error=str(exc), latency_s=time.perf_counter() - start,
                             cost_usd=_total(costs))
        raise
    finally:
        await client.aclose()
    result.output = executed.output
    result.calls = executed.calls
    result.usage = executed.usage
    result.latency_s = time.perf_counter() - start
    result.run_id = run_id
    result.cost_usd = _total(costs)
    if result.cost_usd is None and costs:
        result.warnings = (*result.warnings, _unpriced_note(request, config))
    if store is not None and run_id is not None:
        store.finish_run(run_id, output=result.output, usage=result.usage, latency_s=result.latency_s, status="ok",
                         cost_usd=result.cost_usd)
    return result


# -- cost after the call (issue 4) ---------------------------------------------------------------------
def _call_cost(call: Call, config: ProjectConfig | None) -> float | None:
    """USD of a completed call from its reported usage (None when the model has no known price)."""
    from promptctl.tokens.pricing import call_cost

    assert call.completion is not None
    return call_cost(
        call.completion.usage, call.request.provider, call.request.model, call.completion.model, config
    ).usd


def _total(costs: list[float | None]) -> float | None:
    """Sum of call costs (USD); None when any completed call has no price."""
    if any(c is None for c in costs):
        return None
    return float(sum(c for c in costs if c is not None))


def _unpriced_note(request: ProviderRequest, config: ProjectConfig | None) -> str:
    from promptctl.tokens.pricing import cost_of

    note = cost_of(Usage(), request.provider, request.model, config).note
    return f"cost not recorded: {note}" if note else "cost not recorded: no price"
# -- end cost after the call ---------------------------------------------------------------------------


def run(version: PromptVersion, variables: Mapping[str, Any] | None = None, **options: Any) -> Result:
    """Synchronous :func:`arun` (for scripts; not for use inside a running event loop)."""
    return asyncio.run(arun(version, variables, **options))


def _jsonable(values: Mapping[str, Any]) -> dict[str, Any]:
    import json

    return json.loads(json.dumps(dict(values), default=str))
