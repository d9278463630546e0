"""Names and ids from outside promptctl become unbounded ``TEXT`` on PostgreSQL.

A ref, a model id (fine-tuned ids are long), a case id, a provider's request id or batch id longer than its
``VARCHAR(n)`` made PostgreSQL refuse the row (SQLite never enforced the length, so the same run recorded there).
On PostgreSQL a ``VARCHAR`` to ``TEXT`` change is binary-coercible: no table rewrite, indexes kept. On SQLite
nothing changes (the declared length has no effect there).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

COLUMNS: dict[str, dict[str, int]] = {
    "runs": {"ref": 200, "prompt_name": 100, "model": 200},
    "calls": {"model": 200, "request_id": 200, "finish_reason": 64, "response_model": 200},
    "ab_results": {"case_id": 200},
    "batches": {"model": 200, "provider_batch_id": 200, "input_file_id": 200},
}
"""Table -> column -> the ``VARCHAR`` length it had before this revision."""


def upgrade() -> None:
    """ALTER each column to ``TEXT`` on PostgreSQL; nothing on SQLite."""
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, columns in COLUMNS.items():
        for column, length in columns.items():
            op.alter_column(table, column, type_=sa.Text(), existing_type=sa.String(length))


def downgrade() -> None:
    """Back to ``VARCHAR(n)`` on PostgreSQL (fails if a longer value was stored since)."""
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, columns in COLUMNS.items():
        for column, length in columns.items():
            op.alter_column(table, column, type_=sa.String(length), existing_type=sa.Text())
