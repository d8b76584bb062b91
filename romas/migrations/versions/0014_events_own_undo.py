"""Events: a transaction may delete the events it inserted and has not committed; history stays sealed.

The writer shares one transaction between the write requests waiting at the same time (group commit). On
PostgreSQL a request's first appends run before its savepoint, which saves a round trip per request; should the
request fail after them, its events are deleted again (see ``romas.store.group_commit.Member``). No one else has
seen such an event, so deleting it is a rollback, not a rewrite of history. The trigger tells them apart by the
row's inserting transaction: one still in progress is this transaction (another transaction's uncommitted rows are
not visible to a DELETE). Every committed event is refused as before, and UPDATE and TRUNCATE always are.

SQLite is unchanged: there every request takes its savepoint at once (it costs no round trip).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# xmin is a 32-bit transaction id; pg_xact_status takes the 64-bit one: the current epoch (this transaction's, which
# every transaction id it holds shares, short of a wraparound mid-transaction; then the deletion is refused).
_OWN_UNCOMMITTED = (
    "TG_OP = 'DELETE' AND pg_xact_status(((((pg_current_xact_id()::text::bigint >> 32) << 32) "
    "| OLD.xmin::text::bigint))::text::xid8) = 'in progress'"
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    op.execute(
        f"""
        CREATE OR REPLACE FUNCTION romas_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF {_OWN_UNCOMMITTED} THEN
                RETURN OLD;
            END IF;
            RAISE EXCEPTION 'events are append-only: % refused', TG_OP USING ERRCODE = '42501';
        END
        $$
        """
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    op.execute(
        """
        CREATE OR REPLACE FUNCTION romas_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'events are append-only: % refused', TG_OP USING ERRCODE = '42501';
        END
        $$
        """
    )
