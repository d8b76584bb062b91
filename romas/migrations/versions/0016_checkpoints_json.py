"""Agent checkpoints as JSON text on PostgreSQL: written on almost every runtime flush, read back only whole.

A checkpoint is an agent's whole mind, saved with what it finished processing; it is read again only when the agent
starts, and never queried inside. ``jsonb`` parses the document into PostgreSQL's own tree on every write; ``json``
checks it and keeps the text: a checkpoint's upsert, in the runtime flush's statement that holds the writer's batch,
costs ~15-30% less for 750 bytes and ~30-50% less from a few kilobytes on (bench/README.md). SQLite already keeps
JSON as text.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    op.execute("ALTER TABLE checkpoints ALTER COLUMN state TYPE json USING state::json")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    op.execute("ALTER TABLE checkpoints ALTER COLUMN state TYPE jsonb USING state::jsonb")
