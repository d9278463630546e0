"""Moving in and out: ``promptctl import`` and ``promptctl export``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from promptctl.cli.common import console, print_json, project


def register(app: typer.Typer) -> None:
    """Add this module's commands to the app."""
    app.command("import")(import_prompts)
    app.command("export")(export_prompt)


def import_prompts(
    sources: Annotated[
        list[Path],
        typer.Argument(metavar="SOURCE", help="Files or folders to import (one or more).", show_default=False),
    ],
    from_format: Annotated[
        str | None,
        typer.Option("--from", metavar="FORMAT", show_default=False,
                     help="langfuse, dotprompt, prompty, promptfoo, text, fabric, csv or jinja2 (default: detected)."),
    ] = None,
    publish: Annotated[
        bool, typer.Option("--publish", help="Publish the new versions in source order and keep their labels.")
    ] = False,
    dataset_dir: Annotated[
        Path | None,
        typer.Option("--dataset-dir", metavar="DIR", show_default=False,
                     help="Where promptfoo tests are written as datasets (default: fixtures/datasets/ beside "
                     "prompts/, as promptctl init)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Import prompts from Langfuse JSON, Dotprompt, Prompty, promptfoo configs, text/markdown/fabric, CSV.

    Creates drafts (or, with --publish, published versions with the source's labels); never overwrites
    a version: identical versions are skipped, others become the next draft. Prints what was imported,
    converted, escaped (text that only looks like template syntax, kept literal) and reported (no
    equivalent: kept in the file or its metadata; look at these).
    """
    from promptctl.errors import InputError
    from promptctl.interop import detect_format, distinct_names, found_summary, read_source, write_prompt

    proj = project(create=True)
    partials = [s for s in sources if s.is_file() and s.name.startswith("_")
                and (from_format or detect_format(s)) == "dotprompt"]
    for partial in partials:  # `import prompts/*.prompt` also names the partials: they are inlined, not prompts
        sys.stderr.write(f"skipped: {partial}: a Dotprompt partial (_NAME.prompt), inlined where a prompt uses it\n")
    sources = [s for s in sources if s not in partials]
    if not sources:
        raise InputError("nothing to import: every source is a Dotprompt partial (_NAME.prompt)",
                         hint="import the .prompt files that use them; their partials are inlined")
    skipped: list[str] = []  # a folder's JSON Schema or sample input beside its prompts
    read = [(source, read_source(source, from_format, skipped=skipped)) for source in sources]  # all, then write
    for line in skipped:
        sys.stderr.write(f"skipped: {line}\n")
    distinct_names([prompt for _, prompts in read for prompt in prompts])  # `import a/x.prompt b/x.prompt` too
    found = [found_summary(source, prompts) for source, prompts in read if source.is_dir()]
    rows = [write_prompt(proj.registry, prompt, publish=publish, dataset_dir=dataset_dir)
            for _, prompts in read for prompt in prompts]
    if as_json:
        print_json([{**{k: v for k, v in row.__dict__.items() if k != "findings"},
                     "findings": [f.__dict__ for f in row.findings]} for row in rows])
        return
    from rich.table import Table

    table = Table("prompt", "from", "versions", "status", "converted", "escaped", "reported", box=None,
                  pad_edge=False)
    for row in rows:
        created = ", ".join(r.rsplit("@", 1)[1] for r in row.created) or "-"
        status = ("published" if row.published else "draft") if row.created else "unchanged"
        if row.skipped:
            status += f" ({len(row.skipped)} identical skipped)"
        source = row.format + (f" '{row.original_name}'" if row.original_name != row.name else "")
        table.add_row(row.name, source, created, status, str(row.count("converted")), str(row.count("escaped")),
                      str(row.count("reported")))
    for line in found:
        sys.stdout.write(line + "\n")
    console().print(table)
    for row in rows:
        for label, number in sorted(row.labels.items()):
            sys.stdout.write(f"label {row.name}@{label} -> {number}\n")
        if row.sample:
            sys.stdout.write(f"sample input {row.sample}\n")
        if row.dataset:
            sys.stdout.write(f"dataset {row.dataset}\n")
        if row.ab_command:
            sys.stdout.write(f"reproduce the evaluation with:\n  {row.ab_command}\n")
    for row in rows:
        for finding in row.findings:
            if finding.kind != "converted":
                sys.stderr.write(f"{finding.kind}: {finding.where}: {finding.message}\n")


_LEFT_BEHIND = {"fewshot": "the few-shot examples", "cot": "the chain-of-thought trigger and answer extraction",
                "consistency": "the samples and the vote", "structured": "the output schema and its validation",
                "chain": "the steps"}
"""What an export leaves out of a version whose strategy is not ``direct``, for the warning that says so."""


def export_prompt(
    ref: Annotated[str, typer.Argument(metavar="REF", help="NAME (every version) or NAME@N / NAME@label.",
                                       show_default=False)],
    to: Annotated[str, typer.Option("--to", metavar="FORMAT", help="langfuse, dotprompt or promptfoo.")],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", metavar="FILE", help="Write here instead of stdout.",
                                  show_default=False)
    ] = None,
    dataset: Annotated[
        Path | None, typer.Option("--dataset", "-d", metavar="FILE", show_default=False,
                                  help="promptfoo: a dataset whose cases become tests (scorers as assertions).")
    ] = None,
) -> None:
    """Export a prompt for Langfuse (its prompt JSON), Dotprompt (a .prompt file) or promptfoo (a config).

    NAME alone exports every version (Langfuse, promptfoo) or the latest published one (Dotprompt, which
    has no versions). What a format cannot express is an error naming the template line; what changes on
    the way (a section written as a markdown heading, a scorer with no assertion) is a warning.
    """
    from promptctl.errors import InputError
    from promptctl.interop import EXPORT_FORMATS, dotprompt, export_json, langfuse, promptfoo
    from promptctl.registry.registry import Reference

    if to not in EXPORT_FORMATS:
        from promptctl.errors import did_you_mean

        close = did_you_mean(to, EXPORT_FORMATS)
        raise InputError(f"unknown export format '{to}'",
                         hint=(f"{close} " if close else "") + f"formats: {', '.join(EXPORT_FORMATS)}")
    reg = project().registry
    reference = Reference.parse(ref)
    versions: list[Any]
    if reference.selector is None and to != "dotprompt":
        versions = list(reg.versions(reference.name, allow_modified=False))
        if not versions:
            raise InputError(f"prompt '{reference.name}' has no versions")
    else:
        versions = [reg.get(ref)]
    notes: list[str] = []
    if to == "langfuse":
        text = export_json(langfuse.export(versions))
    elif to == "dotprompt":
        text, notes = dotprompt.export(versions[0])
    else:
        text, notes = promptfoo.export(versions, dataset)
    for version in versions:  # the other tool gets the template: a strategy's calls and examples stay behind
        strategy = version.front_matter.strategy.name
        if strategy != "direct" and not (strategy == "structured" and to == "dotprompt"):
            notes.append(f"{version.ref}: strategy '{strategy}' is not exported: {to} gets the template alone, "
                         f"without {_LEFT_BEHIND.get(strategy, 'its options')}")
    from promptctl.cli.common import warn

    warn(notes)
    if output is None:
        sys.stdout.write(text)
        return
    from promptctl.registry.index import atomic_write_text

    atomic_write_text(output, text)
    sys.stdout.write(f"wrote {output}\n")
