"""Running a prompt version end to end: render, apply the strategy, adapt, execute, record.

:func:`arun` is what ``promptctl run``, :func:`promptctl.arun` and ``snapshot record`` call. The
strategy comes from the front matter's ``strategy:`` or the ``strategy`` argument
(:func:`promptctl.executors.strategy.resolve_plan`); chains (``strategy: {name: chain}``) run through
:mod:`promptctl.session.chain`. Every call any executor makes goes through the run's
:class:`~promptctl.session.Session` (cache, ``--max-cost`` with each call's high estimate, pricing,
recording in the run store linked to the run).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from promptctl.errors import PromptctlError, error_text
from promptctl.executors import pipeline
from promptctl.executors.base import Call, CallContext, ExecutorResult
from promptctl.executors.pipeline import Prepared, Source
from promptctl.executors.strategy import Plan, resolve_plan
from promptctl.providers.base import Provider
from promptctl.registry.registry import is_chain, prompt_info
from promptctl.session.core import Session
from promptctl.session.pricing import total
from promptctl.session.recorder import Recorder
from promptctl.types import ProviderRequest, ToolCall, Usage, elide_media, jsonable, utc_now

if TYPE_CHECKING:
    from promptctl.config import ProjectConfig
    from promptctl.registry.registry import PromptVersion
    from promptctl.session.batch import Batcher
    from promptctl.store.fastread import RunReader
    from promptctl.store.runs import RunStore
    from promptctl.tokens.estimate import CostEstimate

__all__ = ["Prepared", "Result", "arun", "execute", "prepare", "project_root", "render", "render_request", "run",
           "source_of"]


def project_root(version: PromptVersion, config: ProjectConfig | None) -> Path:
    """The folder relative dataset and model paths start from: config root, else the prompts folder's parent."""
    if config is not None:
        return Path(config.root)
    if version.registry is not None:
        return Path(version.registry.root).parent
    return version.path.parent.parent.parent


def source_of(version: PromptVersion, config: ProjectConfig | None = None) -> Source:
    """What the executors read of ``version`` (:class:`~promptctl.executors.pipeline.Source`): values only."""
    return Source(version.name, version.template, version.front_matter, project_root(version, config))


def prepare(
    version: PromptVersion,
    variables: Mapping[str, Any] | None,
    plan: Plan,
    *,
    provider: str | None = None,
    model: str | None = None,
    parameters: Mapping[str, Any] | None = None,
    config: ProjectConfig | None = None,
) -> Prepared:
    """Render ``version`` with its strategy's transforms and adapt it (:func:`promptctl.executors.pipeline.prepare`).

    Raises:
        PromptctlError: Rendering, adapter, few-shot dataset or option errors. No network.
    """
    return pipeline.prepare(source_of(version, config), variables, plan, provider=provider, model=model,
                            parameters=parameters, config=config)


async def execute(prepared: Prepared, ctx: CallContext, version: PromptVersion,
                  config: ProjectConfig | None = None, tool_results: Any = None) -> ExecutorResult:
    """Run a prepared request with its plan's executors (:func:`promptctl.executors.pipeline.execute`).

    ``tool_results`` answers the model's tool calls for one more round (:mod:`promptctl.executors.tool_round`).

    Raises:
        ProviderError, StructuredOutputError, BudgetExceeded: From the calls.
        InputError: An output schema that cannot be found; tool results the round cannot use.
    """
    return await pipeline.execute(prepared, ctx, source_of(version, config), tool_results)


@dataclass
class Result:
    """The outcome of running a prompt version: the executor's outcome plus what the run adds.

    Attributes:
        version: The prompt version that ran.
        request: The provider request of the main call (after few-shot and chain-of-thought transforms).
        outcome: What the executor returned (output, calls, answer, votes ...); for a dry run, an
            empty outcome carrying the rendering's details.
        usage: Tokens summed over every call (a resumed chain's include the steps run before).
        latency_s: Wall time of the whole run (seconds).
        run_id: Id in the run store, or None when not recorded (dry run, no store).
        strategy: Executor used.
        dry_run: True when nothing was sent.
        warnings: Rendering, adapter and strategy notes.
        cost_usd: What the calls cost (USD) from their reported usage, or None when a model has no price.
        estimate: The cost estimate made before the call (dry runs and ``max_cost``), or None.
        estimates: A chain's per-step cost estimates (dry runs and ``max_cost``).
        variables: The variables given (JSON-ready), as the run store keeps them.
        created_at: When the run started (ISO 8601 UTC), or None for a dry run.

    The executor's fields are read through: ``output``, ``calls``, ``answer``, ``reasoning``,
    ``parsed``, ``votes``, ``confidence``, ``samples_drawn``, ``steps``, ``details``.
    """

    version: PromptVersion
    request: ProviderRequest
    outcome: ExecutorResult = field(default_factory=lambda: ExecutorResult(output=""))
    usage: Usage = field(default_factory=Usage)
    latency_s: float = 0.0
    run_id: str | None = None
    strategy: str = "direct"
    dry_run: bool = False
    warnings: tuple[str, ...] = ()
    cost_usd: float | None = None
    estimate: CostEstimate | None = None
    estimates: list[CostEstimate] = field(default_factory=list)
    variables: dict[str, Any] = field(default_factory=dict)
    created_at: str | None = None

    @property
    def output(self) -> str:
        """The final text (empty for a dry run)."""
        return self.outcome.output

    @property
    def calls(self) -> list[Call]:
        """Trace of every provider call made now."""
        return self.outcome.calls

    @property
    def answer(self) -> str | None:
        """The normalised final answer (cot, consistency, a chain's last step), or None."""
        return self.outcome.answer

    @property
    def reasoning(self) -> str | None:
        """The reasoning before the answer, or None."""
        return self.outcome.reasoning

    @property
    def tool_calls(self) -> list[ToolCall]:
        """The tool calls the model made (name, parsed arguments, id); empty when it answered in text."""
        return self.outcome.tool_calls

    @property
    def parsed(self) -> Any:
        """The validated structured output (JSON-ready), or None."""
        return self.outcome.parsed

    @property
    def votes(self) -> dict[str, int] | None:
        """Self-consistency votes (answer -> samples), or None."""
        return self.outcome.votes

    @property
    def confidence(self) -> float | None:
        """Self-consistency agreement ratio (0-1), or None."""
        return self.outcome.confidence

    @property
    def samples_drawn(self) -> int | None:
        """Self-consistency samples drawn, or None."""
        return self.outcome.samples_drawn

    @property
    def steps(self) -> list[dict[str, Any]] | None:
        """Chain step records, or None."""
        return self.outcome.steps

    @property
    def details(self) -> dict[str, Any]:
        """Strategy facts (few-shot selection and order, stop rule, attempts ...)."""
        return self.outcome.details

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
        tool_calls ([{id, name, arguments}]), usage, latency_s (seconds), cost_usd (USD or null), status (``ok``,
        or ``dry_run`` when nothing was sent), error (null: a failed run raises), cost_estimate, answer, reasoning,
        parsed, votes, confidence, samples_drawn, steps, details.
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
            "request": elide_media(self.request.body),
            "output": self.output,
            "tool_calls": [call.to_dict() for call in self.tool_calls],
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
            "origin": "run",
        }


def chain_estimate_dict(estimates: list[CostEstimate]) -> dict[str, Any]:
    """A chain's estimate: the sum over its steps (USD null when a step has no price) plus each step's."""
    def total(key: str) -> float | None:
        values = [getattr(e, key) for e in estimates]
        return None if any(v is None for v in values) else float(sum(values))

    return {"estimate": True, "cost_usd": {"low": total("usd_low"), "expected": total("usd_expected"),
                                           "high": total("usd_high")},
            "steps": [e.to_dict() for e in estimates]}


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
    history: RunReader | None = None,
    cache: bool = False,
    resume: str | None = None,
    batch: Batcher | None = None,
    tool_results: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None,
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
        estimate: Estimate the cost before the calls (:func:`promptctl.session.estimate.estimate_cost`); implied
            by ``max_cost``. The estimate is stored with the run.
        max_cost: Budget in USD: refuse, before any call, when the run's high estimate crosses it, and
            before each call when that call's high estimate would take the spending past it.
        samples: Self-consistency samples.
        history: Run store to read this prompt's recorded outputs from for the estimate; default ``store``.
        cache: Answer requests already recorded in ``store`` from it
            (the session's cache layer, :class:`~promptctl.session.layers.Cache`).
        resume: A chain only: the id of a failed run of this chain to finish (see :mod:`promptctl.session.chain`).
        batch: Send the calls through this :class:`~promptctl.session.batch.Batcher` (provider batches at the
            batch price; ``snapshot record --batch``), or None for direct calls.
        tool_results: Answers to the model's tool calls, ``{tool name or call id: result}`` or
            ``[{id|name, content, is_error}]``: the calls are answered and the conversation continued once
            (:mod:`promptctl.executors.tool_round`); the second reply is the output, both calls are recorded.
            Direct strategy only.

    Returns:
        The :class:`Result`.

    Raises:
        PromptctlError: Any rendering, adapter, credentials or provider error. A failed call is still
            recorded in the store, with status ``error``; an error raised once calls were made carries
            them as ``exc.calls`` (list of :class:`~promptctl.executors.base.Call`).
        BudgetExceeded: A high estimate crosses ``max_cost``, or the model has no price.
        StructuredOutputError: Structured output found no schema-valid answer within its retries.
    """
    _check_variables(variables, "arun")
    if tool_results is not None and (isinstance(tool_results, (str, bytes))
                                     or not isinstance(tool_results, (Mapping, Sequence))):
        raise TypeError(f"arun(): tool_results must be a mapping {{tool name or call id: result}} or a list of "
                        f"{{id|name, content}}, not {type(tool_results).__name__}")
    if is_chain(version) and tool_results is not None:
        from promptctl.errors import InputError

        raise InputError(f"{version.display} is a chain: --tool-results continues one prompt's direct run",
                         hint="run the step's prompt on its own with --tool-results")
    if is_chain(version) and strategy in (None, "chain"):
        from promptctl.session.chain import arun_chain

        return await arun_chain(version, variables, provider=provider, model=model, parameters=parameters,
                                config=config, store=store, dry_run=dry_run, estimate=estimate, max_cost=max_cost,
                                history=history, cache=cache, resume=resume, samples=samples, batch=batch)
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
    unused = unused_schema_note(version, plan) if dry_run else None  # shown with the request, not on every run
    result = Result(version=version, request=request, strategy=plan.name, dry_run=dry_run,
                    outcome=ExecutorResult(output="", details=dict(prepared.details)),
                    warnings=(*prepared.notes, *([unused] if unused else [])), variables=jsonable(variables or {}))
    budget = None
    if estimate or max_cost is not None:
        from promptctl.session.estimate import estimate_cost
        from promptctl.tokens.budget import Budget

        result.estimate = estimate_cost(
            version, request, strategy=plan.name, config=config, history=history or store,
            samples=plan.consistency.samples if plan.consistency else None,
        )
        if tool_results is not None:
            import dataclasses

            result.estimate = dataclasses.replace(result.estimate, notes=(
                *result.estimate.notes, "--tool-results: priced as the first call only; the answer round is a "
                "second call (this input plus the tool calls and results), each call checked against --max-cost"))
        if max_cost is not None:
            budget = Budget(max_cost)
            budget.check(result.estimate.usd_high, what=f"{version.display} on {request.provider}:{request.model}")
    if dry_run:
        return result
    recorder = Recorder(store)
    result.created_at = utc_now()
    run_id = recorder.start(
        version, created_at=result.created_at, provider=request.provider, model=request.model, strategy=plan.name,
        variables=result.variables, parameters=request.parameters, request=elide_media(request.body),
        cost_estimate=result.estimate.to_dict() if result.estimate is not None else None,
    )
    session = Session(config, store=store, cache=cache, budget=budget, sink=recorder.sink(run_id),
                      what=lambda r: f"the next call of {version.display} on {r.provider}:{r.model}",
                      provider=provider if isinstance(provider, Provider) else None, close_given=True, batch=batch)
    ctx = session.context(request.provider)
    start = time.perf_counter()
    try:
        from promptctl.session.tracing import finish_run_span, run_span

        with run_span(version, request, plan.name, run_id, store.origin if store is not None else "run") as opened:
            executed = await execute(prepared, ctx, version, config, tool_results)
            finish_run_span(opened, executed.usage, total([c.completion.cost_usd for c in executed.calls
                                                           if c.completion is not None]))
    except PromptctlError as exc:
        exc.calls = list(ctx.trace)  # type: ignore[attr-defined]  # the trace up to the failure (--show-trace)
        done = [c.completion for c in ctx.trace if c.completion is not None]
        recorder.finish(run_id, status="error", error=str(exc), latency_s=time.perf_counter() - start,
                        usage=Usage.total([c.usage for c in done]), cost_usd=total([c.cost_usd for c in done]),
                        details=jsonable(result.details) or None)
        raise
    except BaseException as exc:  # a bug, Ctrl-C or a cancellation: the run row is finished all the same
        recorder.finish(run_id, status="error", error=error_text(exc), latency_s=time.perf_counter() - start)
        raise
    finally:
        await session.aclose()
    result.outcome = executed
    result.usage = executed.usage
    result.warnings = (*result.warnings, *executed.warnings)
    result.latency_s = max(0.0, time.perf_counter() - start - session.setup_s())  # the SDK's import is not latency
    result.run_id = run_id
    costs = [c.completion.cost_usd for c in executed.calls if c.completion is not None]
    result.cost_usd = total(costs)
    if result.cost_usd is None and costs:
        result.warnings = (*result.warnings, _unpriced_note(request, config))
    recorder.finish(run_id, output=result.output, usage=result.usage, latency_s=result.latency_s, status="ok",
                    cost_usd=result.cost_usd, outcome=executed)
    return result


def render(
    version: PromptVersion,
    provider: str | None = None,
    model: str | None = None,
    *,
    parameters: Mapping[str, Any] | None = None,
    config: ProjectConfig | None = None,
    variables: Mapping[str, Any] | None = None,
    **kwargs: Any,
) -> ProviderRequest:
    """Render ``version`` for a provider: the request its SDK call takes (``promptctl.render``). No network.

    Args:
        version: The prompt version.
        provider: ``openai``, ``anthropic``, ``watsonx`` or ``fake``; default the front matter's.
        model: Model id; default the front matter's model for that provider.
        parameters: Overrides of the front matter's parameters.
        config: Project config (provider and model defaults), or None.
        variables: Template variables as a mapping, as :func:`run` takes them (needed for a variable named
            ``provider``, ``model``, ``parameters``, ``config`` or ``variables``); merged with ``**kwargs``.
        **kwargs: Template variables as keywords.

    Returns:
        The request: ``request.kwargs`` go to the SDK call, ``request.body`` is the wire JSON.

    Raises:
        TypeError: A mapping given as ``provider`` (variables go in ``variables=`` or as keywords).
        InputError: No provider or model could be determined.
        AdapterError: The prompt cannot be expressed for the provider.
        VariableError, UndefinedVariableError, TemplateError: As :meth:`PromptVersion.prompt`.
    """
    from promptctl.adapters import build_request

    if isinstance(provider, Mapping):
        raise TypeError("promptctl.render(version, provider, model, **variables): the variables were given as the "
                        "provider; pass them as keywords or as variables={...}")
    _check_variables(variables, "render")
    values = {**(variables or {}), **kwargs}
    return build_request(version.front_matter, version.prompt(values), provider=provider, model=model,
                         parameters=parameters, config=config, where=version.display)


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
        PromptctlError: As :func:`prepare`; InputError for a chain (use :func:`promptctl.session.chain.render_chain`).
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
        from promptctl.executors.schema import output_model

        out = output_model(version.front_matter.output, plan.structured_source, root=project_root(version, config),
                           where=version.display, default_name=version.name)
        prepared.output_schema = {"name": out.name, "source": out.source, "mode": plan.structured.mode,
                                  "schema": out.schema}
        prepared.notes.append(f"structured output ({plan.structured.mode}): the output schema '{out.name}' shown "
                              "below is added at run time (instructor tools / response_format), and failed answers "
                              "are re-asked")
    unused = unused_schema_note(version, plan)
    if unused:
        prepared.notes.append(unused)
    return prepared


def unused_schema_note(version: PromptVersion, plan: Plan) -> str | None:
    """The note for a version whose output schema its strategy neither sends nor checks, else None.

    ``output: {format: json, schema: ...}`` under ``strategy: direct`` (or cot, fewshot, consistency without a
    nested ``structured``) reaches the model only as far as the template's own words say; a user who declared it
    expects it to be enforced, as it is in Dotprompt.
    """
    output = version.front_matter.output
    if plan.structured is not None or output is None or not (output.json_schema or output.model):
        return None
    return (f"{version.display} declares an output schema, but strategy {plan.name} neither sends it nor checks "
            "answers against it (ab/eval's json_schema scorer reads it); strategy: structured (or --strategy "
            "structured) sends it and validates every answer")


def _unpriced_note(request: ProviderRequest, config: ProjectConfig | None) -> str:
    """Why a run's cost is not recorded; a model id close to a known one (``gpt-4.1-mni``) gets a did-you-mean.

    A front matter model is sent as written (lint's PROV007 reports a near miss); the run says so once it has no
    price, since a server that serves any name (a local one, a proxy) answers it anyway.
    """
    from promptctl.adapters.profiles import model_suggestion
    from promptctl.tokens.pricing import cost_of

    note = cost_of(Usage(), request.provider, request.model, config).note
    close = model_suggestion(request.model, (request.provider,)) if request.provider != "fake" else None
    typo = f" (is '{request.model}' a typo of '{close[1]}'?)" if close and close[1] != request.model else ""
    return (f"cost not recorded: {note}" if note else "cost not recorded: no price") + typo



def _check_variables(variables: object, caller: str) -> None:
    """Raise a TypeError naming ``caller`` unless ``variables`` is None or a mapping."""
    if variables is not None and not isinstance(variables, Mapping):
        raise TypeError(f"promptctl.{caller}: variables must be a mapping of name -> value, e.g. "
                        f"{{'customer_message': 'hi'}}, not {type(variables).__name__}")


def run(version: PromptVersion, variables: Mapping[str, Any] | None = None, **options: Any) -> Result:
    """Synchronous :func:`arun`: the same arguments, result and errors.

    For scripts and notebooks without a running event loop; inside one, ``await promptctl.arun(...)``.

    Args:
        version: The prompt version.
        variables: Template variables (name -> value).
        **options: The keyword arguments of :func:`arun` (``provider``, ``model``, ``parameters``,
            ``strategy``, ``config``, ``store``, ``dry_run``, ``estimate``, ``max_cost`` in USD, ``samples``,
            ``history``, ``cache``, ``resume``, ``batch``).

    Returns:
        The :class:`Result` (``output``, ``usage`` in tokens, ``latency_s`` in seconds, ``cost_usd``).

    Raises:
        TypeError: An option :func:`arun` does not take (with the closest name), or variables that are not
            a mapping.
        RuntimeError: Called inside a running event loop (``await promptctl.arun(...)`` there).
        PromptctlError: As :func:`arun`.
    """
    import inspect

    from promptctl.errors import did_you_mean

    known = [n for n, p in inspect.signature(arun).parameters.items() if p.kind is p.KEYWORD_ONLY]
    for name in options:
        if name not in known:
            close = did_you_mean(name, known)
            raise TypeError(f"promptctl.run() got an unexpected keyword argument '{name}'"
                            + (f" ({close})" if close else f"; it takes variables as a mapping and {', '.join(known)}"))
    _check_variables(variables, "run")
    import asyncio  # here: rendering and the CLI's reading commands need no event loop

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(arun(version, variables, **options))
    raise RuntimeError("promptctl.run() was called inside a running event loop (async code, a notebook): "
                       "use 'await promptctl.arun(...)' there, with the same arguments")
