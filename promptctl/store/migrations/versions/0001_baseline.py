"""Baseline: the run store as promptctl 0.1.0 left it (runs, calls, ab_runs, ab_results, ab_pairwise).

A new database gets every table. A store made before Alembic (no ``alembic_version`` table) is adopted:
missing tables are created, columns added by earlier releases in place (``cost_estimate`` ... ``origin``,
the judges' reasons) are added if absent, and ``origin`` is backfilled as those releases did (``ab`` for
A/B cases and judge runs, else ``run``). Nothing is dropped or rewritten. The definitions are frozen
here as they were at this revision; later revisions change them.

Revision ID: 0001
Revises:
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_TOKENS = ("input_tokens", "output_tokens", "cached_input_tokens", "cache_write_tokens", "reasoning_tokens")


def _tokens() -> list[sa.Column[Any]]:
    return [sa.Column(name, sa.Integer, nullable=False) for name in _TOKENS]


def _runs() -> list[Any]:
    return [
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("ref", sa.String(200), nullable=False),
        sa.Column("prompt_name", sa.String(100), nullable=False),
        sa.Column("prompt_version", sa.Integer, nullable=False),
        sa.Column("prompt_sha256", sa.String(64), nullable=False),
        sa.Column("draft", sa.Boolean, nullable=False),
        sa.Column("provider", sa.String(32), nullable=False),
        sa.Column("model", sa.String(200), nullable=False),
        sa.Column("strategy", sa.String(32), nullable=False),
        sa.Column("variables", sa.JSON, nullable=False),
        sa.Column("parameters", sa.JSON, nullable=False),
        sa.Column("request", sa.JSON, nullable=False),
        sa.Column("output", sa.Text),
        *_tokens(),
        sa.Column("latency_s", sa.Float),
        sa.Column("cost_usd", sa.Float),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("error", sa.Text),
        *_later("runs"),
    ]


def _calls() -> list[Any]:
    return [
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.String(32), sa.ForeignKey("runs.id"), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("provider", sa.String(32), nullable=False),
        sa.Column("model", sa.String(200), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("request", sa.JSON, nullable=False),
        sa.Column("output", sa.Text),
        *_tokens(),
        sa.Column("latency_s", sa.Float),
        sa.Column("request_id", sa.String(200)),
        sa.Column("cached", sa.Boolean, nullable=False),
        sa.Column("error", sa.Text),
        sa.Column("cost_usd", sa.Float),
        sa.Column("tag", sa.String(64)),
        sa.Column("step", sa.Integer),
    ]


def _ab_runs() -> list[Any]:
    return [
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("updated_at", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("spec", sa.JSON, nullable=False),
        sa.Column("result", sa.JSON),
        sa.Column("error", sa.Text),
    ]


def _ab_results() -> list[Any]:
    return [
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("ab_run_id", sa.String(32), sa.ForeignKey("ab_runs.id"), nullable=False),
        sa.Column("variant", sa.Integer, nullable=False),
        sa.Column("case_index", sa.Integer, nullable=False),
        sa.Column("case_id", sa.String(200), nullable=False),
        sa.Column("trial", sa.Integer, nullable=False),
        sa.Column("run_id", sa.String(32), sa.ForeignKey("runs.id")),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("output", sa.Text),
        sa.Column("score", sa.Float),
        sa.Column("passed", sa.Boolean),
        sa.Column("detail", sa.Text),
        sa.Column("latency_s", sa.Float),
        sa.Column("input_tokens", sa.Integer, nullable=False),
        sa.Column("output_tokens", sa.Integer, nullable=False),
        sa.Column("cost_usd", sa.Float),
        sa.Column("list_cost_usd", sa.Float),
        sa.Column("judge_cost_usd", sa.Float),
        sa.Column("cached", sa.Boolean, nullable=False),
        sa.Column("error", sa.Text),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.UniqueConstraint("ab_run_id", "variant", "case_index", "trial", name="uq_ab_results_key"),
    ]


def _ab_pairwise() -> list[Any]:
    return [
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("ab_run_id", sa.String(32), sa.ForeignKey("ab_runs.id"), nullable=False),
        sa.Column("baseline", sa.Integer, nullable=False),
        sa.Column("candidate", sa.Integer, nullable=False),
        sa.Column("case_index", sa.Integer, nullable=False),
        sa.Column("trial", sa.Integer, nullable=False),
        sa.Column("baseline_first", sa.String(8)),
        sa.Column("candidate_first", sa.String(8)),
        sa.Column("outcome", sa.String(16)),
        sa.Column("consistent", sa.Boolean),
        *_later("ab_pairwise"),
        sa.Column("cost_usd", sa.Float),
        sa.Column("error", sa.Text),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.UniqueConstraint("ab_run_id", "baseline", "candidate", "case_index", "trial", name="uq_ab_pairwise_key"),
    ]


# Columns that releases before Alembic added in place to older stores, in the order they were added.
_ADDED: tuple[tuple[str, Callable[[], sa.Column[Any]]], ...] = (
    ("runs", lambda: sa.Column("cost_estimate", sa.JSON)),
    ("calls", lambda: sa.Column("cost_usd", sa.Float)),
    ("calls", lambda: sa.Column("cached", sa.Boolean, nullable=False, server_default=sa.false())),
    ("runs", lambda: sa.Column("answer", sa.Text)),
    ("runs", lambda: sa.Column("reasoning", sa.Text)),
    ("runs", lambda: sa.Column("parsed", sa.JSON)),
    ("runs", lambda: sa.Column("votes", sa.JSON)),
    ("runs", lambda: sa.Column("confidence", sa.Float)),
    ("runs", lambda: sa.Column("samples_drawn", sa.Integer)),
    ("runs", lambda: sa.Column("steps", sa.JSON)),
    ("runs", lambda: sa.Column("details", sa.JSON)),
    ("calls", lambda: sa.Column("tag", sa.String(64))),
    ("calls", lambda: sa.Column("step", sa.Integer)),
    ("runs", lambda: sa.Column("origin", sa.String(16))),
    ("ab_pairwise", lambda: sa.Column("baseline_first_reason", sa.Text)),
    ("ab_pairwise", lambda: sa.Column("candidate_first_reason", sa.Text)),
)


def _later(table: str) -> list[sa.Column[Any]]:
    """The columns of ``table`` added in place by earlier releases (part of a table created new)."""
    return [make() for name, make in _ADDED if name == table]


_TABLES: tuple[tuple[str, Callable[[], list[Any]], tuple[str, ...]], ...] = (
    ("runs", _runs, ("created_at", "prompt_name")),
    ("calls", _calls, ("fingerprint", "run_id")),
    ("ab_runs", _ab_runs, ("created_at",)),
    ("ab_results", _ab_results, ("ab_run_id",)),
    ("ab_pairwise", _ab_pairwise, ("ab_run_id",)),
)


def upgrade() -> None:
    """Create the missing tables; add the columns an older store lacks; backfill ``origin``."""
    bind = op.get_bind()
    inspector = sa.inspect(bind)
    present = set(inspector.get_table_names())
    for table, definition, indexed in _TABLES:
        if table not in present:
            op.create_table(table, *definition())
            for column in indexed:
                op.create_index(f"ix_{table}_{column}", table, [column])
    backfill = False
    for table, make in _ADDED:
        if table not in present:
            continue
        added = make()
        if added.name not in {c["name"] for c in inspector.get_columns(table)}:
            op.add_column(table, added)
            backfill = backfill or (table, added.name) == ("runs", "origin")
    if backfill:
        _backfill_origin(present, {c["name"] for c in inspector.get_columns("runs")})


def _backfill_origin(present: set[str], columns: set[str]) -> None:
    """Set ``origin`` of rows recorded before the column existed: ``ab`` for A/B cases and judges, else ``run``."""
    if "ab_results" in present:
        op.execute("UPDATE runs SET origin = 'ab' WHERE id IN (SELECT run_id FROM ab_results)")
    if "strategy" in columns:  # the oldest stores have no strategy column
        op.execute("UPDATE runs SET origin = 'ab' WHERE origin IS NULL AND strategy = 'judge'")
    op.execute("UPDATE runs SET origin = 'run' WHERE origin IS NULL")


def downgrade() -> None:
    """Not reversible: going below the baseline would drop every recorded run."""
    raise NotImplementedError("the run store's baseline cannot be downgraded (it would drop every recorded run)")
