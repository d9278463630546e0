"""The ``ab`` command: compare prompt versions, models or strategies on a dataset, with honest statistics."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from promptctl.cli.common import console, print_json, project, warn

if TYPE_CHECKING:
    from promptctl.evaluation.ab import PlanEstimate, Progress


def plural(count: int, word: str) -> str:
    """``1 case``, ``2 cases`` (:func:`promptctl.evaluation.ab_report.plural`, without importing it here)."""
    return f"{count} {word if count == 1 else word + 's'}"


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
        Path | None,
        typer.Option("--dataset", "-d", metavar="FILE", help="Cases: a .jsonl, .csv or .yaml file.",
                     show_default=False),
    ] = None,
    scorer: Annotated[
        str | None,
        typer.Option("--scorer", "-s", metavar="S", show_default=False,
                     help="exact, normalised, contains, regex[:P], json_schema[:FILE], json_fields, numeric[:TOL], "
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
    concurrency: Annotated[
        int, typer.Option("--concurrency", "-c", metavar="N", help="Most calls in flight at once.", min=1)
    ] = 8,
    trials: Annotated[int, typer.Option("--trials", "-k", metavar="K",
                                        help="Runs of each case (flaky cases, pass rates).", min=1)] = 1,
    max_cost: Annotated[
        float | None,
        typer.Option("--max-cost", metavar="USD", min=0, show_default=False,
                     help="Budget in USD: refuse to start if the expected cost crosses it; stop before a call whose "
                          "high estimate would."),
    ] = None,
    alpha: Annotated[
        float, typer.Option("--alpha", metavar="A", help="Significance level.", min=0.0001, max=0.5)
    ] = 0.05,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON (the stored schema).")] = False,
    report: Annotated[
        Path | None, typer.Option("--report", metavar="FILE", help="Also write a markdown report (for a pull request).",
                                  show_default=False)
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
    allow_modified: Annotated[
        bool, typer.Option("--allow-modified", help="Run published versions whose file no longer matches its hash.")
    ] = False,
) -> None:
    """Compare variants case by case on a dataset: scores with 95% CIs, paired tests, verdict, cost and latency.

    Exit codes: 0 the run completed; 1 a gate failed (--fail-if-worse: a candidate is significantly worse;
    --max-regression: a candidate is not shown within the tolerated drop), or an unexpected error (a bug);
    2 invalid input or --max-cost reached (resume with --resume); 3 provider or credentials error (credentials
    are checked before anything is sent), or every case of a variant failed; 130 interrupted. --resume keeps
    the run's --no-cache unless --cache or --no-cache is given again.
    """
    import asyncio
    import os

    from promptctl.errors import CheckFailed, InputError, PromptctlError
    from promptctl.evaluation.ab import arun_ab, load_plan, plan_ab
    from promptctl.evaluation.ab_report import check_gates, parse_points

    tolerated = parse_points(max_regression, "--max-regression") if max_regression is not None else None
    minimum = parse_points(mde, "--mde")
    proj = project()
    store = proj.store()
    if resume:
        if refs or dataset:
            raise InputError("--resume continues a stored comparison; give no REF or --dataset with it",
                             hint=f"promptctl ab --resume {resume}")
        ab_run_id, plan, row = load_plan(proj.registry, store, resume, config=proj.config,
                                         allow_modified=allow_modified)
        if no_cache is None:  # the original run's --no-cache holds unless --cache/--no-cache is given now
            spec = row["spec"] if isinstance(row["spec"], dict) else {}
            no_cache = bool((spec.get("options") or {}).get("no_cache", False))
    else:
        if not refs or len(refs) < 2:
            raise InputError("ab needs at least two variants", hint="promptctl ab REF_A REF_B --dataset FILE")
        if dataset is None:
            raise InputError("missing --dataset", hint="promptctl ab REF_A REF_B --dataset cases.jsonl")
        ab_run_id = None
        plan = plan_ab(proj.registry, refs, dataset, config=proj.config, scorer=scorer, judge=judge,
                       provider=provider, model=model, trials=trials, alpha=alpha, allow_modified=allow_modified,
                       mde=minimum)
    bar = _ProgressBar()
    started: dict[str, Any] = {}

    def on_start(run_id: str, estimate: PlanEstimate) -> None:
        # credentials and the budget are checked: warnings and the plan print only now
        started["id"] = run_id
        warn(plan.warnings)
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
    except PromptctlError:
        raise
    except Exception as exc:  # a bug: the run is marked failed in the store; one line, not a traceback
        bar.stop()
        if os.environ.get("PROMPTCTL_DEBUG") == "1":
            raise
        run_id = started.get("id")
        text = (str(exc).strip().splitlines() or [""])[0]
        sys.stderr.write(f"error: ab failed on an unexpected {type(exc).__name__}: {text}\n"
                         "hint: this is a bug in promptctl: please report it with the traceback that "
                         "PROMPTCTL_DEBUG=1 shows" + (f"; finished cases are saved (promptctl ab --resume {run_id})"
                                                      if run_id else "") + "\n")
        raise typer.Exit(1) from None
    finally:
        bar.stop()
    p = outcome.progress
    sys.stderr.write(f"{p.done}/{p.total} done, {plural(p.errors, 'error')}, {p.cached} cached, "
                     f"{plural(p.live_calls, 'provider call')}, ${p.spent_usd:.6f} spent, {outcome.elapsed_s:.2f}s\n")
    unscored = _unscored(result)
    gate = check_gates(result, fail_if_worse=fail_if_worse, max_regression=tolerated)
    if gate is not None:  # stored with the run too, so --json still prints exactly the stored record
        from promptctl.evaluation import ab_store

        result["gate"] = gate
        ab_store.update_ab_run(store, result["ab_run_id"], result=result)
    if as_json:
        print_json(result)
    elif unscored is None:
        print_result(result)
    if report is not None:
        from promptctl.evaluation.ab_report import to_markdown
        from promptctl.registry.index import atomic_write_text

        atomic_write_text(report, to_markdown(result))
        sys.stderr.write(f"report written to {report}\n")
    resume_hint = f"promptctl ab --resume {result['ab_run_id']}"
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


def _print_plan(plan: Any, run_id: str, estimate: PlanEstimate, *, resumed: bool) -> None:
    cases = len(plan.dataset.cases)
    names = ", ".join(f"{v.label}={v.name} ({v.provider}:{v.model})" for v in plan.variants)
    usd = estimate.usd_expected
    cost = (f"estimated ${usd:.4f} (low ${estimate.usd_low:.4f}, high ${estimate.usd_high:.4f})"
            if usd is not None and estimate.usd_low is not None and estimate.usd_high is not None
            else f"cost unknown (no price for {', '.join(estimate.unpriced)})")
    judge = f", {plural(estimate.judge_calls, 'judge call')}" if estimate.judge_calls else ""
    verb = "resuming" if resumed else "starting"
    sys.stderr.write(
        f"ab {run_id} {verb}: {names}\n"
        f"  {plural(len(plan.variants), 'variant')} x {plural(cases, 'case')} x {plural(plan.trials, 'trial')}: "
        f"{plural(estimate.calls, 'call')} to make, "
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
        COST_NOTE,
        VARIANT_HEADERS,
        comparison_rows,
        variant_rows,
    )

    out = console()
    metric = {"pass": "pass rate", "score": "mean score", "preference": "pairwise preference"}[result["metric"]]
    data = result["dataset"]
    cases = plural(data["cases"], "case")
    out.print(f"A/B {result['ab_run_id']}  {data['given']} ({cases})  metric: {metric}  "
              f"trials: {result['trials']}  status: {result['status']}", markup=False)
    table = Table(*VARIANT_HEADERS, box=None, pad_edge=False)
    for row in variant_rows(result):
        table.add_row(*row)
    out.print(table)
    if any(v["cached"] for v in result["variants"]):  # spent $0 next to a list price: say which is which
        out.print(COST_NOTE, markup=False, style="dim")
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
    if result.get("gate"):
        gate = result["gate"]
        checks = "; ".join(c["text"] for c in gate["checks"])
        out.print(f"CI gate {'FAILED' if gate['failed'] else 'passed'}: {checks}",
                  style="bold" if gate["failed"] else None, markup=False)
    if result["trials"] > 1 and any(v.get("pass_at_k") for v in result["variants"]):
        k = str(result["trials"])
        out.print("  ".join(f"{v['label']}: pass@1 {v['pass_at_k']['1']:.1%}, pass@{k} {v['pass_at_k'][k]:.1%}, "
                            f"pass^{k} {v['pass_hat_k'][k]:.1%}" for v in result["variants"] if v.get("pass_at_k")),
                  markup=False)
    for v in result["variants"]:
        if v["flaky_cases"]:
            shown = ", ".join(v["flaky_cases"][:10]) + (" ..." if len(v["flaky_cases"]) > 10 else "")
            out.print(f"flaky cases of {v['label']} ({len(v['flaky_cases'])}): {shown}", markup=False)
    if result["error_count"]:
        out.print(f"{plural(result['error_count'], 'error')}, not scored; first: {result['errors'][0]['error']}",
                  markup=False)
