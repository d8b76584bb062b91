"""A batch's opening in one round trip: the append lock and a check that the log ends where this process left it.

A write batch takes the append lock and then needs the newest event (its instant keeps ``recorded_at`` monotonic).
Read in the query that takes the lock, it would come from a snapshot older than the wait; so it took a second round
trip of its own. Most of the time the newest event is the one this process wrote last, and the process knows it.
``romas_lock_appends`` takes the lock, then checks that the log still ends at the event the caller names, in a
statement of its own (a volatile function's statements each take a fresh snapshot); it returns one row if it does
not, none if it does, so the writer learns the answer from the command's tag in the same simple query as ``BEGIN``
and reads the newest event only when another process (or anything else) wrote since.

SQLite is unchanged: its write lock is the transaction's own, and reads there cost no round trip.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    op.execute(
        """
        CREATE OR REPLACE FUNCTION romas_lock_appends(lock_key bigint, known_position bigint, known_at timestamptz)
        RETURNS SETOF integer LANGUAGE plpgsql VOLATILE AS $$
        DECLARE
            newest_position bigint;
            newest_at timestamptz;
        BEGIN
            PERFORM pg_advisory_xact_lock(lock_key);
            SELECT position, recorded_at INTO newest_position, newest_at FROM events ORDER BY position DESC LIMIT 1;
            IF newest_position IS DISTINCT FROM known_position OR newest_at IS DISTINCT FROM known_at THEN
                RETURN NEXT 1;
            END IF;
        END
        $$
        """
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    op.execute("DROP FUNCTION IF EXISTS romas_lock_appends(bigint, bigint, timestamptz)")
