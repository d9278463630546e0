"""The ``diff`` command: what changed between two versions."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from promptctl.cli.common import parse_vars, print_json, project


def register(app: typer.Typer) -> None:
    """Add this module's commands to the app."""
    app.command("diff")(diff)


def diff(
    ref_a: Annotated[
        str, typer.Argument(metavar="A", help="First reference (or a draft: NAME@N).", show_default=False)
    ],
    ref_b: Annotated[str, typer.Argument(metavar="B", help="Second reference.", show_default=False)],
    var: Annotated[
        list[str] | None,
        typer.Option("--var", "-v", help="Variable as NAME=VALUE (repeatable); NAME=@FILE reads a file.",
                     metavar="NAME=VALUE", show_default=False),
    ] = None,
    vars_file: Annotated[
        Path | None, typer.Option("--vars", help="JSON or YAML file of variables; - reads stdin.", metavar="FILE",
                              show_default=False)
    ] = None,
    provider: Annotated[
        list[str] | None,
        typer.Option("--provider", "-p", help="Provider to render for (repeatable).", metavar="P", show_default=False),
    ] = None,
    exit_code: Annotated[
        bool, typer.Option("--exit-code", help="Exit 1 when anything differs (quietly, like git diff --exit-code).")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show front-matter, template, rendered-request, token and cost changes between A and B.

    Variables come from --var/--vars, else from B's sample input fixtures/<name>/sample.yaml; with
    neither, front matter and template are still diffed and the rendered requests are left out with a note.
    """
    from promptctl.diff import diff_versions, sample_variables

    proj = project()
    old = proj.registry.get(ref_a, allow_modified=True)
    new = proj.registry.get(ref_b, allow_modified=True)
    source: str | None
    if var or vars_file:
        values, source = parse_vars(var, vars_file), "--var/--vars"
    else:
        values, source = sample_variables(new, proj.config.root)
    report = diff_versions(
        old, new, providers=provider or (), variables=values, variables_source=source, config=proj.config,
    )
    missing = list(dict.fromkeys(name for r in report.requests for name in r.missing_variables))
    if missing and source is None:
        first = missing[0]
        sys.stderr.write(f"note: the rendered requests are not compared: {', '.join(repr(m) for m in missing)} "
                         f"not given; pass --var {first}=VALUE or --vars FILE, or add a sample input "
                         f"fixtures/{new.name}/sample.yaml\n")
    if as_json:
        print_json(report.to_dict())
    else:
        _print(report)
    if exit_code and report.changed:
        raise typer.Exit(1)  # like git diff --exit-code: the diff is the message


def _print(report: Any) -> None:
    from rich.console import Console
    from rich.text import Text

    out = Console(highlight=False, soft_wrap=True)
    if not report.changed:
        out.print(f"no differences between {report.old} and {report.new}", markup=False)
        return
    out.print(Text(f"diff {report.old} {report.new}", style="bold"))
    if report.front_matter:
        out.print(Text("\nfront matter", style="bold"))
        for change in report.front_matter:
            line = Text(f"  {change.field}: ")
            line.append(_show(change.old), style="red")
            line.append(" -> ")
            line.append(_show(change.new), style="green")
            out.print(line)
    if report.template:
        out.print(Text("\ntemplate", style="bold"))
        _print_unified(out, report.template)
    source = f" (variables from {report.variables_source})" if report.variables_source else ""
    for request in report.requests:
        out.print(Text(f"\nrendered request: {request.provider}{source}", style="bold"))
        if request.missing_variables and report.variables_source is None:
            out.print(f"  needs variables ({', '.join(request.missing_variables)}): not compared", markup=False)
        elif request.error_old or request.error_new:
            out.print(Text(f"  A: {request.error_old or 'renders'}\n  B: {request.error_new or 'renders'}"))
        elif request.diff:
            _print_unified(out, request.diff)
        else:
            out.print("  unchanged", markup=False)
        if request.input_tokens_old is not None and request.input_tokens_new is not None:
            delta = request.input_tokens_new - request.input_tokens_old
            kind = "" if request.tokens_exact else " (estimate)"
            summary = f"  input tokens{kind}: {request.input_tokens_old} -> {request.input_tokens_new} ({delta:+d})"
            if request.cost_old_usd is not None and request.cost_new_usd is not None:
                change = request.cost_new_usd - request.cost_old_usd
                outputs = {request.output_tokens_old, request.output_tokens_new}
                assumed = (f"{request.output_tokens_old}" if len(outputs) == 1
                           else f"{request.output_tokens_old} -> {request.output_tokens_new}")
                summary += (
                    f"; cost per call: ${request.cost_old_usd:.6f} -> ${request.cost_new_usd:.6f} ({change:+.6f}; "
                    f"{assumed} output tokens, no prompt cache)"
                )
            out.print(summary, markup=False)
    sys.stdout.flush()


def _show(value: Any) -> str:
    import json

    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _print_unified(out: Any, text: str) -> None:
    from rich.text import Text

    for line in text.splitlines():
        style = (
            "green"
            if line.startswith("+")
            else "red"
            if line.startswith("-")
            else "cyan"
            if line.startswith("@@")
            else None
        )
        out.print(Text(line, style=style or ""))
