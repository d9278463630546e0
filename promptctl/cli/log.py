"""The ``log`` command: recorded runs."""

from __future__ import annotations

from typing import Annotated

import typer

from promptctl.cli.common import console, print_json, project


def register(app: typer.Typer) -> None:
    """Add this module's commands to the app."""
    app.command("log")(log)


def log(
    n: Annotated[int, typer.Option("-n", help="How many runs, newest first.", min=1)] = 20,
    prompt: Annotated[str | None, typer.Option("--prompt", help="Only runs of this prompt.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the stored records as JSON.")] = False,
) -> None:
    """Show recorded runs, newest first."""
    from promptctl.store.runs import record_dict

    store = project().store()
    records = [record_dict(r) for r in store.recent(n, prompt=prompt)]
    if as_json:
        print_json(records)
        return
    from rich.table import Table

    table = Table("run", "time", "prompt", "provider:model", "in", "out", "latency", "status", box=None)
    for r in records:
        p = r["prompt"]
        table.add_row(
            r["run_id"][:12],
            r["created_at"].replace("T", " ").removesuffix("+00:00"),
            f"{p['name']}@{p['version']}" + (" (draft)" if p["draft"] else ""),
            f"{r['provider']}:{r['model']}",
            str(r["usage"]["input_tokens"]),
            str(r["usage"]["output_tokens"]),
            f"{r['latency_s']:.2f}s" if r["latency_s"] is not None else "-",
            r["status"] if not r["error"] else f"error: {r['error'][:60]}",
        )
    if not records:
        console(stderr=True).print("no runs recorded yet")
        return
    console().print(table)
