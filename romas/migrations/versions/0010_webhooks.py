"""Webhooks: each subscription's secret and cursor in the event log, and its deliveries.

The subscription itself is a revisioned resource (``/subscriptions/{id}``); its secret stays out of the
revisions, and its cursor moves with every event it takes, so both live here (an external agent's signing
secret too, under ``agent:{name}``).

Revision ID: 0010
Revises: 0008
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from romas.store.types import UtcTimestamp

revision: str = "0010"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    seq = (
        sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=True)
        if sqlite
        else sa.Column("seq", sa.BigInteger(), sa.Identity(always=True), primary_key=True)
    )
    op.create_table(
        "webhook_cursors",
        sa.Column("subscription", sa.String(80), primary_key=True),
        sa.Column("secret", sa.String(200), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "webhook_deliveries",
        seq,
        sa.Column("id", sa.String(32), nullable=False, unique=True),
        sa.Column("subscription", sa.String(32), nullable=False),
        sa.Column("event_position", sa.BigInteger(), nullable=True),
        sa.Column("stream", sa.String(300), nullable=False),
        sa.Column("event_type", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", UtcTimestamp(), nullable=False),
        sa.Column("next_attempt_at", UtcTimestamp(), nullable=False),
        sa.Column("finished_at", UtcTimestamp(), nullable=True),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_webhook_deliveries_sub_seq", "webhook_deliveries", ["subscription", "seq"])
    op.create_index("ix_webhook_deliveries_sub_status_seq", "webhook_deliveries", ["subscription", "status", "seq"])


def downgrade() -> None:
    op.drop_table("webhook_deliveries")
    op.drop_table("webhook_cursors")
