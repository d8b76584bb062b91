"""Driver-level reads take their decoding from the schema, so it cannot drift from the column types."""

from __future__ import annotations

from romas.store.raw import raw_select
from romas.store.tables import messages


def test_the_columns_to_decode_come_from_the_column_types() -> None:
    query = raw_select(messages, ("id", "accepted_at", "error", "finished_at"), "WHERE id = $1 AND agent = $2")
    assert query.sql == "SELECT id, accepted_at, error, finished_at FROM messages WHERE id = $1 AND agent = $2"
    assert query.sqlite_sql.endswith("WHERE id = ?1 AND agent = ?2")
    assert query.instants == (1, 3)
    assert query.documents == (2,)
