"""Event store: append-only events, current-state projection, per-revision states, idempotency keys.

Revision ID: 0001
Revises:
Create Date: 2026-11-21
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from romas.store.types import UtcTimestamp

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    position = (
        sa.Column("position", sa.Integer(), primary_key=True, autoincrement=True)
        if sqlite
        else sa.Column("position", sa.BigInteger(), sa.Identity(always=True), primary_key=True)
    )
    op.create_table(
        "events",
        position,
        sa.Column("stream_type", sa.String(32), nullable=False),
        sa.Column("stream_id", sa.String(300), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(64), nullable=False),
        sa.Column("data", _json(), nullable=False),
        sa.Column("metadata", _json(), nullable=False),
        sa.Column("recorded_at", UtcTimestamp(), nullable=False),
        sa.UniqueConstraint("stream_id", "version", name="uq_events_stream_version"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_events_stream_type_position", "events", ["stream_type", "position"])

    op.create_table(
        "resources",
        sa.Column("stream_id", sa.String(300), primary_key=True),
        sa.Column("stream_type", sa.String(32), nullable=False),
        sa.Column("parent", sa.String(300), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("state", _json(), nullable=False),
        sa.Column("updated_at", UtcTimestamp(), nullable=False),
    )
    op.create_index("ix_resources_listing", "resources", ["stream_type", "parent", "name"])

    op.create_table(
        "revisions",
        sa.Column("stream_id", sa.String(300), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("stream_type", sa.String(32), nullable=False),
        sa.Column("parent", sa.String(300), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column("event_type", sa.String(64), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("changed", sa.Text(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("state", _json(), nullable=False),
        sa.Column("meta", _json(), nullable=False),
        sa.Column("recorded_at", UtcTimestamp(), nullable=False),
        sa.PrimaryKeyConstraint("stream_id", "revision", name="pk_revisions"),
    )
    op.create_index("ix_revisions_stream_time", "revisions", ["stream_id", "recorded_at"])
    op.create_index("ix_revisions_type_time", "revisions", ["stream_type", "parent", "recorded_at"])

    op.create_table(
        "idempotency_keys",
        sa.Column("principal", sa.String(200), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("method", sa.String(10), nullable=False),
        sa.Column("path", sa.String(1000), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("status", sa.SmallInteger(), nullable=False),
        sa.Column("headers", _json(), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", UtcTimestamp(), nullable=False),
        sa.PrimaryKeyConstraint("principal", "key", name="pk_idempotency_keys"),
    )

    # The database itself refuses to rewrite history.
    if sqlite:
        for operation in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER events_refuse_{operation.lower()} BEFORE {operation} ON events "
                f"BEGIN SELECT RAISE(ABORT, 'events are append-only: {operation} refused'); END"
            )
    else:
        op.execute(
            """
            CREATE FUNCTION romas_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'events are append-only: % refused', TG_OP USING ERRCODE = '42501';
            END
            $$
            """
        )
        op.execute(
            "CREATE TRIGGER events_refuse_change BEFORE UPDATE OR DELETE ON events "
            "FOR EACH ROW EXECUTE FUNCTION romas_events_append_only()"
        )
        op.execute(
            "CREATE TRIGGER events_refuse_truncate BEFORE TRUNCATE ON events "
            "FOR EACH STATEMENT EXECUTE FUNCTION romas_events_append_only()"
        )


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.execute("DROP TRIGGER IF EXISTS events_refuse_update")
        op.execute("DROP TRIGGER IF EXISTS events_refuse_delete")
    else:
        op.execute("DROP TRIGGER IF EXISTS events_refuse_truncate ON events")
        op.execute("DROP TRIGGER IF EXISTS events_refuse_change ON events")
        op.execute("DROP FUNCTION IF EXISTS romas_events_append_only()")
    op.drop_table("idempotency_keys")
    op.drop_table("revisions")
    op.drop_table("resources")
    op.drop_table("events")
