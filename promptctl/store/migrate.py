"""Schema migrations of the run store with Alembic, on SQLite and PostgreSQL.

Every open of a run store (:class:`promptctl.store.runs.RunStore`) checks the schema revision and, when the
store is older than this release (or new, or made before Alembic: no ``alembic_version`` table), upgrades it
to :data:`HEAD` at once, under a lock so that many processes opening it together upgrade it once: a file
lock beside a SQLite database, a transaction-scoped advisory lock on PostgreSQL. The whole upgrade is one
transaction on both, so a failed upgrade leaves nothing half done. ``promptctl db upgrade`` does the same
explicitly and reports what it did; ``promptctl db current`` shows the revision without changing anything.

A store already at :data:`HEAD` costs one ``SELECT`` on open; Alembic is imported only to upgrade. A store
at a revision this release does not know (upgraded by a newer promptctl) is refused rather than written to.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from promptctl.errors import InputError
from promptctl.store.revision import HEAD

if TYPE_CHECKING:
    from alembic.config import Config


_PG_LOCK = 0x70726F6D70746374  # pg_advisory_xact_lock key: "promptct" in ASCII, the same for every promptctl
_SCRIPTS = Path(__file__).with_name("migrations")


def current(engine: sa.Engine) -> str | None:
    """The store's schema revision, or None for a new database or one made before Alembic."""
    with engine.connect() as conn:
        return _revision(conn)


def _revision(conn: sa.Connection) -> str | None:
    if not sa.inspect(conn).has_table("alembic_version"):
        return None
    return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()


def ensure_current(engine: sa.Engine) -> None:
    """Upgrade the store to :data:`HEAD` unless it is there already (the check made on every open).

    Raises:
        InputError: The store was upgraded by a newer promptctl, or the upgrade failed (exit 2).
    """
    if current(engine) != HEAD:
        upgrade(engine)


def upgrade(engine: sa.Engine) -> tuple[str | None, str]:
    """Upgrade the store to :data:`HEAD` under the migration lock.

    Args:
        engine: The run store's engine (SQLite or PostgreSQL; other SQLAlchemy backends without a lock).

    Returns:
        The revision before (None: new or pre-Alembic) and after (:data:`HEAD`).

    Raises:
        InputError: The store is at a revision this release does not know (exit 2, hint: upgrade promptctl),
            or the upgrade failed.
    """
    with _lock(engine):
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK})
            elif conn.dialect.name == "sqlite":
                # Python's sqlite3 opens a transaction only before INSERT/UPDATE/DELETE and runs each CREATE or
                # ALTER on its own, one commit (and journal fsync) per statement: begin one ourselves so the
                # upgrade commits once and a failure rolls all of it back (SQLAlchemy's pysqlite notes,
                # "Serializable isolation / Savepoints / Transactional DDL").
                conn.exec_driver_sql("BEGIN")
            before = _revision(conn)
            if before == HEAD:
                return before, HEAD
            _refuse_unknown(before, engine)
            from alembic import command

            config = _config()
            config.attributes["connection"] = conn
            try:
                command.upgrade(config, "head")
            except sa.exc.SQLAlchemyError as exc:
                raise InputError(f"cannot upgrade the run store {safe_url(engine)} from revision {before} to "
                                 f"{HEAD}: {str(exc).splitlines()[0]}",
                                 hint="nothing was lost; fix the cause and run promptctl db upgrade") from None
    return before, HEAD


def _refuse_unknown(revision: str | None, engine: sa.Engine) -> None:
    if revision is None:
        return
    from alembic.script import ScriptDirectory

    try:
        ScriptDirectory.from_config(_config()).get_revision(revision)
    except Exception:  # noqa: BLE001 - alembic raises several kinds for an unknown id
        raise InputError(
            f"the run store {safe_url(engine)} is at schema revision {revision}, newer than this promptctl "
            f"knows (its newest is {HEAD})",
            hint="install the newer promptctl on this machine too (README, Install)",
        ) from None


def _config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(_SCRIPTS))
    return config


def _lock(engine: sa.Engine) -> Any:
    """A file lock beside a SQLite database file; a null context otherwise (PostgreSQL locks in SQL)."""
    from contextlib import nullcontext

    database = engine.url.database
    if engine.dialect.name != "sqlite" or database in (None, "", ":memory:") or database.startswith("file:"):
        return nullcontext()
    from filelock import FileLock

    return FileLock(f"{database}.migrate-lock", timeout=120)


def safe_url(engine_or_url: sa.Engine | str) -> str:
    """The database URL with its password masked (``***``): what messages show (user info too if unparsable)."""
    if isinstance(engine_or_url, sa.Engine):
        return engine_or_url.url.render_as_string(hide_password=True)
    try:
        return sa.engine.make_url(engine_or_url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        import re

        return re.sub(r"//[^/@]*@", "//***@", engine_or_url)

