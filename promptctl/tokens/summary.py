"""Totals of recorded runs, for ``promptctl log --summary``: per run, per prompt version, per day.

Each row has: the group key, ``runs``, ``calls``, ``errors`` (runs with status ``error``),
``input_tokens``, ``output_tokens``, ``cached_input_tokens``, ``cache_write_tokens``, ``reasoning_tokens``
(tokens), ``cache_hit_rate`` (cached input tokens / input tokens, 0-1, None without input), ``cost_usd``
(USD: the sum of the priced runs) and ``unpriced`` (finished runs whose cost is unknown, so the sum leaves
them out). Days are UTC dates of ``created_at``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from promptctl.types import cache_hit_rate

if TYPE_CHECKING:
    from promptctl.store.runs import RunStore

GROUPS = ("run", "version", "day")
_SUMS = ("input_tokens", "output_tokens", "cached_input_tokens", "cache_write_tokens", "reasoning_tokens")


def summarise(store: RunStore, by: str, *, prompt: str | None = None) -> list[dict[str, Any]]:
    """Totals of recorded runs grouped by ``run``, ``version`` (prompt name and version) or ``day``.

    Args:
        store: The run store.
        by: One of :data:`GROUPS`.
        prompt: Only runs of this prompt.

    Returns:
        Rows, newest group first for ``run`` and ``day``, by prompt and version for ``version``.

    Raises:
        InputError: Unknown grouping.
    """
    import sqlalchemy as sa

    from promptctl.errors import InputError
    from promptctl.store.runs import calls, runs

    if by not in GROUPS:
        raise InputError(f"unknown grouping '{by}'", hint=f"--by {' | '.join(GROUPS)}")
    columns = [runs.c.id, runs.c.created_at, runs.c.prompt_name, runs.c.prompt_version, runs.c.provider,
               runs.c.model, runs.c.status, runs.c.cost_usd, *(runs.c[k] for k in _SUMS)]
    query = sa.select(*columns).order_by(runs.c.created_at, runs.c.id)
    if prompt:
        query = query.where(runs.c.prompt_name == prompt)
    with store.engine.connect() as conn:
        per_run = sa.select(calls.c.run_id, sa.func.count()).group_by(calls.c.run_id)
        call_counts: dict[str, int] = {str(run_id): int(n) for run_id, n in conn.execute(per_run).all()}
        rows = conn.execute(query).mappings().all()
    groups: dict[Any, dict[str, Any]] = {}
    for row in rows:
        if by == "run":
            key: Any = row["id"]
            head = {"run_id": row["id"], "created_at": row["created_at"], "prompt": row["prompt_name"],
                    "version": row["prompt_version"], "target": f"{row['provider']}:{row['model']}",
                    "status": row["status"]}
        elif by == "version":
            key = (row["prompt_name"], row["prompt_version"])
            head = {"prompt": row["prompt_name"], "version": row["prompt_version"]}
        else:
            key = str(row["created_at"])[:10]
            head = {"day": key}
        group = groups.setdefault(key, {**head, **_zero()})
        _add(group, row, call_counts.get(row["id"], 0))
    out = [_with_rate(group) for group in groups.values()]
    if by in ("run", "day"):
        out.reverse()
    else:
        out.sort(key=lambda g: (g["prompt"], g["version"]))
    return out


def total(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The sum of summary rows (same numeric keys)."""
    out = _zero()
    for row in rows:
        for key in out:
            out[key] = (out[key] or 0) + (row[key] or 0)
    return _with_rate(out)


def _with_rate(group: dict[str, Any]) -> dict[str, Any]:
    return {**group, "cache_hit_rate": cache_hit_rate(group["cached_input_tokens"], group["input_tokens"])}


def _zero() -> dict[str, Any]:
    return {"runs": 0, "calls": 0, "errors": 0, **{k: 0 for k in _SUMS}, "cost_usd": 0.0, "unpriced": 0}


def _add(group: dict[str, Any], row: Any, n_calls: int) -> None:
    group["runs"] += 1
    group["calls"] += n_calls
    group["errors"] += 1 if row["status"] == "error" else 0
    for key in _SUMS:
        group[key] += row[key] or 0
    if row["cost_usd"] is not None:
        group["cost_usd"] += row["cost_usd"]
    elif row["status"] == "ok":
        group["unpriced"] += 1
