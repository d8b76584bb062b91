"""Crash-loop quarantine: which agents were at work, and through how many consecutive crashes.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from romas.store.types import UtcTimestamp

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "agents_at_work",
        sa.Column("agent", sa.String(64), primary_key=True),
        sa.Column("at_work", sa.Boolean(), nullable=False),
        sa.Column("crashes", sa.Integer(), nullable=False),
        sa.Column("since", UtcTimestamp(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("agents_at_work")
