"""calls.finish_reason and calls.response_model: what the provider said it stopped on, and which model answered.

``finish_reason``: ``stop``, ``end_turn``, ``max_tokens`` ...; ``response_model``: the model id the reply reports
(``gpt-4.1-mini-2025-04-14`` for a request of ``gpt-4.1-mini``). Recorded from now on (NULL for calls recorded
before); ``log export --otlp`` sends them as ``gen_ai.response.finish_reasons`` and ``gen_ai.response.model``.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the nullable columns (no table rewrite on SQLite or PostgreSQL)."""
    op.add_column("calls", sa.Column("finish_reason", sa.String(64), nullable=True))
    op.add_column("calls", sa.Column("response_model", sa.String(200), nullable=True))


def downgrade() -> None:
    """Drop the columns."""
    with op.batch_alter_table("calls") as batch:
        batch.drop_column("response_model")
        batch.drop_column("finish_reason")
