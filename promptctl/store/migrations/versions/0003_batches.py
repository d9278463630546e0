"""batches and batch_items: provider batches (``--batch``) and the fingerprints of their requests.

A batch row is written before anything is sent to the provider and its provider id as soon as it exists, so
``--resume`` finds the batch again (see :mod:`promptctl.store.batches`). Frozen copies of the table definitions.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the two tables and their indexes (absent until now)."""
    present = set(sa.inspect(op.get_bind()).get_table_names())
    if "batches" not in present:
        op.create_table(
            "batches",
            sa.Column("id", sa.String(32), primary_key=True),
            sa.Column("work_id", sa.String(64), nullable=False),
            sa.Column("provider", sa.String(32), nullable=False),
            sa.Column("model", sa.String(200), nullable=False),
            sa.Column("provider_batch_id", sa.String(200)),
            sa.Column("input_file_id", sa.String(200)),
            sa.Column("status", sa.String(16), nullable=False),
            sa.Column("requests", sa.Integer, nullable=False),
            sa.Column("counts", sa.JSON),
            sa.Column("error", sa.Text),
            sa.Column("created_at", sa.String(32), nullable=False),
            sa.Column("updated_at", sa.String(32), nullable=False),
        )
        op.create_index("ix_batches_work_id", "batches", ["work_id"])
    if "batch_items" not in present:
        op.create_table(
            "batch_items",
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("batch_id", sa.String(32), sa.ForeignKey("batches.id"), nullable=False),
            sa.Column("custom_id", sa.String(64), nullable=False),
            sa.Column("fingerprint", sa.String(64), nullable=False),
        )
        op.create_index("ix_batch_items_batch_id", "batch_items", ["batch_id"])


def downgrade() -> None:
    """Drop the tables."""
    op.drop_index("ix_batch_items_batch_id", "batch_items")
    op.drop_table("batch_items")
    op.drop_index("ix_batches_work_id", "batches")
    op.drop_table("batches")
