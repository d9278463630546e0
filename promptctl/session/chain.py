"""Running and rendering chains (see :mod:`promptctl.executors.chain` for the chain file format).

Targets: a step runs on, lowest precedence first, its prompt's front matter provider and model,
the project config, the step's ``provider``/``model``, then the run-time ``--provider``/``--model``
(so ``--provider fake`` runs a whole chain offline). A step's ``model`` applies only when its
provider is the one used. Parameters: the step prompt's, then the step's ``parameters``, then the
run-time ones.

The run record of a chain: ``strategy`` ``chain``, ``provider``/``model`` of the first step,
``request`` ``{"steps": [{"id", "ref"}]}``, ``steps`` the step records (pinned version, inputs,
output, answer, parsed, usage, cost, status), and every call with its ``step`` number.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from promptctl.adapters import resolve_target
from promptctl.errors import InputError, IntegrityError, PromptctlError, error_text
from promptctl.executors.base import ExecutorResult
from promptctl.executors.chain import ChainSpec, StepSpec, new_record, run_chain, step_variables
from promptctl.executors.strategy import resolve_plan
from promptctl.providers.base import Provider
from promptctl.session.core import Session
from promptctl.session.pricing import total
from promptctl.session.recorder import Recorder
from promptctl.session.run import Prepared, Result, chain_estimate_dict, execute, is_chain, prepare
from promptctl.types import ProviderRequest, Usage, jsonable, utc_now

if TYPE_CHECKING:
    from promptctl.config import ProjectConfig
    from promptctl.registry.registry import PromptVersion, Registry
    from promptctl.session.batch import Batcher
    from promptctl.store.fastread import RunReader
    from promptctl.store.runs import RunStore


def chain_spec(version: PromptVersion) -> ChainSpec:
    """The parsed chain of a chain version.

    Raises:
        InputError: The version is not a chain, or its steps are invalid.
    """
    if not is_chain(version):
        raise InputError(f"{version.display} is not a chain")
    return ChainSpec.from_options(version.front_matter.strategy.options, where=version.display,
                                  variables=version.front_matter.variables)


def _registry(version: PromptVersion) -> Registry:
    if version.registry is None:
        raise InputError(f"{version.display}: a chain needs the registry its steps live in")
    return version.registry


def _target(step: StepSpec, version: PromptVersion, overrides: Mapping[str, Any],
            config: ProjectConfig | None) -> tuple[str, str]:
    provider = overrides.get("provider") or step.provider
    model = overrides.get("model") or (step.model if step.provider is None or provider == step.provider else None)
    return resolve_target(version.front_matter, provider, model, config, where=version.display)


def pin_steps(chain: PromptVersion, spec: ChainSpec, overrides: Mapping[str, Any],
              config: ProjectConfig | None) -> list[dict[str, Any]]:
    """Resolve every step's prompt reference and target once; the records a run starts from.

    Raises:
        ReferenceNotFound, IntegrityError: A step's reference does not resolve or its version is tampered.
        InputError: A step refers to another chain, has invalid strategy options, or an input its prompt
            neither declares nor reads.
    """
    from promptctl.errors import ReferenceNotFound

    records = []
    versions: dict[str, PromptVersion] = {}
    for step in spec.steps:
        try:
            version = _registry(chain).get(step.prompt)
        except ReferenceNotFound as exc:  # which step names it: a chain has several references
            raise ReferenceNotFound(f"{chain.display} step '{step.id}': {exc.message}", hint=exc.hint) from None
        if is_chain(version):
            raise InputError(f"{chain.display} step '{step.id}': {version.display} is a chain; chains do not nest")
        plan = resolve_plan(version.front_matter.strategy, step.strategy, where=f"{chain.display} step '{step.id}'")
        provider, model = _target(step, version, overrides, config)
        _check_input_names(chain, step, version)
        for name, source in step.inputs.items():
            _check_parsed_field(chain, f"step '{step.id}' input '{name}'", source, versions)
        versions[step.id] = version
        records.append(new_record(step, {"ref": version.ref, "sha256": version.sha256, "provider": provider,
                                         "model": model, "strategy": plan.name}))
    if spec.output is not None:
        _check_parsed_field(chain, "output", spec.output, versions)
    return records


def _check_input_names(chain: PromptVersion, step: StepSpec, version: PromptVersion) -> None:
    """Refuse a step input that its prompt neither declares nor reads (``inputs: {reveiw: ...}``), before any call.

    Rendering would ignore it with a warning: the step then failed on its missing variable after the earlier steps
    were paid for, or ran with the variable's default.

    Raises:
        InputError: The name, with a did-you-mean among the variables the step prompt declares or reads.
    """
    declared = set(version.front_matter.variables)
    unknown = [name for name in step.inputs if name not in declared]
    if not unknown:
        return
    from promptctl.errors import did_you_mean
    from promptctl.templating.environment import referenced_variables

    template = version.template
    known = declared | referenced_variables(template.body, where=template.where, line_offset=template.line - 1)
    for name in unknown:
        if name not in known:
            close = did_you_mean(name, known)
            raise InputError(f"{chain.display} step '{step.id}': input '{name}' is not a variable of "
                             f"{version.display}", hint=(f"{close} " if close else "")
                             + f"its variables: {', '.join(sorted(known)) or 'none'}")


def _check_parsed_field(chain: PromptVersion, where: str, source: Any, versions: Mapping[str, PromptVersion]) -> None:
    """Refuse ``steps.ID.parsed.FIELD`` naming a field the step's closed output schema cannot have, before any call.

    Raises:
        InputError: The field is not among the schema's properties (with a did-you-mean); see
            :func:`promptctl.executors.chain.unknown_parsed_field`.
    """
    from promptctl.errors import did_you_mean
    from promptctl.executors.chain import unknown_parsed_field

    version = versions.get(source.name) if source.kind == "step" else None
    output = version.front_matter.output if version is not None else None
    unknown = unknown_parsed_field(source, output.json_schema if output is not None else None)
    if version is None or unknown is None:
        return
    name, fields = unknown
    close = did_you_mean(name, fields)
    raise InputError(f"{chain.display} {where}: '{source.text}': the output schema of {version.display} has no "
                     f"field '{name}'", hint=(f"{close} " if close else "") + f"its fields: {', '.join(fields)}")


def _load_pinned(chain: PromptVersion, record: Mapping[str, Any]) -> PromptVersion:
    name, _, number = str(record["ref"]).partition("@")
    version = _registry(chain).load(name, int(number))
    if version.sha256 != record["sha256"]:
        raise IntegrityError(f"{record['ref']} changed since the chain run pinned it (sha256 {record['sha256'][:12]})",
                             path=str(version.path), hint="restore the file; published versions are immutable")
    return version


def _prepare_step(chain: PromptVersion, step: StepSpec, record: Mapping[str, Any], values: Mapping[str, Any],
                  overrides: Mapping[str, Any], config: ProjectConfig | None) -> tuple[PromptVersion, Prepared]:
    version = _load_pinned(chain, record)
    plan = resolve_plan(version.front_matter.strategy, step.strategy, where=f"{chain.display} step '{step.id}'")
    parameters = {**step.parameters, **(overrides.get("parameters") or {})}
    prepared = prepare(version, values, plan, provider=record["provider"], model=record["model"],
                       parameters=parameters or None, config=config)
    return version, prepared


def render_chain(
    chain: PromptVersion,
    variables: Mapping[str, Any] | None = None,
    *,
    provider: str | None = None,
    model: str | None = None,
    config: ProjectConfig | None = None,
) -> list[dict[str, Any]]:
    """Each step's first request, with placeholders for outputs not known before the run. No network.

    Returns:
        One dict per step: index, id, ref, provider, model, strategy, request (:class:`ProviderRequest`),
        placeholders (the step variables holding placeholders), notes.

    Raises:
        PromptctlError: As for running, except that missing step outputs are placeholders.
    """
    spec = chain_spec(chain)
    values = chain.prompt(variables).variables
    overrides = {"provider": provider, "model": model}
    out = []
    for step, record in zip(spec.steps, pin_steps(chain, spec, overrides, config), strict=True):
        version = _load_pinned(chain, record)
        step_values, pending = step_variables(step, values, {}, version.front_matter.variables, placeholders=True)
        _, prepared = _prepare_step(chain, step, record, step_values, overrides, config)
        out.append({"index": step.index, "id": step.id, "ref": record["ref"], "provider": record["provider"],
                    "model": record["model"], "strategy": record["strategy"], "request": prepared.request,
                    "placeholders": pending, "notes": prepared.notes, "version": version, "plan": prepared.plan})
    return out


async def arun_chain(
    chain: PromptVersion,
    variables: Mapping[str, Any] | None = None,
    *,
    provider: str | Provider | None = None,
    model: str | None = None,
    parameters: Mapping[str, Any] | None = None,
    config: ProjectConfig | None = None,
    store: RunStore | None = None,
    dry_run: bool = False,
    estimate: bool = False,
    max_cost: float | None = None,
    history: RunReader | None = None,
    cache: bool = False,
    resume: str | None = None,
    samples: int | None = None,
    batch: Batcher | None = None,
) -> Result:
    """Run (or resume, or dry-run) a chain; the options are those of :func:`promptctl.session.run.arun`.

    Raises:
        InputError: ``samples`` given, an unknown or finished ``resume`` run, or resuming without a store.
        PromptctlError: The failing step's error, naming the step and how to resume.
    """
    if samples is not None:
        raise InputError("--samples does not apply to a chain", hint="set samples in a step's strategy")
    spec = chain_spec(chain)
    name = provider.name if isinstance(provider, Provider) else provider
    overrides: dict[str, Any] = {"provider": name, "model": model, "parameters": dict(parameters or {})}
    run_id = None
    if resume is not None:
        run_id, values, records = _resumable(chain, resume, store, variables)
        for step, record in zip(spec.steps, records, strict=True):
            if record.get("status") != "ok" and (name or model):
                record["provider"], record["model"] = _target(step, _load_pinned(chain, record), overrides, config)
    else:
        values = chain.prompt(variables).variables
        records = pin_steps(chain, spec, overrides, config)
    summary = ProviderRequest(records[0]["provider"], records[0]["model"], kwargs={},
                              body={"steps": [{"id": r["id"], "ref": r["ref"]} for r in records]})
    result = Result(version=chain, request=summary, strategy="chain", dry_run=dry_run, variables=jsonable(values))
    budget = None
    if dry_run or estimate or max_cost is not None:
        result.estimates, rendered = _estimates(chain, values, provider=name, model=model, config=config,
                                                history=history or store)
        if dry_run:
            result.outcome.steps = [{k: v for k, v in r.items() if k not in ("version", "plan", "request")}
                                    | {"request": r["request"].body} for r in rendered]
            result.warnings = tuple(f"step '{r['id']}': {n}" for r in rendered for n in r["notes"])
        if max_cost is not None:
            from promptctl.tokens.budget import Budget

            budget = Budget(max_cost)
            budget.check(chain_estimate_dict(result.estimates)["cost_usd"]["high"], what=f"chain {chain.display}")
    if dry_run:
        return result
    recorder = Recorder(store)
    stored = store.get(run_id) if store is not None and run_id is not None else None
    result.created_at = stored["created_at"] if stored else utc_now()
    if run_id is None:
        run_id = recorder.start(
            chain, created_at=result.created_at, provider=summary.provider, model=summary.model, strategy="chain",
            variables=jsonable(values), parameters={}, request=summary.body, steps=jsonable(records),
            cost_estimate=chain_estimate_dict(result.estimates) if result.estimates else None,
        )
    session = Session(config, store=store, cache=cache, budget=budget, sink=recorder.sink(run_id),
                      what=lambda r: f"the next call of chain {chain.display} on {r.provider}:{r.model}",
                      provider=provider if isinstance(provider, Provider) else None, close_given=True, batch=batch)
    base = session.context(records[0]["provider"])

    def step_cost(index: int) -> float | None:
        return total([c.completion.cost_usd for c in base.trace if c.step == index and c.completion is not None])

    async def execute_step(step: StepSpec, step_values: dict[str, Any], record: dict[str, Any]) -> ExecutorResult:
        version, prepared = _prepare_step(chain, step, record, step_values, overrides, config)
        ctx = session.context(prepared.request.provider, step=step.index)
        ctx.trace = base.trace  # one trace for the whole chain (--show-trace, the error's calls)
        executed = await execute(prepared, ctx, version, config)
        record["cost_usd"] = step_cost(step.index)
        return executed

    def progress(current: list[dict[str, Any]]) -> None:
        recorder.finish(run_id, steps=jsonable(current))

    start = time.perf_counter()
    try:
        from promptctl.session.tracing import finish_run_span, run_span

        with run_span(chain, summary, "chain", run_id, store.origin if store is not None else "run") as opened:
            executed = await run_chain(
                spec, values, records, execute_step, base, on_progress=progress,
                declared=lambda s: _load_pinned(chain, records[s.index - 1]).front_matter.variables)
            if opened is not None:  # the whole chain's usage and cost on its span
                done = [c.completion for c in base.trace if c.completion is not None]
                finish_run_span(opened, Usage.total([c.usage for c in done]), total([c.cost_usd for c in done]))
    except PromptctlError as exc:
        exc.calls = list(base.trace)  # type: ignore[attr-defined]  # the trace up to the failure (--show-trace)
        failed = next((r for r in records if r.get("status") == "error"), None)
        if failed is not None:
            step_calls = [c for c in base.trace if c.step == failed["index"]]
            used = Usage.total([c.completion.usage for c in step_calls if c.completion is not None])
            failed.update({"calls": len(step_calls), "usage": used.to_dict(), "cost_usd": step_cost(failed["index"])})
            exc.message = f"chain step {failed['index']} '{failed['id']}' ({failed['ref']}): {exc.message}"
            exc.args = (exc.message,)
            if run_id is not None:
                exc.hint = (f"{exc.hint}; then " if exc.hint else "fix the cause, then ") + \
                    f"resume with: promptctl run {chain.ref} --resume {run_id}"
        totals = _totals(records)
        recorder.finish(run_id, status="error", error=str(exc), steps=jsonable(records),
                        latency_s=time.perf_counter() - start, usage=Usage(**totals["usage"]),
                        cost_usd=totals["cost_usd"])
        raise
    except BaseException as exc:  # a bug, Ctrl-C or a cancellation: the run row is finished (and resumable)
        recorder.finish(run_id, status="error", error=error_text(exc), steps=jsonable(records),
                        latency_s=time.perf_counter() - start)
        raise
    finally:
        await session.aclose()
    result.outcome = executed
    result.warnings = (*result.warnings, *executed.warnings)
    result.latency_s = max(0.0, time.perf_counter() - start - session.setup_s())  # the SDK's import is not latency
    result.run_id = run_id
    totals = _totals(records)
    result.usage = Usage(**totals["usage"]) if totals["usage"] else Usage()
    result.cost_usd = totals["cost_usd"]
    recorder.finish(run_id, output=result.output, usage=result.usage, latency_s=result.latency_s, status="ok",
                    error=None, cost_usd=result.cost_usd, outcome=executed)
    return result


def _totals(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Usage and cost summed over the steps that ran (including steps finished before a resume)."""
    usage = Usage()
    costs: list[float | None] = []
    for record in records:
        if record.get("usage"):
            usage = usage + Usage(**record["usage"])
        if record.get("status") in ("ok", "error") and record.get("calls"):
            costs.append(record.get("cost_usd"))
    return {"usage": usage.to_dict(), "cost_usd": total(costs)}


def _resumable(chain: PromptVersion, run_id: str, store: RunStore | None,
               variables: Mapping[str, Any] | None) -> tuple[str, dict[str, Any], list[dict[str, Any]]]:
    if store is None:
        raise InputError("--resume needs the run store")
    row = store.get(run_id)
    if row is None:
        raise InputError(f"no run '{run_id}' in the run store", hint="see the run ids with: promptctl log")
    if row["prompt_name"] != chain.name or row["strategy"] != "chain":
        raise InputError(f"run {row['id'][:12]} is a run of {row['ref']}, not of the chain {chain.name}")
    if row["prompt_sha256"] != chain.sha256:
        raise InputError(f"run {row['id'][:12]} ran {row['ref']} (sha256 {row['prompt_sha256'][:12]}), "
                         f"not {chain.display}", hint=f"resume with the same version: promptctl run {row['ref']} "
                         f"--resume {row['id'][:12]}")
    if row["status"] == "ok":
        raise InputError(f"run {row['id'][:12]} finished; there is nothing to resume")
    from promptctl.redaction import MASK, redact_all

    recorded = dict(row["variables"] or {})
    if variables and redact_all(dict(variables)) == recorded:
        recorded = dict(variables)  # the same values, with the credentials the store does not keep
    elif variables:
        import warnings

        warnings.warn("--resume reuses the run's recorded variables; the variables given were ignored", stacklevel=2)
    elif MASK in json.dumps(recorded, ensure_ascii=False):
        raise InputError(f"run {row['id'][:12]}'s variables held a credential, which the run store does not keep",
                         hint=f"pass the same variables again: promptctl run {row['ref']} --resume {row['id'][:12]} "
                              "--vars FILE")
    store.finish_run(row["id"], status="running", error=None)
    return row["id"], recorded, [dict(r) for r in row["steps"] or []]


def _estimates(chain: PromptVersion, values: Mapping[str, Any], *, provider: str | None, model: str | None,
               config: ProjectConfig | None, history: RunReader | None) -> tuple[list[Any], list[dict[str, Any]]]:
    from promptctl.session.estimate import estimate_cost

    rendered = render_chain(chain, values, provider=provider, model=model, config=config)
    estimates = []
    for item in rendered:
        plan = item["plan"]
        estimates.append(estimate_cost(item["version"], item["request"], strategy=plan.name, config=config,
                                       history=history,
                                       samples=plan.consistency.samples if plan.consistency else None))
    return estimates, rendered
