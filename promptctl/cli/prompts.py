"""Commands on prompts: render, run, list, show."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from promptctl.cli.common import console, parse_vars, print_json, project, warn

RefArg = Annotated[
    str,
    typer.Argument(metavar="REF", help="NAME, NAME@3, NAME@production or NAME@sha256:<8+ hex>.", show_default=False),
]
VarOpt = Annotated[
    list[str] | None, typer.Option("--var", "-v", help="Variable as NAME=VALUE (repeatable).", show_default=False)
]
VarsOpt = Annotated[Path | None, typer.Option("--vars", help="JSON or YAML file of variables.", show_default=False)]
ProviderOpt = Annotated[
    str | None, typer.Option("--provider", "-p", help="openai, anthropic, watsonx or fake.", show_default=False)
]
ModelOpt = Annotated[str | None, typer.Option("--model", "-m", help="Model id.", show_default=False)]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def register(app: typer.Typer) -> None:
    """Add this module's commands to the app."""
    app.command("render")(render)
    app.command("run")(run)
    app.command("list")(list_prompts)
    app.command("show")(show)


def render(
    ref: RefArg,
    var: VarOpt = None,
    vars_file: VarsOpt = None,
    provider: ProviderOpt = None,
    model: ModelOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Print exactly the request the provider's SDK would send. No network."""
    from promptctl.adapters import build_request

    proj = project()
    version = proj.registry.get(ref)
    request = build_request(
        version, version.prompt(parse_vars(var, vars_file)), provider=provider, model=model, config=proj.config
    )
    warn(request.warnings)
    if as_json:
        print_json({"prompt": _info(version), **request.to_dict()})
        return
    _print_request(version.display, request)


def run(
    ref: RefArg,
    var: VarOpt = None,
    vars_file: VarsOpt = None,
    provider: ProviderOpt = None,
    model: ModelOpt = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Do everything except the provider call.")] = False,
    allow_modified: Annotated[
        bool, typer.Option("--allow-modified", help="Run a published version whose file no longer matches its hash.")
    ] = False,
    max_cost: Annotated[
        float | None,
        typer.Option("--max-cost", help="Budget in USD: refuse before the call if the high estimate crosses it.",
                     min=0, show_default=False),
    ] = None,
    cache: Annotated[
        bool, typer.Option("--cache", help="Reuse a recorded response to the identical request instead of calling.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Render and send a prompt version, print the output, and record the run (--dry-run: request and cost estimate)."""
    import asyncio

    from promptctl.run import arun

    proj = project()
    version = proj.registry.get(ref, allow_modified=allow_modified)
    if version.modified:
        warn([f"{version.path} no longer matches its published sha256; running it because of --allow-modified"])
    store = None if dry_run else proj.store()
    from promptctl.cli.cost import history_store

    result = asyncio.run(
        arun(
            version, parse_vars(var, vars_file), provider=provider, model=model, config=proj.config,
            store=store, dry_run=dry_run, estimate=dry_run, max_cost=max_cost,
            history=store if store is not None else history_store(proj), cache=cache,
        )
    )
    warn(result.warnings)
    if as_json:
        from promptctl.store.runs import record_dict

        stored = store.get(result.run_id) if store is not None and result.run_id else None
        print_json(record_dict(stored) if stored else result.to_dict())
        return
    if dry_run:
        from promptctl.cli.cost import print_estimate

        _print_request(version.display, result.request)
        if result.estimate is not None:
            sys.stdout.write("\n")
            print_estimate(result.estimate)
        sys.stderr.write("dry run: nothing was sent\n")
        return
    sys.stdout.write(result.output + ("\n" if not result.output.endswith("\n") else ""))
    u = result.usage
    cost = f"${result.cost_usd:.6f}" if result.cost_usd is not None else "cost n/a"
    sys.stderr.write(
        f"{version.display} {result.provider}:{result.model}  in {u.input_tokens} tok"
        f" (cached {u.cached_input_tokens})  out {u.output_tokens} tok  {cost}  {result.latency_s:.2f}s"
        f"  run {result.run_id}\n"
    )


def list_prompts(as_json: JsonOpt = False) -> None:
    """List the prompts: latest published version, drafts, labels and description."""
    proj = project()
    rows = []
    for name in proj.registry.names():
        index = proj.registry.index(name)
        numbers = proj.registry.version_numbers(name)
        published = sorted(r.version for r in index.versions)
        rows.append(
            {
                "name": name,
                "latest": published[-1] if published else None,
                "published": published,
                "drafts": [n for n in numbers if n not in published],
                "labels": dict(sorted(index.labels.items())),
                "description": index.description,
            }
        )
    if as_json:
        print_json(rows)
        return
    from rich.table import Table

    table = Table("prompt", "latest", "drafts", "labels", "description", box=None, pad_edge=False)
    for row in rows:
        table.add_row(
            row["name"],
            str(row["latest"] or "-"),
            ", ".join(f"v{n}" for n in row["drafts"]) or "-",
            ", ".join(f"{k}={v}" for k, v in row["labels"].items()) or "-",
            row["description"] or "",
        )
    console().print(table)


def show(ref: RefArg, as_json: JsonOpt = False) -> None:
    """Show a version: status, hash, labels, front matter and template."""
    proj = project()
    version = proj.registry.get(ref, allow_modified=True)
    info = {
        **_info(version),
        "path": str(version.path),
        "status": "modified" if version.modified else ("draft" if version.is_draft else "published"),
        "labels": list(version.labels),
        "published_at": version.published.published_at if version.published else None,
        "message": version.published.message if version.published else None,
        "front_matter": version.front_matter.model_dump(mode="json", exclude_defaults=True, by_alias=True),
        "template": version.body,
    }
    if as_json:
        print_json(info)
        return
    out = console()
    out.print(f"{version.display}  {info['status']}  sha256:{version.sha256[:16]}", markup=False)
    out.print(f"file: {version.path}", markup=False)
    if version.labels:
        out.print(f"labels: {', '.join(version.labels)}", markup=False)
    if version.published:
        out.print(f"published: {version.published.published_at}  {version.published.message or ''}", markup=False)
    out.print("")
    sys.stdout.write(version.text if version.text.endswith("\n") else version.text + "\n")
    if version.modified:
        warn([f"{version.path} no longer matches its published sha256"])


def _info(version: Any) -> dict[str, Any]:
    from promptctl.run import prompt_info

    return prompt_info(version)


def _print_request(display: str, request: Any) -> None:
    """Readable view of a request; contents printed verbatim (no markup interpretation)."""
    out = sys.stdout.write
    body = request.body
    out(f"# {display} -> {request.provider}:{request.model}\n")
    params = {k: v for k, v in body.items() if k not in ("model", "model_id", "messages", "system")}
    if params:
        out("# " + "  ".join(f"{k}={v}" for k, v in params.items()) + "\n")
    if "system" in body:
        out("\n--- system (top-level parameter) ---\n" + str(body["system"]) + "\n")
    for message in body.get("messages", []):
        out(f"\n--- {message['role']} ---\n{message['content']}\n")
