"""Provider batches in the run store: what was submitted, under which provider id, and for which requests.

A batch row is written *before* anything is sent to the provider (status ``submitting``, with one
``batch_items`` row per request), and the provider's batch id is written the moment the provider returns
it. A process killed at any point therefore leaves enough for ``--resume RUN_ID`` (from any process or
machine sharing the run store) to find the batch again and wait for it, instead of submitting the
requests a second time (:mod:`promptctl.session.batch`).

Tables (created by the migration ``0003_batches``; their module is imported by :mod:`promptctl.store.runs`, so
they are always part of the store's ``metadata``):

``batches``: id (32 hex, promptctl's), work_id (the A/B or evaluation run id, or the run id, the batch
belongs to), provider, model (the model of every request in it, or ``*`` when mixed), provider_batch_id
(the provider's id, NULL until the provider returned it), input_file_id (OpenAI's uploaded JSONL file,
or NULL), status (``submitting``, ``in_progress``, ``ended``, ``failed``, ``expired``, ``cancelled``),
requests (count), counts (JSON: the provider's request counts, e.g. ``{"succeeded": 98, "errored": 2}``),
error, created_at, updated_at (ISO 8601 UTC).

``batch_items``: id, batch_id, custom_id (the request's id inside the batch, ``r<n>``), fingerprint
(sha256 of the request: how a resumed run recognises it).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from promptctl.store.runs import RedactedText, metadata, name_type
from promptctl.types import utc_now

if TYPE_CHECKING:
    from promptctl.store.runs import RunStore

batches = sa.Table(
    "batches",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("work_id", sa.String(64), nullable=False, index=True),
    sa.Column("provider", sa.String(32), nullable=False),
    sa.Column("model", name_type(200), nullable=False),
    sa.Column("provider_batch_id", name_type(200), nullable=True),
    sa.Column("input_file_id", name_type(200), nullable=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("requests", sa.Integer, nullable=False),
    sa.Column("counts", sa.JSON, nullable=True),
    sa.Column("error", RedactedText, nullable=True),
    sa.Column("created_at", sa.String(32), nullable=False),
    sa.Column("updated_at", sa.String(32), nullable=False),
)

batch_items = sa.Table(
    "batch_items",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("batch_id", sa.String(32), sa.ForeignKey("batches.id"), nullable=False, index=True),
    sa.Column("custom_id", sa.String(64), nullable=False),
    sa.Column("fingerprint", sa.String(64), nullable=False),
)

ACTIVE = ("submitting", "in_progress")
"""Statuses of a batch whose results are not in yet (``promptctl runs`` shows its run as waiting)."""


def create(store: RunStore, *, work_id: str, provider: str, model: str,
           items: Iterable[tuple[str, str]]) -> str:
    """Insert a batch in status ``submitting`` with its items, before anything is sent; returns its id.

    Args:
        store: The run store.
        work_id: The run the batch belongs to (an A/B or evaluation run id, or a run id).
        provider: Provider name.
        model: The model of every request, or ``*``.
        items: ``(custom_id, request fingerprint)`` pairs.
    """
    batch_id = uuid.uuid4().hex
    now = utc_now()
    rows = [{"batch_id": batch_id, "custom_id": c, "fingerprint": f} for c, f in items]
    with store.engine.begin() as conn:
        conn.execute(batches.insert().values(id=batch_id, work_id=work_id, provider=provider, model=model,
                                             status="submitting", requests=len(rows), created_at=now,
                                             updated_at=now))
        if rows:
            conn.execute(batch_items.insert(), rows)
    return batch_id


def update(store: RunStore, batch_id: str, **values: Any) -> None:
    """Set columns of a batch (provider_batch_id, input_file_id, status, counts, error)."""
    with store.engine.begin() as conn:
        conn.execute(batches.update().where(batches.c.id == batch_id).values(updated_at=utc_now(), **values))


def of_work(store: RunStore, work_id: str) -> list[dict[str, Any]]:
    """Every batch of a run, oldest first, each with ``items``: ``[(custom_id, fingerprint), ...]``."""
    with store.engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(
            sa.select(batches).where(batches.c.work_id == work_id).order_by(batches.c.created_at)).mappings()]
        for row in rows:
            query = (sa.select(batch_items.c.custom_id, batch_items.c.fingerprint)
                     .where(batch_items.c.batch_id == row["id"]).order_by(batch_items.c.id))
            row["items"] = [(c, f) for c, f in conn.execute(query)]
    return rows


def waiting(store: RunStore, work_ids: Iterable[str]) -> dict[str, int]:
    """Runs among ``work_ids`` with batches whose results are not in yet: work id -> number of such batches."""
    wanted = list(work_ids)
    if not wanted:
        return {}
    query = (sa.select(batches.c.work_id, sa.func.count()).where(batches.c.work_id.in_(wanted),
                                                                  batches.c.status.in_(ACTIVE))
             .group_by(batches.c.work_id))
    with store.engine.connect() as conn:
        return {str(w): int(n) for w, n in conn.execute(query)}
