"""A/B comparisons of prompt versions, models or strategies on a dataset, paired case by case.

``promptctl ab`` and the Python API run in three steps:

1. :func:`plan_ab` (:mod:`promptctl.evaluation.ab_plan`) resolves the variants, loads the dataset and
   renders every request of every case for every variant with its strategy
   (:func:`promptctl.session.run.prepare`), and resolves every case's scorer. Any bad row, missing variable or
   unknown scorer is reported (``FILE:LINE``) before anything is sent.
2. :func:`estimate_plan` prices the run before it starts (input tokens counted per request, output
   from this prompt's recorded calls, cached answers free) and :func:`execute` runs it: calls run
   concurrently under a limit (:class:`asyncio.Semaphore`), with the SDKs' own retries; every request
   is first looked up in the response cache (the run store, by request fingerprint), so rerunning a
   finished comparison makes no provider call; each case is written to the run store as soon as it is
   scored (:mod:`promptctl.evaluation.ab_store`), so an interrupted run resumes (:func:`load_plan`)
   without repeating finished cases; ``max_cost`` refuses to start when the expected cost crosses it,
   and stops cleanly before a call whose high estimate would cross it (calls in flight reserve theirs).
   Each job runs with its variant's executor (:func:`promptctl.executors.pipeline.execute`: direct,
   chain-of-thought, few-shot, self-consistency, structured output) through the comparison's
   :class:`~promptctl.session.Session`, whose stack holds the cache lookup, the budget, the concurrency
   limit, pricing and recording for every call any executor or judge makes.
3. :func:`promptctl.evaluation.ab_report.build_result` computes the statistics from the stored results
   (:mod:`promptctl.evaluation.stats`).

:func:`arun_ab` does all three; ``promptctl ab`` (:mod:`promptctl.cli.ab`) adds the progress bar, the
tables and the report.

Variants (one argument each)::

    REF                                   a prompt version: support-agent@2, support-agent@production
    REF::PROVIDER:MODEL                   the version on another model: support-agent@2::openai:gpt-4.1-mini
    REF::MODEL                            another model of the variant's provider
    REF::strategy=NAME                    another strategy (direct, cot, consistency ...)
    REF::temperature=0.7                  any other key=value overrides a parameter (value parsed as JSON)

Segments combine: ``support-agent@2::anthropic:claude-haiku-4-5::temperature=0``. ``--provider`` and
``--model`` apply to variants that do not name their own. The first variant is the baseline; every
other one is compared with it.

Trials (``--trials K``) repeat each case K times; repeats of the same request are told apart in the
cache by :attr:`~promptctl.adapters.base.ProviderRequest.cache_salt` (``trial:K``, put before any salt
an executor sets, such as self-consistency's ``sample:N``), so each trial is a real sample, and
rerunning the comparison reuses all of them. Two variants that send identical requests (an A/A test)
are salted apart as well (``variant:N``), so each gets its own samples. The first trial of a variant
that duplicates no other is unsalted, so it shares the cache with ``promptctl run --cache``.
"""


from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from promptctl.errors import (
    BudgetExceeded,
    CredentialsError,
    InputError,
    PromptctlError,
    ProviderError,
    StructuredOutputError,
)
from promptctl.evaluation.ab_plan import (
    DEFAULT_CONCURRENCY,
    ABPlan,
    CaseScoring,
    Job,
    PlanEstimate,
    Variant,
    VariantSpec,
    estimate_plan,
    load_plan,
    parse_variant,
    plan_ab,
)
from promptctl.providers.base import Provider
from promptctl.redaction import redact
from promptctl.session import Recorder, Session, price, total
from promptctl.session.tracing import finish_run_span, run_span
from promptctl.types import Call, ProviderRequest, Usage, elide_media, jsonable, tool_call_output

if TYPE_CHECKING:
    from promptctl.evaluation.datasets import Case
    from promptctl.executors.base import CallContext, ExecutorResult
    from promptctl.store.runs import RunStore

__all__ = [
    "ABPlan",
    "CaseScoring",
    "Job",
    "Outcome",
    "PlanEstimate",
    "Progress",
    "Variant",
    "VariantSpec",
    "arun_ab",
    "check_credentials",
    "estimate_plan",
    "execute",
    "finish",
    "load_plan",
    "parse_variant",
    "plan_ab",
]

PREFETCH_MIN_CALLS = 100
"""Comparisons making at least this many calls import scipy.stats in a thread while their first calls are in flight
(:func:`promptctl.evaluation.stats.prefetch`, about a second of CPU sooner). The import competes with the event
loop for the interpreter, so calls started meanwhile may record a few milliseconds more latency; with 100 calls or
more that is a small share of them (the p50 stays put), below it the import waits for the last reply."""

_FATAL_STATUS = (401, 403, 404)


# -- running ---------------------------------------------------------------------------------------------
@dataclass
class Progress:
    """Where a run is (what the progress bar shows).

    Attributes:
        total: Units of work (model jobs, plus pairwise judgements) in this execution.
        done: Finished units.
        errors: Units that ended in an error.
        cached: Model calls answered by the cache.
        live_calls: Calls sent to providers (model and judge).
        spent_usd: USD spent so far in this execution (cached answers are free).
        concurrency: The current limit on direct calls in flight (adaptive: lower after HTTP 429s).
        rate_limited: HTTP 429 replies waited out and retried so far.
        settled: The mean calls in flight over the last 200 direct calls started (where a rate-limited run
            settled), or None.
        batches: The provider batches (``--batch``): :class:`~promptctl.session.batch.BatchProgress` each.
    """

    total: int
    done: int = 0
    errors: int = 0
    cached: int = 0
    live_calls: int = 0
    spent_usd: float = 0.0
    concurrency: int | None = None
    rate_limited: int = 0
    settled: float | None = None
    batches: list[Any] = field(default_factory=list)


@dataclass
class Outcome:
    """How an execution ended.

    Attributes:
        status: ``completed`` or ``stopped`` (budget or a fatal provider error). An interrupted run
            (``interrupted``) or one that hit an unexpected exception (``failed``) raises instead.
        reason: Why it stopped, or None.
        error: The error that stopped it (``BudgetExceeded``, ``CredentialsError``...), or None.
        progress: Final counts.
        elapsed_s: Wall time of the execution (seconds).
    """

    status: str
    reason: str | None
    error: PromptctlError | None
    progress: Progress
    elapsed_s: float


def _fatal(exc: PromptctlError) -> bool:
    if isinstance(exc, CredentialsError | BudgetExceeded):
        return True
    if isinstance(exc, ProviderError):
        return (not exc.retryable) or exc.status in _FATAL_STATUS
    return not isinstance(exc, ProviderError)


async def execute(
    plan: ABPlan,
    store: RunStore,
    ab_run_id: str,
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
    max_cost: float | None = None,
    use_cache: bool = True,
    clients: Mapping[str, Provider] | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    high_by_job: Mapping[tuple[int, int, int], float | None] | None = None,
    uncached: set[str] | None = None,
    cached: dict[str, dict[str, Any]] | None = None,
    batch: bool = False,
) -> Outcome:
    """Run the jobs of an A/B run that are not finished yet, writing each case as it completes.

    Args:
        plan: The plan.
        store: The run store (prepared with :func:`~promptctl.evaluation.ab_store.prepare`).
        ab_run_id: The A/B run's id (its row exists).
        concurrency: Most provider calls in flight at once (>= 1).
        max_cost: Budget in USD for this execution, or None.
        use_cache: Answer repeated requests from the response cache.
        clients: Provider clients by provider name (tests pass a ``FakeProvider``); others are made
            with :func:`~promptctl.providers.get_provider`.
        on_progress: Called after every finished unit of work.
        high_by_job: High estimates from :func:`estimate_plan` (USD), so the budget check costs nothing.
        uncached: Fingerprints the cache could not answer at the estimate (their lookup is skipped).
        cached: The cache's answers read at the estimate, by fingerprint (their lookup is skipped).
        batch: Send the calls through the providers' batch APIs (:mod:`promptctl.session.batch`): every job
            starts at once, so their calls fill the same batches; the batches are stored under
            ``ab_run_id``, so a resumed run waits for them instead of submitting again.

    Returns:
        The :class:`Outcome` (``completed``, or ``stopped`` with the reason). Cancellation (Ctrl-C)
        marks the run ``interrupted`` and propagates.

    Raises:
        InputError: ``concurrency`` below 1.
        Exception: Any unexpected exception of a job (a bug): the other jobs are cancelled at once, the
            run is marked ``failed`` (finished cases are kept, so it can be resumed) and the exception
            is re-raised.
    """
    from promptctl.evaluation import ab_store
    from promptctl.session import high_estimate

    if concurrency < 1:
        raise InputError(f"--concurrency must be >= 1, not {concurrency}")
    rows = ab_store.results_of(store, ab_run_id)
    finished = {(r["variant"], r["case_index"], r["trial"]): r for r in rows if r["status"] == "ok"}
    failed = {(r["variant"], r["case_index"], r["trial"]) for r in rows if r["status"] != "ok"}
    jobs = [j for j in plan.jobs() if j.key not in finished]
    judged = {(r["candidate"], r["case_index"], r["trial"]) for r in ab_store.pairwise_of(store, ab_run_id)
              if r["error"] is None}
    outputs: dict[tuple[int, int], dict[int, str]] = {}
    for (variant, case, trial), row in finished.items():
        outputs.setdefault((case, trial), {})[variant] = row["output"] or ""
    pair_jobs: list[tuple[int, int, int]] = []
    if plan.pairwise:
        for (case, trial), done_outputs in outputs.items():
            if 0 in done_outputs:
                pair_jobs += [(c, case, trial) for c in done_outputs
                              if c != 0 and (c, case, trial) not in judged]
        pending_pairs = len(plan.variants) - 1
        total_pairs = pending_pairs * len(plan.dataset.cases) * plan.trials - len(judged)
    else:
        total_pairs = 0
    progress = Progress(total=len(jobs) + total_pairs)
    known_high = {j.request.fingerprint(): high_by_job[j.key] for j in jobs
                  if high_by_job and j.key in high_by_job and high_by_job[j.key]} if max_cost is not None else {}
    estimate_high = high_estimate(plan.config, batch=batch)

    def high(request: ProviderRequest) -> float | None:
        fingerprint = request.fingerprint()
        if fingerprint in known_high:
            return known_high[fingerprint]
        return estimate_high(request)

    budget = None
    if max_cost is not None:
        from promptctl.tokens.budget import Budget

        budget = Budget(max_cost)
        budget.hint = "resume later with --resume RUN_ID and a higher --max-cost"
    batcher = None
    if batch:
        from promptctl.session.batch import Batcher

        batcher = Batcher(store, ab_run_id, on_change=lambda _: notify())
    session = Session(plan.config, store=store, cache=use_cache, budget=budget, concurrency=concurrency, high=high,
                      clients=clients, uncached=uncached or set(), cached=cached, batch=batcher)

    queue: asyncio.Queue[Any] = asyncio.Queue()
    for job in jobs:
        queue.put_nowait(job)
    for pair in pair_jobs:
        queue.put_nowait(pair)
    state: dict[str, Any] = {"stop": None, "bug": None}
    recorder = _CaseRecorder(plan, store, ab_run_id, failed)

    def notify() -> None:
        stats = session.stats
        progress.live_calls, progress.spent_usd = stats.live_calls, stats.spent_usd
        progress.concurrency, progress.rate_limited, progress.batches = (stats.concurrency, stats.rate_limited,
                                                                         stats.batches)
        progress.settled = stats.settled
        if on_progress is not None:
            on_progress(progress)

    async def run_job(job: Job) -> None:
        from promptctl.session.run import execute as run_executor

        v = plan.variants[job.variant]
        case = plan.dataset.cases[job.case]
        rows: list[dict[str, Any]] = []
        ctx = session.context(v.provider, salt=job.salt, sink=rows.append)
        output: str | None = None
        error: str | None = None
        executed = None
        try:
            with run_span(v.version, job.prepared.request, job.prepared.plan.name, None, "ab") as opened:
                executed = await run_executor(job.prepared, ctx, v.version, plan.config)
                finish_run_span(opened, executed.usage, total([c.completion.cost_usd for c in executed.calls
                                                               if c.completion is not None]))
            output = tool_call_output(executed.output, executed.tool_calls)
        except ProviderError as exc:
            if _fatal(exc):
                raise
            if isinstance(exc, StructuredOutputError):
                output = exc.last_output or ""  # the variant answered, badly: the case is scored, not an error
            else:
                error = str(exc)
        # let the workers waiting for the slot this call just freed send their requests before this one
        # records its case (SQLite, scoring): otherwise a burst of replies delays the next wave of calls
        await asyncio.sleep(0)
        score = None
        judge_rows: list[dict[str, Any]] = []
        if output is not None and not plan.pairwise:
            try:
                judge = session.context(plan.judge.provider, sink=judge_rows.append) if plan.judge else None
                score = await _score(plan, job, case, output, judge)
            except ProviderError as exc:
                if _fatal(exc):
                    raise
                error = f"judge: {exc}"
            except BudgetExceeded:
                raise
            except PromptctlError as exc:
                error = f"scorer: {exc}"
            except Exception as exc:
                if not plan.scoring[job.case].spec.startswith("python:"):
                    raise
                # the user's code: its exception text is redacted like any error (it may echo a credential)
                error = redact(f"scorer: {plan.scoring[job.case].spec} raised {type(exc).__name__}: {exc}")
        trace = ctx.trace
        status = "ok" if error is None else "error"
        completed = [c for c in trace if c.completion is not None]
        cached = bool(completed) and all(c.completion.cached for c in completed)  # type: ignore[union-attr]
        recorder.case(job, v, case, trace, rows, judge_rows, output, score, error, executed)
        progress.done += 1
        progress.errors += status != "ok"
        progress.cached += cached
        if plan.pairwise and status == "ok":
            have = outputs.setdefault((job.case, job.trial), {})
            have[job.variant] = output or ""
            if job.variant == 0:
                for other in have:
                    if other != 0:
                        queue.put_nowait((other, job.case, job.trial))
            elif 0 in have:
                queue.put_nowait((job.variant, job.case, job.trial))
        notify()

    async def run_pair(item: tuple[int, int, int]) -> None:
        from promptctl.evaluation.judges import JudgeError, combine_orders, judge_pair

        candidate, case_index, trial = item
        assert plan.judge is not None
        case = plan.dataset.cases[case_index]
        have = outputs[(case_index, trial)]
        rows: list[dict[str, Any]] = []
        values: dict[str, Any] = {"ab_run_id": ab_run_id, "baseline": 0, "candidate": candidate,
                                  "case_index": case_index, "trial": trial}
        reasons: list[str] = []
        try:
            first, second = await judge_pair(
                session.context(plan.judge.provider, sink=rows.append), plan.judge, variables=case.variables,
                baseline=have[0], candidate=have[candidate], expected=case.expected if case.has_expected else None,
                has_expected=case.has_expected, rubric=plan.pairwise_rubric, replies=reasons)
            outcome, consistent = combine_orders(first, second)
            values.update(baseline_first=first, candidate_first=second, outcome=outcome, consistent=consistent)
        except ProviderError as exc:
            if _fatal(exc):
                raise
            values["error"] = str(exc)
        except JudgeError as exc:
            values["error"] = str(exc)
        if len(reasons) == 2:
            values.update(baseline_first_reason=reasons[0], candidate_first_reason=reasons[1])
        recorder.pairwise(values, rows)
        progress.done += 1
        progress.errors += values.get("error") is not None
        notify()

    crashed = asyncio.Event()

    async def worker() -> None:
        while True:
            item = await queue.get()
            try:
                if state["stop"] is None and state["bug"] is None:
                    if isinstance(item, Job):
                        await run_job(item)
                    else:
                        await run_pair(item)
            except PromptctlError as exc:
                if state["stop"] is None:
                    state["stop"] = exc
            except Exception as exc:  # noqa: BLE001 - a bug: stop every worker and report it, never hang
                if state["bug"] is None:
                    state["bug"] = exc
                crashed.set()
            finally:
                queue.task_done()

    from promptctl.evaluation.ab_store import update_ab_run

    live = uncached is None or plan.judge is not None or any(j.request.fingerprint() in uncached for j in jobs)
    if live:  # a run that will call (a rerun answered from the cache never does: it needs no SDK at all)
        _import_sdks(session, {v.provider for v in plan.variants} | ({plan.judge.provider} if plan.judge else set()))
    start = time.perf_counter()
    notify()
    # more workers than call slots: a worker recording a finished case (SQLite, scoring) never holds a slot,
    # since the session's limit layer covers the provider call only. In batch mode every job starts at once,
    # so that all their calls go in the same batches.
    workers = [asyncio.create_task(worker()) for _ in range(max(2 * concurrency, queue.qsize() if batch else 0))]
    calls = len(jobs) if uncached is None else sum(j.request.fingerprint() in uncached for j in jobs)
    if live and calls >= PREFETCH_MIN_CALLS:  # scipy.stats is imported while the calls wait, not after them
        from promptctl.evaluation.stats import prefetch

        asyncio.get_running_loop().call_soon(prefetch)
    waiters = [asyncio.create_task(queue.join()), asyncio.create_task(crashed.wait())]
    try:
        await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
    except asyncio.CancelledError:
        update_ab_run(store, ab_run_id, status="interrupted", error="interrupted (Ctrl-C)")
        raise
    finally:
        # an unexpected exception in one worker cancels the others (and their calls in flight) at once
        for task in (*workers, *waiters):
            task.cancel()
        await asyncio.gather(*workers, *waiters, return_exceptions=True)
        if batcher is not None:
            await batcher.aclose()
        await session.aclose()
    elapsed = time.perf_counter() - start
    bug: Exception | None = state["bug"]
    if bug is not None:
        update_ab_run(store, ab_run_id, status="failed", error=f"{type(bug).__name__}: {bug}")
        raise bug
    stop: PromptctlError | None = state["stop"]
    if stop is not None:
        update_ab_run(store, ab_run_id, status="stopped", error=stop.message)
        return Outcome("stopped", stop.message, stop, progress, elapsed)
    return Outcome("completed", None, None, progress, elapsed)


def _import_sdks(session: Session, providers: set[str]) -> None:
    """Import the providers' SDKs, and build their clients, before the first call.

    The import (seconds) then stalls no call in flight, and no SDK module is imported while
    :func:`~promptctl.evaluation.stats.prefetch` imports scipy in its thread.
    """
    import importlib

    for name in providers:
        client = session.client(name)
        module = client.sdk_module if isinstance(client, Provider) else None
        if module is not None:
            try:
                importlib.import_module(module)
                client.prepare()  # the SDK's lazily imported resources (openai: chat.completions)
            except (ImportError, PromptctlError):  # the provider reports it, with its hint, on its first call
                pass


async def _score(plan: ABPlan, job: Job, case: Case, output: str, judge: CallContext | None) -> Any:
    from promptctl.evaluation.judges import judge_output

    scoring = plan.scoring[job.case]
    if scoring.scorer is not None:
        return scoring.scorer(output, case.expected if case.has_expected else None, case.context())
    assert plan.judge is not None and scoring.rubric is not None and judge is not None
    return await judge_output(judge, plan.judge, scoring.rubric, variables=case.variables, output=output,
                              expected=case.expected if case.has_expected else None, has_expected=case.has_expected)


def _spent(rows: list[dict[str, Any]]) -> float | None:
    """USD spent by the answered calls among ``rows`` (cached answers cost 0; None when one has no price)."""
    return total([r["cost_usd"] for r in rows if r["error"] is None])


class _CaseRecorder:
    """Writes each finished case (its run, calls and result) in one transaction, through the one recorder."""

    def __init__(self, plan: ABPlan, store: RunStore, ab_run_id: str, failed: set[tuple[int, int, int]]) -> None:
        self.plan = plan
        self.recorder = Recorder(store)
        self.ab_run_id = ab_run_id
        self.failed = failed

    def _judge_run(self, conn: Any, rows: list[dict[str, Any]]) -> None:
        if not rows or self.plan.judge is None:
            return
        self.recorder.record_calls(
            conn, self.plan.judge_run_id, rows, ref=f"judge:{self.plan.judge.spec}", prompt_name="promptctl-judge",
            prompt_version=1, prompt_sha256="0" * 64, draft=False, provider=self.plan.judge.provider,
            model=self.plan.judge.model, strategy="judge", variables={"ab_run_id": self.ab_run_id}, parameters={},
            request={}, status="ok", origin=self.plan.kind,
        )

    def case(self, job: Job, v: Variant, case: Case, trace: list[Call], rows: list[dict[str, Any]],
             judge_rows: list[dict[str, Any]], output: str | None, score: Any, error: str | None,
             executed: ExecutorResult | None = None) -> None:
        from promptctl.evaluation import ab_store

        done = [c for c in trace if c.completion is not None]
        usage = Usage.total([c.completion.usage for c in done if c.completion is not None])
        latency = sum(c.completion.latency_s for c in done if c.completion is not None)
        listed = total([price(c.completion, c.request, self.plan.config) for c in done if c.completion is not None])
        spent = _spent(rows)
        status = "ok" if error is None else "error"
        with self.recorder.transaction() as conn:
            run_id = self.recorder.record_run(conn, v.version, run={
                "provider": v.provider, "model": v.model, "strategy": v.executed,
                "variables": jsonable(case.variables), "parameters": job.request.parameters,
                "request": elide_media(job.request.body), "output": output, "latency_s": latency if trace else None,
                "cost_usd": spent, "status": status, "error": error, "origin": self.plan.kind,
            }, usage=usage, calls=rows, outcome=executed)
            self._judge_run(conn, judge_rows)
            ab_store.put_result(conn, {
                "ab_run_id": self.ab_run_id, "variant": job.variant, "case_index": job.case, "case_id": case.id,
                "trial": job.trial, "run_id": run_id, "status": status, "output": output,
                "score": score.value if score is not None else None,
                "passed": score.passed if score is not None else None,
                "detail": score.detail if score is not None else None, "latency_s": latency if trace else None,
                "input_tokens": usage.input_tokens, "output_tokens": usage.output_tokens, "cost_usd": spent,
                "list_cost_usd": listed if done else 0.0,
                "judge_cost_usd": _spent(judge_rows) if judge_rows else None,
                "cached": bool(trace) and all(c.completion is not None and c.completion.cached for c in trace),
                "error": error,
            }, replace=job.key in self.failed)

    def pairwise(self, values: dict[str, Any], rows: list[dict[str, Any]]) -> None:
        from promptctl.evaluation import ab_store

        with self.recorder.transaction() as conn:
            self._judge_run(conn, rows)
            ab_store.put_pairwise(conn, {**values, "cost_usd": _spent(rows)})


# -- the whole run ---------------------------------------------------------------------------------------
async def arun_ab(
    plan: ABPlan,
    store: RunStore,
    *,
    ab_run_id: str | None = None,
    concurrency: int = DEFAULT_CONCURRENCY,
    max_cost: float | None = None,
    use_cache: bool = True,
    clients: Mapping[str, Provider] | None = None,
    on_start: Callable[[str, PlanEstimate], None] | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    batch: bool = False,
) -> tuple[dict[str, Any], Outcome]:
    """Estimate, check the budget, run (or resume) and compute the result of an A/B comparison.

    Args:
        plan: The plan (:func:`plan_ab`, or :func:`load_plan` to resume).
        store: The run store.
        ab_run_id: The stored A/B run to resume, or None to start a new one.
        concurrency: Most provider calls in flight (>= 1).
        max_cost: Budget in USD for the calls still to make, or None.
        use_cache: Answer repeated requests from the response cache (a finished comparison reruns free).
        clients: Provider clients by name (tests), see :func:`execute`.
        on_start: Called with the run id and the estimate once the budget check has passed, before any call.
        on_progress: Called after each finished unit of work.
        batch: Send the calls through the providers' batch APIs at the batch price (``--batch``, see
            :func:`execute`); estimates and the budget use the batch price too.

    Returns:
        ``(result, outcome)``: the result dict (:func:`~promptctl.evaluation.ab_report.build_result`),
        also stored with the run, and how the execution ended.

    Raises:
        CredentialsError: A provider the run will call (a variant's or the judge's) has no credentials;
            checked before anything is stored or sent (exit 3).
        BudgetExceeded: The expected cost of the calls still to make crosses ``max_cost``, or a model
            without a price would be called under a budget; nothing was sent (exit 2).
        InputError: Bad options; ``batch`` with a provider that has no batch API (watsonx, fake).
    """
    from promptctl.evaluation import ab_store

    ab_store.prepare(store)
    done: set[tuple[int, int, int]] = set()
    if ab_run_id is not None:
        done = {(r["variant"], r["case_index"], r["trial"]) for r in ab_store.results_of(store, ab_run_id)
                if r["status"] == "ok"}
    from promptctl.tokens import offline

    held = offline.encodings_loaded()
    estimate = estimate_plan(plan, store, done=done, use_cache=use_cache, batch=batch)
    if not held:  # the counts are made and the calls need no encoding: peak memory is max(estimate, run), not sum
        offline.release_encodings()
    if batch:  # refused before credentials are asked for: no setting makes these providers take batches
        from promptctl.providers import get_provider

        for name in {v.provider for v in plan.variants} | ({plan.judge.provider} if plan.judge else set()):
            given = (clients or {}).get(name)
            (given if given is not None else get_provider(name, plan.config)).check_batch()
    made = check_credentials(plan, estimate, clients)
    try:
        return await _run_checked(plan, store, estimate, ab_run_id=ab_run_id, concurrency=concurrency,
                                  max_cost=max_cost, use_cache=use_cache, clients={**made, **(clients or {})},
                                  on_start=on_start, on_progress=on_progress, batch=batch)
    finally:
        for provider in made.values():
            try:
                await provider.aclose()
            except Exception:  # noqa: BLE001 - closing must not hide the run's own outcome
                pass


async def _run_checked(
    plan: ABPlan, store: RunStore, estimate: PlanEstimate, *, ab_run_id: str | None, concurrency: int,
    max_cost: float | None, use_cache: bool, clients: Mapping[str, Provider],
    on_start: Callable[[str, PlanEstimate], None] | None, on_progress: Callable[[Progress], None] | None,
    batch: bool = False,
) -> tuple[dict[str, Any], Outcome]:
    from promptctl.evaluation import ab_store

    if max_cost is not None:
        live = estimate.calls - estimate.cached + estimate.judge_calls
        if live and estimate.usd_expected is None:
            raise BudgetExceeded(
                f"cannot enforce --max-cost ${max_cost:g}: no price for {', '.join(estimate.unpriced)}; "
                "nothing was sent",
                limit_usd=max_cost, spent_usd=0.0, needed_usd=None,
                hint='add [prices."provider:model"] to promptctl.toml, or run without --max-cost')
        if estimate.usd_expected is not None and estimate.usd_expected > max_cost + 1e-12:
            raise BudgetExceeded(
                f"the expected cost ${estimate.usd_expected:.6f} of {live} call(s) crosses --max-cost "
                f"${max_cost:g}; nothing was sent", limit_usd=max_cost, spent_usd=0.0,
                needed_usd=estimate.usd_expected,
                hint="raise --max-cost, use fewer cases or trials, or compare on a cheaper model")
    # what --resume keeps unless given again (promptctl.cli.ab._resumed)
    options = {"no_cache": not use_cache, "batch": batch, "concurrency": concurrency, "max_cost": max_cost}
    if ab_run_id is None:
        ab_run_id = ab_store.create_ab_run(store, {**plan.spec(), "options": options})
    else:
        row = ab_store.get_ab_run(store, ab_run_id)
        stored = dict(row["spec"]) if row is not None and isinstance(row["spec"], dict) else None
        if stored is not None and stored.get("options") != options:  # a flag given on --resume now applies
            ab_store.update_ab_run(store, ab_run_id, spec={**stored, "options": options})
        ab_store.update_ab_run(store, ab_run_id, status="running", error=None)
    if on_start is not None:
        on_start(ab_run_id, estimate)
    from promptctl.session.tracing import span

    variants = [v.spec.text for v in plan.variants]  # as given: q@1, q@2::anthropic:claude-haiku-4-5
    with span(f"{plan.kind} {ab_run_id[:12]}", {"promptctl.ab.id": ab_run_id, "promptctl.ab.kind": plan.kind,
                                                 "promptctl.ab.variants": variants,
                                                 "promptctl.ab.cases": len(plan.dataset.cases)}):
        outcome = await execute(plan, store, ab_run_id, concurrency=concurrency, max_cost=max_cost,
                                use_cache=use_cache, clients=clients, on_progress=on_progress,
                                high_by_job=estimate.high_by_job, uncached=estimate.uncached if use_cache else None,
                                cached=estimate.cached_calls if use_cache else None, batch=batch)
    result = finish(plan, store, ab_run_id, outcome)
    return result, outcome


def check_credentials(plan: ABPlan, estimate: PlanEstimate | None = None,
                      clients: Mapping[str, Provider] | None = None) -> dict[str, Provider]:
    """Make the client of every provider the run will call and check its credentials, without network.

    The providers are the variants' with calls still to make (every variant's without ``estimate``) and
    the judge's. OpenAI and Anthropic build their SDK client (which needs the API key); watsonx needs an
    API key or token (``WATSONX_APIKEY``, ``WATSONX_API_KEY``, ``WATSONX_TOKEN`` or the config) and a
    project or space id (``WATSONX_PROJECT_ID``, ``WATSONX_SPACE_ID``).

    Args:
        plan: The plan.
        estimate: Its estimate (variants whose calls are all cached need no credentials), or None.
        clients: Clients already given by provider name (not checked).

    Returns:
        The clients made, by provider name (the caller closes them).

    Raises:
        CredentialsError: Missing credentials (exit 3).
        InputError: A provider's SDK is not installed, or the fake provider's scripted replies are invalid.
    """
    from promptctl.providers import get_provider

    needed: list[str] = []
    for v in plan.variants:
        row = estimate.per_variant.get(v.label) if estimate is not None else None
        if row is None or row["calls"] > row["cached"]:
            needed.append(v.provider)
    if plan.judge is not None and (estimate is None or estimate.judge_calls):
        needed.append(plan.judge.provider)
    made: dict[str, Provider] = {}
    for name in dict.fromkeys(needed):
        if clients is not None and name in clients:
            continue
        made[name] = get_provider(name, plan.config)  # no connection is opened before the first call
        made[name].check_credentials()
    return made


def finish(plan: ABPlan, store: RunStore, ab_run_id: str, outcome: Outcome | None = None) -> dict[str, Any]:
    """Compute the result from the stored rows and store it with the run (status from ``outcome``)."""
    from promptctl.evaluation import ab_store
    from promptctl.evaluation.ab_report import build_result
    from promptctl.evaluation.stats import prefetched

    prefetched()  # scipy is imported in this thread only once the prefetch's import has ended
    row = ab_store.get_ab_run(store, ab_run_id)
    assert row is not None
    status = outcome.status if outcome is not None else row["status"]
    result = build_result(
        ab_run_id, plan.spec(), ab_store.results_of(store, ab_run_id), ab_store.pairwise_of(store, ab_run_id),
        status=status, created_at=row["created_at"], case_ids=[c.id for c in plan.dataset.cases],
        warnings=plan.warnings, stopped=outcome.reason if outcome is not None else row.get("error"),
    )
    ab_store.update_ab_run(store, ab_run_id, status=status, result=result,
                           error=outcome.reason if outcome is not None else row.get("error"))
    return result
