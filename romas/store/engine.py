"""Engines for both databases, tuned once here so the rest of the store need not know which one it has."""

from __future__ import annotations

from typing import Any

import msgspec
from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.util import await_

from romas.store.storable import storable_json, storable_parameters

WRITE_OPTION = "romas_write"
SQLITE_BUSY_TIMEOUT_MS = 30_000
"""How long a SQLite connection waits for another's lock."""
SQLITE_TEMP_STORE = "MEMORY"


def _json_dumps(value: Any) -> str:
    return storable_json(msgspec.json.encode(value).decode())


def _storable(engine: AsyncEngine) -> AsyncEngine:
    """Every statement SQLAlchemy sends stores U+FFFD for U+0000 in its text parameters (see storable.py)."""

    @event.listens_for(engine.sync_engine, "before_cursor_execute", retval=True)
    def _parameters(
        _conn: Connection, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool
    ) -> tuple[str, Any]:
        return statement, storable_parameters(parameters)

    return engine


def create_engine(url: str, *, pool_size: int = 20, sqlite_synchronous: str = "FULL") -> AsyncEngine:
    if url.startswith("sqlite"):
        return _sqlite_engine(url, sqlite_synchronous)
    return _storable(
        create_async_engine(
            url,
            pool_size=pool_size,
            max_overflow=pool_size,
            pool_pre_ping=False,
            json_serializer=_json_dumps,
            json_deserializer=msgspec.json.decode,
            connect_args={"server_settings": {"application_name": "romas", "timezone": "UTC"}},
        )
    )


def _sqlite_engine(url: str, synchronous: str) -> AsyncEngine:
    engine = _storable(
        create_async_engine(
            url,
            json_serializer=_json_dumps,
            json_deserializer=msgspec.json.decode,
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
        )
    )

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transactions into our own hands: pysqlite's implicit BEGIN cannot say IMMEDIATE.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.execute("PRAGMA foreign_keys=ON")
        # Statement journals (what a savepoint or a multi-row statement must be able to undo) and temporary tables
        # kept in memory: SQLite's default spills a statement journal past 64 KiB to a temporary file, created,
        # written and deleted within the transaction (every group-commit batch takes a savepoint per request): a
        # quarter of the server's write system calls under load (bench/README.md, "Statement journals in memory").
        # They are never needed after a crash, so durability is untouched.
        cursor.execute(f"PRAGMA temp_store={SQLITE_TEMP_STORE}")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Connection) -> None:
        # Writers take the write lock up front; a deferred BEGIN could deadlock on upgrade. Sent to aiosqlite's
        # thread in one trip (it may wait for another process's lock), not as a cursor's three (open, run, close):
        # every batch of the group commit begins here.
        driver = connection.connection.driver_connection
        assert driver is not None
        if driver._conn.in_transaction:
            return  # begun by hand: the group commit's writer runs its transactions itself
        write = connection.get_execution_options().get(WRITE_OPTION, False)
        await_(driver.execute("BEGIN IMMEDIATE" if write else "BEGIN"))

    return engine
