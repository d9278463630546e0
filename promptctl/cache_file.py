"""One SQLite file of remembered results in the user's cache folder (never inside a project).

Used for values that are pure functions of their key, so an entry never goes stale: token counts
(:mod:`promptctl.tokens.count_cache`), the statistics of a comparison (:mod:`promptctl.evaluation.stats_memo`),
and the answers of installed libraries keyed by their release (:data:`LOOKUPS`: genai-prices' price of a
model, tiktoken's encoding of a model). The file is emptied when promptctl's release or the code computing its
values changes (:func:`~promptctl.types.code_digest`), keeps its
newest ``max_rows`` rows, and any problem with it (a read-only folder, a locked file) only turns it off for the
process: callers then compute as if nothing were remembered. A file that is not a database (damaged, truncated)
is deleted and started again.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

from promptctl.types import code_digest, user_cache_dir

T = TypeVar("T")


class CacheFile:
    """A lazily opened SQLite file ``user_cache_dir() / filename`` holding one table.

    Args:
        filename: The file's name in the user cache folder.
        table: The table's name (trimmed to the newest ``max_rows`` rows by ``rowid``).
        schema: Its ``CREATE TABLE IF NOT EXISTS`` statement.
        max_rows: Rows kept.
        sources: promptctl's modules (relative to the package) whose code computes the values: the file is
            emptied when they change, as when promptctl's release does (:func:`~promptctl.types.code_digest`).
    """

    def __init__(self, filename: str, table: str, schema: str, max_rows: int, sources: tuple[str, ...] = ()) -> None:
        self.filename, self.table, self.schema, self.max_rows = filename, table, schema, max_rows
        self.sources = sources
        self.lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        self._opened = False

    def use(self, action: Callable[[sqlite3.Connection], T]) -> T | None:
        """``action(connection)`` under the lock; None when the file cannot be used (then or from now on)."""
        with self.lock:
            db = self._connection()
            if db is None:
                return None
            try:
                return action(db)
            except sqlite3.Error:
                self._off()
                return None

    def _connection(self) -> sqlite3.Connection | None:
        """The file's connection, opened (emptied on a new release, trimmed) on first use; None if unusable."""
        if self._opened:
            return self._db
        self._opened = True
        from promptctl import __version__

        release_now = f"{__version__} {code_digest(*self.sources)}"
        path = user_cache_dir() / self.filename
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            db = self._open(path, release_now)
        except sqlite3.OperationalError:  # locked, unreadable, a folder in its place: left as it is
            return None
        except sqlite3.DatabaseError:  # not a database, or damaged: it only holds a cache, so it starts again
            try:
                for damaged in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
                    damaged.unlink(missing_ok=True)
                db = self._open(path, release_now)
            except (OSError, sqlite3.Error):
                return None
        except OSError:
            return None
        self._db = db
        return db

    def _open(self, path: Path, release_now: str) -> sqlite3.Connection:
        """Open (create) the file, empty it on another release, trim it.

        Raises:
            sqlite3.Error: It cannot be used (closed again).
        """
        db = sqlite3.connect(path, timeout=0.5, check_same_thread=False, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            # a commit is a write to the log, not an fsync (about 4 ms each on an ext4 disk here, and ``ab`` puts
            # hundreds of counts): a crash of the process keeps every entry; a power cut may lose the last ones,
            # which are then computed again (the file is a cache)
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("CREATE TABLE IF NOT EXISTS meta (release TEXT NOT NULL)")
            db.execute(self.schema)
            release = db.execute("SELECT release FROM meta").fetchone()
            if release is None or release[0] != release_now:
                with db:
                    db.execute(f"DELETE FROM {self.table}")  # a fixed name given by this module's callers
                    db.execute("DELETE FROM meta")
                    db.execute("INSERT INTO meta (release) VALUES (?)", (release_now,))
            with db:
                db.execute(f"DELETE FROM {self.table} WHERE rowid <= (SELECT max(rowid) FROM {self.table}) - ?",
                           (self.max_rows,))
        except sqlite3.Error:
            db.close()
            raise
        return db

    def _off(self) -> None:
        db, self._db = self._db, None
        if db is not None:
            try:
                db.close()
            except sqlite3.Error:
                pass

    def reset(self) -> None:
        """Close the file; the next use opens it again (tests; a changed ``PROMPTCTL_CACHE_DIR``)."""
        with self.lock:
            self._off()
            self._opened = False


class KeyValueFile(CacheFile):
    """A :class:`CacheFile` of text values by text key (table ``answers``).

    Args:
        filename: The file's name in the user cache folder.
        max_rows: Entries kept.
        sources: See :class:`CacheFile`.
    """

    def __init__(self, filename: str, max_rows: int, sources: tuple[str, ...] = ()) -> None:
        super().__init__(filename, "answers",
                         "CREATE TABLE IF NOT EXISTS answers (key TEXT PRIMARY KEY, value TEXT NOT NULL)", max_rows,
                         sources)

    def get(self, key: str) -> str | None:
        """The value stored under ``key``, or None (not stored, or the file cannot be used)."""
        row = self.use(lambda db: db.execute("SELECT value FROM answers WHERE key = ?", (key,)).fetchone())
        return None if row is None else str(row[0])

    def put(self, key: str, value: str) -> None:
        """Store ``value`` under ``key`` (nothing happens when the file cannot be used)."""

        def insert(db: sqlite3.Connection) -> None:
            with db:
                db.execute("INSERT OR REPLACE INTO answers (key, value) VALUES (?, ?)", (key, value))

        self.use(insert)


LOOKUPS = KeyValueFile("lookups.sqlite3", 20_000,
                       ("tokens/price_memo.py", "tokens/counting.py", "adapters/profiles.py"))
"""Answers of installed libraries, each keyed by the library's :func:`installed_release` (``lookups.sqlite3``)."""


@lru_cache(maxsize=16)
def installed_release(package: str, modules: tuple[str, ...]) -> tuple[str, str] | None:
    """``(version, fingerprint)`` of an installed library, found without importing it (once per process).

    Args:
        package: Its import name (``genai_prices``); its distribution's ``dist-info`` folder must lie beside it
            under the same name (``genai_prices-0.2.3.dist-info``), as pip installs it.
        modules: Its files (relative to the package folder) whose size and modification time (ns) are part of
            the fingerprint: the ones its answers come from.

    Returns:
        The version (from the ``dist-info`` folder's name) and a fingerprint (the version, sizes and times); None
        when it cannot be told so (not installed, another layout, several ``dist-info`` folders): callers then
        remember nothing.
    """
    import importlib.util

    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.origin:
        return None
    folder = Path(spec.origin).parent
    try:
        dists = list(folder.parent.glob(f"{package}-*.dist-info"))
        if len(dists) != 1:
            return None
        version = dists[0].name.removeprefix(f"{package}-").removesuffix(".dist-info")
        stats = [(folder / name).stat() for name in modules]
    except OSError:
        return None
    return version, ";".join([package, version, *(f"{s.st_size}:{s.st_mtime_ns}" for s in stats)])
