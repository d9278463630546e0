"""Totals of recorded runs, for ``promptctl log --summary``: per run, per prompt version, per day.

Each row has: the group key, ``runs``, ``calls``, ``errors`` (runs with status ``error``),
``input_tokens``, ``output_tokens``, ``cached_input_tokens``, ``cache_write_tokens``, ``reasoning_tokens``
(tokens), ``prompt_cache_hit_rate`` (the provider prompt cache: cached input tokens / input tokens, 0-1, None
without input), ``cost_usd``
(USD: the sum of the priced runs) and ``unpriced`` (finished runs whose cost is unknown, so the sum leaves
them out). Days are UTC dates of ``created_at``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from promptctl.types import prompt_cache_hit_rate

if TYPE_CHECKING:
    from promptctl.store.fastread import RunReader

GROUPS = ("run", "version", "day")
_SUMS = ("input_tokens", "output_tokens", "cached_input_tokens", "cache_write_tokens", "reasoning_tokens")


def summarise(store: RunReader, by: str, *, prompt: str | None = None,
              origins: tuple[str, ...] | None = None) -> list[dict[str, Any]]:
    """Totals of recorded runs grouped by ``run``, ``version`` (prompt name and version) or ``day``.

    Args:
        store: The run store.
        by: One of :data:`GROUPS`.
        prompt: Only runs of this prompt.
        origins: Only runs recorded by these origins (``run``, ``ab``, ``eval``, ``snapshot``); None: every one.

    Returns:
        Rows, newest group first for ``run`` and ``day``, by prompt and version for ``version``.

    Raises:
        InputError: Unknown grouping.
    """
    return summarise_many(store, [by], prompt=prompt, origins=origins)[by]


def summarise_many(store: RunReader, groups: list[str], *, prompt: str | None = None,
                   origins: tuple[str, ...] | None = None) -> dict[str, list[dict[str, Any]]]:
    """:func:`summarise` for several groupings at once: ``version`` and ``day`` share one pass over the store.

    The database adds up (GROUP BY prompt, version and day, calls counted through a join), so 100,000
    recorded calls are summed without reading them into Python; the per-version and per-day rows are folded
    from those few hundred groups.

    Raises:
        InputError: Unknown grouping.
    """
    from promptctl.errors import InputError

    for by in groups:
        if by not in GROUPS:
            raise InputError(f"unknown grouping '{by}'", hint=f"--by {' | '.join(GROUPS)}")
    out: dict[str, list[dict[str, Any]]] = {}
    if "run" in groups:
        out["run"] = sorted(_grouped(store, "run", prompt, origins),
                            key=lambda g: (str(g["created_at"]), str(g["run_id"])), reverse=True)
    if "version" in groups or "day" in groups:
        fine = _grouped(store, "version_day", prompt, origins)
        folded: dict[str, dict[Any, dict[str, Any]]] = {"version": {}, "day": {}}
        for row in fine:
            for by, key, head in (("version", (row["prompt"], row["version"]),
                                   {"prompt": row["prompt"], "version": row["version"]}),
                                  ("day", row["day"], {"day": row["day"]})):
                group = folded[by].setdefault(key, {**head, **_zero()})
                for name in _zero():
                    group[name] += row[name]
        out["version"] = sorted((_with_rate(g) for g in folded["version"].values()),
                                key=lambda g: (g["prompt"], g["version"]))
        out["day"] = sorted((_with_rate(g) for g in folded["day"].values()), key=lambda g: str(g["day"]),
                            reverse=True)
    return {by: out[by] for by in dict.fromkeys(groups)}


def _grouped(store: RunReader, by: str, prompt: str | None, origins: tuple[str, ...] | None
             ) -> list[dict[str, Any]]:
    """Totals per run (``run``) or per prompt, version and day (``version_day``), added up by the database."""
    counted, rows = store.grouped_totals(by, prompt=prompt, origins=origins)
    call_counts = {tuple(row[:-1]): int(row[-1]) for row in counted}
    out: list[dict[str, Any]] = []
    for row in rows:
        if by == "run":
            head: dict[str, Any] = {"run_id": row["id"], "created_at": row["created_at"], "prompt": row["prompt_name"],
                                    "version": row["prompt_version"], "target": f"{row['provider']}:{row['model']}",
                                    "status": row["status"]}
            key: tuple[Any, ...] = (row["id"],)
        else:
            head = {"prompt": row["prompt_name"], "version": row["prompt_version"], "day": row["day"]}
            key = (row["prompt_name"], row["prompt_version"], row["day"])
        group = {**head, "runs": int(row["runs"]), "calls": call_counts.get(key, 0), "errors": int(row["errors"] or 0),
                 **{k: int(row[k] or 0) for k in _SUMS}, "cost_usd": float(row["cost_usd"] or 0.0),
                 "unpriced": int(row["unpriced"] or 0)}
        out.append(_with_rate(group) if by == "run" else group)
    return out


def total(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The sum of summary rows (same numeric keys)."""
    out = _zero()
    for row in rows:
        for key in out:
            out[key] = (out[key] or 0) + (row[key] or 0)
    return _with_rate(out)


def _with_rate(group: dict[str, Any]) -> dict[str, Any]:
    return {**group, "prompt_cache_hit_rate": prompt_cache_hit_rate(group["cached_input_tokens"],
                                                                     group["input_tokens"])}


def _zero() -> dict[str, Any]:
    return {"runs": 0, "calls": 0, "errors": 0, **{k: 0 for k in _SUMS}, "cost_usd": 0.0, "unpriced": 0}
