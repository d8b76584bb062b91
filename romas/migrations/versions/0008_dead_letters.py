"""Dead letters: a retried message names its retry and the retry names it; failed messages listed across agents.

Revision ID: 0008
Revises: 0005
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN on both databases: no table rebuild on SQLite.
    op.add_column("messages", sa.Column("retry_of", sa.String(32), nullable=True))
    op.add_column("messages", sa.Column("retried_by", sa.String(32), nullable=True))
    op.create_index("ix_messages_status_seq", "messages", ["status", "seq"])


def downgrade() -> None:
    op.drop_index("ix_messages_status_seq", table_name="messages")
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("retried_by")
        batch.drop_column("retry_of")
