"""Statements sent straight through the driver, for the hottest reads and writes: no statement building, no result
processing, parameters encoded once.

A :class:`RawSelect` is written once, from a table and the columns a row type wants; which columns SQLite answers
as text (timestamps, JSON) is read off the column types, so the decoding cannot drift from the schema.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import msgspec
from sqlalchemy import JSON, Table

from romas.records import record
from romas.store.storable import storable_json
from romas.store.types import UtcTimestamp


@record
class RawSelect:
    sql: str
    """PostgreSQL's text: parameters ``$1, $2``."""
    sqlite_sql: str
    """SQLite's text: the same parameters as ``?1, ?2``."""
    instants: tuple[int, ...]
    """Columns SQLite answers as ISO text."""
    documents: tuple[int, ...]
    """Columns SQLite answers as JSON text."""


def raw_select(table: Table, columns: Sequence[str], condition: str) -> RawSelect:
    """``SELECT columns FROM table condition``, where ``condition`` numbers its parameters ``$1, $2``."""
    sql = f"SELECT {', '.join(columns)} FROM {table.name} {condition}"
    types = [table.c[name].type for name in columns]
    return RawSelect(
        sql=sql,
        sqlite_sql=sqlite_text(sql),
        instants=tuple(i for i, kind in enumerate(types) if isinstance(kind, UtcTimestamp)),
        documents=tuple(i for i, kind in enumerate(types) if isinstance(kind, JSON)),
    )


def sqlite_text(sql: str) -> str:
    """PostgreSQL's ``$1, $2`` parameters as SQLite's ``?1, ?2``."""
    return re.sub(r"\$(\d+)", r"?\1", sql)


def decode(query: RawSelect, rows: list[Sequence[Any]]) -> list[Sequence[Any]]:
    """SQLite's rows as the column types would read them (ISO text to instants, JSON text to documents)."""
    if not (query.instants or query.documents):
        return rows
    decoded: list[Sequence[Any]] = []
    for row in rows:
        values = list(row)
        for i in query.instants:
            if values[i] is not None:
                values[i] = datetime.fromisoformat(values[i])
        for i in query.documents:
            if values[i] is not None:
                values[i] = msgspec.json.decode(values[i])
        decoded.append(values)
    return decoded


def document(value: Any) -> str:
    """A JSON column's parameter, as both drivers take it (SQLAlchemy's asyncpg codec takes JSON text too)."""
    return storable_json(msgspec.json.encode(value).decode())


_ROWS = msgspec.json.Encoder()


def json_rows(rows: Sequence[Sequence[Any]]) -> str:
    """Rows of a PostgreSQL statement's parameters as one JSON array of arrays, read as ``jsonb`` (parsed once;
    ``->>`` on ``json`` text parses it again for every field, which cost PostgreSQL three times the CPU of the
    arrays) with ``jsonb_array_elements``, instead of one array parameter per column: asyncpg encodes an array
    parameter element by element, its shape checks included (~0.7 us an element, some 15 per message accepted),
    msgspec encodes the rows at once, and PostgreSQL reads ``jsonb`` rows for about what the arrays cost it.
    Instants must be aware (``aware``); a column already JSON is given as ``msgspec.Raw`` and embedded as it is; an
    escaped U+0000 is stored as U+FFFD (storable.py)."""
    return storable_json(_ROWS.encode(rows).decode())


def aware(value: datetime | None) -> datetime | None:
    """An instant for :func:`json_rows`: a naive one is UTC, as asyncpg takes it for ``timestamptz``."""
    return value if value is None or value.tzinfo is not None else value.replace(tzinfo=UTC)


def instant(value: datetime, dialect: str) -> Any:
    """A timestamp column's parameter: the aware datetime for PostgreSQL, the fixed-width ISO text for SQLite
    (what :class:`~romas.store.types.UtcTimestamp` writes)."""
    if dialect == "postgresql":
        return value
    if value.tzinfo is UTC:  # the store's own clock
        return utc_text(value)
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


_last_second: tuple[tuple[int, ...], str] = ((), "")
"""The last second :func:`utc_text` wrote, and its text (one tuple: assigned at once)."""


def utc_text(value: datetime) -> str:
    """An instant of the UTC clock as SQLite's fixed-width text, ``2026-12-06T02:41:11.971639Z``. The instants of a
    write mostly share their second, whose text is kept: ``isoformat`` of an aware instant (its offset computed and
    formatted) cost ~1 us, and SQLite's writes format several per message."""
    global _last_second
    key = (value.year, value.month, value.day, value.hour, value.minute, value.second)
    last, prefix = _last_second
    if key != last:
        prefix = value.isoformat(timespec="seconds")[:-6]
        _last_second = (key, prefix)
    return f"{prefix}.{value.microsecond:06d}Z"


@record
class RawStatement:
    """A write statement sent straight through the driver in a write request's transaction."""

    sql: str
    """PostgreSQL's text: parameters ``$1, $2``."""
    sqlite_sql: str
    """SQLite's text: the same parameters as ``?1, ?2``."""


def raw_statement(sql: str) -> RawStatement:
    return RawStatement(sql, sqlite_text(sql))


def optional_document(value: Any) -> str | None:
    """A nullable JSON column's parameter: None stays SQL NULL (what ``none_as_null`` columns hold)."""
    return None if value is None else document(value)


@functools.cache
def resources_by_stream_sqlite(columns: str, count: int) -> RawStatement:
    """SQLite's ``SELECT columns FROM resources WHERE stream_id IN (?1, .. ?count)``, built once per shape (the
    gates of grouped accepts read their resources with it)."""
    marks = ", ".join(f"?{i + 1}" for i in range(count))
    return RawStatement("", f"SELECT {columns} FROM resources WHERE stream_id IN ({marks})")
