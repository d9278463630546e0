"""The ``db`` commands: the run store's schema revision (``db current``) and its upgrade (``db upgrade``)."""

from __future__ import annotations

from typing import Annotated

import typer

from promptctl.cli.common import print_json, project

db_app = typer.Typer(help="The run store's schema: show its revision, upgrade it (Alembic; SQLite or PostgreSQL).",
                     no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the app."""
    app.add_typer(db_app, name="db")


@db_app.command("current")
def current(
    as_json: Annotated[bool, typer.Option("--json", help="Print url, revision, head as JSON.")] = False,
) -> None:
    """Show the run store's URL (password masked), its schema revision and this release's; changes nothing.

    Exit codes: 0 shown; 2 the store cannot be opened.
    """
    from promptctl.store.migrate import HEAD, current, safe_url
    from promptctl.store.runs import RunStore, store_errors

    url = project().store_url()
    store = RunStore(url, upgrade=False)
    with store_errors(url):
        revision = current(store.engine)
    store.close()
    if as_json:
        print_json({"url": safe_url(url), "revision": revision, "head": HEAD, "up_to_date": revision == HEAD})
        return
    state = "up to date" if revision == HEAD else \
        f"older than this release's {HEAD}: promptctl db upgrade (or any command) upgrades it"
    typer.echo(f"{safe_url(url)}: revision {revision or 'none (new, or made before migrations)'}, {state}")


@db_app.command("upgrade")
def upgrade(as_json: Annotated[bool, typer.Option("--json", help="Print url, from, to as JSON.")] = False) -> None:
    """Upgrade the run store's schema to this release's revision (every command also does it on open).

    Safe while other processes use the store: the upgrade takes a lock (a file lock beside a SQLite file,
    an advisory lock on PostgreSQL) and runs once. Rows are kept.

    Exit codes: 0 upgraded or already current; 2 the store cannot be opened, or it was upgraded by a newer
    promptctl.
    """
    from promptctl.store.migrate import safe_url
    from promptctl.store.migrate import upgrade as run_upgrade
    from promptctl.store.runs import RunStore, store_errors

    url = project().store_url()
    store = RunStore(url, upgrade=False)
    with store_errors(url):
        before, after = run_upgrade(store.engine)
    store.close()
    if as_json:
        print_json({"url": safe_url(url), "from": before, "to": after})
        return
    what = "already at revision " + after if before == after else f"upgraded from {before or 'none'} to {after}"
    typer.echo(f"{safe_url(url)}: {what}")
