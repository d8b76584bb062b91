"""Driver-level reads take their decoding from the schema, so it cannot drift from the column types."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import msgspec
import pytest

from romas.store.raw import aware, instant, json_rows, raw_select, utc_text
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


def test_rows_as_one_json_parameter() -> None:
    naive = datetime(2031, 2, 3, 4, 5, 6, 7)
    text = json_rows([["a\x00b", 1, None, msgspec.Raw('{"k":"v"}'), aware(naive)], ["é", 2, True, None, None]])
    assert msgspec.json.decode(text) == [
        ["a\ufffdb", 1, None, {"k": "v"}, "2031-02-03T04:05:06.000007Z"],
        ["é", 2, True, None, None],
    ]
    assert aware(None) is None and aware(naive.replace(tzinfo=UTC)) == naive.replace(tzinfo=UTC)


def test_utc_instants_written_in_turn_are_isoformat_s_text() -> None:
    rnd = random.Random(11)
    value = datetime(2026, 12, 31, 23, 59, 58, 999_990, tzinfo=UTC)
    for _ in range(20_000):  # steps of microseconds to days, across seconds, days and years, back and forth
        value += timedelta(microseconds=rnd.choice([1, 7, 999_999, 1_000_000, -1_000_000, 86_400_000_000, -3]))
        assert utc_text(value) == value.isoformat(timespec="microseconds")[:-6] + "Z", value
        assert instant(value, "sqlite") == utc_text(value)
