"""The statistics of a comparison remembered by their inputs, so a rerun imports neither scipy nor numpy.

Importing ``scipy.stats`` takes about half a second (it parses its distributions' docstrings), more than
everything else a fully cached ``ab`` rerun does. A summary (:func:`~promptctl.evaluation.stats.summarise`)
and a paired comparison (:func:`~promptctl.evaluation.stats.compare`) are pure functions of their arguments
(the resampling ones are seeded), so :func:`summarise` and :func:`compare` keep each result, keyed by the
sha256 of the function's name, its arguments and the installed scipy and numpy releases, in process memory
and in ``stats.sqlite3`` in the user's cache folder (:class:`~promptctl.cache_file.CacheFile`: emptied on a
new promptctl release or a change of ``stats.py``, newest 100,000 results kept, any problem turns it off).
The per-case values are scores in [0, 1] or 0/1 passes, never outputs or prompts.

A result read back equals the one computed: every field is a Python ``int``/``float``/``str``/``bool`` or
``None`` (floats round-trip through JSON exactly), rebuilt into the same dataclasses.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import sqlite3
from collections.abc import Callable, Sequence
from typing import Any

from promptctl.cache_file import CacheFile
from promptctl.evaluation.stats import (
    DEFAULT_ALPHA,
    DEFAULT_MDE,
    DEFAULT_POWER,
    DEFAULT_SEED,
    Comparison,
    Interval,
    Summary,
)

MAX_ROWS = 100_000
_memory: dict[str, dict[str, Any]] = {}
_file = CacheFile("stats.sqlite3", "results",
                  "CREATE TABLE IF NOT EXISTS results (key TEXT PRIMARY KEY, value TEXT NOT NULL)", MAX_ROWS,
                  ("evaluation/stats.py", "evaluation/stats_memo.py"))


def summarise(values: Sequence[float], *, binary: bool, confidence: float = 0.95, seed: int = DEFAULT_SEED) -> Summary:
    """:func:`promptctl.evaluation.stats.summarise`, remembered (same arguments, same result)."""
    args = {"values": [float(v) for v in values], "binary": binary, "confidence": confidence, "seed": seed}

    def compute() -> Summary:
        from promptctl.evaluation import stats

        return stats.summarise(values, binary=binary, confidence=confidence, seed=seed)

    fields = _remembered("summarise", args, compute)
    return Summary(**{**fields, "ci": _interval(fields["ci"])})


def compare(
    baseline: Sequence[float],
    candidate: Sequence[float],
    *,
    binary: bool,
    labels: tuple[str, str] = ("A", "B"),
    alpha: float = DEFAULT_ALPHA,
    power: float = DEFAULT_POWER,
    mde: float = DEFAULT_MDE,
    intervals: bool = True,
    seed: int = DEFAULT_SEED,
) -> Comparison:
    """:func:`promptctl.evaluation.stats.compare`, remembered (same arguments, same result).

    Raises:
        ValueError: The arrays differ in length (never remembered).
    """
    args = {"baseline": [float(v) for v in baseline], "candidate": [float(v) for v in candidate], "binary": binary,
            "labels": list(labels), "alpha": alpha, "power": power, "mde": mde, "intervals": intervals, "seed": seed}

    def compute() -> Comparison:
        from promptctl.evaluation import stats

        return stats.compare(baseline, candidate, binary=binary, labels=labels, alpha=alpha, power=power, mde=mde,
                             intervals=intervals, seed=seed)

    fields = _remembered("compare", args, compute)
    return Comparison(**{**fields, "ci": _interval(fields["ci"])})


def _interval(fields: dict[str, Any] | None) -> Interval | None:
    return Interval(**fields) if fields is not None else None


def _remembered(function: str, args: dict[str, Any], compute: Callable[[], Any]) -> dict[str, Any]:
    """The fields of ``compute()``'s dataclass: remembered ones for the same function, arguments and releases."""
    key = hashlib.sha256(json.dumps([function, _releases(), args], sort_keys=True).encode()).hexdigest()
    hit = _memory.get(key)
    if hit is None:
        row = _file.use(lambda db: db.execute("SELECT value FROM results WHERE key = ?", (key,)).fetchone())
        if row is not None:
            try:
                hit = json.loads(row[0])
            except ValueError:  # a damaged entry: computed again and replaced
                hit = None
    if hit is None:
        hit = json.loads(json.dumps(dataclasses.asdict(compute()), default=_plain))  # what a reread gives
        text = json.dumps(hit)

        def insert(db: sqlite3.Connection) -> None:
            with db:
                db.execute("INSERT OR REPLACE INTO results (key, value) VALUES (?, ?)", (key, text))

        _file.use(insert)
    _memory[key] = hit
    return hit


def _plain(value: Any) -> Any:
    """A numpy scalar as the Python number it holds (``json.dumps`` default)."""
    item = getattr(value, "item", None)
    if item is None:
        raise TypeError(f"not JSON serialisable: {type(value).__name__}")
    return item()


def _releases() -> list[str | None]:
    """The installed scipy and numpy releases: a result computed with others is not reused."""
    if not _RELEASES:
        from importlib.metadata import PackageNotFoundError, version

        for name in ("scipy", "numpy"):
            try:
                _RELEASES.append(version(name))
            except PackageNotFoundError:
                _RELEASES.append(None)
    return _RELEASES


_RELEASES: list[str | None] = []


def reset() -> None:
    """Forget everything in memory and close the file (tests; a changed ``PROMPTCTL_CACHE_DIR``)."""
    _memory.clear()
    _file.reset()
