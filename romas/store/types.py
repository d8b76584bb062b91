"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Dialect, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import TypeDecorator, TypeEngine


class UtcTimestamp(TypeDecorator[datetime]):
    """Aware UTC datetimes with microseconds.

    PostgreSQL keeps ``timestamptz``; SQLite keeps fixed-width ISO text so that comparing strings compares
    instants, which keeps ``?at=`` queries index-friendly on both.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(27))
        return dialect.type_descriptor(DateTime(timezone=True))

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use UTC-aware ones")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            # isoformat is several times faster than strftime and gives the same fixed-width text
            return value.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            return datetime.fromisoformat(value)  # reads the trailing Z as UTC; much faster than strptime
        assert isinstance(value, datetime)
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


def json_type(*, none_as_null: bool = False) -> TypeEngine[Any]:
    """JSONB on PostgreSQL (indexable, compact), JSON text on SQLite. ``none_as_null`` stores Python None as SQL
    NULL rather than the JSON value ``null``, which optional columns need for COALESCE and IS NULL."""
    return JSON(none_as_null=none_as_null).with_variant(JSONB(none_as_null=none_as_null), "postgresql")


def json_document_type() -> TypeEngine[Any]:
    """JSON text on both databases, for documents only ever read back whole (an agent's checkpoint). PostgreSQL's
    ``json`` keeps the text as given, checked; ``jsonb`` parses it into its own tree on every write, which made a
    checkpoint's upsert cost PostgreSQL ~1.5-2 times as much for a mind of a few kilobytes (bench/README.md)."""
    return JSON()
