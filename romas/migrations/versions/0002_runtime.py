"""Live runtime: inbox messages, commands, agent checkpoints and the agent log.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from romas.store.types import UtcTimestamp

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _serial(name: str, sqlite: bool) -> sa.Column[int]:
    if sqlite:
        return sa.Column(name, sa.Integer(), primary_key=True, autoincrement=True)
    return sa.Column(name, sa.BigInteger(), sa.Identity(always=True), primary_key=True)


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.create_table(
        "messages",
        _serial("seq", sqlite),
        sa.Column("id", sa.String(32), nullable=False, unique=True),
        sa.Column("agent", sa.String(64), nullable=False),
        sa.Column("sender", sa.String(200), nullable=False),
        sa.Column("origin", sa.String(8), nullable=False),
        sa.Column("performative", sa.String(16), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("in_reply_to", sa.String(64), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("accepted_at", UtcTimestamp(), nullable=False),
        sa.Column("delivered_at", UtcTimestamp(), nullable=True),
        sa.Column("finished_at", UtcTimestamp(), nullable=True),
        sa.Column("expires_at", UtcTimestamp(), nullable=True),
        sa.Column("reply", sa.Text(), nullable=True),
        sa.Column("error", _json(), nullable=True),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_messages_agent_status_seq", "messages", ["agent", "status", "seq"])
    op.create_index("ix_messages_agent_seq", "messages", ["agent", "seq"])
    op.create_index("ix_messages_sender_seq", "messages", ["sender", "seq"])

    op.create_table(
        "commands",
        _serial("seq", sqlite),
        sa.Column("id", sa.String(32), nullable=False, unique=True),
        sa.Column("agent", sa.String(64), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("timeout_s", sa.Float(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("queued_at", UtcTimestamp(), nullable=False),
        sa.Column("started_at", UtcTimestamp(), nullable=True),
        sa.Column("finished_at", UtcTimestamp(), nullable=True),
        sa.Column("deadline_at", UtcTimestamp(), nullable=False),
        sa.Column("result", _json(), nullable=True),
        sa.Column("error", _json(), nullable=True),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_commands_agent_status_seq", "commands", ["agent", "status", "seq"])
    op.create_index("ix_commands_agent_seq", "commands", ["agent", "seq"])

    op.create_table(
        "checkpoints",
        sa.Column("agent", sa.String(64), primary_key=True),
        sa.Column("code_revision", sa.Integer(), nullable=False),
        sa.Column("state", _json(), nullable=False),
        sa.Column("updated_at", UtcTimestamp(), nullable=False),
    )

    op.create_table(
        "agent_log",
        _serial("id", sqlite),
        sa.Column("agent", sa.String(64), nullable=False),
        sa.Column("at", UtcTimestamp(), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("command", sa.String(32), nullable=True),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_agent_log_agent_id", "agent_log", ["agent", "id"])


def downgrade() -> None:
    op.drop_table("agent_log")
    op.drop_table("checkpoints")
    op.drop_table("commands")
    op.drop_table("messages")
