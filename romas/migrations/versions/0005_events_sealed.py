"""Events cannot be rewritten by any path: a REPLACE or an upsert on SQLite, triggers switched off on PostgreSQL.

On SQLite, ``INSERT OR REPLACE`` / ``REPLACE INTO`` (and an upsert) delete the row in the way without firing
DELETE triggers unless ``recursive_triggers`` is on, so the UPDATE and DELETE triggers of 0001 did not cover
them: an insert that would meet an existing position or (stream, version) is now refused before it happens.
A refusal by a trigger is a constraint error, so the event store still reads a lost race as a conflict.

On PostgreSQL, UPDATE, DELETE, upserts, MERGE, views and TRUNCATE were already refused; the triggers now fire
``ALWAYS``, also in a session that sets ``session_replication_role = replica`` (which skips ordinary triggers).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "CREATE TRIGGER events_refuse_replace BEFORE INSERT ON events "
            "WHEN EXISTS (SELECT 1 FROM events WHERE position = NEW.position) "
            "OR EXISTS (SELECT 1 FROM events WHERE stream_id = NEW.stream_id AND version = NEW.version) "
            "BEGIN SELECT RAISE(ABORT, 'events are append-only: an insert in place of an event refused'); END"
        )
    else:
        op.execute("ALTER TABLE events ENABLE ALWAYS TRIGGER events_refuse_change")
        op.execute("ALTER TABLE events ENABLE ALWAYS TRIGGER events_refuse_truncate")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS events_refuse_replace")
    else:
        op.execute("ALTER TABLE events ENABLE TRIGGER events_refuse_change")
        op.execute("ALTER TABLE events ENABLE TRIGGER events_refuse_truncate")
