"""Reads sent straight through the driver, for the hottest queries: no statement building, no result processing.

A :class:`RawSelect` is written once, from a table and the columns a row type wants; which columns SQLite answers
as text (timestamps, JSON) is read off the column types, so the decoding cannot drift from the schema.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import JSON, Table

from romas.store.types import UtcTimestamp


@dataclass(frozen=True, slots=True)
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
        sqlite_sql=re.sub(r"\$(\d+)", r"?\1", sql),
        instants=tuple(i for i, kind in enumerate(types) if isinstance(kind, UtcTimestamp)),
        documents=tuple(i for i, kind in enumerate(types) if isinstance(kind, JSON)),
    )
