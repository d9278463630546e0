"""Registry lifecycle commands: init, new, publish, label, history, verify, lock."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from promptctl.cli.common import console, print_json, project

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def register(app: typer.Typer) -> None:
    """Add this module's commands to the app."""
    app.command("init")(init)
    app.command("new")(new)
    app.command("publish")(publish)
    app.command("label")(label)
    app.command("history")(history)
    app.command("verify")(verify)
    app.command("lock")(lock)


def init(
    path: Annotated[Path, typer.Argument(help="Project folder.", show_default=False)] = Path("."),
) -> None:
    """Scaffold a project that works right away: a prompt, its sample input, a dataset and a snapshot suite.

    Writes promptctl.toml, prompts/hello (a draft), fixtures/hello/sample.yaml, fixtures/datasets/hello.yaml,
    prompts/hello/snapshots.yaml with its golden files (recorded with the fake provider), .gitignore entries.
    """
    from promptctl.registry.lifecycle import init_project

    root = path.resolve()
    created = init_project(root)
    suite = next((f for f in created if f.name == "snapshots.yaml"), None)
    if suite is not None:
        created.extend(_record_scaffold(root))
    for file in created:
        sys.stdout.write(f"created {file}\n")
    if not created:
        sys.stdout.write("nothing to do: the project is already set up\n")
        return
    sys.stdout.write(
        "\nnext, in " + str(root) + ":\n"
        '  promptctl render hello@1 --var question="What is a prompt?"     # the request, per provider\n'
        "  promptctl lint && promptctl snapshot check                      # what CI runs\n"
        "  promptctl eval hello@1 --dataset fixtures/datasets/hello.yaml --provider fake\n"
        "      # the fake provider echoes the input, so 0/6 pass: drop --provider fake to score the model\n"
        "  promptctl ab hello@1 hello@1::temperature=0.7 --dataset fixtures/datasets/hello.yaml --provider fake\n"
        "  promptctl help                                                  # file formats\n"
    )


def _record_scaffold(root: Path) -> list[Path]:
    """Record the golden files of the scaffolded snapshot suite (fake provider: no network, no credentials)."""
    import os

    from promptctl.config import load_config
    from promptctl.evaluation.snapshots import SnapshotProject, record

    cwd = Path.cwd()
    os.chdir(root)  # the suite's paths are relative to the project root
    try:
        changes = record(SnapshotProject(load_config(root)), ["hello"])
    finally:
        os.chdir(cwd)
    return [c.golden for c in changes if c.written]


def new(
    name: Annotated[str, typer.Argument(metavar="NAME", help="Prompt name.", show_default=False)],
    from_ref: Annotated[
        str | None,
        typer.Option("--from", metavar="REF", help="Start the draft from this version (any prompt).",
                     show_default=False),
    ] = None,
    description: Annotated[
        str | None, typer.Option("--description", "-d", metavar="TEXT",
                                  help="One line for a new prompt, kept in prompt.yaml (default: the front matter "
                                       "description).")
    ] = None,
) -> None:
    """Create a prompt with a draft v1, or the next draft of NAME from --from REF."""
    from promptctl.registry.lifecycle import new_prompt

    for file in new_prompt(project(create=True).registry, name, source=from_ref, description=description):
        sys.stdout.write(f"created {file}\n")


def publish(
    name: Annotated[
        str | None, typer.Argument(metavar="NAME", help="Prompt name, or NAME@N for draft N (not with --all).",
                                   show_default=False)
    ] = None,
    version: Annotated[
        int | None, typer.Option("--version", metavar="N", help="Draft number (default: the newest draft).")
    ] = None,
    message: Annotated[str | None, typer.Option("--message", "-m", metavar="TEXT", help="What changed.")] = None,
    publish_all: Annotated[
        bool, typer.Option("--all", help="Publish every draft of every prompt (all checked first), one message.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Publish a draft: record its sha256, time and message. It is immutable from then on.

    --all publishes every draft of every prompt, oldest first; every draft is checked before any is
    published, so one bad draft publishes nothing.
    """
    from promptctl.errors import InputError

    reg = project().registry
    if publish_all:
        if name is not None or version is not None:
            raise InputError("--all publishes every draft; give no NAME or --version with it",
                             hint="promptctl publish --all -m 'imported prompts'")
        done = reg.publish_all(message=message)
        if as_json:
            print_json([{"name": n, **record.model_dump()} for n, record in done])
            return
        for n, record in done:
            sys.stdout.write(f"published {n}@{record.version} sha256:{record.sha256[:16]}\n")
        if not done:
            sys.stdout.write("nothing to publish: no drafts\n")
        return
    if name is None:
        raise InputError("publish needs a prompt NAME (or --all)", hint="promptctl publish NAME, or promptctl "
                         "publish --all")
    base, at, number = name.partition("@")
    if at and number.isdigit():  # `publish NAME@3`, the form every other command takes, is `--version 3`
        if version is not None and version != int(number):
            raise InputError(f"{name} and --version {version} name different drafts",
                             hint=f"promptctl publish {base} --version N (or {base}@N)")
        name, version = base, int(number)
    record = reg.publish(name, version, message=message)
    if as_json:
        print_json({"name": name, **record.model_dump()})
        return
    sys.stdout.write(f"published {name}@{record.version} sha256:{record.sha256[:16]}\n")


def label(
    ref: Annotated[str, typer.Argument(metavar="REF", help="A published version (with --delete: the prompt's name).",
                                       show_default=False)],
    name: Annotated[str, typer.Argument(metavar="LABEL", help="e.g. production, staging.", show_default=False)],
    delete: Annotated[bool, typer.Option("--delete", "-d", help="Remove LABEL from prompt REF (recorded; a lockfile "
                                                                "that pins it is then stale for lock --check).")
                      ] = False,
) -> None:
    """Point LABEL at the published version REF resolves to, and record the move; or --delete it.

    Labels are case-sensitive: a label that differs from an existing one only in case (Production beside
    production) is refused.
    """
    reg = project().registry
    if delete:
        prompt_name, at, rest = ref.partition("@")
        if at:
            from promptctl.errors import InputError

            raise InputError(f"--delete removes a label from a prompt, not from {ref}",
                             hint=f"promptctl label {prompt_name} {name} --delete")
        removed = reg.remove_label(prompt_name, name)
        sys.stdout.write(f"{prompt_name}@{name} removed (was {removed.from_version})\n")
        return
    move = reg.set_label(ref, name)
    prompt_name = ref.partition("@")[0].strip()
    if move.from_version == move.to_version:
        sys.stdout.write(f"{prompt_name}@{name} already -> {move.to_version} (nothing recorded)\n")
        return
    was = f" (was {move.from_version})" if move.from_version is not None else ""
    sys.stdout.write(f"{prompt_name}@{name} -> {move.to_version}{was}\n")


def history(
    name: Annotated[str, typer.Argument(metavar="NAME", help="Prompt name.", show_default=False)],
    as_json: JsonOpt = False,
) -> None:
    """Show a prompt's versions and label moves.

    Status: published, draft, modified (a published file that no longer matches its sha256) or missing.
    """
    from promptctl.registry.registry import matches_record

    reg = project().registry
    index = reg.index(name)
    published = {r.version: r for r in index.versions}
    versions: list[dict[str, Any]] = []
    for number in sorted(set(reg.version_numbers(name)) | set(published)):
        record = published.get(number)
        status = "draft"
        if record is not None:
            path = reg.folder(name) / f"v{number}.j2"
            status = ("missing" if not path.exists()
                      else "modified" if not matches_record(reg.root, path, record.sha256) else "published")
        versions.append(
            {
                "version": number,
                "status": status,
                "sha256": record.sha256 if record else None,
                "published_at": record.published_at if record else None,
                "message": record.message if record else None,
                "labels": sorted(k for k, v in index.labels.items() if v == number),
            }
        )
    moves = [m.model_dump(by_alias=True) for m in index.label_history]
    if as_json:
        print_json({"name": name, "description": index.description, "versions": versions, "label_moves": moves})
        return
    from rich.table import Table

    table = Table("version", "status", "published", "sha256", "labels", "message", box=None, title=name)
    for v in versions:
        table.add_row(
            str(v["version"]),
            v["status"],
            v["published_at"] or "-",
            (v["sha256"] or "")[:12] or "-",
            ", ".join(v["labels"]) or "-",
            v["message"] or "",
        )
    out = console()
    out.print(table)
    if moves:
        out.print("\nlabel moves:", markup=False)
        for m in moves:
            start = m["from"] if m["from"] is not None else "(new)"
            end = m["to"] if m["to"] is not None else "(removed)"
            out.print(f"  {m['at']}  {m['label']}: {start} -> {end}", markup=False)


def verify(
    lockfile: Annotated[
        Path | None,
        typer.Option("--lock", metavar="FILE", help="Lockfile to check too (default: promptctl.lock if present)."),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Check every published version against its recorded sha256, and the lockfile. Exit 4 on a mismatch."""
    from promptctl.errors import IntegrityError
    from promptctl.registry.lifecycle import verify as run_verify
    from promptctl.registry.lock import LOCK_FILE, Lockfile

    proj = project()
    path = lockfile or (proj.config.root / LOCK_FILE)
    lock = Lockfile.read(path) if lockfile is not None or path.exists() else None
    problems = run_verify(proj.registry, lock)
    if as_json:
        print_json([p.__dict__ for p in problems])
    else:
        for problem in problems:
            sys.stderr.write(f"{problem.kind}: {problem.message}\n")
    if problems:
        raise IntegrityError(
            f"{len(problems)} integrity problem(s); first: {problems[0].message}",
            path=problems[0].path,
            hint=problems[0].hint or "restore the files from version control; publish changes as new versions",
        )
    names = proj.registry.names()
    if not as_json:
        extra = f" and {_count(len(lock.entries), 'lock entry', 'lock entries')}" if lock else ""
        sys.stdout.write(f"ok: {_count(len(names), 'prompt')} verified{extra}\n")


def lock(
    refs: Annotated[
        list[str] | None, typer.Argument(metavar="REF", help="References the application uses.")
    ] = None,
    check: Annotated[bool, typer.Option("--check", help="Report a stale lock (exit 1) without changing it.")] = False,
    lockfile: Annotated[
        Path | None, typer.Option("--lock", metavar="FILE", help="Lockfile path (default: promptctl.lock).")
    ] = None,
    drop: Annotated[
        list[str] | None, typer.Option("--drop", metavar="REF", show_default=False,
                                       help="Remove REF's entry (repeatable): a reference the application no longer "
                                            "uses, or whose label was removed.")
    ] = None,
) -> None:
    """Write promptctl.lock: the exact version and sha256 each reference resolves to."""
    from promptctl.errors import CheckFailed, IntegrityError, ReferenceNotFound
    from promptctl.registry.lifecycle import check_lock_integrity, stale_entries
    from promptctl.registry.lock import LOCK_FILE, Lockfile

    proj = project()
    path = lockfile or (proj.config.root / LOCK_FILE)
    if check:
        current = Lockfile.read(path)
        problems = check_lock_integrity(proj.registry, current)
        if problems:
            raise IntegrityError(problems[0].message, path=problems[0].path,
                                 hint=problems[0].hint or "restore the prompt files")
        stale = stale_entries(proj.registry, current)
        for s in stale:
            now = f"now resolves to {s.current_version}" if s.current_version is not None else \
                f"now resolves to nothing ({s.reason})"
            sys.stderr.write(f"stale: {s.ref} is locked to version {s.locked_version}, {now}\n")
        if stale:
            gone = [s for s in stale if s.current_version is None]
            raise CheckFailed(
                f"{_count(len(stale), 'stale lock entry', 'stale lock entries')} in {path}",
                hint="update it with: promptctl lock" if not gone else
                f"label it again (promptctl label {gone[0].ref.partition('@')[0]}@{gone[0].locked_version} "
                f"{gone[0].ref.partition('@')[2]}), or stop using it in the application and: promptctl lock "
                f"--drop {gone[0].ref}",
            )
        sys.stdout.write(f"ok: {path} is current ({_count(len(current.entries), 'entry', 'entries')})\n")
        return
    if drop:
        _drop_entries(path, drop, refs)
        if not refs:
            return
    keep = list(refs or [])
    if not keep:
        if not path.exists():
            from promptctl.errors import InputError

            raise InputError(
                "no references given and no lockfile to refresh", hint="promptctl lock support-agent@production"
            )
        keep = sorted(Lockfile.read(path).entries)
        for ref in keep:  # refreshing: an entry that resolves to nothing now (a removed label) says how to go on
            try:
                proj.registry.resolve(ref)
            except ReferenceNotFound as exc:
                raise ReferenceNotFound(f"{path.name}: {ref} resolves to nothing now ({exc.message})",
                                        hint=f"label it again, or drop the entry: promptctl lock --drop {ref}"
                                        ) from None
    new_lock = proj.registry.lock_references(keep, path)
    if path.exists() and refs:
        merged = {**Lockfile.read(path).entries, **new_lock.entries}
        new_lock = Lockfile(path, merged)
    new_lock.write()
    for ref, entry in sorted(new_lock.entries.items()):
        sys.stdout.write(f"{ref} -> {entry.name}@{entry.version} sha256:{entry.sha256[:16]}\n")


def _drop_entries(path: Path, drop: list[str], refs: list[str] | None) -> None:
    """Remove ``drop``'s entries from the lockfile at ``path`` and write it (``lock --drop REF``).

    Raises:
        InputError: A reference to drop is not in the lockfile (with a "did you mean"), or is also to be locked.
    """
    from promptctl.errors import InputError, did_you_mean
    from promptctl.registry.lock import Lockfile

    current = Lockfile.read(path)
    for ref in drop:
        if ref in (refs or []):
            raise InputError(f"{ref} is both to lock and to --drop", hint="give it once")
        if ref not in current.entries:
            close = did_you_mean(ref, current.entries)
            raise InputError(f"{path.name} has no entry {ref}",
                             hint=close or f"entries: {', '.join(sorted(current.entries)) or 'none'}")
    kept = Lockfile(path, {ref: e for ref, e in current.entries.items() if ref not in drop})
    kept.write()
    for ref in drop:
        sys.stdout.write(f"dropped {ref} from {path.name}\n")


def _count(n: int, singular: str, plural: str | None = None) -> str:
    """``1 prompt``, ``2 prompts``."""
    return f"{n} {singular if n == 1 else plural or singular + 's'}"
