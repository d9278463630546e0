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
    day = sa.func.substr(runs.c.created_at, 1, 10)
    by_group: dict[str, list[Any]] = {
        "run": [runs.c.id, runs.c.created_at, runs.c.prompt_name, runs.c.prompt_version, runs.c.provider,
                runs.c.model, runs.c.status],
        "version": [runs.c.prompt_name, runs.c.prompt_version],
        "day": [day.label("day")],
    }
    keys = by_group[by]
    grouping = [runs.c.id] if by == "run" else [day] if by == "day" else keys
    # the database adds up (GROUP BY): 100,000 calls are summed without sending them to Python
    totals = sa.select(
        *keys, sa.func.count().label("runs"),
        sa.func.sum(sa.case((runs.c.status == "error", 1), else_=0)).label("errors"),
        *(sa.func.coalesce(sa.func.sum(runs.c[k]), 0).label(k) for k in _SUMS),
        sa.func.coalesce(sa.func.sum(runs.c.cost_usd), 0.0).label("cost_usd"),
        sa.func.sum(sa.case(((runs.c.cost_usd.is_(None)) & (runs.c.status == "ok"), 1), else_=0)).label("unpriced"),
    ).group_by(*(keys if by == "run" else grouping))
    counted = sa.select(*grouping, sa.func.count().label("calls")).select_from(
        calls.join(runs, calls.c.run_id == runs.c.id)).group_by(*grouping)
    if prompt:
        totals = totals.where(runs.c.prompt_name == prompt)
        counted = counted.where(runs.c.prompt_name == prompt)
    with store.engine.connect() as conn:
        call_counts = {tuple(row[:-1]): int(row[-1]) for row in conn.execute(counted)}
        rows = conn.execute(totals).mappings().all()
    out: list[dict[str, Any]] = []
    for row in rows:
        if by == "run":
            head: dict[str, Any] = {"run_id": row["id"], "created_at": row["created_at"], "prompt": row["prompt_name"],
                                    "version": row["prompt_version"], "target": f"{row['provider']}:{row['model']}",
                                    "status": row["status"]}
            key: tuple[Any, ...] = (row["id"],)
        elif by == "version":
            head = {"prompt": row["prompt_name"], "version": row["prompt_version"]}
            key = (row["prompt_name"], row["prompt_version"])
        else:
            head = {"day": row["day"]}
            key = (row["day"],)
        group = {**head, "runs": int(row["runs"]), "calls": call_counts.get(key, 0), "errors": int(row["errors"] or 0),
                 **{k: int(row[k] or 0) for k in _SUMS}, "cost_usd": float(row["cost_usd"] or 0.0),
                 "unpriced": int(row["unpriced"] or 0)}
        out.append(_with_rate(group))
    if by == "run":
        out.sort(key=lambda g: (str(g["created_at"]), str(g["run_id"])), reverse=True)
    elif by == "day":
        out.sort(key=lambda g: str(g["day"]), reverse=True)
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
