"""Connections for the hottest reads, outside SQLAlchemy's pool.

Why: a checkout from SQLAlchemy's async pool runs through a greenlet and, on PostgreSQL, sets the isolation level
(AUTOCOMMIT) on every checkout and return; on SQLite, more concurrent readers than the pool keeps open made it
open and close connections (with their PRAGMAs) all the time. For a one-row read (every ``GET`` of a resource,
every answer to an inbox POST, every event-stream read after a commit) that cost as much CPU as the query itself.
The PostgreSQL connections decode JSON columns exactly as the engine's do (msgspec); SQLite's answer text, which
the store decodes as the column types would (raw.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import aiosqlite
import asyncpg  # type: ignore[import-untyped]
import msgspec
from sqlalchemy.engine import URL

from romas.store.notify import listen_dsn


async def _codecs(connection: asyncpg.Connection) -> None:
    await connection.set_type_codec(
        "jsonb",
        encoder=lambda text: b"\x01" + text.encode(),
        decoder=lambda data: msgspec.json.decode(data[1:]),
        schema="pg_catalog",
        format="binary",
    )
    await connection.set_type_codec(
        "json", encoder=str.encode, decoder=msgspec.json.decode, schema="pg_catalog", format="binary"
    )


async def _keep(connection: asyncpg.Connection) -> None:
    """Reads change no session state: skip asyncpg's reset query (a round trip at every release)."""


class ReadPool:
    """An asyncpg pool opened on first use (in the running event loop) and closed with the store."""

    def __init__(self, url: URL, size: int) -> None:
        self._dsn = listen_dsn(url)
        self._size = size
        self._pool: asyncpg.Pool | None = None
        self._opening: asyncio.Lock | None = None

    async def _open(self) -> asyncpg.Pool:
        if self._opening is None:
            self._opening = asyncio.Lock()
        async with self._opening:
            if self._pool is None:
                self._pool = await asyncpg.create_pool(
                    self._dsn,
                    min_size=1,
                    max_size=self._size,
                    init=_codecs,
                    reset=_keep,
                    server_settings={"application_name": "romas", "timezone": "UTC"},
                )
        return self._pool

    async def fetch(self, sql: str, args: Sequence[Any]) -> list[Sequence[Any]]:
        pool = self._pool or await self._open()
        return list(await pool.fetch(sql, *args))

    async def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            await pool.close()


class SqliteReadPool:
    """A few aiosqlite connections kept open (each is a thread; reads in WAL mode do not wait for the writer)."""

    def __init__(self, path: str, size: int) -> None:
        self._path = path
        self._size = size
        self._idle: list[aiosqlite.Connection] = []
        self._all: list[aiosqlite.Connection] = []
        self._freed: asyncio.Condition | None = None

    @staticmethod
    def usable(database: str | None) -> bool:
        return bool(database) and database != ":memory:" and not str(database).startswith("file:")

    async def _acquire(self) -> aiosqlite.Connection:
        if self._idle:
            return self._idle.pop()
        if len(self._all) < self._size:
            self._all.append(connection := await self._connect())
            return connection
        if self._freed is None:
            self._freed = asyncio.Condition()
        async with self._freed:
            await self._freed.wait_for(lambda: bool(self._idle))
            return self._idle.pop()

    async def _connect(self) -> aiosqlite.Connection:
        connection = await aiosqlite.connect(Path(self._path), isolation_level=None, check_same_thread=False)
        await connection.execute("PRAGMA busy_timeout=30000")
        await connection.execute("PRAGMA query_only=ON")
        return connection

    async def _release(self, connection: aiosqlite.Connection) -> None:
        self._idle.append(connection)
        if self._freed is not None:
            async with self._freed:
                self._freed.notify()

    async def fetch(self, sql: str, args: Sequence[Any]) -> list[Sequence[Any]]:
        connection = await self._acquire()
        try:
            return list(await connection.execute_fetchall(sql, args))
        finally:
            await self._release(connection)

    async def close(self) -> None:
        connections, self._all, self._idle = self._all, [], []
        for connection in connections:
            await connection.close()
