"""Driver-level reads take their decoding from the schema, so it cannot drift from the column types."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from romas.store.raw import instant, raw_select
from romas.store.tables import messages


def test_the_columns_to_decode_come_from_the_column_types() -> None:
    query = raw_select(messages, ("id", "accepted_at", "error", "finished_at"), "WHERE id = $1 AND agent = $2")
    assert query.sql == "SELECT id, accepted_at, error, finished_at FROM messages WHERE id = $1 AND agent = $2"
    assert query.sqlite_sql.endswith("WHERE id = ?1 AND agent = ?2")
    assert query.instants == (1, 3)
    assert query.documents == (2,)


@pytest.mark.parametrize(
    "value",
    [
        datetime(2026, 12, 6, 2, 41, 11, 971639, tzinfo=UTC),
        datetime(2026, 12, 6, 2, 41, 11, tzinfo=UTC),
        datetime(2026, 12, 6, 3, 41, 11, 5, tzinfo=timezone(timedelta(hours=1))),
        datetime(2026, 12, 6, 2, 41, 11, 5, tzinfo=ZoneInfo("UTC")),
    ],
)
def test_an_instant_is_sqlite_s_fixed_width_utc_text(value: datetime) -> None:
    text = instant(value, "sqlite")
    assert len(text) == len("2026-12-06T02:41:11.000000Z")
    assert text.endswith("Z")
    assert datetime.fromisoformat(text) == value
    assert instant(value, "postgresql") is value
