"""Agent checkpoints as JSON text on PostgreSQL: written on almost every runtime flush, read back only whole.

A checkpoint is an agent's whole mind, saved with what it finished processing; it is read again only when the agent
starts, and never queried inside. ``jsonb`` parses the document into PostgreSQL's own tree on every write; ``json``
checks it and keeps the text, at about half the CPU (~18 against ~35 us for a checkpoint of 750 bytes, more for a
larger mind), in the statement that holds the writer's batch. SQLite already keeps JSON as text.

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
