"""Reading a current SQLite run store through :mod:`sqlite3`, without importing SQLAlchemy.

The everyday reading commands (``log``, ``log show``, ``log --summary``, and the recorded outputs behind the
estimate of ``cost`` and ``run --dry-run``) would spend most of their time importing SQLAlchemy. When the store
is a SQLite file already at this release's schema revision, they read it here instead, with the driver
SQLAlchemy's own SQLite dialect uses, running the statements SQLAlchemy compiled for it
(:mod:`promptctl.store.compiled_reads`, generated from :mod:`promptctl.store.queries`) and converting each column
as SQLAlchemy's result processing does. ``tests/store/test_fast_reads.py`` proves that both ways return the same
rows. SQLAlchemy remains the store's only writer, its only migrator and the only way to any other database.

:func:`open_reader` takes this path only without any doubt: the URL is ``sqlite:///PATH`` (or
``sqlite+pysqlite:///PATH``) with no query options or percent escapes, the file exists, opens read-only, and its
``alembic_version`` holds :data:`~promptctl.store.revision.HEAD`. Otherwise the caller opens
:class:`~promptctl.store.runs.RunStore` as before, which creates, upgrades and reports errors exactly as it always
has. A read the fast path cannot answer (a statement shape not compiled, a locked or damaged file) is run through
:class:`~promptctl.store.runs.RunStore` instead, so its errors and messages are unchanged too.
"""

from __future__ import annotations

import json
import os
import sqlite3
from typing import TYPE_CHECKING, Any, Protocol

from promptctl.store.records import decode_row
from promptctl.store.revision import HEAD

if TYPE_CHECKING:
    from promptctl.store.runs import RunStore


class RunReader(Protocol):
    """What the reading commands need of a run store: :class:`~promptctl.store.runs.RunStore` or :class:`SQLiteReader`.

    Each method is documented on :class:`~promptctl.store.runs.RunStore`.
    """

    def recent(self, limit: int = 20, *, prompt: str | None = None,
               origins: tuple[str, ...] | None = None) -> list[dict[str, Any]]:
        """The newest runs first."""
        ...

    def output_tokens(self, prompt: str, provider: str, model: str, *, version: int | None = None, limit: int = 200,
                      include_test_replies: bool = False) -> list[int]:
        """Output tokens of a prompt's recorded, successful calls on one provider and model, newest first."""
        ...

    def count_by_origin(self, *, prompt: str | None = None) -> dict[str, int]:
        """Number of runs per origin."""
        ...

    def get(self, run_id: str) -> dict[str, Any] | None:
        """One run by id or unique id prefix, or None."""
        ...

    def calls_of(self, run_id: str) -> list[dict[str, Any]]:
        """The calls of a run, in order."""
        ...

    def grouped_totals(self, by: str, *, prompt: str | None = None, origins: tuple[str, ...] | None = None
                       ) -> tuple[list[tuple[Any, ...]], list[dict[str, Any]]]:
        """Calls and sums of runs per group."""
        ...


BUSY_TIMEOUT_S = 0.2
"""Seconds a read waits for another process's write lock before it is left to SQLAlchemy (which waits its own 5 s
and reports a store that stays locked as it always has)."""


def variant_key(name: str, shape: dict[str, Any], lengths: dict[str, int]) -> str:
    """The key of one compiled statement: its name, shape (optional filters) and expanding list lengths."""
    parts = [f"{k}={shape[k]}" for k in sorted(shape)] + [f"len({k})={lengths[k]}" for k in sorted(lengths)]
    return f"{name}({', '.join(parts)})"


def sqlite_path(url: str) -> str | None:
    """The file of a plain SQLite URL (``sqlite:///runs.db``, ``sqlite:////abs/runs.db``), else None.

    None for anything SQLAlchemy might read differently from the text after ``///``: another driver, query
    options (``?mode=ro``...), percent escapes, an in-memory or ``file:`` URI database.
    """
    for scheme in ("sqlite:///", "sqlite+pysqlite:///"):
        if url.startswith(scheme):
            path = url[len(scheme):]
            if path and path != ":memory:" and not path.startswith("file:") and not any(c in path for c in "?%"):
                return path
    return None


def open_reader(url: str) -> SQLiteReader | None:
    """A :class:`SQLiteReader` of the store at ``url``, or None when the SQLAlchemy store must open it.

    None: not a plain SQLite file URL (:func:`sqlite_path`), no such file (opening creates it), not at
    :data:`~promptctl.store.revision.HEAD` (opening upgrades it, or refuses a newer one), or any error opening or
    reading it (a write lock held longer than :data:`BUSY_TIMEOUT_S` too). Never writes: the file is opened
    read-only.
    """
    from urllib.parse import quote

    from promptctl.store.compiled_reads import REVISION

    path = sqlite_path(url)
    if path is None or REVISION != HEAD or not os.path.isfile(path):
        return None
    try:
        connection = sqlite3.connect(f"file:{quote(path)}?mode=ro", uri=True, check_same_thread=False,
                                     timeout=BUSY_TIMEOUT_S)
    except sqlite3.Error:
        return None
    try:
        revision = connection.execute("SELECT version_num FROM alembic_version").fetchall()
    except sqlite3.Error:
        revision = []
    if revision != [(HEAD,)]:
        connection.close()
        return None
    return SQLiteReader(url, connection)


def _json(value: Any) -> Any:
    """SQLAlchemy's JSON column on SQLite: ``json.loads``; a number (the column's NUMERIC affinity) as it is."""
    if value is None:
        return None
    try:
        return json.loads(value)
    except TypeError:
        if isinstance(value, (int, float)):  # sqlite3 returns no other number type
            return value
        raise


def _bool(value: Any) -> bool | None:
    """SQLAlchemy's Boolean column: None stays None, else ``bool``."""
    return None if value is None else bool(value)


_CONVERT = {"json": _json, "bool": _bool}


class SQLiteReader:
    """The read methods of :class:`~promptctl.store.runs.RunStore` on a SQLite store at this release's revision.

    Made by :func:`open_reader`. Each method returns what the same method of
    :class:`~promptctl.store.runs.RunStore` returns for the same store.

    Args:
        url: The store's URL (for the fallback to :class:`~promptctl.store.runs.RunStore`).
        connection: A read-only :mod:`sqlite3` connection to it.
    """

    def __init__(self, url: str, connection: sqlite3.Connection) -> None:
        self.url = url
        self.connection = connection
        self._fallback: RunStore | None = None

    def store(self) -> RunStore:
        """The SQLAlchemy store of the same URL, opened on first need (reads the fast path does not answer)."""
        if self._fallback is None:
            from promptctl.store.runs import RunStore

            self._fallback = RunStore(self.url)
        return self._fallback

    def _select(self, name: str, shape: dict[str, Any], args: dict[str, Any],
                lengths: dict[str, int] | None = None) -> tuple[list[str], list[tuple[Any, ...]]] | None:
        """``(column keys, converted rows)`` of one compiled statement, or None when it cannot be answered here."""
        from promptctl.store.compiled_reads import STATEMENTS

        compiled = STATEMENTS.get(variant_key(name, shape, lengths or {}))
        if compiled is None:
            return None
        sql, parameters, columns = compiled
        values = [args[p[1]] if p[0] == "arg" else args[p[1]][p[2]] if p[0] == "item" else p[1] for p in parameters]
        try:
            rows = self.connection.execute(sql, values).fetchall()
        except sqlite3.Error:
            return None
        converters = [(i, _CONVERT[kind]) for i, (_, kind) in enumerate(columns) if kind]
        if converters:
            converted = []
            for row in rows:
                items = list(row)
                for i, convert in converters:
                    items[i] = convert(items[i])
                converted.append(tuple(items))
            rows = converted
        return [key for key, _ in columns], rows

    def recent(self, limit: int = 20, *, prompt: str | None = None,
               origins: tuple[str, ...] | None = None) -> list[dict[str, Any]]:
        """See :meth:`promptctl.store.runs.RunStore.recent`."""
        shape = {"prompt": bool(prompt), "origins": origins is not None}
        lengths = {"origins": len(origins)} if origins is not None else {}
        found = self._select("recent", shape, {"limit": limit, "prompt": prompt, "origins": origins}, lengths)
        if found is None:
            return self.store().recent(limit, prompt=prompt, origins=origins)
        keys, rows = found
        return [decode_row(zip(keys, row, strict=True)) for row in rows]

    def output_tokens(self, prompt: str, provider: str, model: str, *, version: int | None = None, limit: int = 200,
                      include_test_replies: bool = False) -> list[int]:
        """See :meth:`promptctl.store.runs.RunStore.output_tokens`."""
        shape = {"version": version is not None, "test_replies": include_test_replies}
        args = {"prompt": prompt, "provider": provider, "model": model, "version": version, "limit": limit}
        found = self._select("output_tokens", shape, args)
        if found is None:
            return self.store().output_tokens(prompt, provider, model, version=version, limit=limit,
                                              include_test_replies=include_test_replies)
        return [int(row[0]) for row in found[1]]

    def count_by_origin(self, *, prompt: str | None = None) -> dict[str, int]:
        """See :meth:`promptctl.store.runs.RunStore.count_by_origin`."""
        found = self._select("count_by_origin", {"prompt": bool(prompt)}, {"prompt": prompt})
        if found is None:
            return self.store().count_by_origin(prompt=prompt)
        return {str(origin): int(n) for origin, n in found[1]}

    def get(self, run_id: str) -> dict[str, Any] | None:
        """See :meth:`promptctl.store.runs.RunStore.get`."""
        found = self._select("run_by_prefix", {}, {"id": run_id})
        if found is None:
            return self.store().get(run_id)
        keys, rows = found
        return decode_row(zip(keys, rows[0], strict=True)) if len(rows) == 1 else None

    def calls_of(self, run_id: str) -> list[dict[str, Any]]:
        """See :meth:`promptctl.store.runs.RunStore.calls_of`."""
        found = self._select("calls_of", {}, {"run_id": run_id})
        if found is None:
            return self.store().calls_of(run_id)
        keys, rows = found
        return [decode_row(zip(keys, row, strict=True)) for row in rows]

    def grouped_totals(self, by: str, *, prompt: str | None = None, origins: tuple[str, ...] | None = None
                       ) -> tuple[list[tuple[Any, ...]], list[dict[str, Any]]]:
        """See :meth:`promptctl.store.runs.RunStore.grouped_totals` (a summary of some origins: SQLAlchemy's)."""
        if origins is not None:  # log --summary --origin X: rare, so not compiled
            return self.store().grouped_totals(by, prompt=prompt, origins=origins)
        shape = {"by": by, "prompt": bool(prompt)}
        counted = self._select("call_counts", shape, {"prompt": prompt})
        totals = self._select("totals", shape, {"prompt": prompt}) if counted is not None else None
        if counted is None or totals is None:
            return self.store().grouped_totals(by, prompt=prompt)
        keys, rows = totals
        return counted[1], [dict(zip(keys, row, strict=True)) for row in rows]

    def close(self) -> None:
        """Close the connection (and the SQLAlchemy store, if one was opened)."""
        self.connection.close()
        if self._fallback is not None:
            self._fallback.close()
