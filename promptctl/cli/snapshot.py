"""The ``snapshot`` command group: record, check and update golden files.

Exit codes: 0 all items pass; 1 a request changed, a check failed, a snapshot needs re-recording or a
published version's bytes changed; 2 invalid input (suite, reference, option; a case whose vars file, golden
file or template cannot be used, reported after every other item); 3 provider or
credentials error (record, ``--rerecord``, ``--live``); 4 record/update refused on a modified
published version.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from promptctl.cli.common import print_json

snapshot_app = typer.Typer(
    name="snapshot",
    help="Golden-file snapshots of rendered requests and checked outputs (prompts/<name>/snapshots.yaml).",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)

RefsArg = Annotated[
    list[str] | None,
    typer.Argument(metavar="REF", help="Prompts to work on (NAME or NAME@VERSION/label); default every suite.",
                   show_default=False),
]
CaseOpt = Annotated[list[str] | None, typer.Option("--case", "-c", metavar="ID", help="Only this case id (repeatable).",
                                                   show_default=False)]
ProviderOpt = Annotated[
    str | None,
    typer.Option("--provider", "-p", metavar="P", help="Provider that produces the output (default: the case's "
                 "record_with, else the prompt's own).", show_default=False),
]


def register(app: typer.Typer) -> None:
    """Add the ``snapshot`` command group to the app."""
    app.add_typer(snapshot_app, name="snapshot")


def _project() -> Any:
    from promptctl.cli.common import project
    from promptctl.evaluation.snapshots import SnapshotProject

    proj = project()
    return proj, SnapshotProject(proj.config)


def _print(text: str, *, stderr: bool = False) -> None:
    """Print report text; on a terminal, diff lines and FAIL/ok marks are coloured."""
    stream = sys.stderr if stderr else sys.stdout
    if not stream.isatty():
        stream.write(text)
        stream.flush()
        return
    from rich.text import Text

    from promptctl.cli.common import console

    out = console(stderr=stderr)
    for line in text.splitlines():
        style = ""
        if line.startswith(("+++", "---")):
            style = "bold"
        elif line.startswith("+"):
            style = "green"
        elif line.startswith("-"):
            style = "red"
        elif line.startswith("@@"):
            style = "cyan"
        elif line.startswith(("FAIL", "=== ")):
            style = "bold red"
        elif line.startswith("ok"):
            style = "green"
        out.print(Text(line, style=style))


BatchFlag = Annotated[bool, typer.Option(
    "--batch", help="Send the model calls through the provider's batch API (OpenAI, Anthropic) at the batch price "
                    "(half); results within 24 h. Rerun after an interruption: it waits for the same batches.")]


def _batch_line(progress: Any) -> None:
    """One stderr line per change of a provider batch (submitted, in progress, ended with done and failed)."""
    sys.stderr.write(f"batch {progress.describe()}\n")


@snapshot_app.command("record")
def record_cmd(
    refs: RefsArg = None,
    case: CaseOpt = None,
    provider: ProviderOpt = None,
    batch: BatchFlag = False,
) -> None:
    """Render each case for its providers, call the model once per case, write snapshots/<name>/<case>.yaml.

    Real providers go through the response cache in the run store, so a request already answered is not
    sent again; the fake provider answers with the case's record_with.reply. --batch records every case at once
    through the provider's batch API (the fake provider's scripted cases are answered directly).
    """
    from promptctl.errors import CheckFailed
    from promptctl.evaluation.snapshots import record
    from promptctl.evaluation.snapshots.report import changes_text, plural

    proj, snap = _project()
    store = proj.store(origin="snapshot")
    try:
        changes = record(snap, refs or (), case or (), provider=provider, store=store, batch=batch,
                         on_batch=_batch_line)
    finally:
        store.close()
    _print(changes_text(changes, root=snap.root, verb="recorded"))
    failing = [c for c in changes if c.failing]
    if failing:
        raise CheckFailed(
            f"recorded {plural(len(changes), 'case')}; {len(failing)} "
            f"{'fails its' if len(failing) == 1 else 'fail their'} checks: "
            + ", ".join(f"{c.prompt}::{c.case}" for c in failing),
            hint="fix the prompt or the checks in the suite, then record again",
        )


@snapshot_app.command("check")
def check_cmd(
    refs: RefsArg = None,
    case: CaseOpt = None,
    junit: Annotated[
        Path | None, typer.Option("--junit", metavar="FILE", help="Write JUnit XML here.", show_default=False)
    ] = None,
    live: Annotated[bool, typer.Option("--live", help="Re-run the model instead of replaying the recorded output "
                                       "(needs credentials).")] = False,
    trials: Annotated[int | None, typer.Option("--trials", "-k", metavar="K",
                                               help="Live trials per case (K, default 1).",
                                               min=1, show_default=False)] = None,
    threshold: Annotated[float | None, typer.Option("--threshold", metavar="FRACTION",
                                                    help="Fraction of live trials that must pass "
                                                    "(default 1.0; 1/K is pass@k).", show_default=False)] = None,
    provider: Annotated[
        str | None,
        typer.Option("--provider", "-p", metavar="P",
                     help="Provider for --live trials (default: the one that recorded the output).",
                     show_default=False),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only failing items and the summary.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    report_html: Annotated[
        Path | None, typer.Option("--report", metavar="FILE.html", show_default=False,
                                  help="Also write a self-contained HTML report: every item, each changed request "
                                       "or failed check with its diff.")
    ] = None,
    batch: Annotated[bool, typer.Option(
        "--batch", help="With --live: every case's trials go through the provider's batch API at once, at the batch "
                        "price.")] = False,
) -> None:
    """Compare every case's re-rendered requests and replayed checks with its golden file. Exit 1 on a difference.

    No network and no credentials (unless --live).
    """
    from promptctl.errors import CheckFailed, InputError
    from promptctl.evaluation.snapshots import LiveOptions, check
    from promptctl.evaluation.snapshots.report import check_text, junit_xml, plural, report_dict, summary_line

    if not live and (trials is not None or threshold is not None or provider is not None or batch):
        raise InputError("--trials, --threshold, --provider and --batch only apply with --live",
                         hint="promptctl snapshot check --live --trials 5 --threshold 0.8")
    proj, snap = _project()
    options = LiveOptions(trials or 1, 1.0 if threshold is None else threshold, provider, batch) if live else None
    store = proj.store(origin="snapshot") if live else None
    try:
        report = check(snap, refs or (), case or (), live=options, store=store, on_batch=_batch_line)
    finally:
        if store is not None:
            store.close()
    if junit is not None:
        junit.parent.mkdir(parents=True, exist_ok=True)
        from promptctl.registry.index import atomic_write_text

        atomic_write_text(junit, junit_xml(report, root=snap.root))
    if report_html is not None:
        from promptctl.evaluation.report_html import write_html
        from promptctl.evaluation.snapshots.report import report_model

        try:
            write_html(report_model(report, root=snap.root), report_html)
        except OSError as exc:
            raise InputError(f"cannot write the report {report_html}: {exc.strerror}",
                             hint="check that the folder exists and is writable") from None
        sys.stderr.write(f"report written to {report_html}\n")
    if as_json:
        print_json(report_dict(report, root=snap.root))
    else:
        _print(check_text(report, root=snap.root, quiet=quiet))
        sys.stdout.write(summary_line(report) + "\n")
    if not report.cases:
        sys.stderr.write("warning: no snapshot suites found (add prompts/<name>/snapshots.yaml)\n")
    if not report.passed:
        update = ("promptctl snapshot update " + " ".join(_update_args(report, refs or (), case or ()))
                  + " (add --rerecord to call the model again)")
        errors = {c.case for c, _ in report.failed if c.error}
        invalid = sorted({c.case for c, _ in report.failed if c.invalid})
        if errors and all(c.error for c, _ in report.failed):  # a missing vars file, a template error: update cannot
            hint = "fix the error above (in the suite, its vars file or the prompt); snapshot update approves " \
                   "changes, it does not fix errors"
        elif errors:
            hint = f"fix the errors above (case {', '.join(sorted(errors))}) first; then review the diffs, and if " \
                   f"the change is intended: {update}"
        else:
            hint = f"review the diffs above; if the change is intended: {update}"
        if invalid:  # the suite, a vars file or the template cannot be used: invalid input, not a difference
            raise InputError(f"{plural(len(report.failed), 'snapshot item')} failing; invalid input in case "
                             f"{', '.join(invalid)}", hint=hint)
        raise CheckFailed(f"{plural(len(report.failed), 'snapshot item')} failing", hint=hint)


def _update_args(report: Any, refs: list[str] | tuple[str, ...], cases: list[str] | tuple[str, ...]) -> list[str]:
    """What to pass ``snapshot update`` to approve the failing items.

    The references as given (``NAME@3`` updates against version 3, a bare ``NAME`` against the suite's own
    ref), and the ``--case`` options given.
    """
    from promptctl.registry.registry import Reference

    failing = {c.prompt.split("@")[0] for c, _ in report.failed}
    args = [r for r in dict.fromkeys(refs) if Reference.parse(r).name in failing] if refs else sorted(failing)
    return args + [f"--case {c}" for c in dict.fromkeys(cases)]


@snapshot_app.command("update")
def update_cmd(
    refs: RefsArg = None,
    case: CaseOpt = None,
    rerecord: Annotated[bool, typer.Option("--rerecord", help="Call the model again (through the response cache) "
                                           "instead of keeping the recorded output.")] = False,
    provider: ProviderOpt = None,
) -> None:
    """Rewrite golden files (the cases named, or all): re-render requests, re-run checks, keep outputs.

    Prints what changed. With no --case, golden files of removed cases are deleted.
    """
    from promptctl.errors import CheckFailed, InputError
    from promptctl.evaluation.snapshots import update
    from promptctl.evaluation.snapshots.report import changes_text, plural

    if provider is not None and not rerecord:
        raise InputError("--provider only applies with --rerecord",
                         hint="promptctl snapshot update --rerecord -p openai")
    proj, snap = _project()
    store = proj.store(origin="snapshot") if rerecord else None
    try:
        changes, removed = update(snap, refs or (), case or (), rerecord=rerecord, provider=provider, store=store)
    finally:
        if store is not None:
            store.close()
    _print(changes_text(changes, removed, root=snap.root))
    written = sum(1 for c in changes if c.written)
    sys.stdout.write(f"snapshot update: {plural(written, 'golden file')} rewritten, {len(changes) - written} unchanged"
                     + (f", {len(removed)} removed" if removed else "") + "\n")
    failing = [c for c in changes if c.failing]
    if failing:
        raise CheckFailed(
            f"{plural(len(failing), 'updated case')} {'fails its' if len(failing) == 1 else 'fail their'} checks: "
            + ", ".join(f"{c.prompt}::{c.case}" for c in failing),
            hint="the golden files record the failures; fix the prompt or the checks",
        )
