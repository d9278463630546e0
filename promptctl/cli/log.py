"""The ``log`` command: recorded runs, their cost, and totals (``--summary``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from promptctl.cli.common import console, print_json, project

if TYPE_CHECKING:
    from promptctl.store.runs import RunStore


def register(app: typer.Typer) -> None:
    """Add this module's commands to the app."""
    app.command("log")(log)


def log(
    n: Annotated[int, typer.Option("-n", help="How many runs, newest first.", min=1, metavar="N")] = 20,
    prompt: Annotated[
        str | None, typer.Option("--prompt", help="Only runs of this prompt.", metavar="NAME", show_default=False)
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the stored records as JSON.")] = False,
    summary: Annotated[
        bool, typer.Option("--summary", help="Totals (runs, calls, tokens, USD) instead of runs; see --by.")
    ] = False,
    by: Annotated[
        list[str] | None,
        typer.Option("--by", help="Summary grouping: version, day or run (repeatable; default version and day). "
                     "Implies --summary.", metavar="GROUP", show_default=False),
    ] = None,
) -> None:
    """Show recorded runs, newest first, with their cost in USD; --summary totals per prompt version, day or run.

    --by GROUP implies --summary.
    """
    from promptctl.store.runs import record_dict

    proj = project()
    store = proj.store()
    if summary or by:
        _summary(store, by or ["version", "day"], prompt, as_json)
        return
    records = [record_dict(r) for r in store.recent(n, prompt=prompt)]
    if as_json:
        print_json(records)
        return
    from rich.table import Table

    table = Table("run", "time", "prompt", "provider:model", "in", "out", "cost", "latency", "status", box=None)
    for r in records:
        p = r["prompt"]
        table.add_row(
            r["run_id"][:12],
            r["created_at"].replace("T", " ").removesuffix("+00:00"),
            f"{p['name']}@{p['version']}" + (" (draft)" if p["draft"] else ""),
            f"{r['provider']}:{r['model']}",
            str(r["usage"]["input_tokens"]),
            str(r["usage"]["output_tokens"]),
            f"${r['cost_usd']:.6f}" if r["cost_usd"] is not None else "-",
            f"{r['latency_s']:.2f}s" if r["latency_s"] is not None else "-",
            r["status"] if not r["error"] else f"error: {r['error'][:60]}",
        )
    if not records:
        if prompt:
            known = "" if prompt in proj.registry.names() else " (there is no prompt of that name)"
            console(stderr=True).print(f"no runs of '{prompt}' recorded{known}", markup=False)
        else:
            console(stderr=True).print("no runs recorded yet")
        return
    console().print(table)


def _summary(store: RunStore, groups: list[str], prompt: str | None, as_json: bool) -> None:
    """Print totals per group (``version``, ``day``, ``run``) and overall; JSON: {group: rows, "total": {...}}."""
    from rich.table import Table

    from promptctl.tokens.summary import summarise, total

    results = {group: summarise(store, group, prompt=prompt) for group in dict.fromkeys(groups)}
    overall = total(next(iter(results.values()), []))
    if as_json:
        print_json({**results, "total": overall})
        return
    out = console()
    heads = {"version": ("prompt@version",), "day": ("day (UTC)",), "run": ("run", "prompt@version", "provider:model")}
    for group, rows in results.items():
        table = Table(*heads[group], "runs", "calls", "errors", "in", "out", "USD", "unpriced", box=None,
                      title=f"by {group}", title_justify="left")
        for r in rows:
            key = {
                "version": (f"{r.get('prompt')}@{r.get('version')}",),
                "day": (str(r.get("day")),),
                "run": (str(r.get("run_id", ""))[:12], f"{r.get('prompt')}@{r.get('version')}", str(r.get("target"))),
            }[group]
            table.add_row(*key, *_numbers(r))
        out.print(table)
    out.print(f"total: {_count(overall['runs'], 'run')}, {_count(overall['calls'], 'call')}, "
              f"{overall['input_tokens']} in / {overall['output_tokens']} out tokens, ${overall['cost_usd']:.6f}"
              + (f" ({_count(overall['unpriced'], 'unpriced run')} not included)" if overall["unpriced"] else ""),
              markup=False)


def _count(n: int, word: str) -> str:
    """``1 run``, ``2 runs``."""
    return f"{n} {word}{'' if n == 1 else 's'}"


def _numbers(r: dict[str, object]) -> tuple[str, ...]:
    return (str(r["runs"]), str(r["calls"]), str(r["errors"]), str(r["input_tokens"]), str(r["output_tokens"]),
            f"${r['cost_usd']:.6f}", str(r["unpriced"]))
