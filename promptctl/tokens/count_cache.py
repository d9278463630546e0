"""Token counts remembered by text: counting the same text again never loads an encoding.

Loading ``o200k_base`` takes tiktoken about 0.3 s and 90 MB of memory, more than everything else ``cost`` or
``run --dry-run`` does; and the texts counted are mostly the same from one command to the next (a version's
system prompt, a dataset's cases on an ``ab`` rerun). So :func:`~promptctl.tokens.counting.count_text` keeps
each count it makes, keyed by the encoding's name and the sha256 of the text (never the text itself), in
process memory and in one SQLite file in the user's cache folder (``token-counts.sqlite3`` under
:func:`~promptctl.types.user_cache_dir`; never inside a project).

A count is a pure function of (encoding, text), so an entry never goes stale; the file is emptied when
promptctl's release or the counting code changes (tokenisation fixes), keeps the newest 500,000 counts (about
50 MB at most), and any problem with it (read-only folder, a damaged or locked file) only turns it off for the process.
"""

from __future__ import annotations

import hashlib
import sqlite3

from promptctl.cache_file import CacheFile

MAX_ROWS = 500_000
_memory: dict[tuple[str, str], tuple[int, bool]] = {}
_file = CacheFile("token-counts.sqlite3", "counts",
                  "CREATE TABLE IF NOT EXISTS counts (encoding TEXT NOT NULL, digest TEXT NOT NULL, "
                  "tokens INTEGER NOT NULL, approximate INTEGER NOT NULL, UNIQUE (encoding, digest))", MAX_ROWS,
                  ("tokens/counting.py", "tokens/offline.py"))


def digest(text: str) -> str:
    """The key of a text: the sha256 of its UTF-8 bytes (lone surrogates kept as they are)."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def get(encoding: str, key: str) -> tuple[int, bool] | None:
    """A remembered ``(tokens, approximate)`` count, or None."""
    hit = _memory.get((encoding, key))
    if hit is not None:
        return hit
    row = _file.use(lambda db: db.execute("SELECT tokens, approximate FROM counts WHERE encoding = ? AND digest = ?",
                                          (encoding, key)).fetchone())
    if row is None:
        return None
    _memory[(encoding, key)] = hit = (int(row[0]), bool(row[1]))
    return hit


def put(encoding: str, key: str, count: tuple[int, bool]) -> None:
    """Remember a count (in memory, and in the cache file when it can be written)."""
    _memory[(encoding, key)] = count

    def insert(db: sqlite3.Connection) -> None:
        with db:
            db.execute("INSERT OR REPLACE INTO counts (encoding, digest, tokens, approximate) VALUES (?, ?, ?, ?)",
                       (encoding, key, count[0], int(count[1])))

    _file.use(insert)


def reset() -> None:
    """Forget everything in memory and close the file (tests; a changed ``PROMPTCTL_CACHE_DIR``)."""
    _memory.clear()
    _file.reset()
