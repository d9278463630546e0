"""The ``ab`` command: compare prompt versions, models or strategies on a dataset, with honest statistics."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from promptctl.cli.common import console, print_json, project, warn

if TYPE_CHECKING:
    from promptctl.evaluation.ab import PlanEstimate, Progress


def register(app: typer.Typer) -> None:
    """Add this module's commands to the app."""
    app.command("ab")(ab)


def ab(
    refs: Annotated[
        list[str] | None,
        typer.Argument(metavar="REF_A REF_B [REF_C ...]", show_default=False,
                       help="Variants, baseline first: REF, REF::PROVIDER:MODEL, REF::strategy=NAME, REF::KEY=VALUE."),
    ] = None,
    dataset: Annotated[
        Path | None, typer.Option("--dataset", "-d", help="Cases: a .jsonl, .csv or .yaml file.", show_default=False)
    ] = None,
    scorer: Annotated[
        str | None,
        typer.Option("--scorer", "-s", show_default=False,
                     help="exact, normalised, contains, regex[:P], json_schema[:FILE], json_fields, numeric[:TOL], "
                          "python:MOD:FN, judge[:RUBRIC.md] or pairwise[:CRITERIA.md] (default: the dataset's).")
    ] = None,
    judge: Annotated[
        str | None, typer.Option("--judge", help="Judge model for judge/pairwise, as PROVIDER:MODEL.",
                                 show_default=False)
    ] = None,
    provider: Annotated[
        str | None, typer.Option("--provider", "-p", help="Provider for variants that name none.", show_default=False)
    ] = None,
    model: Annotated[
        str | None, typer.Option("--model", "-m", help="Model for variants that name none.", show_default=False)
    ] = None,
    concurrency: Annotated[int, typer.Option("--concurrency", "-c", help="Most calls in flight at once.", min=1)] = 8,
    trials: Annotated[int, typer.Option("--trials", "-k", help="Runs of each case (flaky cases, pass rates).",
                                        min=1)] = 1,
    max_cost: Annotated[
        float | None,
        typer.Option("--max-cost", min=0, show_default=False,
                     help="Budget in USD: refuse to start if the expected cost crosses it; stop before a call whose "
                          "high estimate would."),
    ] = None,
    alpha: Annotated[float, typer.Option("--alpha", help="Significance level.", min=0.0001, max=0.5)] = 0.05,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON (the stored schema).")] = False,
    report: Annotated[
        Path | None, typer.Option("--report", help="Also write a markdown report (for a pull request).",
                                  show_default=False)
    ] = None,
    resume: Annotated[
        str | None, typer.Option("--resume", help="Continue a stopped, interrupted or killed A/B run by id.",
                                 show_default=False)
    ] = None,
    fail_if_worse: Annotated[
        bool, typer.Option("--fail-if-worse", help="Exit 1 when the last variant is significantly worse than the "
                                                   "first.")
    ] = False,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Send every request even if the response cache has it.")
    ] = False,
    allow_modified: Annotated[
        bool, typer.Option("--allow-modified", help="Run published versions whose file no longer matches its hash.")
    ] = False,
) -> None:
    """Compare variants case by case on a dataset: scores with 95% CIs, paired tests, verdict, cost and latency.

    Exit codes: 0 the run completed; 1 --fail-if-worse and the last variant is significantly worse; 2 invalid
    input or --max-cost reached (resume with --resume); 3 provider or credentials error; 130 interrupted.
    """
    import asyncio

    from promptctl.errors import CheckFailed, InputError
    from promptctl.evaluation.ab import arun_ab, load_plan, plan_ab

    proj = project()
    store = proj.store()
    if resume:
        if refs or dataset:
            raise InputError("--resume continues a stored comparison; give no REF or --dataset with it",
                             hint=f"promptctl ab --resume {resume}")
        ab_run_id, plan, _ = load_plan(proj.registry, store, resume, config=proj.config,
                                       allow_modified=allow_modified)
    else:
        if not refs or len(refs) < 2:
            raise InputError("ab needs at least two variants", hint="promptctl ab REF_A REF_B --dataset FILE")
        if dataset is None:
            raise InputError("missing --dataset", hint="promptctl ab REF_A REF_B --dataset cases.jsonl")
        ab_run_id = None
        plan = plan_ab(proj.registry, refs, dataset, config=proj.config, scorer=scorer, judge=judge,
                       provider=provider, model=model, trials=trials, alpha=alpha, allow_modified=allow_modified)
    warn(plan.warnings)
    bar = _ProgressBar()
    started: dict[str, Any] = {}

    def on_start(run_id: str, estimate: PlanEstimate) -> None:
        started["id"] = run_id
        _print_plan(plan, run_id, estimate, resumed=resume is not None)
        bar.start()

    try:
        result, outcome = asyncio.run(arun_ab(
            plan, store, ab_run_id=ab_run_id, concurrency=concurrency, max_cost=max_cost, use_cache=not no_cache,
            on_start=on_start, on_progress=bar.update,
        ))
    except KeyboardInterrupt:
        bar.stop()
        run_id = started.get("id")
        sys.stderr.write("interrupted: finished cases are saved"
                         + (f"; resume with: promptctl ab --resume {run_id}\n" if run_id else "\n"))
        raise typer.Exit(130) from None
    finally:
        bar.stop()
    p = outcome.progress
    sys.stderr.write(f"{p.done}/{p.total} done, {p.errors} error(s), {p.cached} cached, {p.live_calls} provider "
                     f"call(s), ${p.spent_usd:.6f} spent, {outcome.elapsed_s:.2f}s\n")
    if as_json:
        print_json(result)
    else:
        print_result(result)
    if report is not None:
        from promptctl.evaluation.ab_report import to_markdown

        report.write_text(to_markdown(result), encoding="utf-8")
        sys.stderr.write(f"report written to {report}\n")
    if outcome.status != "completed" and outcome.error is not None:
        sys.stderr.write(f"resume with: promptctl ab --resume {result['ab_run_id']}\n")
        raise outcome.error
    gate = result.get("gate")
    if fail_if_worse and gate and gate["candidate_worse"]:
        last = result["comparisons"][-1]
        raise CheckFailed(f"{gate['candidate']} is significantly worse than {gate['baseline']}: {last['sentence']}")


def _print_plan(plan: Any, run_id: str, estimate: PlanEstimate, *, resumed: bool) -> None:
    cases = len(plan.dataset.cases)
    names = ", ".join(f"{v.label}={v.name} ({v.provider}:{v.model})" for v in plan.variants)
    usd = estimate.usd_expected
    cost = (f"estimated ${usd:.4f} (low ${estimate.usd_low:.4f}, high ${estimate.usd_high:.4f})"
            if usd is not None and estimate.usd_low is not None and estimate.usd_high is not None
            else f"cost unknown (no price for {', '.join(estimate.unpriced)})")
    judge = f", {estimate.judge_calls} judge call(s)" if estimate.judge_calls else ""
    verb = "resuming" if resumed else "starting"
    sys.stderr.write(
        f"ab {run_id} {verb}: {names}\n"
        f"  {len(plan.variants)} variants x {cases} cases x {plan.trials} trial(s): {estimate.calls} call(s) to make, "
        f"{estimate.cached} cached{judge}; {cost}\n"
        f"  interrupted? resume with: promptctl ab --resume {run_id}\n"
    )


class _ProgressBar:
    """A rich progress bar on stderr (a terminal only): cases done, errors, spend so far."""

    def __init__(self) -> None:
        self.progress: Any = None
        self.task: Any = None

    def start(self) -> None:
        if not sys.stderr.isatty():
            return
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.progress = Progress(
            TextColumn("ab"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[errors]} errors"),
            TextColumn("{task.fields[cached]} cached"), TextColumn("${task.fields[spent]:.4f}"), TimeElapsedColumn(),
            console=console(stderr=True), transient=True,
        )
        self.task = self.progress.add_task("ab", total=None, errors=0, cached=0, spent=0.0)
        self.progress.start()

    def update(self, p: Progress) -> None:
        if self.progress is not None:
            self.progress.update(self.task, total=p.total, completed=p.done, errors=p.errors, cached=p.cached,
                                 spent=p.spent_usd)

    def stop(self) -> None:
        if self.progress is not None:
            self.progress.stop()
            self.progress = None


def print_result(result: dict[str, Any]) -> None:
    """The result as rich tables on stdout: variants, comparisons, verdicts."""
    from rich.table import Table

    from promptctl.evaluation.ab_report import (
        COMPARISON_HEADERS,
        VARIANT_HEADERS,
        comparison_rows,
        variant_rows,
    )

    out = console()
    metric = {"pass": "pass rate", "score": "mean score", "preference": "pairwise preference"}[result["metric"]]
    data = result["dataset"]
    out.print(f"A/B {result['ab_run_id']}  {data['given']} ({data['cases']} cases)  metric: {metric}  "
              f"trials: {result['trials']}  status: {result['status']}", markup=False)
    table = Table(*VARIANT_HEADERS, box=None, pad_edge=False)
    for row in variant_rows(result):
        table.add_row(*row)
    out.print(table)
    if result["comparisons"]:
        out.print("")
        comparisons = Table(*COMPARISON_HEADERS, box=None, pad_edge=False)
        for row in comparison_rows(result):
            comparisons.add_row(*row)
        out.print(comparisons)
        out.print("")
        for c in result["comparisons"]:
            style = "bold" if c["winner"] else None
            out.print(f"{c['candidate']} vs {c['baseline']}: {c['sentence']}", style=style, markup=False)
    for v in result["variants"]:
        if v["flaky_cases"]:
            shown = ", ".join(v["flaky_cases"][:10]) + (" ..." if len(v["flaky_cases"]) > 10 else "")
            out.print(f"flaky cases of {v['label']} ({len(v['flaky_cases'])}): {shown}", markup=False)
    if result["error_count"]:
        out.print(f"{result['error_count']} error(s), not scored; first: {result['errors'][0]['error']}", markup=False)
