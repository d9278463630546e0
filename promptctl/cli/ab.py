"""The ``ab`` command: compare prompt versions, models or strategies on a dataset, with honest statistics."""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from promptctl.cli.common import console, print_json, project, warn

if TYPE_CHECKING:
    from promptctl.evaluation.ab import PlanEstimate, Progress


def plural(count: int, word: str, words: str | None = None) -> str:
    """``1 case``, ``2 cases``, ``2 batches`` (``words``: an irregular plural).

    The same as :func:`promptctl.evaluation.ab_report.plural`, without importing it here.
    """
    return f"{count} {word if count == 1 else (words or word + 's')}"


COLLECT_BEFORE_FREEZE = 2_000
"""Jobs above which ``ab``/``eval`` collect the planning's garbage before freezing (see :class:`_Collection`)."""


class _Collection:
    """No cyclic garbage collection while ``ab``/``eval`` import and plan; collection again once the calls start.

    Planning imports the SDK, SQLAlchemy, Jinja2, tiktoken and genai-prices and renders every request: hundreds
    of thousands of objects, nearly all kept, which the collector would traverse again and again (full
    collections of about 0.15 s each, three or four before the first call of a 2 x 200 comparison). What exists
    when the calls start is frozen (:func:`gc.freeze`: kept objects need no more traversals; the planning's
    cyclic garbage, about 30 objects per rendered request, stays until the process ends unless the comparison
    is large, see :meth:`resume`) and collection resumes for the run itself. A collector that was off is left
    off.
    """

    def __enter__(self) -> _Collection:
        self.paused = gc.isenabled()
        if self.paused:
            gc.disable()
        return self

    def resume(self, jobs: int = 0) -> None:
        """Freeze what exists and collect again (once; nothing when the collector was off).

        Args:
            jobs: The comparison's jobs. Rendering leaves about 30 garbage objects per request (3-6 KB); above
                :data:`COLLECT_BEFORE_FREEZE` jobs they are collected first (one collection, a fraction of a
                second against thousands of calls) rather than frozen for the rest of the run.
        """
        if self.paused and not gc.isenabled():
            if jobs > COLLECT_BEFORE_FREEZE:
                gc.collect()
            gc.freeze()
            gc.enable()

    def __exit__(self, *exc: object) -> None:
        if self.paused and not gc.isenabled():
            gc.enable()


def register(app: typer.Typer) -> None:
    """Add this module's commands to the app."""
    app.command("ab")(ab)
    app.command("eval")(eval_)


DatasetOpt = Annotated[
    Path | None,
    typer.Option("--dataset", "-d", metavar="FILE", show_default=False,
                 help="Cases: a .jsonl, .csv or .yaml file (format: promptctl help datasets)."),
]
ConcurrencyOpt = Annotated[
    int | None, typer.Option("--concurrency", "-c", metavar="N", min=1, show_default=False,
                             help="Most calls in flight at once (default 8). --resume keeps the run's unless one "
                                  "is given.")
]
TrialsOpt = Annotated[
    int, typer.Option("--trials", "-k", metavar="K", help="Runs of each case (flaky cases, pass rates).", min=1)
]
MaxCostOpt = Annotated[
    float | None,
    typer.Option("--max-cost", metavar="USD", min=0, show_default=False,
                 help="Budget in USD: refuse to start if the expected cost crosses it; stop before a call whose "
                      "high estimate would. --resume keeps the run's (a budget for the calls still to make) "
                      "unless one is given."),
]
AllowModifiedOpt = Annotated[
    bool, typer.Option("--allow-modified", help="Run published versions whose file no longer matches its hash.")
]
BatchOpt = Annotated[
    bool | None,
    typer.Option("--batch/--no-batch", show_default=False,
                 help="--batch: send every call through the provider's batch API (OpenAI, Anthropic) at the batch "
                      "price (half); results within 24 h. --resume keeps the run's choice unless one is given."),
]
"""Options ``ab`` and ``eval`` share."""


def ab(
    refs: Annotated[
        list[str] | None,
        typer.Argument(metavar="REF_A REF_B [REF_C ...]", show_default=False,
                       help="Variants, baseline first: REF, REF::PROVIDER:MODEL, REF::strategy=NAME, REF::KEY=VALUE."),
    ] = None,
    dataset: DatasetOpt = None,
    scorer: Annotated[
        str | None,
        typer.Option("--scorer", "-s", metavar="S", show_default=False,
                     help="exact, normalised, contains, regex[:P], json_schema[:FILE], json_fields, numeric[:TOL], "
                          "tool_call[:exact|subset|schema], "
                          "python:MOD:FN, judge[:RUBRIC.md] or pairwise[:CRITERIA.md] (default: the dataset's).")
    ] = None,
    judge: Annotated[
        str | None, typer.Option("--judge", metavar="P:M", help="Judge model for judge/pairwise, as PROVIDER:MODEL.",
                                 show_default=False)
    ] = None,
    provider: Annotated[
        str | None,
        typer.Option("--provider", "-p", metavar="P", help="Provider for variants that name none.", show_default=False),
    ] = None,
    model: Annotated[
        str | None,
        typer.Option("--model", "-m", metavar="M", help="Model for variants that name none.", show_default=False),
    ] = None,
    concurrency: ConcurrencyOpt = None,
    trials: TrialsOpt = 1,
    max_cost: MaxCostOpt = None,
    alpha: Annotated[
        float, typer.Option("--alpha", metavar="A", help="Significance level.", min=0.0001, max=0.5)
    ] = 0.05,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON (the stored schema).")] = False,
    report: Annotated[
        list[Path] | None, typer.Option("--report", metavar="FILE", show_default=False,
                                        help="Also write a report (repeatable): FILE.html a self-contained page to "
                                             "read, sort, filter and drill into cases; any other name markdown (for a "
                                             "pull request).")
    ] = None,
    resume: Annotated[
        str | None,
        typer.Option("--resume", metavar="RUN_ID", help="Continue a stopped, interrupted or killed A/B run by id.",
                     show_default=False),
    ] = None,
    fail_if_worse: Annotated[
        bool, typer.Option("--fail-if-worse", help="Exit 1 when any candidate is significantly worse than the "
                                                   "baseline (the first variant).")
    ] = False,
    max_regression: Annotated[
        str | None,
        typer.Option("--max-regression", metavar="PTS", show_default=False,
                     help="Non-inferiority gate: exit 1 unless every candidate's one-sided 95% lower bound of "
                          "(candidate - baseline) is at least -PTS percentage points, e.g. 3pts."),
    ] = None,
    mde: Annotated[
        str, typer.Option("--mde", metavar="PTS", help="Minimum difference the planning advice sizes for "
                                                       "(percentage points).")
    ] = "5pts",
    no_cache: Annotated[
        bool | None,
        typer.Option("--no-cache/--cache", show_default=False,
                     help="--no-cache: send every request even if the response cache has it. --resume keeps the "
                          "run's original choice unless one of these is given."),
    ] = None,
    allow_modified: AllowModifiedOpt = False,
    batch: BatchOpt = None,
) -> None:
    """Compare variants case by case on a dataset: scores with 95% CIs, paired tests, verdict, cost and latency.

    Exit codes: 0 the run completed; 1 a gate failed (--fail-if-worse: a candidate is significantly worse;
    --max-regression: a candidate is not shown within the tolerated drop), or an unexpected error (a bug);
    2 invalid input or --max-cost reached (resume with --resume); 3 provider or credentials error (credentials
    are checked before anything is sent), or every case of a variant failed (2 when its scorer failed); 130
    interrupted. --resume keeps the run's --concurrency, --max-cost, --no-cache and --batch unless given again.
    """
    with _Collection() as collection:  # see _Collection: none while importing and planning
        from promptctl.errors import InputError
        from promptctl.evaluation.ab import plan_ab
        from promptctl.evaluation.ab_report import check_gates, parse_points

        tolerated = parse_points(max_regression, "--max-regression") if max_regression is not None else None
        minimum = parse_points(mde, "--mde")
        proj = project()
        store = proj.store()
        if resume:
            if refs or dataset:
                raise InputError("--resume continues a stored comparison; give no REF or --dataset with it",
                                 hint=f"promptctl ab --resume {resume}")
            ab_run_id, plan, given = _resumed(proj, store, resume, no_cache=no_cache, batch=batch,
                                              concurrency=concurrency, max_cost=max_cost,
                                              allow_modified=allow_modified)
            no_cache, batch, concurrency, max_cost = given
        else:
            if not refs or len(refs) < 2:
                raise InputError("ab needs at least two variants", hint="promptctl ab REF_A REF_B --dataset FILE"
                                 + ("; to score one variant: promptctl eval REF --dataset FILE" if refs else ""))
            if dataset is None:
                raise InputError("missing --dataset", hint="promptctl ab REF_A REF_B --dataset cases.jsonl")
            ab_run_id = None
            plan = plan_ab(proj.registry, refs, dataset, config=proj.config, scorer=scorer, judge=judge,
                           provider=provider, model=model, trials=trials, alpha=alpha, allow_modified=allow_modified,
                           mde=minimum)
        run_plan(proj, store, plan, ab_run_id, resumed=resume is not None, concurrency=concurrency,
                 max_cost=max_cost, no_cache=bool(no_cache), as_json=as_json, report=report, printer=print_result,
                 gates=lambda result: check_gates(result, fail_if_worse=fail_if_worse, max_regression=tolerated),
                 batch=bool(batch), on_calls=collection.resume)


def eval_(
    ref: Annotated[
        str | None,
        typer.Argument(metavar="REF", show_default=False,
                       help="The variant: REF, REF::PROVIDER:MODEL, REF::strategy=NAME, REF::KEY=VALUE."),
    ] = None,
    dataset: DatasetOpt = None,
    scorer: Annotated[
        str | None,
        typer.Option("--scorer", "-s", metavar="S", show_default=False,
                     help="exact, normalised, contains, regex[:P], json_schema[:FILE], json_fields, numeric[:TOL], "
                          "tool_call[:exact|subset|schema], "
                          "python:MOD:FN or judge[:RUBRIC.md] (default: the dataset's).")
    ] = None,
    judge: Annotated[
        str | None, typer.Option("--judge", metavar="P:M", help="Judge model for judge, as PROVIDER:MODEL.",
                                 show_default=False)
    ] = None,
    provider: Annotated[
        str | None, typer.Option("--provider", "-p", metavar="P", help="Provider, if REF names none.",
                                 show_default=False),
    ] = None,
    model: Annotated[
        str | None, typer.Option("--model", "-m", metavar="M", help="Model, if REF names none.", show_default=False),
    ] = None,
    concurrency: ConcurrencyOpt = None,
    trials: TrialsOpt = 1,
    max_cost: MaxCostOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON (the stored schema, with "
                                                         "every case's record).")] = False,
    report: Annotated[
        list[Path] | None, typer.Option("--report", metavar="FILE", show_default=False,
                                        help="Also write a report (repeatable): FILE.html a self-contained page; any "
                                             "other name markdown.")
    ] = None,
    resume: Annotated[
        str | None,
        typer.Option("--resume", metavar="RUN_ID", help="Continue a stopped, interrupted or killed evaluation by id.",
                     show_default=False),
    ] = None,
    compare: Annotated[
        str | None,
        typer.Option("--compare", metavar="RUN_ID[:LABEL]", show_default=False,
                     help="Compare this evaluation with an earlier run (an eval, or a variant of an ab run: its "
                          "last one unless :LABEL is given) on the same dataset, paired case by case."),
    ] = None,
    fail_under: Annotated[
        str | None,
        typer.Option("--fail-under", metavar="RATE", show_default=False,
                     help="Exit 1 when the pass rate (or mean score) is below RATE (0.9 or 90%)."),
    ] = None,
    no_cache: Annotated[
        bool | None,
        typer.Option("--no-cache/--cache", show_default=False,
                     help="--no-cache: send every request even if the response cache has it."),
    ] = None,
    allow_modified: AllowModifiedOpt = False,
    batch: BatchOpt = None,
) -> None:
    """Evaluate one prompt version (or model, or strategy) on a dataset: pass rate or mean with its 95% CI.

    The same scorers, judges, trials, cache, budget and --resume as ab; the failures are listed first.
    With --compare RUN_ID the new run is also compared, case by case, with an earlier one.

    Exit codes: 0 the run completed; 1 --fail-under and the score is below it, or --compare and this run is
    significantly worse; 2 invalid input or --max-cost reached (resume with --resume); 3 provider or
    credentials error, or every case failed; 130 interrupted. --resume keeps the run's --concurrency,
    --max-cost, --no-cache and --batch unless given again.
    """
    with _Collection() as collection:  # see _Collection: none while importing and planning
        from promptctl.errors import CheckFailed, InputError
        from promptctl.evaluation.ab_plan import plan_eval
        from promptctl.evaluation.ab_report import parse_rate

        threshold = parse_rate(fail_under, "--fail-under") if fail_under is not None else None  # before any call
        proj = project()
        store = proj.store()
        baseline = None
        if compare is not None:
            from promptctl.evaluation.past_runs import compare_baseline

            baseline = compare_baseline(store, compare)  # checked before anything is sent
        if resume:
            if ref or dataset:
                raise InputError("--resume continues a stored evaluation; give no REF or --dataset with it",
                                 hint=f"promptctl eval --resume {resume}")
            run_id, plan, given = _resumed(proj, store, resume, no_cache=no_cache, batch=batch,
                                           concurrency=concurrency, max_cost=max_cost, allow_modified=allow_modified)
            no_cache, batch, concurrency, max_cost = given
        else:
            if not ref:
                raise InputError("eval needs the prompt version to evaluate", hint="promptctl eval REF --dataset FILE")
            if dataset is None:
                raise InputError("missing --dataset", hint=f"promptctl eval {ref} --dataset cases.jsonl")
            run_id = None
            plan = plan_eval(proj.registry, ref, dataset, config=proj.config, scorer=scorer, judge=judge,
                             provider=provider, model=model, trials=trials, allow_modified=allow_modified)
        if baseline is not None:
            from promptctl.evaluation.past_runs import check_comparable

            check_comparable(baseline, plan.dataset.sha256, plan.trials)
        printer: Any = print_eval
        if baseline is not None:
            from promptctl.evaluation.past_runs import compared_result

            def print_both(result: dict[str, Any], store: Any) -> None:
                print_eval(result, store)
                console().print("")
                print_result(compared_result(store, baseline, result))

            printer = print_both

        result = run_plan(proj, store, plan, run_id, resumed=resume is not None, concurrency=concurrency,
                          max_cost=max_cost, no_cache=bool(no_cache), as_json=as_json, report=report, printer=printer,
                          baseline=baseline, batch=bool(batch), on_calls=collection.resume)
        if baseline is not None:
            from promptctl.evaluation.past_runs import compared_result

            worse = [g for g in compared_result(store, baseline, result).get("gates") or [] if g["candidate_worse"]]
            if worse:
                raise CheckFailed(f"this evaluation is significantly worse than run {baseline['run_id'][:12]} "
                                  f"({worse[0]['verdict']})")
        v = result["variants"][0]
        if threshold is not None and v["mean"] is not None and v["mean"] < threshold:
            raise CheckFailed(f"{v['spec']} scored {v['mean'] * 100:.1f}%, below --fail-under {threshold * 100:g}%")


def _resumed(proj: Any, store: Any, run_id: str, *, no_cache: bool | None, batch: bool | None,
             concurrency: int | None, max_cost: float | None, allow_modified: bool,
             ) -> tuple[str, Any, tuple[bool, bool, int | None, float | None]]:
    """The stored plan of a run to resume, and its options: each the run's own unless given again.

    Returns:
        ``(run id, plan, (no_cache, batch, concurrency, max_cost))``: ``--no-cache``/``--cache``, ``--batch`` (a
        resumed batch run waits for its stored batches), ``--concurrency`` and ``--max-cost`` (USD, a budget for
        the calls still to make) as given now, else as the run stored them (runs stored before promptctl kept
        the last two resume with the default concurrency and no budget).
    """
    from promptctl.evaluation.ab import load_plan

    full_id, plan, row = load_plan(proj.registry, store, run_id, config=proj.config, allow_modified=allow_modified)
    options = (row["spec"] if isinstance(row["spec"], dict) else {}).get("options") or {}
    kept_concurrency = options.get("concurrency")
    kept_cost = options.get("max_cost")
    return full_id, plan, (
        bool(options.get("no_cache", False)) if no_cache is None else no_cache,
        bool(options.get("batch", False)) if batch is None else batch,
        int(kept_concurrency) if concurrency is None and isinstance(kept_concurrency, int) else concurrency,
        float(kept_cost) if max_cost is None and isinstance(kept_cost, int | float) else max_cost,
    )


def run_plan(proj: Any, store: Any, plan: Any, run_id: str | None, *, resumed: bool, concurrency: int | None,
             max_cost: float | None, no_cache: bool, as_json: bool, report: list[Path] | None,
             printer: Any, baseline: dict[str, Any] | None = None, gates: Any = None,
             batch: bool = False, on_calls: Callable[[int], None] | None = None) -> dict[str, Any]:
    """Run (or resume) a planned comparison or evaluation with a progress bar; print and report its result.

    ``batch`` sends the calls through the providers' batch APIs (:mod:`promptctl.session.batch`); each batch's
    progress (submitted / in progress / done / failed) is shown as it changes.

    ``on_calls`` is called with the number of jobs once the run is planned and checked, just before its calls
    start.

    ``gates`` (``ab``'s CI gates) is called with the result; a gate it returns is stored with the run,
    printed, and failing it raises.

    Raises:
        PromptctlError: The run stopped (budget, provider), or a variant has no scored case.
        CheckFailed: A CI gate failed (exit 1).
        typer.Exit: Interrupted (130) or an unexpected error (1).
    """
    import asyncio
    import os

    from promptctl.errors import CheckFailed, PromptctlError
    from promptctl.evaluation.ab import DEFAULT_CONCURRENCY, arun_ab

    command = "eval" if plan.kind == "eval" else "ab"
    bar = _ProgressBar(command, batch=batch)
    started: dict[str, Any] = {}

    def on_start(run_id: str, estimate: PlanEstimate) -> None:
        # credentials and the budget are checked: warnings and the plan print only now
        started["id"] = run_id
        warn(plan.warnings)
        _print_plan(plan, run_id, estimate, resumed=resumed, batch=batch)
        if on_calls is not None:
            on_calls(len(plan.variants) * len(plan.dataset.cases) * plan.trials)
        bar.start()

    try:
        result, outcome = asyncio.run(arun_ab(
            plan, store, ab_run_id=run_id, concurrency=concurrency or DEFAULT_CONCURRENCY, max_cost=max_cost,
            use_cache=not no_cache,
            on_start=on_start, on_progress=bar.update, batch=batch,
        ))
    except KeyboardInterrupt:
        bar.stop()
        run_id = started.get("id")
        sys.stderr.write("interrupted: finished cases are saved"
                         + (f"; resume with: promptctl {command} --resume {run_id}\n" if run_id else "\n"))
        raise typer.Exit(130) from None
    except PromptctlError:
        raise
    except Exception as exc:  # a bug: the run is marked failed in the store; one line, not a traceback
        bar.stop()
        if os.environ.get("PROMPTCTL_DEBUG") == "1":
            raise
        run_id = started.get("id")
        text = (str(exc).strip().splitlines() or [""])[0]
        sys.stderr.write(f"error: {command} failed on an unexpected {type(exc).__name__}: {text}\n"
                         "hint: this is a bug in promptctl: please report it with the traceback that "
                         "PROMPTCTL_DEBUG=1 shows" + (f"; finished cases are saved (promptctl {command} --resume "
                                                      f"{run_id})" if run_id else "") + "\n")
        raise typer.Exit(1) from None
    finally:
        bar.stop()
    p = outcome.progress
    sys.stderr.write(f"{p.done}/{p.total} done, {plural(p.errors, 'error')}, {p.cached} cached, "
                     f"{plural(p.live_calls, 'provider call')}, ${p.spent_usd:.6f} spent, {outcome.elapsed_s:.2f}s"
                     + (f", {plural(len(p.batches), 'batch', 'batches')}" if p.batches else "")
                     + (f", {p.rate_limited} rate-limited (429) replies retried, concurrency settled at "
                        f"{p.settled:.1f} (now {p.concurrency})" if p.rate_limited and p.settled else "") + "\n")
    unscored = _unscored(result)
    gate = gates(result) if gates is not None else None
    if gate is not None:  # stored with the run too, so --json still prints exactly the stored record
        from promptctl.evaluation import ab_store

        result["gate"] = gate
        ab_store.update_ab_run(store, result["ab_run_id"], result=result)
    if as_json:
        print_json(with_records(store, result))
    elif unscored is None:
        printer(result, store)
    for path in report or []:
        write_report(path, result, proj, store, baseline=baseline)
    resume_hint = f"promptctl {command} --resume {result['ab_run_id']}"
    if outcome.status != "completed" and outcome.error is not None:
        if outcome.error.hint is None:
            outcome.error.hint = f"resume with: {resume_hint}"
        else:
            sys.stderr.write(f"resume with: {resume_hint}\n")
        raise outcome.error
    if unscored is not None:
        raise unscored_error(result, unscored, resume_hint)
    if gate is not None and gate["failed"]:
        raise CheckFailed("CI gate failed: " + "; ".join(c["text"] for c in gate["checks"] if not c["passed"]))
    return result


def with_records(store: Any, result: dict[str, Any]) -> dict[str, Any]:
    """The result with every case's record (``records``, ``requests``, ``judgements``): what --json prints."""
    from promptctl.evaluation import ab_store
    from promptctl.redaction import redact_all

    labels = [v["label"] for v in result["variants"]]
    records, requests = ab_store.records_of(store, result["ab_run_id"], labels)
    out = {**result, "records": records, "requests": requests}
    if any(c.get("metric") == "preference" for c in result.get("comparisons", [])):
        out["judgements"] = ab_store.judgements_of(store, result["ab_run_id"], labels)
    return redact_all(out)


def write_report(path: Path, result: dict[str, Any], proj: Any, store: Any,
                 baseline: dict[str, Any] | None = None, fmt: str | None = None) -> None:
    """Write ``FILE.html`` (the self-contained report) or, for any other name, the markdown report.

    ``fmt`` (``html`` or ``markdown``) overrides the choice by file name.

    Raises:
        InputError: The file cannot be written (exit 2).
    """
    from promptctl.errors import InputError
    from promptctl.registry.index import atomic_write_text

    try:
        if fmt == "html" or (fmt is None and path.suffix.lower() in (".html", ".htm")):
            from promptctl.evaluation.past_runs import report_for_run
            from promptctl.evaluation.report_html import render_html

            if baseline is not None:
                from promptctl.evaluation.past_runs import compared_report

                model = compared_report(store, proj.registry, baseline, result, config=proj.config)
            else:
                model = report_for_run(store, proj.registry, result["ab_run_id"], config=proj.config, result=result)
            atomic_write_text(path, render_html(model))
        else:
            from promptctl.evaluation.ab_report import to_markdown
            from promptctl.redaction import redact

            atomic_write_text(path, redact(to_markdown(result)))
    except OSError as exc:
        raise InputError(f"cannot write the report {path}: {exc.strerror}",
                         hint="check that the folder exists and is writable") from None
    sys.stderr.write(f"report written to {path}\n")


def _unscored(result: dict[str, Any]) -> dict[str, Any] | None:
    """The first variant without a single scored case (every case errored), or None."""
    return next((v for v in result["variants"] if v["completed"] == 0 and v["errors"]), None)


def unscored_error(result: dict[str, Any], variant: dict[str, Any], resume_hint: str) -> Exception:
    """The error of a run where a variant has no scored case: exit 3 (provider), or 2 when its scorer failed."""
    from promptctl.errors import InputError, ProviderError

    first = next((e["error"] for e in result["errors"] if e["variant"] == variant["label"]),
                 result["errors"][0]["error"] if result["errors"] else "unknown error")
    message = (f"every case of {variant['label']} ({variant['spec']}) failed, so nothing was compared "
               f"({plural(variant['errors'], 'error')}); first: {first}")
    hint = f"fix the cause, then resume with: {resume_hint} (failed cases are retried, finished ones kept)"
    if str(first).startswith("scorer:"):
        return InputError(message, hint=hint)
    return ProviderError(message, provider=str(variant.get("provider") or ""), hint=hint)


def _print_plan(plan: Any, run_id: str, estimate: PlanEstimate, *, resumed: bool, batch: bool = False) -> None:
    cases = len(plan.dataset.cases)
    names = ", ".join(f"{v.label}={v.name} ({v.provider}:{v.model})" for v in plan.variants)
    usd = estimate.usd_expected
    cost = (f"estimated ${usd:.4f} (low ${estimate.usd_low:.4f}, high ${estimate.usd_high:.4f})"
            if usd is not None and estimate.usd_low is not None and estimate.usd_high is not None
            else f"cost unknown (no price for {', '.join(estimate.unpriced)})")
    if batch:
        cost += " at the batch price, through provider batches (results within 24 h)"
    judge = f", {plural(estimate.judge_calls, 'judge call')}" if estimate.judge_calls else ""
    verb = "resuming" if resumed else "starting"
    command = "eval" if plan.kind == "eval" else "ab"
    sys.stderr.write(
        f"{command} {run_id} {verb}: {names}\n"
        f"  {plural(len(plan.variants), 'variant')} x {plural(cases, 'case')} x {plural(plan.trials, 'trial')}: "
        f"{plural(estimate.calls, 'call')} to make, "
        f"{estimate.cached} cached{judge}; {cost}\n"
        f"  interrupted? resume with: promptctl {command} --resume {run_id}\n"
    )


class _ProgressBar:
    """A rich progress bar on stderr (a terminal only): cases done, errors, spend so far, current concurrency.

    With ``batch``, every change of a batch (submitted, in progress, ended with its done and failed counts)
    is also written as one line to stderr, on a terminal or not (a batch can take hours: a log shows it).
    """

    def __init__(self, command: str = "ab", *, batch: bool = False) -> None:
        self.command = command
        self.batch = batch
        self.progress: Any = None
        self.task: Any = None
        self.shown: dict[str, str] = {}

    def start(self) -> None:
        if not sys.stderr.isatty():
            return
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.progress = Progress(
            TextColumn(self.command), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[errors]} errors"),
            TextColumn("{task.fields[cached]} cached"), TextColumn("${task.fields[spent]:.4f}"),
            TextColumn("{task.fields[flow]}"), TimeElapsedColumn(),
            console=console(stderr=True), transient=True,
        )
        self.task = self.progress.add_task("ab", total=None, errors=0, cached=0, spent=0.0, flow="")
        self.progress.start()

    def update(self, p: Progress) -> None:
        if self.batch:
            self._batch_lines(p)
        if self.progress is not None:
            self.progress.update(self.task, total=p.total, completed=p.done, errors=p.errors, cached=p.cached,
                                 spent=p.spent_usd, flow=flow_text(p))

    def _batch_lines(self, p: Progress) -> None:
        for b in p.batches:
            if self.shown.get(b.key) == b.status:  # one line per status, not per answered call
                continue
            self.shown[b.key] = b.status
            line = f"batch {b.describe()}"
            if self.progress is not None:
                self.progress.console.print(line, markup=False, highlight=False)
            else:
                sys.stderr.write(line + "\n")

    def stop(self) -> None:
        if self.progress is not None:
            self.progress.stop()
            self.progress = None


def flow_text(p: Progress) -> str:
    """The progress bar's flow column: ``concurrency 8/64`` for direct calls, or the batches' state."""
    if p.batches:
        waiting = sum(1 for b in p.batches if b.status in ("submitting", "in_progress"))
        return f"batches: {waiting} waiting, {len(p.batches) - waiting} ended"
    return f"concurrency {p.concurrency}" if p.concurrency is not None else ""


# columns by name, most important first; a header not named here comes last, so a new column is never lost
_VARIANT_PRIORITY = ["", "mean [95% CI]", "passed", "errors", "variant", "spent", "p50", "model", "p95",
                     "tokens in / out", "list price/case"]
_VARIANT_WRAP = ("variant", "model")
_COMPARISON_PRIORITY = ["comparison", "difference [95% CI]", "p", "verdict", "p (Holm)", "one-sided 95% bound",
                        "test", "planning advice", "cases needed"]
_COMPARISON_WRAP = ("verdict", "test", "planning advice", "one-sided 95% bound")
_NUMBERS = ("mean [95% CI]", "passed", "errors", "spent", "list price/case", "p50", "p95", "tokens in / out", "p",
            "p (Holm)")


def _print_fitted(out: Any, headers: list[str], rows: list[list[str]], priority: list[str],
                  wrap: tuple[str, ...], right: tuple[str, ...] = _NUMBERS) -> None:
    """A table fitted to the console's width; ``priority``, ``wrap`` and ``right`` name columns by header."""
    from promptctl.cli.common import fitted_table

    order = [headers.index(h) for h in priority if h in headers]
    order += [i for i in range(len(headers)) if i not in order]
    table, hidden = fitted_table(headers, rows, out.width, priority=order,
                                 wrap=tuple(i for i, h in enumerate(headers) if h in wrap),
                                 right=tuple(i for i, h in enumerate(headers) if h in right))
    out.print(table)
    if hidden:
        out.print(f"(not shown at {out.width} columns: {', '.join(hidden)}; see --json or --report)",
                  markup=False, soft_wrap=False, style="dim")


def print_result(result: dict[str, Any], store: Any = None, *, cases: int = 10) -> None:
    """The result on stdout, fitted to the terminal: variants, comparisons, verdicts, the cases that changed most.

    Args:
        result: An ab result (or an eval result compared with an earlier run).
        store: Unused (the printers of ``ab`` and ``eval`` take the same arguments).
        cases: Most cases listed (the largest regressions first); 0 for none.
    """
    from promptctl.evaluation.ab_report import (
        COMPARISON_HEADERS,
        COST_NOTE,
        VARIANT_HEADERS,
        comparison_rows,
        variant_rows,
    )

    out = console()
    metric = {"pass": "pass rate", "score": "mean score", "preference": "pairwise preference"}[result["metric"]]
    data = result["dataset"]
    what = f"A/B {result['ab_run_id']}"
    if result.get("compared_with"):
        what = f"eval {result['ab_run_id']} compared with run {result['compared_with']['run_id'][:12]}"
    out.print(f"{what}  {data['given']} ({plural(data['cases'], 'case')})  metric: {metric}  "
              f"trials: {result['trials']}  status: {result['status']}", markup=False, soft_wrap=False)
    _print_fitted(out, VARIANT_HEADERS, variant_rows(result), _VARIANT_PRIORITY, _VARIANT_WRAP)
    if any(v["cached"] for v in result["variants"]):  # spent $0 next to a list price: say which is which
        out.print(COST_NOTE, markup=False, soft_wrap=False, style="dim")
    if result["comparisons"]:
        out.print("")
        _print_fitted(out, COMPARISON_HEADERS, comparison_rows(result), _COMPARISON_PRIORITY, _COMPARISON_WRAP)
        out.print("")
        for c in result["comparisons"]:
            style = "bold" if c["winner"] else None
            out.print(f"{c['candidate']} vs {c['baseline']}: {c['sentence']}", style=style, markup=False,
                      soft_wrap=False)
    if result.get("gate"):
        gate = result["gate"]
        checks = "; ".join(c["text"] for c in gate["checks"])
        out.print(f"CI gate {'FAILED' if gate['failed'] else 'passed'}: {checks}",
                  style="bold" if gate["failed"] else None, markup=False, soft_wrap=False)
    if result["trials"] > 1 and any(v.get("pass_at_k") for v in result["variants"]):
        k = str(result["trials"])
        out.print("  ".join(f"{v['label']}: pass@1 {v['pass_at_k']['1']:.1%}, pass@{k} {v['pass_at_k'][k]:.1%}, "
                            f"pass^{k} {v['pass_hat_k'][k]:.1%}" for v in result["variants"] if v.get("pass_at_k")),
                  markup=False, soft_wrap=False)
    if cases and result["metric"] != "preference" and len(result["variants"]) > 1:
        print_cases(result, limit=cases, changed_only=True)
    for v in result["variants"]:
        if v["flaky_cases"]:
            shown = ", ".join(v["flaky_cases"][:10]) + (" ..." if len(v["flaky_cases"]) > 10 else "")
            out.print(f"flaky cases of {v['label']} ({len(v['flaky_cases'])}): {shown}", markup=False, soft_wrap=False)
    if result["error_count"]:
        out.print(f"{plural(result['error_count'], 'error')}, not scored; first: {result['errors'][0]['error']}",
                  markup=False, soft_wrap=False)


def print_cases(result: dict[str, Any], *, limit: int | None = None, changed_only: bool = False,
                explanations: dict[tuple[str, str], str] | None = None) -> None:
    """The per-case table: each variant's value and each candidate's change, the largest regression first.

    Args:
        result: An ab or eval result.
        limit: Most rows printed (None: all).
        changed_only: Only cases where a candidate differs from the baseline.
        explanations: ``(case id, label) -> scorer explanation or error``, shown for an evaluation.
    """
    from promptctl.evaluation.ab_report import case_rows

    out = console()
    headers, rows, total = case_rows(result, changed_only=changed_only, explanations=explanations)
    if not rows:
        return
    shown = rows if limit is None else rows[:limit]
    single = len(result["variants"]) == 1
    title = ("Cases, lowest score first" if single else "Cases that changed, largest regression first"
             if changed_only else "Cases, largest regression first")
    more = f" ({len(shown)} of {total})" if len(shown) < total else f" ({total})"
    out.print("")
    out.print(title + more, markup=False, style="bold")
    values = headers[1:-1] if single else headers[1:]  # the why column (an evaluation's last) wraps
    _print_fitted(out, headers, shown, headers, wrap=("why",), right=tuple(values))


def print_eval(result: dict[str, Any], store: Any = None, *, cases: int = 20) -> None:
    """An evaluation's result on stdout: the score with its interval, the variant's figures, the failures first.

    Args:
        result: An eval result.
        store: The run store (scorer explanations of the failures), or None.
        cases: Most failed cases listed.
    """
    from promptctl.evaluation.ab_report import COST_NOTE, VARIANT_HEADERS, variant_rows

    out = console()
    v = result["variants"][0]
    data = result["dataset"]
    out.print(f"eval {result['ab_run_id']}  {data['given']} ({plural(data['cases'], 'case')})  "
              f"trials: {result['trials']}  status: {result['status']}", markup=False, soft_wrap=False)
    if v["mean"] is not None:
        ci = v.get("ci95")
        what = "pass rate" if result["metric"] == "pass" else "mean score"
        interval = f" [{ci['low'] * 100:.1f}%, {ci['high'] * 100:.1f}%] (95% CI)" if ci else ""
        out.print(f"{v['spec']}: {what} {v['mean'] * 100:.1f}%{interval}, "
                  f"{v['passed']}/{v['completed'] * result['trials']} passed, {plural(v['errors'], 'error')}",
                  markup=False, soft_wrap=False, style="bold")
    _print_fitted(out, VARIANT_HEADERS, variant_rows(result), _VARIANT_PRIORITY, _VARIANT_WRAP)
    if v["cached"]:
        out.print(COST_NOTE, markup=False, soft_wrap=False, style="dim")
    explanations: dict[tuple[str, str], str] = {}
    if store is not None:
        from promptctl.evaluation import ab_store

        records, _ = ab_store.records_of(store, result["ab_run_id"], [v["label"]])
        for r in records:
            if r["status"] != "ok" or not r["passed"]:
                explanations.setdefault((r["case_id"], r["variant"]), r["error"] or r["explanation"] or "")
    if cases:
        print_cases(result, limit=cases, changed_only=True, explanations=explanations)
    if v["flaky_cases"]:
        shown = ", ".join(v["flaky_cases"][:10]) + (" ..." if len(v["flaky_cases"]) > 10 else "")
        out.print(f"flaky cases ({len(v['flaky_cases'])}): {shown}", markup=False, soft_wrap=False)
    if result["error_count"]:
        out.print(f"{plural(result['error_count'], 'error')}, not scored; first: {result['errors'][0]['error']}",
                  markup=False, soft_wrap=False)
