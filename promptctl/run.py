"""Running a prompt version end to end: render, apply the strategy, adapt, execute, record.

:func:`arun` is what ``promptctl run`` and ``PromptVersion.run`` call. The strategy comes from the
front matter's ``strategy:`` or the ``strategy`` argument (:func:`promptctl.executors.strategy.resolve_plan`);
chains (``strategy: {name: chain}``) run through :mod:`promptctl.run_chain`. Every call any executor
makes goes through one :class:`~promptctl.executors.base.CallContext`, which checks ``--max-cost``
before the call (:class:`~promptctl.tokens.budget.Budget`, with the call's high estimate from
:func:`~promptctl.tokens.estimate.estimate_request`) and records it in the run store, linked to the run.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from promptctl.adapters.base import ProviderRequest
from promptctl.errors import PromptctlError
from promptctl.executors.base import Call, CallContext, ExecutorResult
from promptctl.executors.pipeline import Prepared, execute, prepare, project_root
from promptctl.executors.strategy import STRATEGIES, resolve_plan
from promptctl.providers import get_provider
from promptctl.providers.base import Provider, Usage

if TYPE_CHECKING:
    from promptctl.config import ProjectConfig
    from promptctl.registry.registry import PromptVersion
    from promptctl.store.runs import RunStore
    from promptctl.tokens.budget import Budget
    from promptctl.tokens.estimate import CostEstimate

IMPLEMENTED_STRATEGIES = STRATEGIES
__all__ = ["Prepared", "Recorder", "Result", "arun", "execute", "prepare", "project_root", "render_request", "run"]


@dataclass
class Result:
    """The outcome of running a prompt version.

    Attributes:
        version: The prompt version that ran.
        request: The provider request of the main call (after few-shot and chain-of-thought transforms).
        output: The final text (empty for a dry run).
        usage: Tokens summed over every call.
        latency_s: Wall time of the whole run (seconds).
        run_id: Id in the run store, or None when not recorded (dry run, no store).
        strategy: Executor used.
        calls: Trace of every provider call made now.
        dry_run: True when nothing was sent.
        warnings: Rendering, adapter and strategy notes.
        cost_usd: What the calls cost (USD) from their reported usage, or None when a model has no price.
        estimate: The cost estimate made before the call (dry runs and ``max_cost``), or None.
        answer: The normalised final answer (cot, consistency, a chain's last step), or None.
        reasoning: The reasoning before the answer, or None.
        parsed: The validated structured output (JSON-ready), or None.
        votes: Self-consistency votes (answer -> samples), or None.
        confidence: Self-consistency agreement ratio (0-1), or None.
        samples_drawn: Self-consistency samples drawn, or None.
        steps: Chain step records, or None.
        details: Strategy facts (few-shot selection and order, stop rule, attempts ...).
        estimates: A chain's per-step cost estimates (dry runs and ``max_cost``).
        variables: The variables given (JSON-ready), as the run store keeps them.
        created_at: When the run started (ISO 8601 UTC), or None for a dry run.
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
    answer: str | None = None
    reasoning: str | None = None
    parsed: Any = None
    votes: dict[str, int] | None = None
    confidence: float | None = None
    samples_drawn: int | None = None
    steps: list[dict[str, Any]] | None = None
    details: dict[str, Any] = field(default_factory=dict)
    estimates: list[CostEstimate] = field(default_factory=list)
    variables: dict[str, Any] = field(default_factory=dict)
    created_at: str | None = None

    @property
    def provider(self) -> str:
        """Provider name."""
        return self.request.provider

    @property
    def model(self) -> str:
        """Model id."""
        return self.request.model

    def to_dict(self) -> dict[str, Any]:
        """The ``--json`` record of a result: the keys of :func:`promptctl.store.runs.record_dict`, in its order.

        Keys: run_id (null when not recorded), created_at (null for a dry run), ref, prompt {name, version,
        sha256, draft}, provider, model, strategy, variables, parameters, request (the wire body), output,
        usage, latency_s (seconds), cost_usd (USD or null), status (``ok``, or ``dry_run`` when nothing was
        sent), error (null: a failed run raises), cost_estimate, answer, reasoning, parsed, votes,
        confidence, samples_drawn, steps, details.
        """
        estimate = self.estimate.to_dict() if self.estimate is not None else None
        if estimate is None and self.estimates:
            estimate = chain_estimate_dict(self.estimates)
        return {
            "run_id": self.run_id,
            "created_at": self.created_at,
            "ref": self.version.ref,
            "prompt": prompt_info(self.version),
            "provider": self.provider,
            "model": self.model,
            "strategy": self.strategy,
            "variables": self.variables,
            "parameters": self.request.parameters,
            "request": self.request.body,
            "output": self.output,
            "usage": self.usage.to_dict(),
            "latency_s": round(self.latency_s, 6),
            "cost_usd": self.cost_usd,
            "status": "dry_run" if self.dry_run else "ok",
            "error": None,
            "cost_estimate": estimate,
            "answer": self.answer,
            "reasoning": self.reasoning,
            "parsed": self.parsed,
            "votes": self.votes,
            "confidence": self.confidence,
            "samples_drawn": self.samples_drawn,
            "steps": self.steps,
            "details": self.details or None,
        }

    def absorb(self, executed: ExecutorResult) -> None:
        """Copy an executor's outcome (output, calls, answer, votes ...) into this result."""
        self.output = executed.output
        self.calls = executed.calls
        self.usage = executed.usage
        for name in ("answer", "reasoning", "parsed", "votes", "confidence", "samples_drawn", "steps"):
            setattr(self, name, getattr(executed, name))
        self.details.update(executed.details)
        self.warnings = (*self.warnings, *executed.warnings)


def prompt_info(version: PromptVersion) -> dict[str, Any]:
    """``{"name", "version", "sha256", "draft"}`` of a version."""
    return {"name": version.name, "version": version.number, "sha256": version.sha256, "draft": version.is_draft}


def chain_estimate_dict(estimates: list[CostEstimate]) -> dict[str, Any]:
    """A chain's estimate: the sum over its steps (USD null when a step has no price) plus each step's."""
    def total(key: str) -> float | None:
        values = [getattr(e, key) for e in estimates]
        return None if any(v is None for v in values) else float(sum(values))

    return {"estimate": True, "cost_usd": {"low": total("usd_low"), "expected": total("usd_expected"),
                                           "high": total("usd_high")},
            "steps": [e.to_dict() for e in estimates]}


def is_chain(version: PromptVersion) -> bool:
    """True when the version's front matter declares ``strategy: {name: chain}``."""
    return version.front_matter.strategy.name == "chain"


# -- recording and the budget ------------------------------------------------------------------------
class Recorder:
    """Records each call in the run store and checks ``--max-cost`` before each call.

    Args:
        store: Run store, or None.
        run_id: The run's id, or None.
        config: Project config (prices).
        budget: The spending limit, or None.
        what: The work named in budget messages.
    """

    def __init__(self, store: RunStore | None, run_id: str | None, config: ProjectConfig | None,
                 budget: Budget | None, what: str) -> None:
        self.store, self.run_id, self.config, self.budget, self.what = store, run_id, config, budget, what
        self.costs: list[float | None] = []
        self.step_costs: dict[int, list[float | None]] = {}

    def before_call(self, request: ProviderRequest, reserved: float) -> float | None:
        """Refuse the call if its high estimate plus calls in flight would cross the budget; return the estimate."""
        if self.budget is None:
            return None
        from promptctl.tokens.estimate import estimate_request

        high = estimate_request(request, config=self.config).high_usd
        self.budget.check(None if high is None else high + reserved,
                          what=f"the next call of {self.what} on {request.provider}:{request.model}")
        return high

    def record(self, call: Call) -> None:
        """Cost the call, charge the budget, and store it (``on_call``)."""
        completion = call.completion
        cost = None if completion is None else 0.0 if completion.cached else _call_cost(call, self.config)
        if completion is not None:
            self.costs.append(cost)
            if call.step is not None:
                self.step_costs.setdefault(call.step, []).append(cost)
            if self.budget is not None:
                self.budget.charge(cost)
        if self.store is None or self.run_id is None:
            return
        self.store.add_call(
            self.run_id, provider=call.request.provider, model=call.request.model,
            fingerprint=call.request.fingerprint(), request=call.request.body,
            output=completion.text if completion else None, usage=completion.usage if completion else None,
            latency_s=completion.latency_s if completion else None,
            request_id=completion.request_id if completion else call.error.request_id if call.error else None,
            error=str(call.error) if call.error else None, cost_usd=cost, cached=bool(completion and completion.cached),
            tag=call.tag, step=call.step,
        )

    def context(self, client: Provider) -> CallContext:
        """A call context over ``client`` with this recorder's hooks."""
        return CallContext(client, on_call=self.record, before_call=self.before_call if self.budget else None)


def open_client(name: str, provider: str | Provider | None, config: ProjectConfig | None,
                store: RunStore | None, cache: bool) -> Provider:
    """The client for provider ``name``: the given instance, else a new one; wrapped by the response cache."""
    client = provider if isinstance(provider, Provider) else get_provider(name, config)
    if cache and store is not None:
        from promptctl.providers.cache import CachedProvider

        client = CachedProvider(client, store)
    return client


def stored_fields(result: ExecutorResult | Result) -> dict[str, Any]:
    """The strategy columns of a run row."""
    return {"answer": result.answer, "reasoning": result.reasoning, "parsed": result.parsed, "votes": result.votes,
            "confidence": result.confidence, "samples_drawn": result.samples_drawn, "steps": result.steps,
            "details": _jsonable(result.details) if result.details else None}


# -- arun ----------------------------------------------------------------------------------------------
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
    resume: str | None = None,
) -> Result:
    """Render a version, run it with its strategy, and record the run.

    Args:
        version: The prompt version (already integrity-checked by the registry).
        variables: Template variables.
        provider: Provider name, or a :class:`Provider` instance (e.g. a ``FakeProvider`` in tests).
        model: Model id override.
        parameters: Parameter overrides (``temperature``, ``max_tokens`` in tokens, ...).
        strategy: ``direct``, ``cot``, ``fewshot``, ``consistency`` or ``structured``; default the front
            matter's (see :mod:`promptctl.executors.strategy`).
        config: Project config (provider/model precedence and client settings).
        store: Run store to record in; None records nothing.
        dry_run: Do everything except the provider calls.
        estimate: Estimate the cost before the calls (:func:`promptctl.tokens.estimate.estimate_cost`); implied
            by ``max_cost``. The estimate is stored with the run.
        max_cost: Budget in USD: refuse, before any call, when the run's high estimate crosses it, and
            before each call when that call's high estimate would take the spending past it.
        samples: Self-consistency samples.
        history: Run store to read this prompt's recorded outputs from for the estimate; default ``store``.
        cache: Answer requests already recorded in ``store`` from it
            (:class:`~promptctl.providers.cache.CachedProvider`).
        resume: A chain only: the id of a failed run of this chain to finish (see :mod:`promptctl.run_chain`).

    Returns:
        The :class:`Result`.

    Raises:
        PromptctlError: Any rendering, adapter, credentials or provider error. A failed call is still
            recorded in the store, with status ``error``; an error raised once calls were made carries
            them as ``exc.calls`` (list of :class:`~promptctl.executors.base.Call`).
        BudgetExceeded: A high estimate crosses ``max_cost``, or the model has no price.
        StructuredOutputError: Structured output found no schema-valid answer within its retries.
    """
    if is_chain(version) and strategy in (None, "chain"):
        from promptctl.run_chain import arun_chain

        return await arun_chain(version, variables, provider=provider, model=model, parameters=parameters,
                                config=config, store=store, dry_run=dry_run, estimate=estimate, max_cost=max_cost,
                                history=history, cache=cache, resume=resume, samples=samples)
    from promptctl.errors import InputError

    if is_chain(version):
        raise InputError(f"{version.display} is a chain: its steps run with their own strategies",
                         hint="set a step's strategy in the chain file; --strategy does not apply to a chain")
    if resume is not None:
        raise InputError(f"--resume applies to chains; {version.display} is not a chain")
    if strategy == "chain":
        raise InputError(f"{version.display} is not a chain", hint="a chain declares strategy: {name: chain, steps}")
    plan = resolve_plan(version.front_matter.strategy, strategy, samples=samples, where=version.display)
    client_name = provider.name if isinstance(provider, Provider) else provider
    prepared = prepare(version, variables, plan, provider=client_name, model=model, parameters=parameters,
                       config=config)
    request = prepared.request
    result = Result(version=version, request=request, strategy=plan.name, dry_run=dry_run,
                    warnings=tuple(prepared.notes), details=dict(prepared.details),
                    variables=_jsonable(variables or {}))
    budget = None
    if estimate or max_cost is not None:
        from promptctl.tokens.budget import Budget
        from promptctl.tokens.estimate import estimate_cost

        result.estimate = estimate_cost(
            version, request, strategy=plan.name, config=config, history=history or store,
            samples=plan.consistency.samples if plan.consistency else None,
        )
        if max_cost is not None:
            budget = Budget(max_cost)
            budget.check(result.estimate.usd_high, what=f"{version.display} on {request.provider}:{request.model}")
    if dry_run:
        return result
    client = open_client(request.provider, provider, config, store, cache)
    run_id = None
    from promptctl.registry.index import utc_now

    result.created_at = utc_now()
    if store is not None:
        run_id = store.start_run(
            created_at=result.created_at, ref=version.ref, prompt_name=version.name, prompt_version=version.number,
            prompt_sha256=version.sha256,
            draft=version.is_draft, provider=request.provider, model=request.model, strategy=plan.name,
            variables=_jsonable(variables or {}), parameters=request.parameters, request=request.body,
            cost_estimate=result.estimate.to_dict() if result.estimate is not None else None,
        )
    recorder = Recorder(store, run_id, config, budget, version.display)
    ctx = recorder.context(client)
    start = time.perf_counter()
    try:
        executed = await execute(prepared, ctx, version, config)
    except PromptctlError as exc:
        exc.calls = list(ctx.trace)  # type: ignore[attr-defined]  # the trace up to the failure (--show-trace)
        if store is not None and run_id is not None:
            spent = sum((c.completion.usage for c in ctx.trace if c.completion is not None), Usage())
            store.finish_run(run_id, status="error", error=str(exc), latency_s=time.perf_counter() - start,
                             usage=spent, cost_usd=_total(recorder.costs), details=_jsonable(result.details) or None)
        raise
    finally:
        await client.aclose()
    result.absorb(executed)
    result.latency_s = time.perf_counter() - start
    result.run_id = run_id
    result.cost_usd = _total(recorder.costs)
    if result.cost_usd is None and recorder.costs:
        result.warnings = (*result.warnings, _unpriced_note(request, config))
    if store is not None and run_id is not None:
        store.finish_run(run_id, output=result.output, usage=result.usage, latency_s=result.latency_s, status="ok",
                         cost_usd=result.cost_usd, **stored_fields(result))
    return result


def render_request(
    version: PromptVersion,
    variables: Mapping[str, Any] | None = None,
    *,
    strategy: str | None = None,
    provider: str | None = None,
    model: str | None = None,
    config: ProjectConfig | None = None,
) -> Prepared:
    """The request ``run`` would send first, strategy transforms included (``render``). No network.

    Raises:
        PromptctlError: As :func:`prepare`; InputError for a chain (use :func:`promptctl.run_chain.render_chain`).
    """
    if is_chain(version):
        from promptctl.errors import InputError

        raise InputError(f"{version.display} is a chain", hint="render it without --strategy to see every step")
    plan = resolve_plan(version.front_matter.strategy, strategy, where=version.display)
    prepared = prepare(version, variables, plan, provider=provider, model=model, config=config)
    if plan.consistency is not None:
        prepared.notes.append(f"self-consistency sends this request up to {plan.consistency.samples} times, "
                              "each at the sampling temperature with its own cache salt")
    if plan.structured is not None:
        prepared.notes.append(f"structured output ({plan.structured.mode}): the schema is added at run time "
                              "(instructor tools / response_format), and failed answers are re-asked")
    return prepared


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


def _jsonable(values: Any) -> Any:
    import json

    return json.loads(json.dumps(values if not isinstance(values, Mapping) else dict(values), default=str))
