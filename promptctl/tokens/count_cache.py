"""Token counts remembered by text: counting the same text again never loads an encoding.

Loading ``o200k_base`` takes tiktoken about 0.3 s and 90 MB of memory, more than everything else ``cost`` or
``run --dry-run`` does; and the texts counted are mostly the same from one command to the next (a version's
system prompt, a dataset's cases on an ``ab`` rerun). So :func:`~promptctl.tokens.counting.count_text` keeps
each count it makes, keyed by the encoding's name and the sha256 of the text (never the text itself), in
process memory and in one SQLite file in the user's cache folder (``token-counts.sqlite3`` under
:func:`~promptctl.types.user_cache_dir`; never inside a project).

A count is a pure function of (encoding, text), so an entry never goes stale; the file is emptied when
promptctl's release changes (tokenisation fixes), keeps the newest 500,000 counts (about 50 MB at most),
and any problem with it (read-only folder, a damaged or locked file) only turns it off for the process.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading

from promptctl.types import user_cache_dir

MAX_ROWS = 500_000
_lock = threading.Lock()
_memory: dict[tuple[str, str], tuple[int, bool]] = {}
_state: dict[str, sqlite3.Connection | None | bool] = {"db": None, "opened": False}


def digest(text: str) -> str:
    """The key of a text: the sha256 of its UTF-8 bytes (lone surrogates kept as they are)."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def get(encoding: str, key: str) -> tuple[int, bool] | None:
    """A remembered ``(tokens, approximate)`` count, or None."""
    hit = _memory.get((encoding, key))
    if hit is not None:
        return hit
    with _lock:
        db = _db()
        if db is None:
            return None
        try:
            row = db.execute("SELECT tokens, approximate FROM counts WHERE encoding = ? AND digest = ?",
                             (encoding, key)).fetchone()
        except sqlite3.Error:
            _off()
            return None
    if row is None:
        return None
    _memory[(encoding, key)] = hit = (int(row[0]), bool(row[1]))
    return hit


def put(encoding: str, key: str, count: tuple[int, bool]) -> None:
    """Remember a count (in memory, and in the cache file when it can be written)."""
    _memory[(encoding, key)] = count
    with _lock:
        db = _db()
        if db is None:
            return
        try:
            with db:
                db.execute("INSERT OR REPLACE INTO counts (encoding, digest, tokens, approximate) VALUES (?, ?, ?, ?)",
                           (encoding, key, count[0], int(count[1])))
        except sqlite3.Error:
            _off()


def _db() -> sqlite3.Connection | None:
    """The cache file's connection, opened (and trimmed) on first use; None when it cannot be used."""
    if _state["opened"]:
        return _state["db"]  # type: ignore[return-value]
    _state["opened"] = True
    from promptctl import __version__

    path = user_cache_dir() / "token-counts.sqlite3"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(path, timeout=0.5, check_same_thread=False, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("CREATE TABLE IF NOT EXISTS meta (release TEXT NOT NULL)")
        db.execute("CREATE TABLE IF NOT EXISTS counts (encoding TEXT NOT NULL, digest TEXT NOT NULL, "
                   "tokens INTEGER NOT NULL, approximate INTEGER NOT NULL, UNIQUE (encoding, digest))")
        release = db.execute("SELECT release FROM meta").fetchone()
        if release is None or release[0] != __version__:
            with db:
                db.execute("DELETE FROM counts")
                db.execute("DELETE FROM meta")
                db.execute("INSERT INTO meta (release) VALUES (?)", (__version__,))
        with db:
            db.execute("DELETE FROM counts WHERE rowid <= (SELECT max(rowid) FROM counts) - ?", (MAX_ROWS,))
    except (OSError, sqlite3.Error):
        return None
    _state["db"] = db
    return db


def _off() -> None:
    db = _state["db"]
    _state["db"] = None
    if isinstance(db, sqlite3.Connection):
        try:
            db.close()
        except sqlite3.Error:
            pass


def reset() -> None:
    """Forget everything in memory and close the file (tests; a changed ``PROMPTCTL_CACHE_DIR``)."""
    with _lock:
        _memory.clear()
        _off()
        _state["opened"] = False
