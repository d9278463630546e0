"""Past comparisons and evaluations: ``promptctl runs``, ``runs show ID`` and ``report ID --html FILE``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from promptctl.cli.common import MAX_ROWS, console, print_json, project

runs_app = typer.Typer(help="List past comparisons (ab) and evaluations (eval); show one again.",
                       no_args_is_help=False, invoke_without_command=True)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the app."""
    app.add_typer(runs_app, name="runs")
    app.command("report")(report)


@runs_app.callback()
def runs(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option("--limit", "-n", metavar="N", help="Most runs listed.", min=1)] = 20,
    kind: Annotated[
        str | None, typer.Option("--kind", metavar="KIND", help="Only 'ab' or only 'eval'.", show_default=False)
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the list as JSON.")] = False,
) -> None:
    """List comparisons and evaluations, newest first: id, when, variants, dataset, verdict, cost.

    Exit codes: 0 listed (also when there is none); 2 invalid input.
    """
    if ctx.invoked_subcommand is not None:
        return
    from promptctl.errors import InputError
    from promptctl.evaluation.past_runs import list_runs

    if kind not in (None, "ab", "eval"):
        raise InputError(f"--kind must be 'ab' or 'eval', not {kind!r}")
    rows = list_runs(project().store(), limit=min(limit, MAX_ROWS), kind=kind)
    if as_json:
        print_json(rows)
        return
    if not rows:
        sys.stderr.write("no comparison or evaluation yet: run promptctl ab or promptctl eval\n")
        return
    from promptctl.cli.common import fitted_table
    from promptctl.evaluation.ab_report import usd_cell

    out = console()
    headers = ["id", "when", "kind", "variants", "dataset", "verdict", "spent"]
    cells = [[r["id"][:12], str(r["created_at"])[:16].replace("T", " "), r["kind"], " vs ".join(r["variants"]),
              f"{r['dataset']} ({r['cases']})", r["verdict"] or r["status"],
              "-" if r["cost_usd"] is None else usd_cell(r["cost_usd"])] for r in rows]
    table, hidden = fitted_table(headers, cells, out.width, priority=[0, 2, 5, 3, 1, 6, 4], wrap=(3, 4, 5),
                                 right=(6,))
    out.print(table)
    if hidden:
        out.print(f"(not shown at {out.width} columns: {', '.join(hidden)}; see --json)", markup=False,
                  soft_wrap=False, style="dim")


@runs_app.command("show")
def show(
    run_id: Annotated[str, typer.Argument(metavar="ID", help="The run's id (or its first 8+ characters).")],
    limit: Annotated[
        int | None, typer.Option("--limit", "-n", metavar="N", show_default=False,
                                 help="Most cases listed (default: all).", min=0)
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the stored result with every case's record.")] = False,
) -> None:
    """Print a stored comparison or evaluation again: the summary and the per-case table.

    Exit codes: 0 shown; 2 unknown id, or the run has no result yet.
    """
    from promptctl.cli.ab import print_cases, print_eval, print_result, with_records
    from promptctl.evaluation.past_runs import stored_result

    store = project().store()
    result = stored_result(store, run_id)
    if as_json:
        print_json(with_records(store, result))
        return
    if len(result["variants"]) == 1:
        print_eval(result, store, cases=0)
        explanations = _explanations(store, result)
        print_cases(result, limit=limit, explanations=explanations)
    else:
        print_result(result, cases=0)
        print_cases(result, limit=limit)


def _explanations(store: Any, result: dict[str, Any]) -> dict[tuple[str, str], str]:
    from promptctl.evaluation import ab_store

    label = result["variants"][0]["label"]
    records, _ = ab_store.records_of(store, result["ab_run_id"], [label])
    out: dict[tuple[str, str], str] = {}
    for r in records:
        if r["status"] != "ok" or not r["passed"]:
            out.setdefault((r["case_id"], label), r["error"] or r["explanation"] or "")
    return out


def report(
    run_id: Annotated[str, typer.Argument(metavar="ID", help="The run's id (or its first 8+ characters).")],
    html: Annotated[
        Path | None, typer.Option("--html", metavar="FILE", show_default=False,
                                  help="Write the self-contained HTML report (no server, no network).")
    ] = None,
    markdown: Annotated[
        Path | None, typer.Option("--markdown", "--md", metavar="FILE", show_default=False,
                                  help="Write the markdown report (for a pull request comment).")
    ] = None,
) -> None:
    """Write the report of a stored comparison or evaluation: --html FILE and/or --markdown FILE.

    Exit codes: 0 written; 2 unknown id, no result yet, no output given, or the file cannot be written.
    """
    from promptctl.cli.ab import write_report
    from promptctl.errors import InputError
    from promptctl.evaluation.past_runs import stored_result

    if html is None and markdown is None:
        raise InputError("nothing to write: give --html FILE or --markdown FILE",
                         hint=f"promptctl report {run_id} --html report.html")
    proj = project()
    store = proj.store()
    result = stored_result(store, run_id)
    if html is not None:
        write_report(html, result, proj, store, fmt="html")
    if markdown is not None:
        write_report(markdown, result, proj, store, fmt="markdown")
